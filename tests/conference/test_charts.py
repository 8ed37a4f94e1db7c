"""The editors' charts on the home page: the numbers, the pictures, and what they cost."""
from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa
from flask_babel import refresh

from app.domain.conference.charts import conference_charts
from app.models import Role, SubmissionState, SubmissionVersion
from app.models.summary_stamp import mark_changed
from tests.review.test_queue import QueryCounter

DUE = datetime(2025, 1, 10, 10, tzinfo=timezone.utc)


def sent_at(db, submission, when):
    """Date a piece's first version as if it had been submitted at ``when``."""
    db.session.execute(sa.update(SubmissionVersion).where(SubmissionVersion.submission_id == submission.id)
                       .values(created_at=when))
    mark_changed(db.session, [submission.conference_id])


@pytest.fixture
def known(factory, db):
    """Six invitations, one in each status, a replaced piece, and an extension (Asia/Shanghai, UTC+8)."""
    conference = factory.conference(title_zh="图表会议", title_en="Chart Conference")
    one, two, _ = conference.key_tasks
    invitations = {name: factory.invitation(conference=conference)
                   for name in ("approved", "submitted", "changes", "replaced", "none", "withdrawn")}
    approved = factory.submission(invitations["approved"], state=SubmissionState.APPROVED)
    approved.key_tasks = [one, two]
    submitted = factory.submission(invitations["submitted"], state=SubmissionState.SUBMITTED)
    changes = factory.submission(invitations["changes"], state=SubmissionState.CHANGES_REQUESTED)
    changes.key_tasks = [two]
    old = factory.submission(invitations["replaced"], state=SubmissionState.SUPERSEDED)
    factory.submission(invitations["replaced"], replaces_id=old.id)  # the live replacement, a draft
    factory.submission(invitations["withdrawn"], state=SubmissionState.WITHDRAWN)
    # 17:00 UTC on the 5th is the 6th in Beijing: days are cut in the conference's zone.
    sent_at(db, approved, datetime(2025, 1, 5, 17, tzinfo=timezone.utc))
    sent_at(db, submitted, datetime(2025, 1, 6, 2, tzinfo=timezone.utc))
    sent_at(db, changes, datetime(2025, 1, 8, 9, tzinfo=timezone.utc))
    sent_at(db, old, datetime(2025, 1, 3, 9, tzinfo=timezone.utc))
    for invitation in invitations.values():  # due in the past, once the pieces were sent
        invitation.due_at = DUE
    factory.extension(invitations["none"], datetime(2025, 1, 15, 10, tzinfo=timezone.utc))
    factory.commit()
    db.session.expire_all()
    return conference


def charts_of(db, conference):
    return conference_charts(conference)


def test_pieces_by_state_per_key_task_count_live_pieces_only(db, known):
    bars = charts_of(db, known).key_tasks
    nonzero = [{s: n for s, n in bar.counts.items() if n} for bar in bars]
    assert nonzero == [
        {"draft": 1, "submitted": 1, "approved": 1, "withdrawn": 1},
        {"changes_requested": 1, "approved": 1},
        {},
    ]
    assert [bar.total for bar in bars] == [4, 2, 0]


def test_bureaus_by_status_count_each_invitation_once_by_its_live_piece(db, known):
    assert charts_of(db, known).bureaus == {
        "not_started": 1, "draft": 1, "submitted": 1, "changes_requested": 1,
        "approved": 1, "rejected": 0, "withdrawn": 1,
    }


def test_first_submissions_accumulate_per_local_day_against_the_due_dates(db, known):
    charts = charts_of(db, known)
    assert [(p.day, p.count, p.cumulative) for p in charts.days] == [
        (date(2025, 1, 3), 1, 1), (date(2025, 1, 6), 2, 3), (date(2025, 1, 8), 1, 4),
    ]
    assert charts.due_dates == [date(2025, 1, 10), date(2025, 1, 15)]
    assert (charts.start, charts.end) == (date(2025, 1, 2), date(2025, 1, 16))


def test_a_conference_without_invitations_has_empty_charts(factory, db):
    conference = factory.conference()
    charts = conference_charts(conference)
    assert charts.days == [] and charts.due_dates == [] and charts.invitations == 0
    assert all(bar.total == 0 for bar in charts.key_tasks)


