"""An editor rewords the reminder in the browser, is refused an unknown placeholder, then reminds a bureau."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.domain.dates import format_due
from app.models import MailTemplate, OutboxMail, Role

pytestmark = pytest.mark.e2e


def test_an_editor_rewords_the_reminder_and_the_next_reminder_mail_says_it(db, factory, page, login, live_server):
    conference = factory.conference(title_en="Blue Skies Conference", title_zh="蓝天会议")
    invitation = factory.invitation(conference=conference, due_in=timedelta(days=-1),
                                    organisation=factory.organisation(name_en="Hebei Bureau", name_zh="河北厅"))
    factory.user(Role.SUBMITTER, organisation=invitation.organisation, email="hebei@example.cn")
    factory.user(Role.EDITOR, username="office")
    factory.commit()

    login("office")
    page.goto(f"/review/coverage?conference={conference.id}")
    page.click("a:has-text('Mail templates')")
    page.click("tr:has-text('Reminder') >> a:has-text('Edit')")
    page.fill("textarea[name=body_en]", "Dear {bureau_name}, please send it by {due_date}.")
    page.click("button:has-text('Preview')")
    assert page.locator("text=Unknown placeholder {bureau_name}.").is_visible()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MailTemplate)) == 0

    page.fill("textarea[name=body_en]", "Dear {bureau}, please send it by {due_date}. {link}")
    page.fill("textarea[name=body_zh]", "{bureau}同志：请于{due_date}前报送。")
    page.click("button:has-text('Preview')")
    assert page.locator(".mail-preview").inner_text().count("Dear Department of Ecology and Environment") == 1
    page.click("button:has-text('Save the wording')")
    page.locator("text=The wording of this mail is saved").wait_for()

    page.goto(f"/review/coverage?conference={conference.id}")
    page.click("tr:has-text('Hebei Bureau') >> a:has-text('Remind')")
    assert "Dear Hebei Bureau, please send it by" in page.locator(".remind-preview").inner_text()
    page.click("button:has-text('Send 1 reminders')")
    page.locator("text=Reminded 1 bureaus.").wait_for()

    db.session.expire_all()
    [mail] = db.session.scalars(sa.select(OutboxMail)).all()
    assert mail.to_address == "hebei@example.cn"
    assert "河北厅同志：请于" in mail.body_text and "Dear Hebei Bureau, please send it by " in mail.body_text
    assert f"please send it by {format_due(invitation.effective_due_at, conference.timezone)}. " in mail.body_text
    assert mail.body_text.rstrip().endswith(f"{live_server.url}/")
