"""The ministry's home: what each conference's table says, in which order, and what the page costs."""
import re
from datetime import date, datetime, timedelta, timezone

import pytest

from app.domain.conference.home import HOME_INVITATIONS, ministry_overview
from app.models import ExchangeKind, Role, SubmissionState
from tests.review.test_queue import QueryCounter

DUE = datetime(2030, 3, 1, 2, tzinfo=timezone.utc)  # 10:00 in Beijing


def rows_of(page: str) -> list[str]:
    """The first invitation table's lines as text, cell by cell."""
    body = page.split('<table class="data">', 1)[1].split("</tbody>", 1)[0]
    return [" | ".join(re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S))
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S) if "<td>" in row]


@pytest.fixture
def table(factory, db):
    """Three invitations: one extended twice, one whose piece was replaced, one not started."""
    conference = factory.conference()
    extended = factory.invitation(conference=conference, kind=ExchangeKind.ORAL, speaking_order=1, due_at=DUE,
                                  organisation=factory.organisation(name_zh="甲省生态环境厅", name_en="Province A"))
    replaced = factory.invitation(conference=conference, kind=ExchangeKind.ORAL, speaking_order=2, due_at=DUE,
                                  organisation=factory.organisation(name_zh="乙省生态环境厅", name_en="Province B"))
    factory.invitation(conference=conference, kind=ExchangeKind.WRITTEN, due_at=DUE,
                       organisation=factory.organisation(name_zh="丙省生态环境厅", name_en="Province C"))
    later = factory.extension(extended, DUE + timedelta(days=5))
    earlier = factory.extension(extended, DUE + timedelta(days=9))
    # The latest extension counts, not the furthest date.
    earlier.granted_at, later.granted_at = DUE - timedelta(days=3), DUE - timedelta(days=1)
    old = factory.submission(replaced, state=SubmissionState.SUPERSEDED)
    factory.submission(replaced, state=SubmissionState.SUBMITTED, replaces_id=old.id)
    factory.user(Role.REVIEWER, username="reader")
    factory.commit()
    return conference


def test_each_line_says_the_bureau_the_kind_the_moved_due_date_and_the_live_pieces_state(client, auth, table):
    auth.login("reader")
    assert rows_of(client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)) == [
        "Province A | oral exchange speech | 2030-03-06 10:00 | not started",
        "Province B | oral exchange speech | 2030-03-01 10:00 | submitted",
        "Province C | written exchange | 2030-03-01 10:00 | not started",
    ]
    chinese = client.get("/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert rows_of(chinese) == [
        "甲省生态环境厅 | 大会交流发言 | 2030-03-06 10:00 | 未开始",
        "乙省生态环境厅 | 大会交流发言 | 2030-03-01 10:00 | 已提交",
        "丙省生态环境厅 | 书面交流材料 | 2030-03-01 10:00 | 未开始",
    ]
    assert '<span class="state state-submitted">已提交</span>' in chinese
    assert '<span class="state state-none">未开始</span>' in chinese


def test_a_bureau_without_a_chinese_name_is_named_in_english(client, auth, factory):
    conference = factory.conference()
    factory.invitation(conference=conference, organisation=factory.organisation(name_zh="", name_en="Macao Office"))
    factory.user(Role.REVIEWER, username="reader")
    factory.commit()
    auth.login("reader")
    page = client.get("/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert rows_of(page)[0].startswith("Macao Office | ")


def test_each_conference_lists_its_first_invitations_in_the_programmes_order(factory, db):
    first, second = factory.conference(), factory.conference(starts_on=date(2024, 2, 1), ends_on=date(2024, 2, 2))
    for conference, prefix in ((first, "A"), (second, "B")):
        for n in range(HOME_INVITATIONS + 2):  # written ones were invited first, listed after the speeches
            factory.invitation(conference=conference, kind=ExchangeKind.WRITTEN,
                               organisation=factory.organisation(name_en=f"{prefix} written {n:02d}"))
        for n in (3, 1, 2):
            factory.invitation(conference=conference, kind=ExchangeKind.ORAL, speaking_order=n,
                               organisation=factory.organisation(name_en=f"{prefix} speaker {n}"))
    factory.commit()
    overview = {o.conference.id: o for o in ministry_overview().items}
    for conference, prefix in ((first, "A"), (second, "B")):
        listed = overview[conference.id]
        assert [line.name_en for line in listed.invitations] == (
            [f"{prefix} speaker {n}" for n in (1, 2, 3)]
            + [f"{prefix} written {n:02d}" for n in range(HOME_INVITATIONS - 3)])
        assert listed.invitation_total == HOME_INVITATIONS + 5


def home_queries(client, db) -> tuple[int, str]:
    db.session.expire_all()
    with QueryCounter(db.engine) as counter:
        page = client.get("/").get_data(as_text=True)
    return counter.count, page


@pytest.mark.parametrize("role", [Role.EDITOR, Role.REVIEWER])
def test_the_home_costs_the_same_queries_for_one_small_conference_and_three_large_ones(client, auth, factory, db,
                                                                                       role):
    factory.user(role, username="someone")
    small = factory.conference()
    factory.submission(factory.invitation(conference=small), state=SubmissionState.SUBMITTED)
    factory.commit()
    auth.login("someone")
    few, _page = home_queries(client, db)
    for conference in (small, factory.conference(), factory.conference()):
        for n in range(HOME_INVITATIONS + 5):
            invitation = factory.invitation(conference=conference, kind=ExchangeKind.ORAL, speaking_order=n)
            factory.extension(invitation, DUE + timedelta(days=n % 4))
            if n % 3:
                factory.submission(invitation, state=SubmissionState.APPROVED if n % 2 else SubmissionState.DRAFT)
    factory.commit()
    many, page = home_queries(client, db)
    assert many == few
    assert page.count('<table class="data">') == 3 and len(rows_of(page)) == HOME_INVITATIONS


def test_a_page_past_the_end_shows_the_last_and_nonsense_the_first(client, auth, factory):
    for n in range(4):
        factory.conference(title_zh=f"第{n}次会议", starts_on=date(2024, 1, 10 + n), ends_on=date(2024, 1, 11 + n))
    factory.user(Role.REVIEWER, username="reader")
    factory.commit()
    auth.login("reader")
    last = client.get("/?page=9").get_data(as_text=True)
    assert "第0次会议" in last and "第1次会议" not in last and 'aria-current="page"' in last
    for nonsense in ("0", "-3"):
        first = client.get(f"/?page={nonsense}").get_data(as_text=True)
        assert "第3次会议" in first and "第0次会议" not in first


def test_a_home_without_conferences_says_so(client, auth, factory):
    factory.user(Role.EDITOR, username="chief")
    factory.commit()
    auth.login("chief")
    assert "No conference has been set up yet." in client.get("/?page=3").get_data(as_text=True)
