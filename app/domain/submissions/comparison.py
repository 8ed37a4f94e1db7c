"""Comparing two versions of a submission: the one comparison both the bureau and the reviewer read.

Field by field, then the body paragraph by paragraph and word by word.
Everything returned is plain text in small structures; templates render it
with autoescaping, so nothing here builds HTML from what authors wrote.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any, Literal

from app.domain.submissions.bodies.rendering import plain_text
from app.models import SubmissionVersion

# The fields a reader compares, in the order the page shows them
# (their names for the reader are ``FIELD_LABELS`` in ``app.domain.labels``).
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

    @property
    def changed(self) -> bool:
        return bool(self.fields) or self.body_changed


def compare_versions(old: SubmissionVersion, new: SubmissionVersion) -> VersionComparison:
    """What changed from ``old`` to ``new``: changed fields, and the body as plain-text paragraphs."""
    return VersionComparison(
        old=old, new=new, fields=diff_fields(_comparable(old), _comparable(new)),
        body=diff_bodies(old.body_html, new.body_html),
    )


def _comparable(version: SubmissionVersion) -> dict:
    values = {name: getattr(version, name) for name in COMPARED_FIELDS}
    values["key_tasks"] = [f"{task['number']}. {task['title_zh']}" for task in version.key_tasks]
    # Pictures shown in the body are compared as part of the body; a file
    # replaced under the same name shows by its changed digest.
    values["attachments"] = [f"{item['name']} ({item['sha256'][:12]})"
                             for item in version.attachments if not item.get("in_body")]
    return values


# --- the engine: paragraphs, then words --------------------------------------------

LineKind = Literal["equal", "delete", "insert", "change"]
SegmentKind = Literal["equal", "delete", "insert"]

# Two paragraphs at least this similar are shown as one changed paragraph.
SIMILAR_ENOUGH = 0.4
# Word-level diffs of longer paragraphs cost too much; they are shown whole.
MAX_TOKENS_FOR_WORD_DIFF = 5_000

# One Han character, kana or full-width mark is one "word"; so is a run of other
# word characters, a run of spaces, or any single other character.
_CJK = "\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_TOKEN = re.compile(rf"[{_CJK}]|(?:(?![{_CJK}])\w)+|\s+|.", re.DOTALL)


@dataclass(frozen=True)
class DiffSegment:
    kind: SegmentKind
    text: str


@dataclass(frozen=True)
class DiffLine:
    """One paragraph of the comparison.

    `old` and `new` are the paragraph before and after (None when it did not
    exist on that side). For a "change", `segments` spell out the words kept,
    deleted and inserted, in reading order.
    """

    kind: LineKind
    old: str | None
    new: str | None
    segments: list[DiffSegment] = field(default_factory=list)


@dataclass(frozen=True)
class FieldDiff:
    name: str
    old: str
    new: str
    lines: list[DiffLine]


def diff_text(old: str, new: str) -> list[DiffLine]:
    """Compare two texts paragraph by paragraph (blank-line separated), then word by word.

    Unchanged paragraphs are included with kind "equal" so that a template can
    show or fold the context.
    """
    old_paragraphs = _paragraphs(old)
    new_paragraphs = _paragraphs(new)
    matcher = SequenceMatcher(None, old_paragraphs, new_paragraphs, autojunk=False)
    lines: list[DiffLine] = []
    for tag, old_start, old_end, new_start, new_end in matcher.get_opcodes():
        olds = old_paragraphs[old_start:old_end]
        news = new_paragraphs[new_start:new_end]
        if tag == "equal":
            lines += [DiffLine("equal", text, text) for text in olds]
        else:
            lines += _replaced(olds, news)
    return lines


def diff_bodies(old_html: str, new_html: str) -> list[DiffLine]:
    """`diff_text` of the plain text of two sanitised bodies."""
    return diff_text(plain_text(old_html), plain_text(new_html))


def diff_fields(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[FieldDiff]:
    """The fields whose values differ, in the order of `old` then fields only in `new`.

    Values are compared as text: None is empty, a list is its items as
    paragraphs (e.g. key tasks), anything else is `str()`.
    """
    changed = []
    for name in list(old) + [name for name in new if name not in old]:
        before, after = _as_text(old.get(name)), _as_text(new.get(name))
        if before != after:
            changed.append(FieldDiff(name, before, after, diff_text(before, after)))
    return changed


def _replaced(olds: list[str], news: list[str]) -> list[DiffLine]:
    lines = []
    for index in range(max(len(olds), len(news))):
        before = olds[index] if index < len(olds) else None
        after = news[index] if index < len(news) else None
        if before is None:
            lines.append(DiffLine("insert", None, after))
        elif after is None:
            lines.append(DiffLine("delete", before, None))
        else:
            lines += _changed_paragraph(before, after)
    return lines


def _changed_paragraph(before: str, after: str) -> list[DiffLine]:
    old_tokens, new_tokens = _TOKEN.findall(before), _TOKEN.findall(after)
    if len(old_tokens) + len(new_tokens) <= MAX_TOKENS_FOR_WORD_DIFF:
        matcher = SequenceMatcher(None, old_tokens, new_tokens, autojunk=False)
        if matcher.ratio() >= SIMILAR_ENOUGH:
            return [DiffLine("change", before, after, _segments(matcher, old_tokens, new_tokens))]
    return [DiffLine("delete", before, None), DiffLine("insert", None, after)]


def _segments(matcher: SequenceMatcher, old: list[str], new: list[str]) -> list[DiffSegment]:
    segments: list[DiffSegment] = []
    for tag, old_start, old_end, new_start, new_end in matcher.get_opcodes():
        if tag == "equal":
            _append(segments, "equal", "".join(old[old_start:old_end]))
        else:
            _append(segments, "delete", "".join(old[old_start:old_end]))
            _append(segments, "insert", "".join(new[new_start:new_end]))
    return segments


def _append(segments: list[DiffSegment], kind: SegmentKind, text: str) -> None:
    if not text:
        return
    if segments and segments[-1].kind == kind:
        segments[-1] = DiffSegment(kind, segments[-1].text + text)
    else:
        segments.append(DiffSegment(kind, text))


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text.replace("\r\n", "\n")) if p.strip()]


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return "\n\n".join(_as_text(item) for item in value)
    return str(value)
