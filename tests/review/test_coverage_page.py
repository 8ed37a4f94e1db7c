"""The coverage page holds at any size: a page of columns, counts from indexes, each row's extras by index.

The page must show what it showed when every row was an object (its latest
reminder and by whom, the due date an extension moved, a bureau with no one
to notify), and cost the same queries for a conference of a few invitations
as for one of several pages.
"""
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from app.domain.audit import record_event
from app.domain.paging import PAGE_SIZE
from app.domain.review.coverage import NOT_STARTED, coverage, coverage_page
from app.models import ExchangeKind, Role, SubmissionState
from tests.helpers import page_text
from tests.review.test_queue import queue_page_queries

STATES = [None, SubmissionState.DRAFT, SubmissionState.SUBMITTED, SubmissionState.APPROVED]


def invite(factory, conference, editor, n, start=0):
    """``n`` invitations in turn not started, drafted, submitted, approved; each extended and reminded."""
    for i in range(start, start + n):
        invitation = factory.invitation(conference=conference, kind=(ExchangeKind.ORAL, ExchangeKind.WRITTEN)[i % 2],
                                        speaking_order=i,
                                        organisation=factory.organisation(name_en=f"Bureau {i:03d}"))
        if STATES[i % 4]:
            factory.submission(invitation=invitation, state=STATES[i % 4])
        else:
            factory.user(Role.SUBMITTER, organisation=invitation.organisation)
        factory.extension(invitation, datetime.now(timezone.utc) + timedelta(days=i % 3 - 1), granted_by=editor)
        record_event("remind", actor=editor, obj=invitation, detail={})
        record_event("remind", actor=None, obj=invitation, detail={"automatic": True})
    factory.commit()


page_cost = queue_page_queries  # queries and HTML of one request to a page


def test_the_page_costs_the_same_queries_for_a_few_invitations_as_for_several_pages(client, auth, factory, db):
    conference = factory.conference()
    editor = factory.user(Role.EDITOR, username="cov-chief", display_name="王编辑")
    invite(factory, conference, editor, 3)
    auth.login("cov-chief")
    path = f"/review/coverage?conference={conference.id}"
    few, few_page = page_cost(client, db, path)
    invite(factory, conference, editor, 2 * PAGE_SIZE, start=3)
    many, many_page = page_cost(client, db, path)
    last, last_page = page_cost(client, db, path + "&page=3")
    assert few == many == last
    assert many_page.count('<th scope="row">') == PAGE_SIZE and last_page.count('<th scope="row">') == 3
    assert "Invitations 1–50 of 103" in many_page and "Invitations 101–103 of 103" in last_page


def test_a_row_shows_its_latest_reminder_its_extended_due_date_and_a_bureau_with_no_one(client, auth, factory, db):
    conference = factory.conference(timezone="Asia/Shanghai")
    editor = factory.user(Role.EDITOR, username="cov-chief", display_name="王编辑")
    nobody = factory.invitation(conference=conference, organisation=factory.organisation(name_en="Nobody Bureau"))
    staffed = factory.invitation(conference=conference, organisation=factory.organisation(name_en="Staffed Bureau"),
                                 due_in=timedelta(days=-3))
    factory.user(Role.SUBMITTER, organisation=staffed.organisation)
    factory.extension(staffed, datetime(2031, 5, 1, 2, 0, tzinfo=timezone.utc), granted_by=editor)
    factory.extension(staffed, datetime(2031, 6, 1, 2, 0, tzinfo=timezone.utc), granted_by=editor)
    # The editor reminded the staffed bureau after the automatic run; the automatic run reminded nobody last.
    record_event("remind", actor=None, obj=staffed, detail={})
    record_event("remind", actor=editor, obj=staffed, detail={})
    record_event("remind", actor=editor, obj=nobody, detail={})
    record_event("remind", actor=None, obj=nobody, detail={})
    factory.commit()
    auth.login("cov-chief")

    rows = page_text(client.get(f"/review/coverage?conference={conference.id}",
                                headers={"Accept-Language": "en"})).split("Remind")
    nobody_row = next(row for row in rows if "Nobody Bureau" in row)
    staffed_row = next(row for row in rows if "Staffed Bureau" in row)
    assert "no one to notify" in nobody_row and "by automatic reminder" in nobody_row
    assert "no one to notify" not in staffed_row and "by 王编辑" in staffed_row
    # The latest extension moved the due date (10:00 in Beijing), past the original one: not overdue.
    assert "2031-06-01 10:00" in staffed_row and "overdue" not in staffed_row


