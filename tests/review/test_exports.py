"""The office's spreadsheet: every piece with its decision, key task counts, hostile cells neutralised."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from app.domain.review.decisions import assign_reviewer
from app.domain.workflow import Action, apply_transition
from app.models import ExchangeKind, Role, SubmissionState
from tests.factories import revise_and_approve
from tests.helpers import FIXTURES, page_text
from tests.review.test_queue import QueryCounter

HOSTILE_TITLE = "=cmd|' /C calc'!A0"
LONG_COMMENT = "请补充数据。" + "长" * 10_000


def invited(factory, conference, kind=ExchangeKind.WRITTEN, **names):
    organisation = factory.organisation(**names)
    return factory.invitation(conference=conference, organisation=organisation, kind=kind)


@pytest.fixture
def office(factory, db):
    """A conference with one piece in each interesting state, and an editor to export it."""
    conference = factory.conference(slug="conf-2024", timezone="Asia/Shanghai")
    editor = factory.user(Role.EDITOR, display_name="王编辑")
    reviewer = factory.user(Role.REVIEWER, display_name="李审")

    invitation = invited(factory, conference, ExchangeKind.ORAL, name_zh="河北省生态环境厅", name_en="Hebei Department")
    member = factory.user(Role.SUBMITTER, organisation=invitation.organisation)
    oral = factory.submission(invitation=invitation, author=member, title="蓝天保卫战", speaker_name="张三",
                              speaker_post="厅长", body_source="一二三 四五。")
    oral.key_tasks = conference.key_tasks[:2]
    factory.move_to(oral, SubmissionState.APPROVED, author=member)
    assign_reviewer(oral, reviewer, actor=editor)

    hostile = factory.submission(
        invitation=invited(factory, conference, name_zh="@SUM(A1:A9)", name_en="+Province\u202eevil"),
        title=HOSTILE_TITLE, speaker_name="<script>alert(1)</script>", speaker_post="-2+3",
        state=SubmissionState.SUBMITTED)
    apply_transition(hostile, Action.REQUEST_CHANGES, actor=reviewer, comment=LONG_COMMENT)

    factory.submission(invitation=invited(factory, conference), title="尚未提交的草稿")
    invited(factory, conference, name_zh="未开始的厅", name_en="Not Started Department")
    factory.commit()
    return conference, editor, reviewer


def workbook(client, conference, **headers):
    response = client.get(f"/review/coverage/pieces.xlsx?conference={conference.id}", headers=headers)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="pieces-conf-2024.xlsx"' in response.headers["Content-Disposition"]
    return load_workbook(io.BytesIO(response.data))


def by_bureau(sheet):
    header = [c.value for c in sheet[1]]
    return header, {row[0]: dict(zip(header, row)) for row in sheet.iter_rows(min_row=2, values_only=True)}


def test_the_spreadsheet_lists_every_piece_with_its_decision_and_reviewers(client, auth, office):
    conference, editor, _reviewer = office
    auth.login(editor.username)
    book = workbook(client, conference)
    assert book.sheetnames == ["Pieces", "By key task"]
    header, rows = by_bureau(book["Pieces"])
    assert header == ["Bureau (Chinese)", "Bureau (English)", "Kind", "Key tasks", "Title", "Speaker",
                      "Speaker's post", "Status", "Due (Asia/Shanghai)", "Submitted (Asia/Shanghai)",
                      "Decided (Asia/Shanghai)", "Decision", "Decision comment", "Reviewers", "Versions",
                      "Characters"]
    oral = rows["河北省生态环境厅"]
    assert (oral["Kind"], oral["Title"], oral["Speaker"], oral["Speaker's post"], oral["Status"]) == (
        "oral exchange speech", "蓝天保卫战", "张三", "厅长", "approved")
    assert oral["Key tasks"].startswith("1. 积极推进美丽中国先行区建设; 2. ")
    assert (oral["Decision"], oral["Reviewers"], oral["Versions"], oral["Characters"]) == ("approved", "李审", 1, 6)  # 一二三四五。
    assert oral["Submitted (Asia/Shanghai)"] <= oral["Decided (Asia/Shanghai)"]

    draft = next(r for r in rows.values() if r["Status"] == "draft")
    assert draft["Title"] is None and draft["Versions"] == 0  # the bureau's draft is its own business
    assert rows["未开始的厅"]["Status"] == "not started"

    counts = list(book["By key task"].iter_rows(values_only=True))
    assert counts[0][:4] == ("No.", "Key task (Chinese)", "Key task (English)", "not started")
    assert counts[1][0] == 1 and counts[1][counts[0].index("approved")] == 1
    assert counts[1][counts[0].index("changes requested")] == 1 and counts[3][3:] == (0,) * (len(counts[0]) - 3)


def test_hostile_cells_stay_text_in_the_spreadsheet_and_the_csv(client, auth, office):
    conference, editor, _reviewer = office
    auth.login(editor.username)
    sheet = workbook(client, conference)["Pieces"]
    assert not [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    _header, rows = by_bureau(sheet)
    hostile = rows["'@SUM(A1:A9)"]
    assert hostile["Bureau (English)"] == "'+Provinceevil"  # bidi override taken out
    assert hostile["Title"] == "'" + HOSTILE_TITLE
    assert hostile["Speaker"] == "<script>alert(1)</script>" and hostile["Speaker's post"] == "'-2+3"
    assert hostile["Decision"] == "requested changes" and hostile["Decision comment"] == LONG_COMMENT

    response = client.get(f"/review/coverage/pieces.csv?conference={conference.id}")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.data.startswith("\ufeff".encode())
    lines = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert len(lines) == 5 and lines[0][0] == "Bureau (Chinese)"
    row = next(line for line in lines if line[0] == "'@SUM(A1:A9)")
    assert row[4] == "'" + HOSTILE_TITLE and row[12] == LONG_COMMENT and row[14] == "1"


def test_the_spreadsheet_reads_in_chinese(client, auth, office):
    conference, editor, _reviewer = office
    auth.login(editor.username)
    book = workbook(client, conference, **{"Accept-Language": "zh"})
    assert book.sheetnames == ["稿件", "按重点任务"]
    header, rows = by_bureau(book["稿件"])
    assert header[0] == "单位（中文）" and rows["河北省生态环境厅"]["状态"] == "已通过"


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.SUBMITTER])
def test_only_editors_export(client, auth, factory, office, role):
    conference, _editor, _reviewer = office
    user = factory.user(role)
    factory.commit()
    auth.login(user.username)
    assert client.get(f"/review/coverage/pieces.xlsx?conference={conference.id}").status_code == 403
    assert client.get("/review/coverage/pieces.pdf").status_code == 404


def test_the_coverage_page_offers_the_spreadsheet(client, auth, office):
    conference, editor, _reviewer = office
    auth.login(editor.username)
    assert "Pieces and decisions (.xlsx)" in page_text(client.get(f"/review/coverage?conference={conference.id}"))


def test_an_export_costs_the_same_queries_for_10_and_100_pieces(client, auth, factory, db):
    conference = factory.conference()
    editor = factory.user(Role.EDITOR)
    reviewer = factory.user(Role.REVIEWER)

    def add(n):
        for i in range(n):
            piece = factory.submission(invitation=invited(factory, conference), title=f"材料{i}",
                                       state=SubmissionState.SUBMITTED)
            assign_reviewer(piece, reviewer, actor=editor)
            if i % 2:
                apply_transition(piece, Action.APPROVE, actor=editor)
        factory.commit()

    def cost(file_format):
        db.session.expire_all()
        with QueryCounter(db.engine) as counter:
            response = client.get(f"/review/coverage/pieces.{file_format}?conference={conference.id}")
        assert response.status_code == 200
        return counter.count, response

    auth.login(editor.username)
    add(10)
    few = {f: cost(f)[0] for f in ("xlsx", "csv")}
    add(90)
    many = {f: cost(f)[0] for f in ("xlsx", "csv")}
    print(f"export queries: {few} for 10 pieces, {many} for 100")
    assert many == few
    rows = list(csv.reader(io.StringIO(cost("csv")[1].data.decode("utf-8-sig"))))
    assert len(rows) == 101


def test_the_export_counts_characters_from_the_stored_count_never_loading_a_body(client, auth, factory, db):
    """字数 is taken with the version; the export reads that column, not the bodies."""
    conference = factory.conference()
    editor = factory.user(Role.EDITOR)
    piece = factory.submission(invitation=invited(factory, conference), title="字数",
                               body_source="<p>一二三 四五</p><p>Ab c。</p>", body_format="html", state=SubmissionState.SUBMITTED)
    factory.commit()
    assert piece.latest_version.character_count == 9
    auth.login(editor.username)
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    db.session.expire_all()
    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.get(f"/review/coverage/pieces.csv?conference={conference.id}")
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    row = next(r for r in rows[1:] if r[4] == "字数")
    assert row[-1] == "9"
    assert statements and [s for s in statements if "body_source" in s or "body_html" in s] == []


# --- the workbook as the office has it ---------------------------------------------------

EVERYTHING = FIXTURES / "exports" / "pieces-everything.xlsx"
EVERYTHING_CSV = FIXTURES / "exports" / "pieces-everything.csv"
DAY = datetime(2024, 3, 1, 1, 2, 3, 456789, tzinfo=timezone.utc)


@pytest.fixture
def everything(factory, db):
    """A conference with pieces in every state, an extension, a superseded piece and its replacement,
    a revised piece, several key tasks, Chinese and hostile text; every moment fixed, so that the
    workbook is the same on every run."""
    conference = factory.conference(slug="conf-2024", timezone="Asia/Shanghai")
    editor = factory.user(Role.EDITOR, display_name="王编辑")
    reviewers = [factory.user(Role.REVIEWER, display_name=name)
                 for name in ("李审", "Reviewer  Two ", "=HYPERLINK(1)", "+86 10 1234")]
    tasks = conference.key_tasks
    texts = {
        "oral": dict(title="蓝天保卫战", speaker_name="张三", speaker_post="厅长"),
        "hostile": dict(title=HOSTILE_TITLE, speaker_name="<script>alert(1)</script>", speaker_post="-2+3"),
        "spaces": dict(title="  leading & trailing <spaces>  ", speaker_name="\tTab", speaker_post="一\r\n二\n三"),
        "emoji": dict(title="湿地 🌿 保护\u202e反转", speaker_name="@mention", speaker_post="#N/A"),
    }
    pieces = []

    def piece(n, kind, state, *, text="oral", key_tasks=(0,), order=None):
        organisation = factory.organisation(code=f"everything-{n:02d}", name_zh=f"第{n}厅 {texts[text]['title'][:4]}",
                                            name_en=f"Bureau {n}" if n % 3 else f"=Bureau+{n}")
        invitation = factory.invitation(conference=conference, organisation=organisation, kind=kind,
                                        speaking_order=order)
        member = factory.user(Role.SUBMITTER, organisation=organisation, display_name=f"成员{n}")
        submission = factory.submission(invitation=invitation, author=member, **texts[text],
                                        body_source=f"一二三 四五。{'六' * n}")
        submission.key_tasks = [tasks[i] for i in key_tasks]
        if state is not SubmissionState.DRAFT:
            factory.move_to(submission, state, author=member)
        pieces.append(submission)
        return submission

    approved = piece(1, ExchangeKind.ORAL, SubmissionState.APPROVED, key_tasks=(0, 1, 2), order=1)
    for reviewer in reviewers:
        assign_reviewer(approved, reviewer, actor=editor)
    revise_and_approve(factory, piece(2, ExchangeKind.ORAL, SubmissionState.APPROVED, text="emoji", order=2),
                       editor_user=editor, title="修订后的标题")
    hostile = piece(3, ExchangeKind.WRITTEN, SubmissionState.SUBMITTED, text="hostile", key_tasks=(1, 2))
    apply_transition(hostile, Action.REQUEST_CHANGES, actor=reviewers[0], comment=LONG_COMMENT)
    assign_reviewer(hostile, reviewers[1], actor=editor)
    piece(4, ExchangeKind.WRITTEN, SubmissionState.SUBMITTED, text="spaces", key_tasks=(2,))
    piece(5, ExchangeKind.WRITTEN, SubmissionState.REJECTED, key_tasks=(1,))
    assign_reviewer(piece(6, ExchangeKind.WRITTEN, SubmissionState.SUBMITTED, text="emoji"), reviewers[3], actor=editor)
    piece(11, ExchangeKind.WRITTEN, SubmissionState.WITHDRAWN, text="emoji")
    piece(7, ExchangeKind.WRITTEN, SubmissionState.DRAFT, text="hostile")
    superseded = piece(8, ExchangeKind.WRITTEN, SubmissionState.SUPERSEDED, text="spaces", key_tasks=(0, 1))
    replacement = factory.submission(invitation=superseded.invitation, title="替换稿 Replacement",
                                     replaces_id=superseded.id,
                                     state=SubmissionState.SUBMITTED)
    pieces.append(replacement)
    piece(9, ExchangeKind.WRITTEN, SubmissionState.CHANGES_REQUESTED, key_tasks=(0,))
    extended = factory.invitation(conference=conference, organisation=factory.organisation(
        code="everything-10", name_zh="未开始的厅", name_en="Not Started Department"), due_at=DAY)
    factory.extension(extended, DAY + timedelta(days=5), granted_by=editor)
    factory.extension(extended, DAY + timedelta(days=9, minutes=30), granted_by=editor)
    factory.extension(pieces[3].invitation, DAY + timedelta(days=3), granted_by=editor)

    for n, submission in enumerate(pieces):
        submission.invitation.due_at = DAY + timedelta(hours=n)  # in the past: set once every piece was sent
        if submission.submitted_at is not None:
            submission.submitted_at = DAY + timedelta(days=1, hours=n, minutes=n, seconds=59)
        if submission.decided_at is not None:
            submission.decided_at = DAY + timedelta(days=2, hours=n, minutes=2 * n, seconds=1)
    factory.commit()
    return conference, editor


def workbook_dump(data: bytes) -> list:
    """What the office sees of a workbook: sheets, freeze panes, column widths, every cell's value, format and font."""
    book = load_workbook(io.BytesIO(data))
    return [(sheet.title, sheet.freeze_panes, sheet.max_row, sheet.max_column,
             {key: (dim.width, dim.customWidth) for key, dim in sheet.column_dimensions.items()},
             [[(cell.coordinate, cell.value, cell.data_type, cell.number_format, cell.font.b)
               for cell in row] for row in sheet.iter_rows()])
            for sheet in book]


def test_the_workbook_and_the_csv_are_what_the_office_had(client, auth, everything):
    """The fixtures were written by the export as it was on main at b9f0bda (openpyxl writing each cell)."""
    conference, editor = everything
    auth.login(editor.username)
    response = client.get(f"/review/coverage/pieces.xlsx?conference={conference.id}")
    assert workbook_dump(response.data) == workbook_dump(EVERYTHING.read_bytes())
    assert client.get(f"/review/coverage/pieces.csv?conference={conference.id}").data == EVERYTHING_CSV.read_bytes()
