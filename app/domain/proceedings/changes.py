"""What changed between two editions: pieces added, removed, in a new version, moved.

Stored with the new edition as plain JSON (titles included), so the list
reads the same years later, whatever happens to the submissions.
"""
from __future__ import annotations

from collections.abc import Sequence

from app.extensions import db
from app.models import EditionItem, Organisation, Submission


def _describe(submission_id: int, version, section: str) -> dict:
    submission = db.session.get(Submission, submission_id)
    organisation: Organisation = submission.organisation
    return {"submission_id": submission_id, "title": version.title, "section": section,
            "organisation_zh": organisation.name_zh, "organisation_en": organisation.name_en,
            "version": version.number}


def changes_between(previous: Sequence[EditionItem], entries: Sequence) -> list[dict]:
    """Changes from ``previous`` (an edition's items) to ``entries`` (the new order).

    A piece counts as moved when its place relative to the pieces in both
    editions changed — adding one piece at the top does not move the rest.
    """
    before = [(item.submission_id, item.version, item.section) for item in previous]
    after = [(entry.submission.id, entry.version, entry.kind.value) for entry in entries]
    old = {sid: (version, section) for sid, version, section in before}
    new = {sid: (version, section) for sid, version, section in after}
    changes = []
    for sid, version, section in after:
        if sid not in old:
            changes.append({"type": "added", **_describe(sid, version, section)})
        elif old[sid][0].id != version.id:
            changes.append({"type": "new_version", **_describe(sid, version, section),
                            "previous_version": old[sid][0].number})
    for sid, version, section in before:
        if sid not in new:
            changes.append({"type": "removed", **_describe(sid, version, section)})
    common_before = [(sid, section) for sid, _v, section in before if sid in new]
    common_after = [(sid, section) for sid, _v, section in after if sid in old]
    kept = set(_longest_common_subsequence(common_before, common_after))
    for position, (sid, version, section) in enumerate(after, start=1):
        if sid in old and (sid, section) not in kept:
            changes.append({"type": "moved", **_describe(sid, version, section), "position": position})
    return changes


def _longest_common_subsequence(a: list, b: list) -> list:
    """Classic dynamic programme; a book holds at most a few hundred pieces."""
    lengths = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) - 1, -1, -1):
        for j in range(len(b) - 1, -1, -1):
            lengths[i][j] = lengths[i + 1][j + 1] + 1 if a[i] == b[j] else max(lengths[i + 1][j], lengths[i][j + 1])
    result, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        if a[i] == b[j]:
            result.append(a[i])
            i, j = i + 1, j + 1
        elif lengths[i + 1][j] > lengths[i][j + 1]:
            i += 1
        else:
            j += 1
    return result
