"""The whole story of a piece, in Chromium, in Chinese and in English: a clerk writes with an
input method, imports a .doc and a .docx with notes and a table, puts back an earlier draft,
submits with unsaved text; the ministry asks for changes, which the clerk sees first; the
clerk resubmits, the piece is approved and built, and it is in the book."""
from __future__ import annotations

import subprocess

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from app.models import ExchangeKind, ProceedingsEdition, Role, Submission, SubmissionState
from tests.helpers import FIXTURES

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

EDITOR = "#body-editor .ProseMirror"
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def doc_file(tmp_path_factory):
    """footnotes.docx saved as Word 97 (.doc) by LibreOffice itself."""
    folder = tmp_path_factory.mktemp("story-doc")
    subprocess.run(["soffice", f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless", "--norestore",
                    "--convert-to", "doc", "--outdir", str(folder), str(FIXTURES / "footnotes.docx")],
                   check=True, capture_output=True, timeout=120)
    return folder / "footnotes.doc"


@pytest.fixture
def people(factory, db, language):
    conference = factory.conference(slug="story")
    bureau = factory.organisation("jiangsu", name_zh="江苏省生态环境厅", name_en="Jiangsu Department")
    clerk = factory.user(Role.SUBMITTER, organisation=bureau, username="clerk")
    reviewer = factory.user(Role.REVIEWER, username="story-reviewer", display_name="钱审核")
    editor = factory.user(Role.EDITOR, username="story-editor")
    for user in (clerk, reviewer, editor):
        user.locale = language
    factory.invitation(conference, bureau, ExchangeKind.WRITTEN)
    factory.commit()
    return conference


def log_in(page, username):
    page.context.clear_cookies()
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_load_state()


def piece(db) -> Submission:
    db.session.expire_all()
    return db.session.scalar(sa.select(Submission))


def save(page):
    page.click("#draft-form .actions button[type=submit]")
    page.locator(".flash-success").first.wait_for()


def import_document(page, path):
    page.set_input_files("#document", str(path))
    page.click("#import-form button[type=submit]")
    page.locator(".flash-success").first.wait_for()


@pytest.mark.parametrize("language", ["zh", "en"])
def test_a_piece_from_the_first_keystroke_to_the_printed_book(app, db, page, people, language, doc_file, tmp_path):
    conference = people
    page.on("dialog", lambda dialog: dialog.accept())  # every "are you sure?" is answered yes
    log_in(page, "clerk")
    page.click(f"form[action$='/submissions/start/{conference.invitations[0].id}'] button")
    page.locator(EDITOR).wait_for()
    page.fill("#title", "绿色发展的江苏实践")
    page.check("input[name=key_task_ids] >> nth=0")

    # Typing through an input method: pinyin composed in place, then the characters committed.
    page.click(EDITOR)
    cdp = page.context.new_cdp_session(page)
    for composing in ("lv", "lvse"):
        cdp.send("Input.imeSetComposition", {"text": composing, "selectionStart": len(composing),
                                             "selectionEnd": len(composing)})
    cdp.send("Input.insertText", {"text": "绿色"})
    page.keyboard.type("发展是高质量发展的底色。")
    save(page)
    assert "绿色发展是高质量发展的底色。" in piece(db).body_html

    # A .doc and a .docx, each with notes (and the .docx with a table); the import says what it did.
    import_document(page, doc_file)
    assert piece(db).body_html.count('class="footnote-item"') >= 1
    import_document(page, FIXTURES / "tables.docx")
    assert "<table>" in piece(db).body_html
    assert page.locator(".flash-success").first.inner_text().strip() != ""

    # The typed draft comes back from the earlier drafts.
    page.click("#revisions tbody tr:last-child a")  # draft 1: what was typed, before the imports
    page.click("form[action$='/restore'] button")
    page.locator(".flash-success").first.wait_for()
    assert "绿色发展是高质量发展的底色。" in page.inner_text(EDITOR)

    # Submit straight after typing: the unsaved sentence arrives in version 1.
    page.click(EDITOR)
    page.keyboard.press("Control+End")
    page.keyboard.type("补充的一句。")
    page.click("button[name=then][value=submit]")
    page.locator(".flash-success").first.wait_for()
    submitted = piece(db)
    assert submitted.state is SubmissionState.SUBMITTED and "补充的一句。" in submitted.latest_version.body_html

    # The ministry asks for changes; the clerk's page opens with the request.
    log_in(page, "story-reviewer")
    page.goto(f"/review/{submitted.id}")
    page.check("input[name=outcome][value=request_changes]")
    page.fill("textarea[name=comment]", "请补充2023年的监测数据。")
    page.click("form[action$='/decide'] button[type=submit]")
    page.wait_for_load_state()
    log_in(page, "clerk")
    page.goto(f"/submissions/{submitted.id}")
    request_box = page.locator(".ministry-request")
    assert "请补充2023年的监测数据。" in request_box.inner_text()
    assert request_box.bounding_box()["y"] < page.locator("#draft-form").bounding_box()["y"]

    page.click(EDITOR)
    page.keyboard.press("Control+End")
    page.keyboard.type("2023年PM2.5平均浓度为30微克/立方米。")
    page.click("button[name=then][value=submit]")  # "Resubmit for review" now
    page.locator(".flash-success").first.wait_for()
    assert piece(db).latest_version.number == 2

    log_in(page, "story-reviewer")
    page.goto(f"/review/{submitted.id}")
    page.check("input[name=outcome][value=approve]")
    page.click("form[action$='/decide'] button[type=submit]")
    page.wait_for_load_state()
    assert piece(db).state is SubmissionState.APPROVED

    # The editor builds the book; the piece is in it.
    log_in(page, "story-editor")
    page.goto(f"/proceedings/{conference.slug}/")
    page.click("form[action$='/editions'] button[type=submit]")
    page.wait_for_url(f"**/proceedings/{conference.slug}/editions/1")
    download = page.locator("a[href$='/editions/1/download']")
    download.wait_for(timeout=180_000)
    with page.expect_download() as info:
        download.click()
    book = tmp_path / "book.pdf"
    info.value.save_as(book)
    text = "".join(p.extract_text() or "" for p in PdfReader(book).pages)
    compact = "".join(text.split())
    assert "绿色发展的江苏实践" in compact and "30微克/立方米" in compact
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProceedingsEdition)) == 1
