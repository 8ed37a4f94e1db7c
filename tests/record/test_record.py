"""The record: logins and events, filtered, paged and exported for editors and administrators."""
from __future__ import annotations

import csv
import html
import io
import re
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from app.domain.audit import record_event
from app.domain.conference.record import PAGE_SIZE
from app.models import AuditEvent, Role
from tests.helpers import page_text
from tests.review.test_queue import QueryCounter


def page_text_of(source: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html.unescape(source)).split())


def events(db, action):
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)).all()


def test_logins_that_succeed_and_fail_are_recorded(client, auth, factory, db):
    user = factory.user(Role.REVIEWER, username="li.ming")
    factory.commit()
    auth.login("li.ming", "wrong password")
    auth.login("nobody", "wrong password")  # no such account: recorded all the same
    auth.login("li.ming")
    failed = events(db, "login_failed")
    assert sorted(e.detail["username"] for e in failed) == ["li.ming", "nobody"]
    assert all(e.actor_id is None and e.object_type == "User" for e in failed)
    assert {e.object_id for e in failed} == {user.id, None}  # an unknown name points at nobody
    [login] = events(db, "login")
    assert (login.actor_id, login.object_type, login.object_id) == (user.id, "User", user.id)


@pytest.mark.parametrize("role, status", [(Role.SUBMITTER, 403), (Role.REVIEWER, 403),
                                          (Role.EDITOR, 200), (Role.ADMIN, 200)])
def test_only_editors_and_administrators_read_the_record(client, auth, factory, role, status):
    user = factory.user(role)
    factory.commit()
    auth.login(user.username)
    for path in ("/record/", "/record/record.csv", "/record/failed-mail"):
        assert client.get(path).status_code == status
    assert ("Record" in page_text(client.get("/"))) == (status == 200)


@pytest.fixture
def history(factory, db):
    """Events by a bureau member on their piece, by a reviewer, and an old one."""
    editor = factory.user(Role.EDITOR, display_name="王编辑")
    bureau = factory.organisation(name_en="Hebei Department", name_zh="河北省生态环境厅")
    member = factory.user(Role.SUBMITTER, organisation=bureau, display_name="张三")
    reviewer = factory.user(Role.REVIEWER, display_name="李审")
    piece = factory.submission(invitation=factory.invitation(organisation=bureau), author=member, title="蓝天")
    record_event("piece_note", actor=member, obj=piece, submission=piece, detail={"note": "=cmd|' /C calc'!A0"})
    record_event("login", actor=reviewer, obj=reviewer)
    old = record_event("login", actor=member, obj=member)
    old.created_at = datetime(2024, 1, 5, 8, 0, tzinfo=timezone.utc)
    factory.commit()
    return editor, bureau, member, reviewer


def test_the_record_filters_by_person_bureau_kind_and_date(client, auth, factory, db, history):
    editor, bureau, member, _reviewer = history
    auth.login(editor.username)

    def rows(query):
        """The text of the table only: the filter's choices name everybody."""
        page = client.get(f"/record/?{query}").get_data(as_text=True)
        table = page.partition('<table class="data record">')[2].partition("</table>")[0]
        return " ".join(re.sub(r"<[^>]+>", " ", html.unescape(table)).split()) or page_text_of(page)

    by_member = rows(f"person={member.id}")
    assert "piece_note" in by_member and "李审" not in by_member
    by_bureau = rows(f"bureau={bureau.id}")
    assert "Hebei Department" in by_bureau and "蓝天" in by_bureau and "李审" not in by_bureau
    by_kind = rows("action=piece_note")
    assert "piece_note" in by_kind and "李审" not in by_kind
    january = rows("since=2024-01-05&until=2024-01-05")
    assert "2024-01-05 08:00:00" in january and "piece_note" not in january
    assert "Nothing matches these filters." in rows("since=2024-01-06&until=2024-01-07")
    # Values that are not on offer are ignored, not an error page.
    assert "piece_note" in rows("person=abc&bureau=99999999&since=yesterday&before=x")


