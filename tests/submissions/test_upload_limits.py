"""Quotas and pixel caps: refused with a clear message and nothing written; unreferenced files leave the disk."""
import struct
import zlib

import pytest
import sqlalchemy as sa

from app.storage import file_store
from app.domain.submissions.storage import key_for, sha256_of
from app.domain.workflow import Action, apply_transition
from app.models import Attachment, SubmissionState
from tests.helpers import FIXTURES, page_text
from tests.submissions.test_attachments import PDF, attachment_rows, stored_files, upload
from tests.submissions.test_import import import_file, reloaded, rewritten


def pdf_of(kilobytes: int, mark: str) -> bytes:
    return b"%PDF-1.4\n%" + mark.encode() + b"\n" + b"0" * (kilobytes * 1024) + b"\n%%EOF\n"


def png_header_of(width: int, height: int) -> bytes:
    """A real, complete black-and-white PNG of ``width`` × ``height``: tiny on disk, huge once decoded."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack("!I", len(data)) + kind + data + struct.pack("!I", zlib.crc32(kind + data))

    row = b"\0" * (1 + (width + 7) // 8)
    pixels = zlib.compress(row * height, 9)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack("!IIBBBBB", width, height, 1, 0, 0, 0, 0))
            + chunk(b"IDAT", pixels) + chunk(b"IEND", b""))


@pytest.fixture(scope="module")
def bomb_png() -> bytes:
    return png_header_of(13_000, 13_000)


def test_a_piece_takes_at_most_the_configured_number_of_files(app, client, auth, db, setting, draft):
    app.config["MAX_FILES_PER_SUBMISSION"] = 2
    auth.login(setting.ours.user.username)
    upload(client, draft, pdf_of(1, "a"), "a.pdf")
    upload(client, draft, pdf_of(1, "b"), "b.pdf")
    before = stored_files(app)

    response = upload(client, draft, pdf_of(1, "c"), "c.pdf")
    assert response.status_code == 400
    assert "at most 2 files" in page_text(response) and "Nothing was stored" in page_text(response)
    assert [row.display_name for row in attachment_rows(db)] == ["a.pdf", "b.pdf"]
    assert stored_files(app) == before


def test_a_bureau_stays_within_its_storage_quota_across_its_pieces(app, client, auth, db, factory, setting, draft):
    app.config["MAX_BUREAU_STORAGE_MB"] = 1
    oral = factory.submission(setting.ours.oral, author=setting.ours.user)
    theirs = factory.submission(setting.theirs.written, author=setting.theirs.user)
    factory.commit()
    auth.login(setting.ours.user.username)
    assert upload(client, draft, pdf_of(600, "first"), "first.pdf").status_code == 302
    # The same file on a second piece costs no more disk, and no more quota.
    assert upload(client, oral, pdf_of(600, "first"), "again.pdf").status_code == 302
    before = stored_files(app)

    response = upload(client, oral, pdf_of(600, "second"), "second.pdf")
    assert response.status_code == 413
    assert "more than 1 MB" in page_text(response) and "Nothing was stored" in page_text(response)
    assert len(attachment_rows(db)) == 2 and stored_files(app) == before

    auth.logout()
    auth.login(setting.theirs.user.username)  # another bureau has a quota of its own
    assert upload(client, theirs, pdf_of(600, "second"), "theirs.pdf").status_code == 302


def test_the_quota_message_is_in_chinese_for_a_chinese_reader(app, client, auth, db, setting, draft):
    app.config["MAX_BUREAU_STORAGE_MB"] = 1
    setting.ours.user.locale = "zh"
    db.session.commit()
    auth.login(setting.ours.user.username)
    response = upload(client, draft, pdf_of(1100, "big"), "big.pdf")
    assert response.status_code == 413
    assert "超过 1 MB" in page_text(response) and "未保存任何文件" in page_text(response)


def test_an_image_with_too_many_pixels_is_refused_at_upload(app, client, auth, db, setting, draft, bomb_png):
    assert len(bomb_png) < 100_000  # the whole point: a small file
    auth.login(setting.ours.user.username)
    response = upload(client, draft, bomb_png, "tiny.png")
    assert response.status_code == 413
    text = page_text(response)
    assert "13000 × 13000 pixels" in text and "At most 40 megapixels" in text
    assert attachment_rows(db) == [] and stored_files(app) == []


def test_an_image_below_the_pixel_cap_is_accepted(app, client, auth, db, setting, draft):
    app.config["MAX_IMAGE_MEGAPIXELS"] = 0.5
    auth.login(setting.ours.user.username)
    assert upload(client, draft, png_header_of(700, 700), "ok.png").status_code == 302
    response = upload(client, draft, png_header_of(800, 800), "big.png")
    assert response.status_code == 413 and "800 × 800 pixels" in page_text(response)
    assert [row.display_name for row in attachment_rows(db)] == ["ok.png"]


def test_a_word_document_with_a_huge_image_is_refused_and_nothing_is_kept(
        app, client, auth, db, setting, draft, bomb_png):
    body_before = draft.body_source
    auth.login(setting.ours.user.username)
    content = rewritten("tiny-picture.docx", {"word/media/image1.png": bomb_png})
    response = import_file(client, draft, content)
    assert response.status_code == 413 and "13000 × 13000 pixels" in page_text(response)
    assert reloaded(db, draft).body_source == body_before
    assert attachment_rows(db) == [] and stored_files(app) == []


def test_a_word_import_counts_its_images_against_the_file_limit(app, client, auth, db, setting, draft):
    app.config["MAX_FILES_PER_SUBMISSION"] = 1
    auth.login(setting.ours.user.username)
    upload(client, draft, PDF, "a.pdf")
    response = import_file(client, draft, (FIXTURES / "tiny-picture.docx").read_bytes())
    assert response.status_code == 400 and "at most 1 files" in page_text(response)
    assert [row.display_name for row in attachment_rows(db)] == ["a.pdf"] and len(stored_files(app)) == 1


def test_removing_a_file_another_piece_still_holds_keeps_it_on_disk(app, client, auth, db, factory, setting, draft):
    oral = factory.submission(setting.ours.oral, author=setting.ours.user)
    factory.commit()
    auth.login(setting.ours.user.username)
    upload(client, draft, PDF, "a.pdf")
    upload(client, oral, PDF, "same.pdf")
    row = db.session.scalar(sa.select(Attachment).where(Attachment.submission_id == draft.id))
    client.post(f"/submissions/{draft.id}/attachments/{row.id}/remove")
    assert file_store(app).local_path(key_for(sha256_of(PDF))).read_bytes() == PDF

    other = db.session.scalar(sa.select(Attachment).where(Attachment.submission_id == oral.id))
    client.post(f"/submissions/{oral.id}/attachments/{other.id}/remove")
    assert stored_files(app) == []


def test_a_submitted_version_keeps_its_file_when_the_draft_lets_it_go(app, client, auth, db, factory, setting, draft):
    auth.login(setting.ours.user.username)
    upload(client, draft, PDF, "sent.pdf")
    apply_transition(draft, Action.SUBMIT, actor=setting.ours.user)
    apply_transition(draft, Action.REQUEST_CHANGES, actor=setting.reviewer, comment="请更换附件。")
    db.session.commit()
    assert draft.state is SubmissionState.CHANGES_REQUESTED

    [row] = attachment_rows(db)
    assert client.post(f"/submissions/{draft.id}/attachments/{row.id}/remove").status_code == 302
    assert attachment_rows(db) == []
    assert file_store(app).local_path(key_for(sha256_of(PDF))).read_bytes() == PDF
    # and the reviewer still downloads it from the version
    auth.logout()
    auth.login(setting.reviewer.username)
    assert client.get(f"/attachments/{sha256_of(PDF)}").data == PDF


def test_a_new_import_replaces_the_pictures_of_the_body_it_replaces(app, client, auth, db, setting, draft):
    app.config["MAX_FILES_PER_SUBMISSION"] = 2
    auth.login(setting.ours.user.username)
    upload(client, draft, PDF, "by-hand.pdf")
    first = (FIXTURES / "tiny-picture.docx").read_bytes()
    second = rewritten("tiny-picture.docx", {"word/media/image1.png": png_header_of(20, 20)})

    assert import_file(client, draft, first).status_code == 302
    [old_image] = [row for row in attachment_rows(db) if row.in_body]
    # Within the limit of two only because the first document's picture leaves with its body.
    assert import_file(client, reloaded(db, draft), second).status_code == 302
    rows = attachment_rows(db)
    assert [row.display_name for row in rows if not row.in_body] == ["by-hand.pdf"]
    [new_image] = [row for row in rows if row.in_body]
    assert new_image.sha256 == sha256_of(png_header_of(20, 20)) != old_image.sha256
    assert f"/attachments/{new_image.sha256}" in reloaded(db, draft).body_source
    assert not file_store(app).local_path(key_for(old_image.sha256)).exists()
    assert len(stored_files(app)) == 3  # the PDF, the new picture and the Word file it came from (the first one left)
