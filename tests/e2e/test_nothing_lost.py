"""Nothing typed is lost, in Chromium: submit at once, put back an earlier draft, undo an import."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.models import Submission, SubmissionState
from tests.e2e.conftest import EDITOR
from tests.helpers import FIXTURES

pytestmark = pytest.mark.e2e


@pytest.fixture
def draft(bureau_draft):
    return bureau_draft()


def saved(db) -> Submission:
    db.session.expire_all()
    return db.session.scalar(sa.select(Submission))


def test_text_typed_and_submitted_at_once_arrives_in_version_1(db, page, login, draft):
    login("zhejiang")
    page.goto(f"/submissions/{draft.id}")
    page.click(EDITOR)
    page.keyboard.press("Control+End")
    page.keyboard.press("Enter")
    page.keyboard.type("提交前最后一刻补充的一句话。")
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('Submit for review')")  # no save first
    page.locator(".flash-success:has-text('Submitted as version 1.')").wait_for()
    piece = saved(db)
    assert piece.state is SubmissionState.SUBMITTED
    assert "提交前最后一刻补充的一句话。" in piece.latest_version.body_html


def test_an_earlier_draft_is_read_and_put_back(db, page, login, draft):
    login("zhejiang")
    page.goto(f"/submissions/{draft.id}")
    page.click(EDITOR)
    page.keyboard.press("Control+a")
    page.keyboard.type("好的第一稿")
    page.click("button:has-text('Save the draft')")
    page.locator(".flash-success:has-text('Draft saved.')").wait_for()
    page.click(EDITOR)
    page.keyboard.press("Control+a")
    page.keyboard.type("写坏了的第二稿")
    page.click("button:has-text('Save the draft')")
    page.locator(".flash-success:has-text('Draft saved.')").wait_for()

    page.click("#revisions a:has-text('Draft 2')")
    page.wait_for_url(re.compile(r".*/revisions/2$"))
    assert "好的第一稿" in page.inner_text(".body-html")
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('Make this the draft again')")
    page.locator(".flash-success:has-text('Revision 2 is the draft again')").wait_for()
    assert page.inner_text(EDITOR).strip() == "好的第一稿"
    assert "好的第一稿" in saved(db).body_html and "第二稿" not in saved(db).body_html


def test_an_import_is_undone_from_the_drafts_list(db, page, login, draft):
    login("zhejiang")
    page.goto(f"/submissions/{draft.id}")
    page.on("dialog", lambda dialog: dialog.accept())
    page.set_input_files("#document", str(FIXTURES / "single-paragraph.docx"))
    page.click("button:has-text('Import into the body')")
    page.locator(".flash-success:has-text('The Word document was imported')").wait_for()
    assert "我们坚持以习近平生态文明思想为指导。" not in page.inner_text(EDITOR)
    page.click("button:has-text('Undo the import')")
    page.locator(".flash-success:has-text('is the draft again')").wait_for()
    assert "我们坚持以习近平生态文明思想为指导。" in page.inner_text(EDITOR)


def test_a_page_reloaded_during_an_import_waits_for_it_and_then_shows_the_result(db, page, login, draft):
    from app.domain.submissions import import_runs
    from app.models import User

    import_runs.begin(draft, "年度报告.doc", actor=db.session.get(User, draft.created_by_id))
    db.session.commit()
    login("zhejiang")
    page.goto(f"/submissions/{draft.id}")
    assert "年度报告.doc is being imported" in page.inner_text("#import-running")
    import_runs.end(draft.id)  # the import ends in the other request
    db.session.commit()
    page.locator("#import-running").wait_for(state="detached")  # the page reloaded by itself


def test_text_typed_when_the_connection_was_lost_comes_back_and_is_saved(db, page, login, draft):
    login("zhejiang")
    page.goto(f"/submissions/{draft.id}")
    page.click(EDITOR)
    page.keyboard.press("Control+End")
    page.keyboard.type("断网前输入的一段话。")
    page.context.set_offline(True)  # the train enters a tunnel
    page.click("#draft-form .actions button[type=submit]")
    page.wait_for_timeout(500)
    assert "断网前输入的一段话" not in saved(db).body_html
    page.context.set_offline(False)
    page.goto(f"/submissions/{draft.id}")
    page.locator("#restore-banner").wait_for()
    page.click("#restore-yes")
    assert "断网前输入的一段话。" in page.inner_text(EDITOR)
    page.click("#draft-form .actions button[type=submit]")
    page.locator(".flash-success:has-text('Draft saved.')").wait_for()
    assert "断网前输入的一段话。" in saved(db).body_html
