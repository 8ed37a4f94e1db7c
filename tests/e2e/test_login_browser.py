"""A demo submitter logs in with Chromium and sees its bureau's invitations."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.models import Invitation, Organisation
from app.seed.demo import DEMO_PASSWORD, seed_demo
from app.templating import local_time

pytestmark = pytest.mark.e2e


def test_a_demo_submitter_logs_in_and_sees_its_invitations(db, page, login):
    seed_demo()
    db.session.commit()
    invitation = db.session.scalar(sa.select(Invitation).join(Organisation).where(Organisation.code == "tianjin"))

    login("tianjin", DEMO_PASSWORD)
    assert page.url.endswith("/")
    assert page.inner_text("h1") == invitation.organisation.name_en
    rows = page.locator("table.invitations tbody tr")
    assert rows.count() == 1
    text = rows.first.inner_text()
    assert "oral exchange speech" in text
    assert local_time(invitation.effective_due_at, "Asia/Shanghai") in text
    assert "days left" in text


def test_a_wrong_demo_password_keeps_the_submitter_out(db, page, login):
    seed_demo()
    db.session.commit()
    login("tianjin", "not the demo password")
    assert "/login" in page.url
    assert "Wrong username or password" in page.inner_text(".flashes")
    assert page.locator("table.invitations").count() == 0
