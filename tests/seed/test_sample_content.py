"""The demo's sample content: a living conference, loaded through the real workflow, once."""
from __future__ import annotations

from collections import Counter

import sqlalchemy as sa

from app.domain.proceedings.spec import current_entries, piece_language
from app.models import (
    Attachment,
    AuditEvent,
    Conference,
    Decision,
    Invitation,
    Notification,
    OutboxMail,
    Submission,
    SubmissionState,
    SubmissionVersion,
    utcnow,
)
from app.seed.demo import load_conference_data, seed_demo
from app.seed.sample_content import seed_sample_content


def _counts(db) -> dict:
    return {model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (Submission, SubmissionVersion, Decision, Attachment, AuditEvent, Invitation, Notification)}


def test_every_invited_bureau_has_an_approved_piece_and_others_stand_in_every_state(app, db):
    seed_demo()
    added = seed_sample_content()
    db.session.commit()

    data = load_conference_data()
    invited = set(data["exchange"]["oral_speeches_by"] + data["exchange"]["written_exchanges_by"])
    submissions = db.session.scalars(sa.select(Submission)).all()
    assert added == len(submissions) == 17
    by_code = {s.organisation.code: s for s in submissions}
    assert {code for code, s in by_code.items() if s.state is SubmissionState.APPROVED} == invited
    assert Counter(s.state for s in submissions if s.organisation.code not in invited) == {
        SubmissionState.DRAFT: 1, SubmissionState.SUBMITTED: 1, SubmissionState.CHANGES_REQUESTED: 1,
        SubmissionState.REJECTED: 1, SubmissionState.WITHDRAWN: 1}
    # The book would hold the approved versions: seven speeches, then five written pieces.
    conference = db.session.scalar(sa.select(Conference))
    entries = current_entries(conference)
    assert [e.submission.organisation.code for e in entries][:7] == data["exchange"]["oral_speeches_by"]
    assert all(e.version.body_html == e.submission.body_html for e in entries)
    # Chinese and English pieces, with tables, footnotes and a stored image.
    languages = Counter(piece_language(e.version.title, e.version.body_html) for e in entries)
    assert languages["zh-CN"] >= 8 and languages["en"] >= 3
    html = "".join(e.version.body_html for e in entries)
    assert html.count("<table") >= 3 and "footnote" in html
    image = db.session.scalar(sa.select(Attachment))
    assert f'src="/attachments/{image.sha256}"' in by_code["guangdong"].body_html
    assert by_code["guangdong"].versions[0].attachments[0]["sha256"] == image.sha256
    # Everything happened before now (so before any edition built after loading).
    assert max(d.decided_at for d in db.session.scalars(sa.select(Decision))) < utcnow()
    # Nobody is mailed about sample content.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMail)) == 0


def test_loading_the_sample_content_twice_changes_nothing(app, db):
    seed_sample_content()
    db.session.commit()
    before = _counts(db)

    assert seed_sample_content() == 0
    db.session.commit()

    assert _counts(db) == before
