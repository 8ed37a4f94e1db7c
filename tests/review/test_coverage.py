"""Coverage for editors: invitations × status, overdue marks, approvals per key task, CSV."""
import csv
import io
from datetime import datetime, timedelta, timezone

import pytest

from app.domain.review.coverage import NOT_STARTED, coverage
from app.models import ExchangeKind, Role, SubmissionState


@pytest.fixture
def conference_with_everything(factory):
    conference = factory.conference()
    rows = {}
    for state in [None, *SubmissionState]:
        organisation = factory.organisation(name_zh=f"{state.value if state else '未开始'}省", name_en=f"{state.value if state else 'none'} Province")
        invitation = factory.invitation(conference=conference, organisation=organisation)
        if state is not None:
            factory.submission(invitation=invitation, state=state, title=f"材料-{state.value}")
        rows[state.value if state else NOT_STARTED] = invitation
    late = factory.invitation(conference=conference, organisation=factory.organisation(name_zh="逾期省", name_en="Late Province"),
                              kind=ExchangeKind.ORAL, due_in=timedelta(days=-2))
    extended = factory.invitation(conference=conference, organisation=factory.organisation(name_zh="延期省", name_en="Extended Province"),
                                  due_in=timedelta(days=-2))
    factory.extension(extended, datetime.now(timezone.utc) + timedelta(days=5))
    factory.commit()
    return conference, rows, late, extended


def test_the_matrix_has_every_invitation_with_its_status(conference_with_everything):
    conference, rows, late, extended = conference_with_everything
    report = coverage(conference)
    status_of = {r.invitation.id: r.status for r in report.rows}
    for status, invitation in rows.items():
        # A superseded piece no longer answers its invitation: until its replacement starts, nothing does.
        assert status_of[invitation.id] == (NOT_STARTED if status == "superseded" else status)
    # the "not started" row, the superseded one, the late one and the extended one
    assert report.totals[NOT_STARTED] == 4
    assert "superseded" not in report.totals
    assert all(report.totals[s.value] == 1 for s in SubmissionState if s is not SubmissionState.SUPERSEDED)


def test_overdue_means_past_the_effective_due_date_and_not_yet_sent(conference_with_everything):
    conference, rows, late, extended = conference_with_everything
    report = coverage(conference)
    overdue = {r.invitation.id for r in report.rows if r.overdue}
    assert overdue == {late.id}
    due = {r.invitation.id: r.due_at for r in report.rows}
    assert due[extended.id] > datetime.now(timezone.utc)


def test_approved_pieces_are_counted_per_key_task(conference_with_everything):
    conference, *_ = conference_with_everything
    counts = {k.key_task.number: k.approved for k in coverage(conference).key_tasks}
    assert counts == {1: 1, 2: 0, 3: 0}


def test_the_coverage_page_marks_overdue_rows(client, auth, factory, conference_with_everything):
    factory.user(Role.EDITOR, username="cov-editor")
    factory.commit()
    auth.login("cov-editor")
    page = client.get("/review/coverage").get_data(as_text=True)
    assert "Late Province" in page and 'class="overdue"' in page and "overdue</strong>" in page
    assert page.count('<tr class="overdue">') == 1
    assert "Approved pieces per key task" in page


def test_the_csv_is_utf8_with_bom_and_opens_with_chinese_intact(client, auth, factory, conference_with_everything):
    conference, rows, late, extended = conference_with_everything
    factory.user(Role.EDITOR, username="cov-editor")
    factory.commit()
    auth.login("cov-editor")
    response = client.get(f"/review/coverage.csv?conference={conference.id}")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert f"coverage-{conference.slug}.csv" in response.headers["Content-Disposition"]
    assert response.data.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    header, body = table[0], table[1:]
    assert header[:6] == ["Bureau (Chinese)", "Bureau (English)", "Kind", "Due", "Overdue", "Title"]
    assert len(body) == len(rows) + 2
    by_name = {line[0]: line for line in body}
    assert by_name["逾期省"][4] == "1"
    approved = by_name["approved省"]
    assert approved[5] == "材料-approved" and approved[6 + 4] == "1"  # not started, draft, submitted, changes, approved


def test_a_formula_looking_title_stays_text_in_the_csv(client, auth, factory):
    conference = factory.conference()
    factory.submission(invitation=factory.invitation(conference=conference), title="=HYPERLINK(\"http://evil\")",
                       state=SubmissionState.SUBMITTED)
    factory.user(Role.EDITOR, username="cov-editor")
    factory.commit()
    auth.login("cov-editor")
    body = client.get(f"/review/coverage.csv?conference={conference.id}").data.decode("utf-8-sig")
    assert "'=HYPERLINK" in body


def test_a_draft_never_sent_keeps_its_title_to_its_bureau(client, auth, factory):
    conference = factory.conference()
    factory.submission(invitation=factory.invitation(conference=conference), title="尚未报送的草稿标题")
    sent = factory.submission(invitation=factory.invitation(conference=conference), title="已报送的标题",
                              state=SubmissionState.SUBMITTED)
    sent.title = "报送后又改的草稿标题"  # the bureau's unsent edit of a piece it sent
    factory.user(Role.EDITOR, username="cov-editor")
    factory.commit()
    auth.login("cov-editor")
    body = client.get(f"/review/coverage.csv?conference={conference.id}").data.decode("utf-8-sig")
    assert "已报送的标题" in body
    assert "尚未报送的草稿标题" not in body and "报送后又改的草稿标题" not in body


def test_reviewers_do_not_see_coverage(client, auth, factory):
    factory.user(Role.REVIEWER, username="plain-reviewer")
    factory.commit()
    auth.login("plain-reviewer")
    assert client.get("/review/coverage").status_code == 403
    assert client.get("/review/coverage.csv").status_code == 403
