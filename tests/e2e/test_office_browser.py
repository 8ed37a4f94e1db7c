"""The office in the browser: a bureau downloads the published edition; an editor exports the conference."""
from __future__ import annotations

import zipfile

import pytest
from openpyxl import load_workbook

from app.domain.proceedings import editions
from app.models import Role, SubmissionState
from tests.factories import approved_piece
from tests.proceedings.test_edition_lifecycle import _built

pytestmark = pytest.mark.e2e


def test_publishing_lets_the_bureau_download_the_edition(app, factory, page, login, tmp_path):
    conference = factory.conference(title_en="National Conference on Blue Skies")
    piece = approved_piece(factory, conference)
    member = factory.user(Role.SUBMITTER, organisation=piece.organisation, username="hebei")
    editor = factory.user(Role.EDITOR, username="office")
    _built(factory, conference, editor, app.config["EDITIONS_DIR"])
    factory.commit()

    login("hebei")
    page.click("nav >> text=Published proceedings")
    assert page.locator("text=No edition of the proceedings has been published yet.").is_visible()

    page.context.clear_cookies()
    login("office")
    page.goto(f"/proceedings/{conference.slug}/editions/1")
    page.click("button:has-text('Publish')")
    page.locator("text=Edition 1 is published.").wait_for()

    page.context.clear_cookies()
    login(member.username)
    page.click("nav >> text=Published proceedings")
    assert page.locator(".published-editions tbody tr").count() == 1
    with page.expect_download() as download_info:
        page.click("a:has-text('Download the PDF')")
    path = tmp_path / "edition.pdf"
    download_info.value.save_as(path)
    assert path.read_bytes() == b"%PDF-1.7 stand-in"
    assert download_info.value.suggested_filename == editions.download_name(
        editions.edition_by_number(conference, 1), conference)


@pytest.mark.slow
def test_an_editor_exports_the_spreadsheet_and_the_zip(app, factory, page, login, tmp_path):
    conference = factory.conference()
    approved_piece(factory, conference, title="深入打好蓝天保卫战",
                   organisation=factory.organisation(name_zh="河北省生态环境厅"))
    approved_piece(factory, conference, title="=cmd|' /C calc'!A0", state=SubmissionState.CHANGES_REQUESTED)
    factory.user(Role.EDITOR, username="office")
    factory.commit()

    login("office")
    page.click("nav >> text=Coverage")
    with page.expect_download() as download_info:
        page.click("a:has-text('Pieces and decisions (.xlsx)')")
    assert download_info.value.suggested_filename == f"pieces-{conference.slug}.xlsx"
    download_info.value.save_as(tmp_path / "pieces.xlsx")  # openpyxl goes by the extension
    sheet = load_workbook(tmp_path / "pieces.xlsx")["Pieces"]
    titles = {row[4] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert titles == {"深入打好蓝天保卫战", "'=cmd|' /C calc'!A0"}

    # Made right away in tests (in the background otherwise): typesetting takes its time.
    page.click("button:has-text('Make a new zip')", timeout=180_000)
    with page.expect_download() as download_info:
        page.click("a:has-text('Download the zip')")
    with zipfile.ZipFile(download_info.value.path()) as bundle:
        assert bundle.namelist() == ["河北省生态环境厅/深入打好蓝天保卫战.pdf"]
        assert bundle.infolist()[0].flag_bits & 0x800
