"""The reviewers' queue: filters, sorting, counts, pages, and a flat number of queries."""
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from app.domain.review.decisions import assign_reviewer
from app.domain.review.queue import PAGE_SIZE, QueueFilters, review_queue
from app.models import ExchangeKind, Role, SubmissionState, SubmissionVersion


@pytest.fixture
def reviewer(factory):
    return factory.user(Role.REVIEWER, username="queue-reviewer")


def piece(factory, conference, state=SubmissionState.SUBMITTED, kind=ExchangeKind.WRITTEN, **values):
    organisation = factory.organisation(name_zh=values.pop("org_zh", None) or "测试省生态环境厅",
                                        name_en=values.pop("org_en", None) or "Test Department")
    invitation = factory.invitation(conference=conference, organisation=organisation, kind=kind)
    return factory.submission(invitation=invitation, state=state, **values)


def titles(page):
    return [row.title for row in page.rows]


def test_filters_by_state_kind_key_task_and_bureau(factory, db, reviewer):
    conference = factory.conference()
    approved = piece(factory, conference, SubmissionState.APPROVED, title="已通过的材料")
    oral = piece(factory, conference, kind=ExchangeKind.ORAL, title="口头交流发言")
    other_task = piece(factory, conference, title="核安全")
    other_task.key_tasks = [conference.key_tasks[2]]
    factory.submission(invitation=factory.invitation(conference=conference), title="未提交的草稿")
    db.session.flush()

    everything = review_queue(QueueFilters(), viewer=reviewer)
    assert sorted(titles(everything)) == sorted(["已通过的材料", "口头交流发言", "核安全"])  # never a draft
    assert titles(review_queue(QueueFilters(state=SubmissionState.APPROVED), viewer=reviewer)) == ["已通过的材料"]
    assert titles(review_queue(QueueFilters(kind=ExchangeKind.ORAL), viewer=reviewer)) == ["口头交流发言"]
    assert titles(review_queue(QueueFilters(key_task_id=conference.key_tasks[2].id), viewer=reviewer)) == ["核安全"]
    assert titles(review_queue(QueueFilters(organisation_id=oral.organisation_id), viewer=reviewer)) == ["口头交流发言"]
    assert everything.state_counts[SubmissionState.SUBMITTED] == 2
    assert everything.state_counts[SubmissionState.APPROVED] == 1
    assert approved.id in [row.id for row in everything.rows]


@pytest.mark.parametrize("text, expected", [
    ("蓝天", ["蓝天保卫战"]),            # title, Chinese
    ("湿地", ["湿地保护"]),              # abstract
    ("碳排放权", ["湿地保护"]),          # body
    ("BLUE sky", ["蓝天保卫战"]),        # English, any case
    ("100%", []),                       # a typed % is a percent sign, not a wildcard
    ("_", []),
])
def test_free_text_searches_title_abstract_and_body_of_the_submitted_version(factory, db, reviewer, text, expected):
    conference = factory.conference()
    piece(factory, conference, title="蓝天保卫战", abstract="Blue sky", body_source="大气治理。")
    piece(factory, conference, title="湿地保护", abstract="湿地修复经验", body_source="推进碳排放权交易。")
    assert titles(review_queue(QueueFilters(text=text), viewer=reviewer)) == expected


@pytest.mark.parametrize("text, expected", [
    ("云南", ["高原湖泊"]),              # bureau, Chinese name
    ("yunnan", ["高原湖泊"]),            # bureau, English name, any case
    ("李四", ["碧水保卫战"]),             # speaker of the submitted version
    ("副厅长", ["碧水保卫战"]),           # speaker's post
    ("Department", ["高原湖泊", "碧水保卫战"]),
])
def test_free_text_also_finds_bureaus_speakers_and_posts(factory, db, reviewer, text, expected):
    conference = factory.conference()
    piece(factory, conference, title="高原湖泊", org_zh="云南省生态环境厅", org_en="Yunnan Department")
    piece(factory, conference, kind=ExchangeKind.ORAL,
          title="碧水保卫战", speaker_name="李四", speaker_post="副厅长",
          org_zh="江苏省生态环境厅", org_en="Jiangsu Department")
    assert sorted(titles(review_queue(QueueFilters(text=text), viewer=reviewer))) == sorted(expected)


def test_people_search_reads_the_submitted_version_not_the_draft(factory, db, reviewer):
    conference = factory.conference()
    submission = piece(factory, conference, SubmissionState.CHANGES_REQUESTED, kind=ExchangeKind.ORAL,
                       title="发言", speaker_name="王五")
    submission.speaker_name = "赵六"
    db.session.flush()
    assert titles(review_queue(QueueFilters(text="赵六"), viewer=reviewer)) == []
    assert titles(review_queue(QueueFilters(text="王五"), viewer=reviewer)) == ["发言"]


