"""Deadlines: submitting after the due date is refused unless an extension was granted."""
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from app.models import Submission, SubmissionState, SubmissionVersion
from tests.helpers import page_text


def overdue_draft(factory, setting, db):
    submission = factory.submission(setting.ours.written, author=setting.ours.user)
    setting.ours.written.due_at = datetime(2024, 1, 10, 10, 0, tzinfo=timezone.utc)
    factory.commit()
    return submission


def test_submit_after_the_deadline_is_refused_with_a_clear_message(client, auth, db, factory, setting):
    submission = overdue_draft(factory, setting, db)
    auth.login(setting.ours.user.username)
    response = client.post(f"/submissions/{submission.id}/submit")
    assert response.status_code == 409
    assert "The deadline for this invitation passed on 2024-01-10 18:00 Asia/Shanghai" in page_text(response)
    assert "Ask the conference editors for an extension." in page_text(response)
    db.session.expire_all()
    assert db.session.get(Submission, submission.id).state is SubmissionState.DRAFT
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SubmissionVersion)) == 0


def test_submit_after_the_deadline_with_an_extension_is_allowed(client, auth, db, factory, setting):
    submission = overdue_draft(factory, setting, db)
    factory.extension(setting.ours.written, datetime.now(timezone.utc) + timedelta(days=3), reason="汛期延期")
    factory.commit()
    auth.login(setting.ours.user.username)
    response = client.post(f"/submissions/{submission.id}/submit")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Submission, submission.id).state is SubmissionState.SUBMITTED


def test_an_extension_that_has_run_out_refuses_again(client, auth, db, factory, setting):
    submission = overdue_draft(factory, setting, db)
    factory.extension(setting.ours.written, datetime(2024, 1, 20, 10, 0, tzinfo=timezone.utc))
    factory.commit()
    auth.login(setting.ours.user.username)
    response = client.post(f"/submissions/{submission.id}/submit")
    assert response.status_code == 409
    assert "2024-01-20 18:00 Asia/Shanghai" in page_text(response)


def test_another_bureaus_extension_does_not_help(client, auth, db, factory, setting):
    submission = overdue_draft(factory, setting, db)
    factory.extension(setting.theirs.written, datetime.now(timezone.utc) + timedelta(days=3))
    factory.commit()
    auth.login(setting.ours.user.username)
    assert client.post(f"/submissions/{submission.id}/submit").status_code == 409


def test_the_page_shows_the_extended_due_date_and_its_reason(client, auth, db, factory, setting):
    submission = overdue_draft(factory, setting, db)
    factory.extension(setting.ours.written, datetime(2030, 3, 1, 2, 0, tzinfo=timezone.utc), reason="汛期延期")
    factory.commit()
    auth.login(setting.ours.user.username)
    text = page_text(client.get(f"/submissions/{submission.id}"))
    assert "2030-03-01 10:00 (Asia/Shanghai)" in text
    assert "extended from 2024-01-10 18:00: 汛期延期" in text


def test_saving_a_draft_after_the_deadline_is_still_possible(client, auth, db, factory, setting):
    from tests.submissions.conftest import draft_data

    submission = overdue_draft(factory, setting, db)
    auth.login(setting.ours.user.username)
    client.post(f"/submissions/{submission.id}/save", data=draft_data(submission, title="逾期后仍可保存"))
    db.session.expire_all()
    assert db.session.get(Submission, submission.id).title == "逾期后仍可保存"
