"""Sample pieces for the demo conference, so that a newcomer sees a living conference.

The twelve invited bureaus' pieces are approved; a few other bureaus, with
invitations of their own, stand in every other state. Every piece goes
through the real workflow (``apply_transition``), so versions, decisions,
audit events and notifications are the real thing. Running it twice
changes nothing: a bureau whose invitation already has a submission is
left alone.

The texts live in ``app/seed/data/sample_pieces/*.md``: a few ``key: value``
lines, a blank line, then the Markdown body.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from app.domain.accounts import create_user
from app.domain.submissions.bodies.rendering import render_body
from app.domain.submissions.storage import store_bytes
from app.domain.workflow import Action, apply_transition
from app.extensions import db
from app.models import (
    Attachment,
    Conference,
    ExchangeKind,
    Invitation,
    KeyTask,
    Organisation,
    OutboxMail,
    Role,
    Submission,
    SubmissionState,
    User,
    utcnow,
)
from app.storage import file_store
from app.seed.demo import DEMO_PASSWORD, DEMO_SLUG, DemoLogin, invited_bureaus, load_conference_data, seed_demo

DATA_DIR = Path(__file__).resolve().parent / "data" / "sample_pieces"
IMAGE = DATA_DIR / "green-iguana.jpg"
IMAGE_NAME = "绿鬣蜥 green iguana.jpg"

# The actions that bring a fresh draft to each state, and who takes them.
PATHS = {
    SubmissionState.DRAFT: [],
    SubmissionState.SUBMITTED: [(Action.SUBMIT, "bureau")],
    SubmissionState.APPROVED: [(Action.SUBMIT, "bureau"), (Action.APPROVE, "reviewer")],
    SubmissionState.CHANGES_REQUESTED: [(Action.SUBMIT, "bureau"), (Action.REQUEST_CHANGES, "reviewer")],
    SubmissionState.REJECTED: [(Action.SUBMIT, "bureau"), (Action.REJECT, "reviewer")],
    SubmissionState.WITHDRAWN: [(Action.SUBMIT, "bureau"), (Action.WITHDRAW, "bureau")],
}


@dataclass(frozen=True)
class SamplePiece:
    code: str
    kind: ExchangeKind
    state: SubmissionState
    tasks: tuple[int, ...]
    title: str
    subtitle: str
    speaker: str
    post: str
    abstract: str
    comment: str
    body: str


def load_pieces() -> list[SamplePiece]:
    pieces = []
    for path in sorted(DATA_DIR.glob("*.md")):
        head, _, body = path.read_text(encoding="utf-8").partition("\n\n")
        meta = dict(line.split(": ", 1) for line in head.splitlines())
        pieces.append(SamplePiece(
            code=meta["code"], kind=ExchangeKind(meta["kind"]), state=SubmissionState(meta["state"]),
            tasks=tuple(int(n) for n in meta["tasks"].split(",")), title=meta["title"],
            subtitle=meta.get("subtitle", ""), speaker=meta.get("speaker", ""), post=meta.get("post", ""),
            abstract=meta.get("abstract", ""), comment=meta.get("comment", ""), body=body.strip() + "\n",
        ))
    return pieces


def sample_logins() -> list[DemoLogin]:
    """Accounts of the bureaus that only the sample content brings in, if loaded."""
    invited = {code for _, code in invited_bureaus(load_conference_data())}
    states = {p.code: p.state.value for p in load_pieces() if p.code not in invited}
    users = db.session.scalars(sa.select(User).where(User.username.in_(states)).order_by(User.id))
    return [DemoLogin(u.username, Role.SUBMITTER.value, f"{u.organisation.name_en} (sample piece: {states[u.username]})")
            for u in users]


def seed_sample_content() -> int:
    """Add the sample pieces to the demo conference; returns how many were added."""
    seed_demo()
    conference = db.session.scalar(sa.select(Conference).where(Conference.slug == DEMO_SLUG))
    reviewer = db.session.scalar(sa.select(User).where(User.username == "reviewer1"))
    first_mail = db.session.scalar(sa.select(sa.func.max(OutboxMail.id))) or 0
    added = 0
    for piece in load_pieces():
        invitation = _invitation(conference, piece)
        if db.session.scalar(sa.select(Submission.id).where(Submission.invitation_id == invitation.id)):
            continue
        _add_piece(conference, invitation, piece, bureau=_bureau_account(invitation.organisation), reviewer=reviewer)
        added += 1
    # Sample content notifies in the app, as real work would, but mails nobody:
    # the demo accounts' addresses are examples.
    db.session.execute(sa.delete(OutboxMail).where(OutboxMail.id > first_mail))
    db.session.flush()
    return added


def _invitation(conference: Conference, piece: SamplePiece) -> Invitation:
    """The bureau's invitation; bureaus beyond the invited twelve get their own."""
    organisation = db.session.scalar(sa.select(Organisation).where(Organisation.code == piece.code))
    invitation = db.session.scalar(sa.select(Invitation).where(
        Invitation.conference_id == conference.id, Invitation.organisation_id == organisation.id,
        Invitation.kind == piece.kind))
    if invitation is None:
        like = db.session.scalar(sa.select(Invitation).where(
            Invitation.conference_id == conference.id, Invitation.kind == piece.kind).limit(1))
        invitation = Invitation(conference_id=conference.id, organisation=organisation, kind=piece.kind,
                                due_at=like.due_at, speaking_order=None)
        db.session.add(invitation)
        db.session.flush()
    return invitation


