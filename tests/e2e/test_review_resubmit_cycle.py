"""The whole loop in Chromium: changes requested, the bureau revises and resubmits, approval."""
from __future__ import annotations

import pytest

from app.models import Role, SubmissionState

pytestmark = pytest.mark.e2e


@pytest.fixture
def second_page(browser, live_server):
    """Another person at another computer: a browser context of their own."""
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def log_in(page, username):
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "correct horse battery")
    page.click("button[type=submit].primary")
    page.wait_for_load_state()


def test_changes_requested_resubmitted_and_approved(db, factory, page, second_page):
    submission = factory.submission(state=SubmissionState.SUBMITTED, title="蓝天保卫战的实践")
    factory.user(Role.SUBMITTER, organisation=submission.invitation.organisation, username="bureau-clerk")
    factory.user(Role.REVIEWER, username="cycle-reviewer", display_name="钱审核")
    factory.commit()
    reviewer, bureau = page, second_page

    log_in(reviewer, "cycle-reviewer")
    reviewer.goto(f"/review/{submission.id}")
    reviewer.check("input[name=outcome][value=request_changes]")
    reviewer.fill("textarea[name=comment]", "请补充**2023年**PM2.5数据。")
    reviewer.click("button:has-text('Record decision')")
    reviewer.wait_for_url(f"**/review/{submission.id}")
    assert reviewer.locator(".page-head .state").inner_text() == "changes requested"
    reviewer.fill("textarea[name=text]", "内部：该省去年数据偏高。")
    reviewer.check("input[name=internal]")
    reviewer.click(".comment-form button:has-text('Post')")
    reviewer.wait_for_load_state()
    assert "Internal note added." in reviewer.inner_text(".flashes")

    log_in(bureau, "bureau-clerk")
    assert bureau.locator(".notif-link .badge").inner_text() == "1"
    bureau.goto("/notifications/")
    bureau.click("button:has-text('Changes requested: 蓝天保卫战的实践')")
    bureau.wait_for_url(f"**/submissions/{submission.id}")
    thread = bureau.inner_text(".thread")
    assert "2023年" in thread and "去年数据偏高" not in thread
    assert bureau.locator(".thread strong:has-text('2023年')").count() == 1  # rendered Markdown

    bureau.fill("input[name=title]", "蓝天保卫战的实践（修订稿）")
    bureau.click("button:has-text('Save the draft')")
    bureau.wait_for_load_state()
    bureau.once("dialog", lambda dialog: dialog.accept())
    bureau.click("button:has-text('Resubmit for review')")
    bureau.wait_for_url(f"**/submissions/{submission.id}")
    assert "version 2" in bureau.inner_text(".flashes")

    reviewer.goto("/review/")
    assert "蓝天保卫战的实践（修订稿）" in reviewer.inner_text("table.queue")
    reviewer.goto(f"/review/{submission.id}")
    assert "Changes from version 1 to version 2" in reviewer.inner_text(".version-comparison")
    assert reviewer.locator(".diff ins").count() >= 1
    reviewer.check("input[name=outcome][value=approve]")
    reviewer.click("button:has-text('Record decision')")
    reviewer.wait_for_url(f"**/review/{submission.id}")
    assert reviewer.locator(".page-head .state").inner_text() == "approved"

    bureau.goto("/notifications/")
    assert "Approved: 蓝天保卫战的实践（修订稿）" in bureau.inner_text("main")
    db.session.expire_all()
    assert submission.state is SubmissionState.APPROVED and len(submission.versions) == 2
