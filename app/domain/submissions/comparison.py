"""Comparing two versions of a submission, field by field and paragraph by paragraph."""
from __future__ import annotations

from dataclasses import dataclass

from app.domain.submissions.diffing import DiffLine, FieldDiff, diff_bodies, diff_fields
from app.models import SubmissionVersion

# The fields a reader compares, in the order the page shows them.
COMPARED_FIELDS = ("title", "subtitle", "speaker_name", "speaker_post", "planned_minutes", "abstract",
                   "key_tasks", "attachments")


@dataclass(frozen=True)
class VersionComparison:
    old: SubmissionVersion
    new: SubmissionVersion
    fields: list[FieldDiff]
    body: list[DiffLine]

    @property
    def body_changed(self) -> bool:
        return any(line.kind != "equal" for line in self.body)


def _comparable(version: SubmissionVersion) -> dict:
    values = {name: getattr(version, name) for name in COMPARED_FIELDS}
    values["key_tasks"] = [f"{task['number']}. {task['title_zh']} / {task['title_en']}" for task in version.key_tasks]
    values["attachments"] = [f"{item['name']} ({item['sha256'][:12]})" for item in version.attachments]
    return values


def compare_versions(old: SubmissionVersion, new: SubmissionVersion) -> VersionComparison:
    """What changed from ``old`` to ``new``: changed fields, and the body as plain-text paragraphs."""
    return VersionComparison(
        old=old, new=new, fields=diff_fields(_comparable(old), _comparable(new)),
        body=diff_bodies(old.body_html, new.body_html),
    )
