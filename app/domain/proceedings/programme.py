"""The oral programme (发言顺序表): the oral speeches in speaking order, for the meeting.

Editors print it, download it as a one-page PDF (through the book's safe
typesetting path) or as a Word table. Only pieces sent to the ministry count:
approved ones, and submitted ones marked as not yet approved.

An edition may also print it in the book's front matter
(:func:`printed_programme`): there it lists the speeches the book prints.
"""
from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from app.domain.errors import Forbidden
from app.domain.permissions import can_build_proceedings
from app.extensions import db
from app.models import Conference, ExchangeKind, Invitation, Submission, SubmissionState, SubmissionVersion, User

if TYPE_CHECKING:
    from app.domain.proceedings.spec import Entry

#: Printed titles and names are cut to this many characters: the programme is
#: one page, and a title is at most 300 characters in the database anyway.
MAX_CELL_CHARS = 120
#: The speaker's name and post as long as a version may hold them.
SPEAKER_NAME_CHARS = SubmissionVersion.__table__.c.speaker_name.type.length
SPEAKER_POST_CHARS = SubmissionVersion.__table__.c.speaker_post.type.length
# Bidirectional controls would let a title reorder the printed row around it.
_BIDI = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"))


def _cell(text: str | None, limit: int = MAX_CELL_CHARS) -> str:
    # Control characters are not allowed in Word's XML and print as nothing.
    text = "".join(c for c in (text or "").translate(_BIDI) if c >= " " or c in "\t\n")
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class ProgrammeRow:
    order: int
    speaking_order: int | None
    bureau_zh: str
    bureau_en: str
    speaker_name: str
    speaker_post: str
    title: str
    minutes: int | None
    key_tasks: str
    #: "2、5": the key tasks by number, for the one-page PDF
    key_task_numbers: str
    running_minutes: int
    approved: bool


def programme_of(conference: Conference, *, actor: User) -> list[ProgrammeRow]:
    """The approved and submitted oral speeches in speaking order, with the running total of minutes.

    Invitations without a speaking order come last, by bureau; a speech
    without planned minutes adds nothing to the total.
    """
    if not can_build_proceedings(actor):
        raise Forbidden(_("Only editors may see the oral programme."))
    submissions = db.session.scalars(
        sa.select(Submission).join(Submission.invitation)
        .options(selectinload(Submission.organisation), selectinload(Submission.key_tasks))
        .where(Submission.conference_id == conference.id, Submission.kind == ExchangeKind.ORAL,
               Submission.state.in_([SubmissionState.APPROVED, SubmissionState.SUBMITTED]))
        .order_by(Invitation.speaking_order.is_(None), Invitation.speaking_order, Invitation.id)
    )
    rows, total = [], 0
    for order, submission in enumerate(submissions, start=1):
        total += submission.planned_minutes or 0
        rows.append(ProgrammeRow(
            order=order, speaking_order=submission.invitation.speaking_order,
            bureau_zh=_cell(submission.organisation.name_zh), bureau_en=_cell(submission.organisation.name_en),
            speaker_name=_cell(submission.speaker_name, 40), speaker_post=_cell(submission.speaker_post, 60),
            title=_cell(submission.title), minutes=submission.planned_minutes,
            key_tasks=_cell("；".join(f"{t.number}. {t.title_zh}" for t in submission.key_tasks), 80),
            key_task_numbers="、".join(str(t.number) for t in submission.key_tasks),
            running_minutes=total, approved=submission.state is SubmissionState.APPROVED,
        ))
    return rows


def printed_programme(entries: Iterable[Entry]) -> list[dict]:
    """The programme an edition prints in its front matter, as plain rows to freeze in it.

    The oral speeches the edition prints (its approved versions, the
    excluded ones left out with their pieces), in speaking order as
    :func:`programme_of` orders them, each named as its approved version
    names it, so that the programme and the piece's opening agree. No
    "not yet approved" marks: a book prints only approved pieces.
    """
    oral = [e for e in entries if e.kind is ExchangeKind.ORAL]
    oral.sort(key=lambda e: (e.submission.invitation.speaking_order is None,
                             e.submission.invitation.speaking_order or 0, e.submission.invitation_id))
    return [
        {"order": order, "bureau_zh": _cell(e.submission.organisation.name_zh),
         "bureau_en": _cell(e.submission.organisation.name_en),
         # Whole, as the piece's opening prints them (the one-page programme cuts them to fit its page).
         "speaker_name": _cell(e.version.speaker_name, SPEAKER_NAME_CHARS),
         "speaker_post": _cell(e.version.speaker_post, SPEAKER_POST_CHARS),
         "minutes": e.version.planned_minutes}
        for order, e in enumerate(oral, start=1)
    ]


def programme_pdf(html: str) -> bytes:
    """Typeset the programme page (already rendered HTML) with the book's safe fetcher."""
    from app.domain.proceedings.typesetting.fonts import check_cjk_fonts
    from app.domain.proceedings.typesetting.typeset import TypesetJob, typeset

    check_cjk_fonts()
    return typeset(TypesetJob(html=html, attachments={})).pdf_bytes


def programme_docx(conference: Conference, rows: list[ProgrammeRow]) -> bytes:
    """The programme as a Word table, set in the faces Word users in the ministry expect."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    def font(run, face: str, size: float, bold: bool = False):
        run.font.name, run.font.size, run.font.bold = face, Pt(size), bold
        run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), face)

    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.8))
    heading = document.add_paragraph()
    heading.alignment = 1  # centred
    font(heading.add_run(f"{conference.title_zh}\n发言顺序表"), "宋体", 18, bold=True)
    headers = ["序号", "单位", "发言人及职务", "题目", "时长（分钟）", "重点任务", "累计（分钟）"]
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers):
        font(cell.paragraphs[0].add_run(text), "黑体", 10.5, bold=True)
    for row in rows:
        title = row.title if row.approved else f"{row.title}（未审定）"
        values = [str(row.order), row.bureau_zh, f"{row.speaker_post}　{row.speaker_name}".strip("　"),
                  title, str(row.minutes or ""), row.key_tasks, str(row.running_minutes)]
        for cell, text in zip(table.add_row().cells, values):
            font(cell.paragraphs[0].add_run(text), "仿宋", 10.5)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