def _bureau_account(organisation: Organisation) -> User:
    user = db.session.scalar(sa.select(User).where(User.username == organisation.code))
    if user is None:
        user = create_user(username=organisation.code, display_name=organisation.name_zh, role=Role.SUBMITTER,
                           password=DEMO_PASSWORD, organisation=organisation,
                           email=f"{organisation.code}@huibian.example")
    return user


def _add_piece(conference, invitation, piece: SamplePiece, *, bureau: User, reviewer: User) -> Submission:
    submission = Submission(
        invitation=invitation, organisation_id=invitation.organisation_id, conference_id=conference.id,
        kind=piece.kind, created_by_id=bureau.id, title=piece.title, subtitle=piece.subtitle,
        speaker_name=piece.speaker, speaker_post=piece.post, abstract=piece.abstract,
        planned_minutes=8 if piece.kind is ExchangeKind.ORAL else None,
    )
    submission.key_tasks = list(db.session.scalars(sa.select(KeyTask).where(
        KeyTask.conference_id == conference.id, KeyTask.number.in_(piece.tasks)).order_by(KeyTask.number)))
    db.session.add(submission)
    db.session.flush()
    body = piece.body
    if "{image}" in body:
        body = body.replace("{image}", _attach_image(submission, bureau))
    submission.body_source = body
    submission.body_html = render_body(body).html
    # An hour between steps, all in the past and before the deadline, whenever the demo is loaded.
    steps = PATHS[piece.state]
    now = min(utcnow(), invitation.effective_due_at - timedelta(days=3)) - timedelta(hours=len(steps))
    for step, (action, who) in enumerate(steps):
        actor = bureau if who == "bureau" else reviewer
        comment = piece.comment if action in (Action.REQUEST_CHANGES, Action.REJECT) else ""
        apply_transition(submission, action, actor=actor, comment=comment,
                         now=now + timedelta(hours=step))
    return submission


def _attach_image(submission: Submission, bureau: User) -> str:
    data = IMAGE.read_bytes()
    stored = store_bytes(data, file_store(), max_bytes=len(data))
    db.session.add(Attachment(submission_id=submission.id, sha256=stored.sha256, display_name=IMAGE_NAME,
                              size=stored.size, file_type=stored.file_type, in_body=True,
                              uploaded_by_id=bureau.id))
    db.session.flush()
    return stored.sha256
