"""The office runs a conference in Chromium, as issue 11's "Done when" walks it.

An editor invites a bureau (its inbox and its mail hold the notice), reminds
every overdue bureau from coverage (one mail a member, the row says who
reminded), exports the spreadsheet and the zip (opened and read here: the
zip holds the Word file an approved piece was imported from), and publishes
an edition that a bureau then downloads. The refusal of a template with an
unknown placeholder is tested with the templates.
"""
from __future__ import annotations

import zipfile
from datetime import timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from app.domain.proceedings import editions
from app.domain.submissions.drafting import import_word
from app.domain.submissions.limits import UploadPolicy
from app.models import ExchangeKind, Invitation, OutboxMail, Role, SubmissionState
from app.storage import file_store
from tests.factories import ZH_BODY
from tests.helpers import FIXTURES
from tests.proceedings.test_edition_lifecycle import _built

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

DOCX = (FIXTURES / "tables.docx").read_bytes()


@pytest.fixture
def office(app, factory):
    """A conference with an approved piece imported from Word, two overdue bureaus, one not yet invited."""
    conference = factory.conference(title_en="National Conference on Blue Skies", timezone="Asia/Shanghai")
    editor = factory.user(Role.EDITOR, username="office", display_name="王编辑", email="office@example.cn")

    shanxi = factory.organisation(code="shanxi", name_zh="山西省生态环境厅", name_en="Shanxi Department")
    author = factory.user(Role.SUBMITTER, organisation=shanxi, username="shanxi", email="shanxi@example.cn")
    piece = factory.submission(factory.invitation(conference, shanxi, ExchangeKind.WRITTEN, due_in=timedelta(days=5)),
                               author=author, title="汾河治理的实践", body_source=ZH_BODY)
    piece.key_tasks = conference.key_tasks[1:2]
    import_word(piece, DOCX, "汾河治理（终稿）.docx", actor=author, loaded_version=piece.lock_version,
                store=file_store(app), policy=UploadPolicy())
    piece.title = "汾河治理的实践"  # the import replaced the body, not the title
    factory.move_to(piece, SubmissionState.APPROVED, author=author)

    overdue = []
    for code, name in (("henan", "河南省生态环境厅"), ("hubei", "湖北省生态环境厅")):
        bureau = factory.organisation(code=code, name_zh=name, name_en=f"{code.title()} Department")
        factory.invitation(conference, bureau, due_in=timedelta(days=-2))
        overdue += [factory.user(Role.SUBMITTER, organisation=bureau, email=f"{code}-{n}@example.cn")
                    for n in (1, 2)]
    hebei = factory.organisation(code="hebei", name_zh="河北省生态环境厅", name_en="Hebei Department")
    factory.user(Role.SUBMITTER, organisation=hebei, username="hebei", email="hebei@example.cn")
    for user in factory.db.session.scalars(sa.select(type(editor))):
        user.locale = "en"
    _built(factory, conference, editor, app.config["EDITIONS_DIR"])
    factory.commit()
    return conference, hebei, overdue


def mails(db, address=None):
    db.session.expire_all()
    query = sa.select(OutboxMail).order_by(OutboxMail.id)
    return db.session.scalars(query.where(OutboxMail.to_address == address) if address else query).all()


