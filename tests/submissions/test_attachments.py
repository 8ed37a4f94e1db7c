"""Attachments: recognised by content, stored by hash, served only to those who may see them."""
import hashlib
import io

import pytest
import sqlalchemy as sa

from app.storage import file_store
from app.domain.submissions.storage import key_for
from app.models import Attachment, AuditEvent, SubmissionState
from tests.helpers import FIXTURES, page_text

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def upload(client, submission, content: bytes, name: str):
    return client.post(f"/submissions/{submission.id}/attachments",
                       data={"file": (io.BytesIO(content), name)}, content_type="multipart/form-data")


def stored_files(app):
    return sorted(p for p in app.config["UPLOAD_DIR"].rglob("*") if p.is_file())


def attachment_rows(db):
    return db.session.scalars(sa.select(Attachment).order_by(Attachment.id)).all()


@pytest.mark.parametrize("name, file_type", [
    ("报告.pdf", "pdf"), ("iguana.jpg", "jpeg"), ("monty-truth.png", "png"), ("tables.docx", "docx"),
])
def test_an_upload_is_stored_by_hash_with_its_type_from_the_content(
        app, client, auth, db, setting, draft, name, file_type):
    content = PDF if name.endswith(".pdf") else (FIXTURES / name).read_bytes()
    auth.login(setting.ours.user.username)
    response = upload(client, draft, content, name)
    assert response.status_code == 302
    [row] = attachment_rows(db)
    sha = hashlib.sha256(content).hexdigest()
    assert (row.display_name, row.file_type, row.size, row.sha256) == (name, file_type, len(content), sha)
    assert file_store(app).local_path(key_for(sha)).read_bytes() == content
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "upload")).one()
    assert event.submission_id == draft.id and event.detail["sha256"] == sha


def test_the_type_is_judged_by_content_not_by_the_name(client, auth, db, setting, draft):
    auth.login(setting.ours.user.username)
    upload(client, draft, PDF, "看起来像图片.png")
    assert attachment_rows(db)[0].file_type == "pdf"


@pytest.mark.parametrize("name, stored_as", [
    ("photo.pdf", "photo.png"), ("照片", "照片.png"), ("PHOTO.PNG", "PHOTO.PNG"), ("x" * 200 + ".pdf", "x" * 196 + ".png"),
])
def test_a_file_named_for_another_type_is_kept_and_downloaded_under_its_real_extension(
        client, auth, db, setting, draft, name, stored_as):
    auth.login(setting.ours.user.username)
    upload(client, draft, (FIXTURES / "monty-truth.png").read_bytes(), name)
    [row] = attachment_rows(db)
    assert (row.display_name, row.file_type) == (stored_as, "png")
    response = client.get(f"/submissions/{draft.id}/attachments/{row.id}")
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["Content-Disposition"].lower().endswith(".png")


def test_the_jpeg_spellings_of_a_photo_are_kept(client, auth, db, setting, draft):
    auth.login(setting.ours.user.username)
    upload(client, draft, (FIXTURES / "iguana.jpg").read_bytes(), "蜥蜴.JPEG")
    assert attachment_rows(db)[0].display_name == "蜥蜴.JPEG"


def test_a_download_is_an_attachment_with_nosniff(client, auth, db, setting, draft):
    auth.login(setting.ours.user.username)
    upload(client, draft, PDF, "年度报告.pdf")
    row = attachment_rows(db)[0]
    response = client.get(f"/submissions/{draft.id}/attachments/{row.id}")
    assert response.data == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''%E5%B9%B4%E5%BA%A6%E6%8A%A5%E5%91%8A.pdf" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_uploading_the_same_file_twice_keeps_one_attachment(app, client, auth, db, setting, draft):
    auth.login(setting.ours.user.username)
    upload(client, draft, PDF, "a.pdf")
    response = upload(client, draft, PDF, "b.pdf")
    assert "already attached as a.pdf" in page_text(client.get(response.headers["Location"]))
    assert len(attachment_rows(db)) == 1 and len(stored_files(app)) == 1


def test_removing_an_attachment_drops_the_reference_and_audits_it(app, client, auth, db, setting, draft):
    auth.login(setting.ours.user.username)
    upload(client, draft, PDF, "a.pdf")
    row = attachment_rows(db)[0]
    response = client.post(f"/submissions/{draft.id}/attachments/{row.id}/remove")
    assert response.status_code == 302
    assert attachment_rows(db) == []
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "remove")).one()
    assert event.detail["name"] == "a.pdf" and event.actor_id == setting.ours.user.id
    # Nothing refers to the file any more, so it leaves the disk too (test_upload_limits: who keeps it).
    assert stored_files(app) == []


