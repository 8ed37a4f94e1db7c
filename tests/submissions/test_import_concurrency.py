"""Word conversions are bounded per process: past the limit a clear 503 with Retry-After, nothing changed."""
import pytest

from app.domain.submissions.docx.importer import conversion_slot
from tests.helpers import FIXTURES, page_text
from tests.submissions.test_attachments import attachment_rows
from tests.submissions.test_import import import_file, reloaded, rewritten


def test_an_import_past_the_concurrent_limit_is_told_to_retry_and_changes_nothing(
        app, client, auth, db, setting, draft):
    app.config["MAX_CONCURRENT_IMPORTS"] = 1
    body_before = draft.body_source
    auth.login(setting.ours.user.username)
    document = (FIXTURES / "tiny-picture.docx").read_bytes()

    with conversion_slot(1):  # another request's conversion holds the only slot
        response = import_file(client, draft, document)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert "converting as many Word documents as it can" in page_text(response)
    assert reloaded(db, draft).body_source == body_before and attachment_rows(db) == []

    # The slot is free again: the same import goes through.
    assert import_file(client, draft, document).status_code == 302
    assert "<img" in reloaded(db, draft).body_source


def test_one_author_converts_one_document_at_a_time_while_others_still_can(
        app, client, auth, db, factory, setting, draft):
    app.config["MAX_CONCURRENT_IMPORTS"] = 2
    theirs = factory.submission(setting.theirs.written, author=setting.theirs.user)
    factory.commit()
    document = (FIXTURES / "single-paragraph.docx").read_bytes()

    with conversion_slot(2, owner=setting.ours.user.id):  # our first import, still converting
        auth.login(setting.ours.user.username)
        response = import_file(client, draft, document)
        assert response.status_code == 503 and response.headers["Retry-After"] == "30"
        assert "Your previous Word document is still being converted" in page_text(response)
        auth.logout()
        auth.login(setting.theirs.user.username)
        assert import_file(client, theirs, document).status_code == 302
    assert "Walking on imported air" in reloaded(db, theirs).body_source
    assert "Walking on imported air" not in reloaded(db, draft).body_source


def test_slots_are_given_back_when_a_conversion_fails(app, client, auth, db, setting, draft):
    app.config["MAX_CONCURRENT_IMPORTS"] = 1
    auth.login(setting.ours.user.username)
    # A sound archive whose text is not XML: the conversion itself fails, in the child.
    broken = rewritten("single-paragraph.docx", {"word/document.xml": b"<w:document><unclosed"})
    for _ in range(2):
        response = import_file(client, draft, broken)
        assert response.status_code == 400 and "The document is damaged" in page_text(response)
        assert "converting as many" not in page_text(response)
    assert import_file(client, draft, (FIXTURES / "single-paragraph.docx").read_bytes()).status_code == 302
    assert "Walking on imported air" in reloaded(db, draft).body_source


def test_when_libreoffices_slots_are_taken_the_import_is_told_to_retry_like_the_others(
        client, auth, db, setting, draft):
    """Old Word, WPS, OpenDocument and RTF files wait for LibreOffice's own slots: busy, not refused."""
    import shutil
    from contextlib import ExitStack

    from app.domain.submissions.docx import conversion

    if shutil.which(conversion.SOFFICE) is None:
        pytest.skip("LibreOffice is not installed")
    auth.login(setting.ours.user.username)
    body_before = draft.body_source
    with ExitStack() as slots:
        for _ in range(conversion.MAX_AT_ONCE):
            slots.enter_context(conversion.conversion_slot())
        response = import_file(client, draft, rb"{\rtf1\ansi Walking on converted air.\par}", "speech.rtf")
    assert response.status_code == 503 and response.headers["Retry-After"] == "60"
    assert "Huibian is converting other documents just now. Try again in a minute" in page_text(response)
    assert reloaded(db, draft).body_source == body_before and attachment_rows(db) == []
