"""An editor invites a bureau and grants it an extension, in Chromium."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from app.models import ExchangeKind, Invitation, Role

pytestmark = pytest.mark.e2e


def test_an_editor_adds_an_invitation_and_grants_an_extension(db, factory, page, login):
    conference = factory.conference(title_en="National Conference 2027")
    bureau = factory.organisation(code="zhejiang", name_zh="浙江省生态环境厅", name_en="Zhejiang Department of Ecology")
    editor = factory.user(Role.EDITOR, username="browser-editor", display_name="钱编辑")
    factory.commit()

    login("browser-editor")
    page.click("nav >> text=Conference")
    page.wait_for_url("**/conference/")
    assert "National Conference 2027" in page.inner_text("table")
    page.click(f"table a[href='/conference/{conference.id}']")
    page.wait_for_url(f"**/conference/{conference.id}")
    page.click("nav.setup-tabs >> text=Invitations and deadlines")
    page.wait_for_url(f"**/conference/{conference.id}/invitations")

    page.select_option("select[name=organisation_id]", str(bureau.id))
    page.select_option("select[name=kind]", "written")
    page.fill("input[name=due_date]", "2027-01-15")
    page.fill("input[name=due_time]", "18:00")
    page.click("button:has-text('Add the invitation')")
    page.wait_for_load_state()
    assert "Invitation added." in page.inner_text(".flashes")
    row = page.locator("table.invitation-table tbody tr", has_text="Zhejiang Department of Ecology")
    assert "written exchange" in row.inner_text() and "2027-01-15 18:00" in row.inner_text()

    row.locator("a:has-text('Deadline and history')").click()
    page.wait_for_url(f"**/conference/{conference.id}/invitations/*")
    page.fill("input[name=new_due_date]", "2027-01-22")
    page.fill("input[name=new_due_time]", "12:00")
    page.click("button:has-text('Grant the extension')")  # without a reason
    assert "Say why the extension is granted." in page.inner_text("form .error")

    page.fill("input[name=new_due_date]", "2027-01-22")
    page.fill("input[name=new_due_time]", "12:00")
    page.fill("textarea[name=reason]", "浙江省申请延期一周，因台风影响。")
    page.click("button:has-text('Grant the extension')")
    page.wait_for_load_state()
    assert "Extension granted" in page.inner_text(".flashes")
    assert page.inner_text(".effective-due strong") == "2027-01-22 12:00"
    history = page.inner_text("table.deadline-history")
    assert "浙江省申请延期一周，因台风影响。" in history and "钱编辑" in history and "2027-01-15 18:00" in history

    page.click("a:has-text('All invitations')")
    page.wait_for_url(f"**/conference/{conference.id}/invitations")
    assert "extended from 2027-01-15 18:00" in page.inner_text("table.invitation-table")

    db.session.expire_all()
    invitation = db.session.scalar(sa.select(Invitation).where(Invitation.organisation_id == bureau.id))
    assert invitation.kind is ExchangeKind.WRITTEN
    assert invitation.due_at == datetime(2027, 1, 15, 10, tzinfo=timezone.utc)
    assert invitation.effective_due_at == datetime(2027, 1, 22, 4, tzinfo=timezone.utc)
    assert invitation.extensions[0].granted_by_id == editor.id
