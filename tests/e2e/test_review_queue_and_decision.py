"""A reviewer filters the queue, opens a piece and decides on it, in Chromium."""
from __future__ import annotations

import pytest

from app.models import Decision, DecisionOutcome, ExchangeKind, Role, SubmissionState

pytestmark = pytest.mark.e2e


def test_a_reviewer_filters_the_queue_and_approves_a_piece(db, factory, page, login):
    conference = factory.conference()

    def piece(title, state=SubmissionState.SUBMITTED, kind=ExchangeKind.WRITTEN):
        invitation = factory.invitation(conference=conference, kind=kind)
        return factory.submission(invitation=invitation, state=state, title=title)

    blue_sky = piece("深入打好蓝天保卫战的实践与思考")
    piece("湿地保护修复的探索", kind=ExchangeKind.ORAL)
    piece("核与辐射安全监管", state=SubmissionState.APPROVED)
    factory.user(Role.REVIEWER, username="browser-reviewer", display_name="赵审核")
    factory.commit()

    login("browser-reviewer")
    page.click("nav >> text=Review queue")
    page.wait_for_url("**/review/")
    assert page.locator("table.queue tbody tr").count() == 2  # opens on what awaits review
    page.click("a:has-text('Show every state')")
    page.wait_for_url("**/review/?state=")
    assert page.locator("table.queue tbody tr").count() == 3

    page.fill("input[name=q]", "蓝天")
    page.click("button:has-text('Filter')")
    page.wait_for_url("**/review/?q=*")
    rows = page.locator("table.queue tbody tr")
    assert rows.count() == 1 and "蓝天保卫战" in rows.first.inner_text()

    page.select_option("select[name=state]", "approved")
    page.fill("input[name=q]", "")
    page.click("button:has-text('Filter')")
    page.wait_for_load_state()
    assert [t.strip() for t in page.locator("table.queue tbody tr td:first-child a").all_inner_texts()] == ["核与辐射安全监管"]

    page.goto("/review/")
    page.click("a:has-text('深入打好蓝天保卫战的实践与思考')")
    page.wait_for_url(f"**/review/{blue_sky.id}")
    assert "Text as it will print" in page.inner_text("main")

    # Asking for changes without saying what is refused on the form.
    page.check("input[name=outcome][value=request_changes]")
    page.click("button:has-text('Record decision')")
    assert page.locator(".decision-card .error").inner_text().startswith("Please give a reason")

    page.check("input[name=outcome][value=approve]")
    page.click("button:has-text('Record decision')")
    page.wait_for_url(f"**/review/{blue_sky.id}")
    assert "Your decision was recorded" in page.inner_text(".flashes")
    assert page.locator(".page-head .state").inner_text() == "approved"
    assert page.locator(".thread-decision").count() == 1

    db.session.expire_all()
    decision = db.session.query(Decision).filter_by(submission_id=blue_sky.id).one()
    assert decision.outcome is DecisionOutcome.APPROVE and decision.version.number == 1
