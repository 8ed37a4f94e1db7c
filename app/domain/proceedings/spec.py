"""From the database to the typesetter's plain data: which pieces, which versions, what order.

The book prints the version a reviewer approved — never the mutable draft,
which a reopened piece may already be changing again. The builder in
``app.domain.proceedings`` reads only the :class:`BookSpec` made here.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload, undefer_group

from app.domain.proceedings.typesetting.book import (
    SECTION_TITLES,
    BookConference,
    BookKeyTask,
    BookPiece,
    BookProgrammeRow,
    BookSection,
    BookSpec,
)
from app.domain.proceedings.typesetting.numbering import numbered_sections
from app.domain.submissions.storage import key_for
from app.extensions import db
from app.models import (
    Conference,
    Decision,
    DecisionOutcome,
    ExchangeKind,
    ProceedingsEdition,
    Submission,
    SubmissionState,
    SubmissionVersion,
)
from app.storage.base import FileStore

SECTION_ORDER = (ExchangeKind.ORAL, ExchangeKind.WRITTEN)
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Entry:
    """One approved piece as the proceedings would hold it now."""

    submission: Submission
    version: SubmissionVersion

    @property
    def kind(self) -> ExchangeKind:
        return self.submission.kind


def approved_versions(submission_ids: list[int]) -> dict[int, SubmissionVersion]:
    """Submission id -> the version its latest approval points at, with its body (a build reads it).

    The editors' ordering page reads only the version numbers, in its own query
    (``editor_list``)."""
    if not submission_ids:
        return {}
    decisions = db.session.scalars(
        sa.select(Decision).options(selectinload(Decision.version).undefer(SubmissionVersion.body_html))
        .where(Decision.submission_id.in_(submission_ids), Decision.outcome == DecisionOutcome.APPROVE)
        .order_by(Decision.decided_at, Decision.id)
    )
    # Later approvals overwrite earlier ones: the last one written wins.
    return {d.submission_id: d.version for d in decisions}


def approved_submissions(conference: Conference) -> list[Submission]:
    """Every approved submission of the conference, in the editors' order by section."""
    submissions = db.session.scalars(
        sa.select(Submission)
        .options(selectinload(Submission.organisation), selectinload(Submission.invitation))
        .where(Submission.conference_id == conference.id, Submission.state == SubmissionState.APPROVED)
    ).all()
    return sorted(submissions, key=book_order_key)


def book_order_key(submission: Submission) -> tuple:
    """Sections in book order; within one, the editors' position, else the speaking order."""
    return (
        SECTION_ORDER.index(submission.kind),
        submission.proceedings_position is None,
        submission.proceedings_position or 0,
        submission.invitation.speaking_order is None,
        submission.invitation.speaking_order or 0,
        submission.invitation_id,
    )


def current_entries(conference: Conference, *, include_excluded: bool = False) -> list[Entry]:
    """The pieces a build started now would hold, in order (with their approved versions and bodies)."""
    submissions = approved_submissions(conference)
    if not include_excluded:
        submissions = [s for s in submissions if not s.excluded_from_proceedings]
    versions = approved_versions([s.id for s in submissions])
    return [Entry(s, versions[s.id]) for s in submissions if s.id in versions]


def piece_language(title: str, body_html: str) -> str:
    """``zh-CN`` when most letters are Chinese, so the book picks the mainland faces."""
    text = title + _TAG.sub(" ", body_html)
    chinese, latin = len(_CJK.findall(text)), len(_LATIN.findall(text))
    # One Chinese character carries about as much as a short English word.
    return "zh-CN" if chinese * 4 >= latin else "en"


def book_conference(conference: Conference) -> BookConference:
    return BookConference(
        title_zh=conference.title_zh, title_en=conference.title_en,
        organiser_zh=conference.organiser_zh, organiser_en=conference.organiser_en,
        city_zh=conference.city_zh, city_en=conference.city_en,
        starts_on=conference.starts_on, ends_on=conference.ends_on,
    )


def book_key_tasks(conference: Conference) -> tuple[BookKeyTask, ...]:
    return tuple(BookKeyTask(t.number, t.title_zh, t.title_en) for t in conference.key_tasks)


def piece_key(version: SubmissionVersion) -> str:
    return f"submission-{version.submission_id}-v{version.number}"


def piece_from_version(version: SubmissionVersion, store: FileStore) -> BookPiece:
    """The piece exactly as this immutable version holds it."""
    return _piece(
        key=piece_key(version), submission=version.submission, fields=version,
        key_tasks=tuple(BookKeyTask(t["number"], t["title_zh"], t["title_en"]) for t in version.key_tasks),
        shas=[a["sha256"] for a in version.attachments], store=store,
    )


def piece_from_draft(submission: Submission, store: FileStore) -> BookPiece:
    """The piece as its bureau is editing it now (for previews only, never for a book)."""
    return _piece(
        key=f"submission-{submission.id}-draft", submission=submission, fields=submission,
        key_tasks=tuple(BookKeyTask(t.number, t.title_zh, t.title_en) for t in submission.key_tasks),
        shas=[a.sha256 for a in submission.attachments], store=store,
    )


def _piece(*, key, submission, fields, key_tasks, shas, store) -> BookPiece:
    organisation = submission.organisation
    return BookPiece(
        key=key, kind=submission.kind.value,
        organisation_zh=organisation.name_zh, organisation_en=organisation.name_en,
        title=fields.title, subtitle=fields.subtitle,
        speaker_name=fields.speaker_name, speaker_post=fields.speaker_post,
        key_tasks=key_tasks, abstract=fields.abstract, body_html=fields.body_html,
        lang=piece_language(fields.title, fields.body_html),
        attachment_paths={sha: store.local_path(key_for(sha)) for sha in shas},
    )


def spec_for_edition(edition: ProceedingsEdition, store: FileStore) -> BookSpec:
    """The book of one edition: its own items, versions and front matter, nothing live."""
    conference = db.session.get(Conference, edition.conference_id)
    by_kind: dict[str, list[BookPiece]] = {kind.value: [] for kind in SECTION_ORDER}
    # One query for every version with its (deferred) body; item.version then finds it loaded.
    db.session.scalars(sa.select(SubmissionVersion).options(undefer_group("body"))
                       .where(SubmissionVersion.id.in_([item.version_id for item in edition.items]))).all()
    for item in edition.items:
        by_kind[item.section].append(piece_from_version(item.version, store))
    sections = tuple(
        BookSection(kind=kind.value, title_zh=SECTION_TITLES[kind.value][0], title_en=SECTION_TITLES[kind.value][1],
                    pieces=tuple(by_kind[kind.value]))
        for kind in SECTION_ORDER if by_kind[kind.value]
    )
    return BookSpec(
        conference=book_conference(conference), edition_number=edition.number,
        edition_date=edition.edition_date, cover_note=edition.cover_note,
        foreword_html=edition.foreword_html, sections=numbered_sections(sections, edition.piece_numbering), key_tasks=book_key_tasks(conference),
        style=edition.book_style, pdf_variant=edition.pdf_variant, programme=book_programme(edition.programme),
    )


def book_programme(rows: list[dict] | None) -> tuple[BookProgrammeRow, ...] | None:
    """The programme frozen in an edition (``ProceedingsEdition.programme``) as the book prints it."""
    if rows is None:
        return None
    return tuple(BookProgrammeRow(order=r["order"], bureau_zh=r["bureau_zh"], bureau_en=r["bureau_en"],
                                  speaker_name=r["speaker_name"], speaker_post=r["speaker_post"],
                                  minutes=r["minutes"]) for r in rows)