def test_search_ignores_the_bureaus_unsent_draft(factory, db, reviewer):
    conference = factory.conference()
    submission = piece(factory, conference, SubmissionState.CHANGES_REQUESTED, title="原标题")
    submission.title = "正在修改的新标题"
    db.session.flush()
    assert titles(review_queue(QueueFilters(text="新标题"), viewer=reviewer)) == []
    assert titles(review_queue(QueueFilters(text="原标题"), viewer=reviewer)) == ["原标题"]


def test_sorts_by_submitted_time_and_by_bureau(factory, db, reviewer):
    conference = factory.conference()
    first = piece(factory, conference, title="甲", org_zh="乙省", org_en="B Province")
    second = piece(factory, conference, title="乙", org_zh="甲省", org_en="A Province")
    first.submitted_at = datetime(2024, 1, 1, tzinfo=timezone.utc)
    second.submitted_at = datetime(2024, 1, 2, tzinfo=timezone.utc)
    db.session.flush()
    assert titles(review_queue(QueueFilters(sort="submitted_desc"), viewer=reviewer)) == ["乙", "甲"]
    assert titles(review_queue(QueueFilters(sort="submitted_asc"), viewer=reviewer)) == ["甲", "乙"]
    assert titles(review_queue(QueueFilters(sort="organisation"), viewer=reviewer, lang="en")) == ["乙", "甲"]


def test_pieces_assigned_to_me_come_first(factory, db, reviewer):
    conference = factory.conference()
    editor = factory.user(Role.EDITOR)
    newer = piece(factory, conference, title="较新的")
    mine = piece(factory, conference, title="分配给我的")
    mine.submitted_at = newer.submitted_at - timedelta(days=3)
    assign_reviewer(mine, reviewer, actor=editor)
    page = review_queue(QueueFilters(), viewer=reviewer)
    assert titles(page) == ["分配给我的", "较新的"]
    assert page.rows[0].assigned_to_me and page.rows[0].reviewers == [reviewer.display_name]
    assert titles(review_queue(QueueFilters(assigned_to_me=True), viewer=reviewer)) == ["分配给我的"]


def test_pages_hold_page_size_rows_and_a_page_past_the_end_shows_the_last(factory, db, reviewer):
    conference = factory.conference()
    for n in range(PAGE_SIZE + 3):
        piece(factory, conference, title=f"材料{n:02d}")
    first = review_queue(QueueFilters(), viewer=reviewer)
    assert (len(first.rows), first.total, first.pages) == (PAGE_SIZE, PAGE_SIZE + 3, 2)
    last = review_queue(QueueFilters(page=99), viewer=reviewer)
    assert last.page == 2 and len(last.rows) == 3
    assert not set(titles(first)) & set(titles(last))


class QueryCounter:
    def __init__(self, engine):
        self.engine, self.count = engine, 0

    def __enter__(self):
        sa.event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        sa.event.remove(self.engine, "before_cursor_execute", self._count)

    def _count(self, *args):
        self.count += 1


def queue_page_queries(client, db, path="/review/?sort=organisation"):
    db.session.expire_all()
    with QueryCounter(db.engine) as counter:
        response = client.get(path)
    assert response.status_code == 200
    return counter.count, response.get_data(as_text=True)


def test_the_queue_page_costs_the_same_queries_for_5_and_50_submissions(client, auth, factory, db):
    conference = factory.conference()
    editor = factory.user(Role.EDITOR)
    reviewer = factory.user(Role.REVIEWER)

    def add(n):
        for i in range(n):
            submission = piece(factory, conference, title=f"材料{i}", kind=ExchangeKind.ORAL if i % 2 else ExchangeKind.WRITTEN)
            submission.key_tasks = conference.key_tasks[:2]
            assign_reviewer(submission, reviewer, actor=editor)
        factory.commit()

    add(5)
    auth.login(reviewer.username)
    few, page = queue_page_queries(client, db)
    assert page.count("材料") >= 5
    add(45)
    many, page = queue_page_queries(client, db)
    assert page.count("assigned to me") >= PAGE_SIZE
    print(f"queue page: {few} queries for 5 submissions, {many} for 50")
    assert many == few, f"{few} queries for 5 submissions, {many} for 50"


def test_queue_page_filters_by_hand_edited_query_strings_without_failing(client, auth, factory):
    conference = factory.conference()
    piece(factory, conference, title="正常的材料")
    reviewer = factory.user(Role.REVIEWER)
    factory.commit()
    auth.login(reviewer.username)
    response = client.get("/review/?state=nonsense&kind=<script>&key_task=abc&organisation=-1&page=-5&sort=drop")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "正常的材料" in text and "<script>" not in text