def test_the_record_pages_by_id_and_each_page_costs_the_same_queries(client, auth, factory, db):
    editor = factory.user(Role.EDITOR)
    bureau = factory.organisation()
    member = factory.user(Role.SUBMITTER, organisation=bureau)
    piece = factory.submission(invitation=factory.invitation(organisation=bureau), author=member)

    def add(n):
        for i in range(n):
            record_event("piece_note", actor=member if i % 2 else editor, obj=piece, submission=piece,
                         detail={"n": i})
        factory.commit()

    def cost(path):
        db.session.expire_all()
        with QueryCounter(db.engine) as counter:
            response = client.get(path)
        assert response.status_code == 200
        return counter.count, response.get_data(as_text=True)

    auth.login(editor.username)
    add(10)
    few, _ = cost("/record/")
    add(90)
    many, first = cost("/record/")
    assert many == few, f"{few} queries with 10 events, {many} with 100"
    assert first.count("<td>piece_note</td>") == PAGE_SIZE

    def older(page):
        found = re.search(r'href="([^"]+)" rel="next"', page)
        return html.unescape(found.group(1)) if found else None

    second_cost, second = cost(older(first))
    assert second_cost == few
    assert second.count("<td>piece_note</td>") == 50  # the older half, none seen twice
    _third_cost, third = cost(older(second))
    assert "<td>piece_note</td>" not in third and "create_account" in third and older(third) is None


def test_the_record_exports_as_csv_with_hostile_values_neutralised(client, auth, factory, db, history):
    editor, bureau, _member, _reviewer = history
    auth.login(editor.username)
    response = client.get(f"/record/record.csv?bureau={bureau.id}")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:5] == ["Time (UTC)", "Person", "Username", "Bureau", "What"]
    assert len(rows) == 3  # the header, the note and the member's login; not the reviewer's
    note = next(r for r in rows if r[4] == "piece_note")
    assert note[1] == "张三" and note[3] == "Hebei Department" and note[6] == "蓝天"
    assert note[9] == "note: =cmd|' /C calc'!A0"  # not at the start of the cell: harmless
    reviewer = _reviewer
    reviewer.display_name = "=cmd|' /C calc'!A0"
    factory.commit()
    since = (datetime.now(timezone.utc) - timedelta(days=1)).date().isoformat()
    dated = list(csv.reader(io.StringIO(
        client.get(f"/record/record.csv?since={since}&action=login").data.decode("utf-8-sig"))))
    # Today's logins (the editor's own included), not January's.
    assert [(r[1], r[4]) for r in dated[1:]] == [("王编辑", "signed in"), ("'=cmd|' /C calc'!A0", "signed in")]


def test_refused_attempts_are_recorded(client, auth, factory, db):
    member = factory.user(Role.SUBMITTER)
    factory.commit()
    auth.login(member.username)
    assert client.get("/record/").status_code == 403
    [event] = events(db, "refused")
    assert event.actor_id == member.id
    assert (event.detail["method"], event.detail["path"]) == ("GET", "/record/")


def test_the_record_reads_in_chinese(client, auth, factory, db, history):
    editor, *_rest = history
    auth.login(editor.username)
    text = page_text(client.get("/record/", headers={"Accept-Language": "zh"}))
    assert "操作记录" in text and "时间（UTC）" in text and "发送失败的邮件" in text
    # Kinds of event by their Chinese names, on the page, in its filter and in the export.
    table = text.partition("时间（UTC）")[2]
    assert "登录系统" in table and "login" not in table
    exported = client.get("/record/record.csv?action=login", headers={"Accept-Language": "zh"}).data.decode("utf-8-sig")
    assert "登录系统" in exported and ",login," not in exported


def test_hostile_details_are_shown_as_text_and_cut_short(client, auth, factory, db):
    editor = factory.user(Role.EDITOR)
    record_event("piece_note", actor=editor, obj=editor,
                 detail={"note": "<script>alert(1)</script>\u202e" + "长" * 10_000})
    factory.commit()
    auth.login(editor.username)
    response = client.get("/record/?action=piece_note")
    source = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in source and "&lt;script&gt;alert(1)&lt;/script&gt;" in source
    assert "长" * 400 not in source  # ten thousand characters do not flood the page
    exported = client.get("/record/record.csv?action=piece_note").data.decode("utf-8-sig")
    assert "长" * 10_000 in exported and "\u202e" not in exported