def test_the_office_invites_reminds_exports_and_publishes(app, db, office, page, login, tmp_path):
    conference, hebei, overdue = office
    already = len(mails(db))

    # Invite → the bureau's inbox and its mail hold the notice.
    login("office")
    page.goto(f"/conference/{conference.id}/invitations")
    page.select_option("select[name=organisation_id]", str(hebei.id))
    page.select_option("select[name=kind]", "oral")
    page.fill("input[name=due_date]", "2030-03-01")
    page.fill("input[name=due_time]", "18:00")
    page.click("button:has-text('Add the invitation')")
    page.wait_for_load_state()
    assert "Invitation added." in page.inner_text(".flashes")
    [notice] = mails(db, "hebei@example.cn")
    assert "oral exchange speech" in notice.subject and "2030-03-01 18:00 Asia/Shanghai" in notice.body_text

    page.context.clear_cookies()
    login("hebei")
    page.click("a.notif-link")
    page.wait_for_url("**/notifications/")
    inbox = page.inner_text(".notification-list")
    assert "oral exchange speech" in inbox and "2030-03-01 18:00 Asia/Shanghai" in inbox

    # Remind all overdue from coverage → one mail per member of an overdue bureau, and "last reminded" by whom.
    page.context.clear_cookies()
    login("office")
    page.goto(f"/review/coverage?conference={conference.id}")
    page.click("a:has-text('Remind all overdue')")
    preview = page.inner_text("table.remind-preview")
    assert "Henan Department" in preview and "Hubei Department" in preview and "Shanxi" not in preview
    before = len(mails(db))
    page.click("button:has-text('Send 2 reminders')")
    page.wait_for_load_state()
    assert "Reminded 2 bureaus." in page.inner_text(".flashes")
    reminders = mails(db)[before:]
    assert sorted(m.to_address for m in reminders) == sorted(u.email for u in overdue)
    for name in ("Henan Department", "Hubei Department"):
        row = page.locator("tr", has_text=name)
        assert "by 王编辑" in row.locator(".last-reminded").inner_text()
    assert page.locator("tr", has_text="Shanxi Department").locator(".last-reminded").count() == 0

    # The spreadsheet: the pieces with their decisions and comments, and key task × state counts.
    with page.expect_download() as download_info:
        page.click("a:has-text('Pieces and decisions (.xlsx)')")
    download_info.value.save_as(tmp_path / "pieces.xlsx")  # openpyxl goes by the extension
    book = load_workbook(tmp_path / "pieces.xlsx")
    header = [c.value for c in book["Pieces"][1]]
    rows = {row[0]: dict(zip(header, row)) for row in book["Pieces"].iter_rows(min_row=2, values_only=True)}
    assert set(rows) == {"山西省生态环境厅", "河南省生态环境厅", "湖北省生态环境厅", "河北省生态环境厅"}
    shanxi = rows["山西省生态环境厅"]
    assert (shanxi["Title"], shanxi["Status"], shanxi["Decision"]) == ("汾河治理的实践", "approved", "approved")
    assert shanxi["Decision comment"] == "请补充数据。 Please add figures."
    assert rows["河北省生态环境厅"]["Status"] == "not started"
    counts = list(book["By key task"].iter_rows(values_only=True))
    approved_column = counts[0].index("approved")
    assert [row[approved_column] for row in counts[1:]] == [0, 1, 0]

    # The zip, made from the page: Chinese names flagged UTF-8, the piece's PDF and its Word original.
    page.click("button:has-text('Make a new zip')", timeout=180_000)
    with page.expect_download() as download_info:
        page.click("a:has-text('Download the zip')")
    with zipfile.ZipFile(download_info.value.path()) as bundle:
        assert sorted(bundle.namelist()) == ["山西省生态环境厅/汾河治理的实践.pdf",
                                             "山西省生态环境厅/汾河治理的实践/汾河治理（终稿）.docx"]
        assert all(info.flag_bits & 0x800 for info in bundle.infolist())
        assert bundle.read("山西省生态环境厅/汾河治理的实践.pdf").startswith(b"%PDF")
        assert bundle.read("山西省生态环境厅/汾河治理的实践/汾河治理（终稿）.docx") == DOCX

    # Publish → a bureau downloads the edition from the published editions page.
    page.goto(f"/proceedings/{conference.slug}/editions/1")
    page.click("button:has-text('Publish')")
    page.locator("text=Edition 1 is published.").wait_for()
    page.context.clear_cookies()
    login("shanxi")
    page.click("nav >> text=Published proceedings")
    assert page.locator(".published-editions tbody tr").count() == 1
    with page.expect_download() as download_info:
        page.click("a:has-text('Download the PDF')")
    assert download_info.value.suggested_filename == editions.download_name(
        editions.edition_by_number(conference, 1), conference)
    download_info.value.save_as(tmp_path / "edition.pdf")
    assert (tmp_path / "edition.pdf").read_bytes() == b"%PDF-1.7 stand-in"
    publication = mails(db, "shanxi@example.cn")[-1]
    assert len(mails(db)) > already and "published" in publication.subject.lower()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Invitation)
                             .where(Invitation.conference_id == conference.id)) == 4