def test_an_image_still_shown_in_the_body_cannot_be_removed(client, auth, db, setting, draft):
    auth.login(setting.ours.user.username)
    client.post(f"/submissions/{draft.id}/import", data={
        "lock_version": draft.lock_version,
        "document": (io.BytesIO((FIXTURES / "tiny-picture.docx").read_bytes()), "picture.docx")})
    [image] = attachment_rows(db)
    response = client.post(f"/submissions/{draft.id}/attachments/{image.id}/remove")
    assert response.status_code == 409
    assert "This image is shown in the body." in page_text(response)
    assert len(attachment_rows(db)) == 1


def test_files_of_a_submitted_piece_cannot_change(client, auth, db, factory, setting):
    piece = factory.submission(setting.ours.written, author=setting.ours.user, state=SubmissionState.SUBMITTED)
    factory.commit()
    auth.login(setting.ours.user.username)
    response = upload(client, piece, PDF, "late.pdf")
    assert response.status_code == 409
    assert attachment_rows(db) == []


def test_the_hash_address_serves_a_body_image_to_the_bureau(client, auth, db, setting, draft):
    auth.login(setting.ours.user.username)
    upload(client, draft, (FIXTURES / "monty-truth.png").read_bytes(), "pic.png")
    row = attachment_rows(db)[0]
    response = client.get(f"/attachments/{row.sha256}")
    assert response.status_code == 200 and response.headers["Content-Type"] == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith("attachment;")


def test_the_ministry_gets_a_file_only_once_a_version_holds_it(client, auth, db, factory, setting, draft):
    auth.login(setting.ours.user.username)
    upload(client, draft, PDF, "a.pdf")
    sha = attachment_rows(db)[0].sha256
    auth.logout()
    auth.login("reviewer")
    assert client.get(f"/attachments/{sha}").status_code == 404
    auth.logout()
    auth.login(setting.ours.user.username)
    client.post(f"/submissions/{draft.id}/submit")
    auth.logout()
    auth.login("reviewer")
    response = client.get(f"/attachments/{sha}")
    assert response.status_code == 200 and response.data == PDF
    assert 'filename=a.pdf' in response.headers["Content-Disposition"]


def test_a_file_removed_after_submitting_stays_readable_through_its_version(client, auth, db, factory, setting):
    piece = factory.submission(setting.ours.written, author=setting.ours.user)
    factory.commit()
    auth.login(setting.ours.user.username)
    upload(client, piece, PDF, "v1.pdf")
    client.post(f"/submissions/{piece.id}/submit")
    from app.domain.workflow import Action, apply_transition
    from app.models import Role, Submission

    apply_transition(db.session.get(Submission, piece.id), Action.REQUEST_CHANGES,
                     actor=factory.user(Role.EDITOR), comment="请删去附件。")
    factory.commit()
    row = attachment_rows(db)[0]
    client.post(f"/submissions/{piece.id}/attachments/{row.id}/remove")
    assert attachment_rows(db) == []
    assert client.get(f"/attachments/{row.sha256}").data == PDF
    assert "v1.pdf" in page_text(client.get(f"/submissions/{piece.id}/versions/1"))


@pytest.mark.parametrize("address", ["/attachments/" + "0" * 64, "/attachments/xyz", "/attachments/" + "A" * 64])
def test_unknown_or_malformed_hashes_are_not_found(client, auth, setting, address):
    auth.login(setting.ours.user.username)
    assert client.get(address).status_code == 404


def test_downloads_are_recorded_but_images_shown_in_a_body_are_not(client, auth, db, setting, draft):
    auth.login(setting.ours.user.username)
    upload(client, draft, PDF, "年度报告.pdf")
    row = attachment_rows(db)[0]
    client.get(f"/submissions/{draft.id}/attachments/{row.id}")
    client.get(f"/attachments/{row.sha256}")
    client.get(f"/attachments/{row.sha256}", headers={"Sec-Fetch-Dest": "image"})  # an <img> in a body
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "attachment_download")
                                .order_by(AuditEvent.id)).all()
    assert [(e.actor_id, e.detail["name"], e.detail["sha256"]) for e in events] == [
        (setting.ours.user.id, "年度报告.pdf", row.sha256)] * 2
    assert events[0].submission_id == draft.id and events[0].object_type == "Attachment"
