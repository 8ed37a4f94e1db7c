"""A bureau drafts with preview, imports a Word document and submits, in Chromium."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.models import Attachment, ExchangeKind, Role, Submission, SubmissionState

pytestmark = pytest.mark.e2e
from tests.helpers import FIXTURES


@pytest.fixture
def bureau(factory):
    conference = factory.conference()
    organisation = factory.organisation("zhejiang")
    user = factory.user(Role.SUBMITTER, organisation=organisation, username="zhejiang")
    user.locale = "en"
    invitation = factory.invitation(conference, organisation, ExchangeKind.WRITTEN)
    factory.commit()
    return user, invitation


EDITOR = "#body-editor .ProseMirror"


def paste_html(page, html: str) -> None:
    page.evaluate("""html => {
        const data = new DataTransfer();
        data.setData('text/html', html);
        document.querySelector('#body-editor .ProseMirror').dispatchEvent(
            new ClipboardEvent('paste', {clipboardData: data, bubbles: true, cancelable: true}));
    }""", html)


def type_in_body(page, text: str) -> None:
    page.click(EDITOR)
    page.keyboard.type(text)


def saved(db) -> Submission:
    db.session.expire_all()
    return db.session.scalar(sa.select(Submission))


def test_a_bureau_drafts_with_a_live_preview_and_saves(db, page, login, bureau):
    login("zhejiang")
    page.click("button:has-text('Start the submission')")
    page.wait_for_url(re.compile(r".*/submissions/\d+$"))
    page.fill("#title", "数字化治理的浙江实践")
    page.check("input[name=key_task_ids] >> nth=1")
    page.click(EDITOR)
    page.keyboard.type("# 一、总体情况")  # Markdown shortcuts, as a user who prefers them types
    page.keyboard.press("Enter")
    page.keyboard.type("**加粗的文字** and *italic* ")
    paste_html(page, '<p><img src="http://evil.example/x.png"></p>')

    page.click("#preview-button")
    page.locator("#preview h1").wait_for()
    assert page.inner_text("#preview h1") == "一、总体情况"
    assert page.inner_text("#preview strong") == "加粗的文字"
    assert page.locator("#preview img").count() == 0
    assert "external image http://evil.example/x.png" in page.inner_text("#preview-removed")
    assert page.is_visible("#dirty-note")

    page.click("button:has-text('Save the draft')")
    page.locator(".flash-success:has-text('Draft saved.')").wait_for()
    assert "external image http://evil.example/x.png" in page.inner_text(".flash-warning")
    submission = saved(db)
    assert submission.title == "数字化治理的浙江实践" and [t.number for t in submission.key_tasks] == [2]
    assert "<strong>加粗的文字</strong>" in submission.body_html and "evil" not in submission.body_html


def test_leaving_with_unsaved_text_asks_first(db, page, login, factory, bureau):
    user, invitation = bureau
    submission = factory.submission(invitation, author=user)
    factory.commit()
    login("zhejiang")
    page.goto(f"/submissions/{submission.id}")
    type_in_body(page, "还没有保存的文字")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    page.close(run_before_unload=True)
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"]


def test_text_typed_before_the_session_expired_is_kept_and_saved_after_logging_in(db, page, login, factory, bureau):
    user, invitation = bureau
    submission = factory.submission(invitation, author=user)
    factory.commit()
    login("zhejiang")
    page.goto(f"/submissions/{submission.id}")
    type_in_body(page, "会话过期前输入的文字，不能丢。")
    page.context.clear_cookies()  # the session has expired

    page.click("button:has-text('Save the draft')")
    # Without a session the form's token no longer matches: refused, nothing saved.
    page.locator(".error-page:has-text('The form had expired')").wait_for()
    assert "会话过期前输入的文字" not in saved(db).body_source
    login("zhejiang")
    page.goto(f"/submissions/{submission.id}")

    page.locator("#restore-banner").wait_for()
    assert "会话过期前输入的文字" not in page.inner_text(EDITOR)
    page.click("#restore-yes")
    assert "会话过期前输入的文字，不能丢。" in page.inner_text(EDITOR)
    page.click("button:has-text('Save the draft')")
    page.locator(".flash-success:has-text('Draft saved.')").wait_for()
    assert "会话过期前输入的文字，不能丢。</p>" in saved(db).body_html
    assert page.is_hidden("#restore-banner")


def test_a_bureau_imports_a_word_document_with_a_picture(db, page, login, factory, bureau):
    user, invitation = bureau
    submission = factory.submission(invitation, author=user)
    factory.commit()
    login("zhejiang")
    page.goto(f"/submissions/{submission.id}")
    page.on("dialog", lambda dialog: dialog.accept())
    page.set_input_files("#document", str(FIXTURES / "tiny-picture.docx"))
    page.click("button:has-text('Import into the body')")
    page.locator(".flash-success:has-text('The Word document was imported')").wait_for()

    assert '<img src="/attachments/' in page.input_value("#body")
    page.click("#preview-button")
    image = page.locator("#preview img")
    image.wait_for()
    page.wait_for_function("document.querySelector('#preview img').complete")
    assert image.evaluate("img => img.naturalWidth") > 0  # served from /attachments/<sha256>
    assert page.locator("#attachments :text('picture in the body')").count() == 1
    db.session.expire_all()
    assert db.session.scalar(sa.select(Attachment)).in_body


def test_a_bureau_submits_and_the_draft_becomes_version_1(db, page, login, factory, bureau):
    user, invitation = bureau
    submission = factory.submission(invitation, author=user)
    factory.commit()
    login("zhejiang")
    page.goto(f"/submissions/{submission.id}")
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('Submit for review')")
    page.locator(".flash-success:has-text('Submitted as version 1.')").wait_for()
    assert page.locator("#draft-form").count() == 0
    assert page.inner_text(".page-head .state") == "submitted"
    page.click("#versions a:has-text('Version 1')")
    page.wait_for_url(re.compile(r".*/versions/1$"))
    assert "深入打好蓝天保卫战的实践与思考" in page.inner_text("h1")
    assert saved(db).state is SubmissionState.SUBMITTED