def test_the_page_speaks_chinese_too(client, auth, factory):
    conference = factory.conference()
    factory.invitation(conference=conference, kind=ExchangeKind.ORAL, due_in=timedelta(days=-1),
                       organisation=factory.organisation(name_zh="迟交省", name_en="Late Province"))
    factory.user(Role.EDITOR, username="cov-chief")
    factory.commit()
    auth.login("cov-chief")
    page = page_text(client.get(f"/review/coverage?conference={conference.id}", headers={"Accept-Language": "zh"}))
    assert "迟交省" in page and "Late Province" not in page


def test_the_page_has_the_rows_totals_and_key_tasks_of_the_full_matrix(factory, db):
    conference = factory.conference()
    editor = factory.user(Role.EDITOR)
    invite(factory, conference, editor, 7)
    factory.submission(invitation=factory.invitation(conference=factory.conference()), state=SubmissionState.APPROVED)
    factory.commit()
    full = coverage(conference)
    page = coverage_page(conference, page=1, lang="en")
    assert [(r.invitation_id, r.bureau, r.kind, r.due_at, r.status, r.overdue, r.has_members) for r in page.rows] == \
        [(r.invitation.id, r.invitation.organisation.name_en, r.invitation.kind, r.due_at, r.status, r.overdue,
          r.has_members) for r in full.rows]
    assert page.totals == full.totals and sum(page.totals.values()) == page.page.total == 7
    assert page.totals[NOT_STARTED] == 2 and page.totals[SubmissionState.APPROVED.value] == 1
    assert [(k.key_task.number, k.approved) for k in page.key_tasks] == \
        [(k.key_task.number, k.approved) for k in full.key_tasks] == [(1, 1), (2, 0), (3, 0)]


# What the rows' query must read through: the page in order, and one probe of each index a row asks.
PAGE_INDEXES = ("ix_invitation_coverage_order", "ix_extension_invitation_latest", "ix_user_organisation_id",
                "ix_audit_event_remind")


def test_a_page_of_invitations_is_read_in_order_and_each_row_by_index_probes(client, auth, factory, db):
    """The rows' query walks ``ix_invitation_coverage_order`` and stops at the page: only the page's rows are
    put in order, and nothing scans the users, the extensions or the audit trail."""
    conference = factory.conference()
    editor = factory.user(Role.EDITOR, username="cov-chief")
    invite(factory, conference, editor, 3)
    auth.login("cov-chief")
    statements = []

    def record(_conn, _cursor, statement, parameters, *_rest):
        statements.append((statement, parameters))
    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        client.get(f"/review/coverage?conference={conference.id}")
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    [(statement, parameters)] = [(s, p) for s, p in statements if "audit_event" in s and "OFFSET" in s]
    with db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            # A few rows make scans and a sort the cheaper plan; forbidding them asks whether the indexes serve.
            conn.exec_driver_sql("SET enable_sort = off")
            conn.exec_driver_sql("SET enable_seqscan = off")
            plan = "\n".join(conn.exec_driver_sql("EXPLAIN " + statement, parameters).scalars())
            assert plan.count("Sort Key") <= 1 and "Seq Scan" not in plan, plan
        else:
            plan = "\n".join(row[-1] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters))
            assert plan.count("USE TEMP B-TREE FOR ORDER BY") <= 1, plan
    assert all(index in plan for index in PAGE_INDEXES), plan