def test_the_editor_home_draws_the_three_charts_with_their_numbers(client, auth, factory, known):
    factory.user(Role.EDITOR, username="chief")
    factory.commit()
    auth.login("chief")
    page = client.get("/").get_data(as_text=True)
    assert page.count('role="img"') == 3 and "<svg" in page and "style=" not in page.split("<svg", 1)[1]
    assert "Pieces by state per key task" in page and "Bureaus by status" in page
    assert "Submissions over time" in page
    assert "Beautiful China Pilot Zone: draft 1, submitted 1, approved 1, withdrawn 1." in page
    assert "6 invitations: not started 1, draft 1, submitted 1, changes requested 1, approved 1, rejected 0, withdrawn 1." in page
    assert "<td>2025-01-06</td><td>2</td><td>3</td>" in page
    assert 'class="chart-due"' in page and "Due 2025-01-15" in page

    chinese = client.get("/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert chinese.count('role="img"') == 3
    assert "各重点任务的材料状态" in chinese and "各单位进度" in chinese and "提交进展" in chinese
    assert "积极推进美丽中国先行区建设" in chinese and "Beautiful China Pilot Zone:" not in chinese


def test_a_reviewer_home_keeps_its_table_and_has_no_charts(client, auth, factory, known):
    factory.user(Role.REVIEWER, username="reader")
    factory.commit()
    auth.login("reader")
    page = client.get("/").get_data(as_text=True)
    assert "图表会议" in page and "Invitations" in page and "not started" in page
    assert 'role="img"' not in page and "Pieces by state per key task" not in page


def home_queries(client, db):
    db.session.expire_all()
    with QueryCounter(db.engine) as counter:
        page = client.get("/").get_data(as_text=True)
    assert page.count('role="img"') == 3
    return counter.count


def test_the_editor_home_costs_the_same_queries_for_10_and_100_pieces(client, auth, factory, db):
    conference = factory.conference()

    def add(n):
        for i in range(n):
            invitation = factory.invitation(conference=conference)
            state = SubmissionState.SUBMITTED if i % 10 == 0 else SubmissionState.DRAFT
            factory.submission(invitation, state=state, title=f"材料{i}")
        factory.commit()

    factory.user(Role.EDITOR, username="chief")
    add(10)
    auth.login("chief")
    few = home_queries(client, db)
    add(90)
    assert home_queries(client, db) == few


def test_a_hostile_key_task_title_is_text_in_the_charts(client, auth, factory, db):
    conference = factory.conference()
    conference.key_tasks[0].title_en = '<script>alert(1)</script>"><svg onload=x>' + "长" * 250  # the column holds 300
    factory.submission(factory.invitation(conference=conference))
    factory.user(Role.EDITOR, username="chief")
    factory.commit()
    auth.login("chief")
    response = client.get("/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and page.count('role="img"') == 3
    assert "<script>alert" not in page and "<svg onload" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_charts_of_a_page_of_conferences_cost_what_one_conference_costs(client, auth, factory, db):
    factory.user(Role.EDITOR, username="chief")
    first = factory.conference()
    factory.submission(factory.invitation(conference=first), state=SubmissionState.SUBMITTED)
    factory.commit()
    auth.login("chief")
    db.session.expire_all()
    with QueryCounter(db.engine) as one:
        assert client.get("/").get_data(as_text=True).count('role="img"') == 3
    for _ in range(2):
        conference = factory.conference()
        factory.submission(factory.invitation(conference=conference), state=SubmissionState.SUBMITTED)
    factory.commit()
    db.session.expire_all()
    with QueryCounter(db.engine) as three:
        assert client.get("/").get_data(as_text=True).count('role="img"') == 9
    assert three.count == one.count


def test_charts_counted_together_are_the_charts_counted_alone(factory, db, known):
    from app.domain.conference.charts import charts_of

    other = factory.conference(timezone="Europe/Paris")
    factory.submission(factory.invitation(conference=other), state=SubmissionState.APPROVED)
    factory.commit()
    together = charts_of([known, other])
    for conference in (known, other):
        alone = conference_charts(conference)
        assert together[conference.id].bureaus == alone.bureaus
        assert [(b.key_task.id, b.counts) for b in together[conference.id].key_tasks] == [
            (b.key_task.id, b.counts) for b in alone.key_tasks]
        assert together[conference.id].days == alone.days
        assert together[conference.id].due_dates == alone.due_dates
    assert together[other.id].bureaus["approved"] == 1 and together[known.id].bureaus["approved"] == 1


def test_the_bureaus_bar_splits_the_width_by_status_with_the_counts_inside_the_runs_that_hold_them(db, known):
    from app.domain.conference.chart_drawing import Run

    # Six invitations, one each in six statuses: 480 / 6 = 80 units each; none rejected, so no run for it.
    assert charts_of(db, known).bureau_runs == [
        Run("not_started", 1, "0.0", "80.0", "40.0"), Run("draft", 1, "80.0", "80.0", "120.0"),
        Run("submitted", 1, "160.0", "80.0", "200.0"), Run("changes_requested", 1, "240.0", "80.0", "280.0"),
        Run("approved", 1, "320.0", "80.0", "360.0"), Run("withdrawn", 1, "400.0", "80.0", "440.0"),
    ]


def test_the_key_task_bars_scale_to_the_largest_and_write_their_totals_after_them(db, known):
    rows = charts_of(db, known).key_task_rows
    assert [row.top for row in rows] == [0, 44, 88] and charts_of(db, known).key_tasks_height == 136
    # The largest bar (4 pieces) spans 960 - 40 units: 230 a piece.
    assert [(r.status, r.x, r.width) for r in rows[0].runs] == [
        ("draft", "0.0", "230.0"), ("submitted", "230.0", "230.0"), ("approved", "460.0", "230.0"),
        ("withdrawn", "690.0", "230.0")]
    assert [(r.status, r.x, r.width) for r in rows[1].runs] == [
        ("changes_requested", "0.0", "230.0"), ("approved", "230.0", "230.0")]
    assert [row.total_x for row in rows] == ["926.0", "466.0", "6.0"] and rows[2].runs == []


def test_the_time_axis_steps_up_on_each_day_against_the_due_lines(db, known):
    axis = charts_of(db, known).time_axis
    # From 2 to 16 January (14 days over 424 units from x = 40); six invitations at the top (y 16), none at 172.
    assert axis.most == 6
    assert axis.due_lines == [(date(2025, 1, 10), "282.3"), (date(2025, 1, 15), "433.7")]
    assert axis.due_label_x == "286.3"
    assert axis.points == "40,172 70.3,172 70.3,146.0 161.1,146.0 161.1,94.0 221.7,94.0 221.7,68.0 464,68.0"


def test_the_editor_home_draws_the_marks_where_the_drawing_puts_them(client, auth, factory, known):
    factory.user(Role.EDITOR, username="chief")
    factory.commit()
    auth.login("chief")
    page = client.get("/").get_data(as_text=True)
    assert '<polyline class="chart-line" points="40,172 70.3,172 70.3,146.0 161.1,146.0' in page
    assert '<line class="chart-due" x1="282.3" y1="16" x2="282.3" y2="172"><title>Due 2025-01-10</title></line>' in page
    assert '<text class="chart-tick chart-due-label" x="286.3" y="30">Due</text>' in page
    assert ('<rect class="chart-approved" x="320.0" y="4" width="80.0" height="32"><title>approved: 1</title></rect>'
            in page)
    assert '<text class="chart-value chart-inside" x="360.0" y="25">1</text>' in page
    assert ('<rect class="chart-changes_requested" x="0.0" y="64" width="230.0" height="18">'
            '<title>changes requested: 1</title></rect>') in page
    assert '<text class="chart-value" x="926.0" y="34">4</text>' in page


def test_a_conference_without_due_dates_or_submissions_draws_a_flat_line_and_no_due_label(db, factory):
    charts = conference_charts(factory.conference())
    assert charts.time_axis.due_lines == [] and charts.time_axis.due_label_x is None
    assert charts.time_axis.points == "40,172 464,172"
    assert charts.bureau_runs == []


def test_the_label_tables_speak_the_readers_language_and_are_built_once_per_language(app):
    tables = app.jinja_env.globals
    with app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
        chinese = tables["coverage_status_labels"]()
        assert chinese["not_started"] == "未开始" and chinese["superseded"] == "已被替换"
        assert tables["kind_labels"]()["oral"] == "大会交流发言"
        assert tables["coverage_status_labels"]() is chinese
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        refresh()  # the locale is kept on the app context, which the test's outlives a request's
        english = tables["coverage_status_labels"]()
        assert english["changes_requested"] == "changes requested" and english is not chinese
