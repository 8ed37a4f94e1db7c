"""A Word import under way is told to the page after a reload, and forgotten when it ends."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from app.domain.submissions import import_runs
from app.models import ImportRun, utcnow
from tests.helpers import FIXTURES, page_text


def test_a_reloaded_page_shows_the_import_under_way_and_its_status_answers(client, auth, db, setting, draft):
    import_runs.begin(draft, "年度报告.doc", actor=setting.ours.user)
    db.session.commit()
    auth.login(setting.ours.user.username)
    assert "年度报告.doc is being imported" in page_text(client.get(f"/submissions/{draft.id}"))
    assert client.get(f"/submissions/{draft.id}/import-status").json == {"running": True}
    import_runs.end(draft.id)
    db.session.commit()
    assert client.get(f"/submissions/{draft.id}/import-status").json == {"running": False}
    assert "is being imported" not in page_text(client.get(f"/submissions/{draft.id}"))


def test_an_import_whose_process_died_is_not_shown_for_ever(client, auth, db, setting, draft):
    db.session.add(ImportRun(submission_id=draft.id, file_name="旧的.doc", started_by_id=setting.ours.user.id,
                             started_at=utcnow() - timedelta(hours=1)))
    db.session.commit()
    auth.login(setting.ours.user.username)
    assert client.get(f"/submissions/{draft.id}/import-status").json == {"running": False}


def test_the_mark_goes_when_the_import_ends_imported_or_refused(client, auth, db, setting, draft):
    auth.login(setting.ours.user.username)
    for fixture in ("single-paragraph.docx", "empty.docx"):
        with open(FIXTURES / fixture, "rb") as document:
            db.session.expire_all()
            client.post(f"/submissions/{draft.id}/import", data={
                "lock_version": db.session.get(type(draft), draft.id).lock_version, "document": (document, fixture)})
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ImportRun)) == 0


def test_another_bureau_cannot_ask_after_the_import(client, auth, db, setting, draft):
    auth.login(setting.theirs.user.username)
    assert client.get(f"/submissions/{draft.id}/import-status").status_code == 404