def test_the_queue_opens_on_what_awaits_review_and_all_shows_every_state(client, auth, factory):
    conference = factory.conference()
    piece(factory, conference, title="等待审核的材料")
    piece(factory, conference, SubmissionState.APPROVED, title="已通过的材料")
    reviewer = factory.user(Role.REVIEWER)
    factory.commit()
    auth.login(reviewer.username)
    opening = client.get("/review/").get_data(as_text=True)
    assert "等待审核的材料" in opening and "已通过的材料" not in opening
    assert '<option selected value="submitted">' in opening or 'value="submitted" selected' in opening
    assert 'href="/review/?state="' in opening
    assert "1 submission\n" in opening or "1 submission<" in opening
    every = client.get("/review/?state=").get_data(as_text=True)
    assert "等待审核的材料" in every and "已通过的材料" in every and "2 submissions" in every
    narrowed = client.get("/review/?kind=written&state=approved").get_data(as_text=True)
    assert "已通过的材料" in narrowed and "等待审核的材料" not in narrowed


def test_search_reads_the_body_text_not_its_tags_and_long_queries_use_the_index(factory, db, reviewer):
    conference = factory.conference()
    piece(factory, conference, title="大气", body_source="## 主要做法\n\n深入打好蓝天保卫战，**精准治污**。")
    version = db.session.scalars(sa.select(SubmissionVersion)).one()
    assert "深入打好蓝天保卫战，精准治污。" in version.search_text and "<" not in version.search_text
    assert "测试省生态环境厅" in version.search_text and "Test Department" in version.search_text
    assert titles(review_queue(QueueFilters(text="蓝天保卫战，精准"), viewer=reviewer)) == ["大气"]
    assert titles(review_queue(QueueFilters(text="strong"), viewer=reviewer)) == []
    assert titles(review_queue(QueueFilters(text="战"), viewer=reviewer)) == ["大气"]


@pytest.mark.parametrize("text", ['"蓝天保卫战', "蓝天 OR 碧水", "NEAR(蓝天保卫", "蓝天保*", "蓝'天保", "-蓝天保卫战"])
def test_search_syntax_in_a_query_is_plain_text(factory, db, reviewer, text):
    conference = factory.conference()
    piece(factory, conference, title="深入打好蓝天保卫战")
    assert titles(review_queue(QueueFilters(text=text), viewer=reviewer)) == []
    assert titles(review_queue(QueueFilters(text="蓝天保卫"), viewer=reviewer)) == ["深入打好蓝天保卫战"]


def bureau_options(page: str) -> list[str]:
    """The names offered by the queue's bureau filter, "All" left out."""
    select = page.split('<select id="organisation"', 1)[1].split("</select>", 1)[0]
    return [option.split(">", 1)[1].split("<", 1)[0] for option in select.split("<option")[2:]]


def test_the_bureau_filter_offers_the_bureaus_of_the_conference_not_every_bureau(client, auth, factory):
    from datetime import date

    older = factory.conference(starts_on=date(2023, 1, 10), ends_on=date(2023, 1, 11))
    newest = factory.conference(starts_on=date(2024, 1, 10), ends_on=date(2024, 1, 11))
    piece(factory, older, org_zh="旧会议的厅", org_en="Bureau of the older conference", title="旧材料")
    piece(factory, newest, org_zh="新会议的厅", org_en="Bureau of the newest conference", title="新材料")
    for n in range(30):  # bureaus on record that neither conference invited
        factory.organisation(name_en=f"Uninvited bureau {n}")
    reviewer = factory.user(Role.REVIEWER)
    factory.commit()
    auth.login(reviewer.username)

    # No conference chosen: the newest conference's bureaus.
    assert bureau_options(client.get("/review/").get_data(as_text=True)) == [
        "Bureau of the newest conference"]
    chosen = client.get(f"/review/?conference={older.id}").get_data(as_text=True)
    assert bureau_options(chosen) == ["Bureau of the older conference"]
    # A bureau chosen by hand stays on offer, selected, even outside the conference.
    outsider = factory.organisation(name_en="Chosen by hand")
    factory.commit()
    kept = client.get(f"/review/?conference={newest.id}&organisation={outsider.id}").get_data(as_text=True)
    # (As a set: the options go by bureau code, and the factory's codes "bureau-9", "bureau-10" sort as text.)
    assert set(bureau_options(kept)) == {"Bureau of the newest conference", "Chosen by hand"}
    assert f'<option value="{outsider.id}" selected>' in kept


def test_the_bureau_filter_costs_the_same_whatever_the_number_of_bureaus(client, auth, factory, db):
    conference = factory.conference()
    piece(factory, conference, title="材料")
    reviewer = factory.user(Role.REVIEWER)
    factory.commit()
    auth.login(reviewer.username)
    few, page = queue_page_queries(client, db, "/review/")
    size = len(page)
    for n in range(100):
        factory.organisation()
    factory.commit()
    many, page = queue_page_queries(client, db, "/review/")
    assert many == few and len(page) == size
