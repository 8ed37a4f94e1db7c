"""A build's progress says what it is doing and for how long, so that it never looks frozen."""
from __future__ import annotations

import re
from datetime import timedelta

from app.models import EditionStatus, ProceedingsEdition, utcnow
from app.proceedings.status import elapsed_text, progress_text


def building(stage: str, done: int, total: int, *, asked_ago: timedelta) -> ProceedingsEdition:
    return ProceedingsEdition(number=1, status=EditionStatus.BUILDING, progress_stage=stage, progress_done=done,
                              progress_total=total, created_at=utcnow() - asked_ago)


def test_the_text_moves_while_one_long_piece_is_typeset(app):
    edition = building("rendering", 3, 10, asked_ago=timedelta(seconds=20))
    with app.test_request_context():
        now = utcnow()
        first, later = progress_text(edition, now), progress_text(edition, now + timedelta(seconds=7))
    assert first != later
    assert "3 of 10 done" in first and "20 seconds" in first and "27 seconds" in later


def test_every_stage_says_how_long_it_has_been(app):
    with app.test_request_context():
        texts = [progress_text(building(stage, done, 10, asked_ago=timedelta(minutes=2, seconds=5)))
                 for stage, done in (("queued", 0), ("rendering", 10), ("assembling", 10))]
    assert all("2 min 05 s" in text for text in texts), texts


def test_durations_read_in_chinese(app):
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert elapsed_text(timedelta(seconds=75)) == "1 分 15 秒"
        assert elapsed_text(timedelta(seconds=9)) == "9 秒"


def test_the_status_endpoint_carries_the_moving_text(app, factory, client, auth):
    from app.domain.proceedings import editions
    from app.models import Role
    from tests.factories import approved_piece

    conference = factory.conference()
    approved_piece(factory, conference)
    editor = factory.user(Role.EDITOR)
    edition = editions.create_edition(conference, actor=editor, edition_date=conference.starts_on)
    edition.created_at = utcnow() - timedelta(seconds=42)
    factory.commit()
    auth.login(editor.username)
    status = client.get(f"/proceedings/{conference.slug}/editions/{edition.number}/status").json
    assert status["status"] == "queued" and re.search(r"waiting for the build worker, 4[2-5] seconds", status["text"])
