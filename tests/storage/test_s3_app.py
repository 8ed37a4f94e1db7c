"""The app with its files in S3 (moto on loopback): nothing changes for the user, nothing lands on local disk."""
from __future__ import annotations

import io
import urllib.request
import uuid
import zipfile
from pathlib import Path
from urllib.parse import unquote

import pytest
import sqlalchemy as sa

from app.domain.conference import archive
from app.domain.proceedings import editions
from app.domain.submissions.attachments import add_attachment
from app.domain.submissions.drafting import import_word
from app.domain.submissions.limits import UploadPolicy
from app.domain.submissions.storage import key_for, sha256_of
from app.models import Attachment, AuditEvent, EditionStatus, ProceedingsEdition, Role, SubmissionState, WordOriginal
from app.storage import file_store, init_storage
from app.storage.s3 import S3Store
from tests.factories import approved_piece
from tests.submissions.conftest import draft, setting  # noqa: F401 (fixtures shared with the local tests)
from tests.helpers import FIXTURES, page_text
from tests.submissions.test_attachments import PDF, upload
from tests.submissions.test_word_originals import import_file

DOCX = (FIXTURES / "tables.docx").read_bytes()
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

pytestmark = pytest.mark.usefixtures("s3_app")


def fetch(url: str):
    """What a browser gets from the redirect: the bytes and headers straight from the S3 server."""
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read(), response.headers


def local_files(app) -> list[Path]:
    return [p for key in ("UPLOAD_DIR", "EDITIONS_DIR") for p in Path(app.config[key]).rglob("*") if p.is_file()]


def test_an_upload_goes_to_the_bucket_and_downloads_through_a_signed_url(app, client, auth, db, setting, draft):
    assert isinstance(file_store(app), S3Store)
    auth.login(setting.ours.user.username)
    assert upload(client, draft, PDF, "报告 第一稿.pdf").status_code == 302
    [row] = db.session.scalars(sa.select(Attachment)).all()
    assert list(file_store(app).list("uploads/")) == [key_for(sha256_of(PDF))]
    assert local_files(app) == []

    response = client.get(f"/submissions/{draft.id}/attachments/{row.id}")
    assert response.status_code == 302 and "no-store" in response.headers["Cache-Control"]
    location = response.headers["Location"]
    assert location.startswith(app.config["S3_ENDPOINT_URL"]) and "X-Amz-Expires=60" in location
    data, headers = fetch(location)
    assert data == PDF
    assert headers["Content-Type"] == "application/pdf"
    assert unquote(headers["Content-Disposition"]).endswith("UTF-8''报告 第一稿.pdf")
    assert headers["Content-Disposition"].startswith("attachment;")

    by_hash, _ = fetch(client.get(f"/attachments/{row.sha256}").headers["Location"])
    assert by_hash == PDF


def test_another_bureau_gets_a_404_and_no_url(app, client, auth, db, setting, draft):
    auth.login(setting.ours.user.username)
    upload(client, draft, PDF, "report.pdf")
    row = db.session.scalars(sa.select(Attachment)).one()
    auth.logout()
    auth.login(setting.theirs.user.username)
    for url in (f"/submissions/{draft.id}/attachments/{row.id}", f"/attachments/{row.sha256}"):
        response = client.get(url)
        assert response.status_code == 404 and "Location" not in response.headers
        assert "X-Amz" not in response.get_data(as_text=True)


def test_removing_the_last_reference_deletes_the_object(app, client, auth, db, setting, draft):
    auth.login(setting.ours.user.username)
    upload(client, draft, PDF, "report.pdf")
    row = db.session.scalars(sa.select(Attachment)).one()
    assert file_store(app).exists(key_for(row.sha256))
    response = client.post(f"/submissions/{draft.id}/attachments/{row.id}/remove")
    assert response.status_code == 302
    assert db.session.scalars(sa.select(Attachment)).all() == []
    assert list(file_store(app).list("uploads/")) == []


def test_a_refused_upload_never_reaches_the_bucket(app, client, auth, db, setting, draft):
    auth.login(setting.ours.user.username)
    response = upload(client, draft, b"MZ\x90\x00 an executable", "setup.pdf")
    assert response.status_code == 415
    assert list(file_store(app).list()) == [] and db.session.scalars(sa.select(Attachment)).all() == []


def test_a_missing_object_is_a_404_not_a_dangling_url(app, client, auth, db, setting, draft):
    auth.login(setting.ours.user.username)
    upload(client, draft, PDF, "report.pdf")
    row = db.session.scalars(sa.select(Attachment)).one()
    file_store(app).delete(key_for(row.sha256))
    response = client.get(f"/submissions/{draft.id}/attachments/{row.id}")
    assert response.status_code == 404 and "Location" not in response.headers


@pytest.mark.slow
def test_an_edition_is_built_into_the_bucket_and_downloaded(app, factory, client, auth):
    conference = factory.conference()
    approved_piece(factory, conference, title="第一位发言：蓝天保卫战")
    editor = factory.user(Role.EDITOR)
    factory.commit()
    auth.login(editor.username)

    client.post(f"/proceedings/{conference.slug}/editions", data={"edition_date": "2024-12-01"})

    edition = factory.db.session.query(ProceedingsEdition).one()
    assert edition.status is EditionStatus.DONE, edition.error
    assert list(file_store(app).list("editions/")) == [editions.edition_key(edition)]
    assert not any(p.suffix == ".pdf" and not p.parent.name.startswith(".") for p in local_files(app))
    response = client.get(f"/proceedings/{conference.slug}/editions/1/download")
    assert response.status_code == 302
    data, headers = fetch(response.headers["Location"])
    assert data.startswith(b"%PDF") and len(data) == edition.size
    assert f"{conference.slug}-proceedings-edition-1.pdf" in headers["Content-Disposition"]

    client.post(f"/proceedings/{conference.slug}/editions/1/delete")
    assert list(file_store(app).list("editions/")) == []


def test_the_office_zip_is_made_from_and_into_the_bucket(app, factory, client, auth):
    conference = factory.conference()
    piece = approved_piece(factory, conference, title="深入打好蓝天保卫战", state=SubmissionState.DRAFT)
    author = factory.user(Role.SUBMITTER, organisation=piece.organisation)
    add_attachment(piece, io.BytesIO(PDF), "附件一.pdf", actor=author, store=file_store(app), policy=UploadPolicy())
    factory.move_to(piece, SubmissionState.APPROVED, author=author)
    editor = factory.user(Role.EDITOR)
    factory.commit()
    made = archive.request_archive(conference, actor=editor)
    key = archive.build_archive(made, conference, store=file_store(app), render_pdf=lambda p: b"%PDF-1.7 stand-in")
    factory.commit()
    assert key.startswith("editions/archives/") and file_store(app).exists(key)

    auth.login(editor.username)
    response = client.get(f"/review/coverage/archive/{made.id}.zip")
    data, _ = fetch(response.headers["Location"])
    with zipfile.ZipFile(io.BytesIO(data)) as bundle:
        assert bundle.read(f"{piece.organisation.name_zh}/深入打好蓝天保卫战/附件一.pdf") == PDF


def test_backup_and_restore_round_trip_through_buckets(request, app, db, factory, tmp_path, s3_endpoint):
    from tests.operations.test_backup import make_empty_instance, run, table_rows
    from tests.s3server import create_bucket, s3_config

    conference = factory.conference()
    piece = approved_piece(factory, conference, title="备份", state=SubmissionState.DRAFT)
    author = factory.user(Role.SUBMITTER, organisation=piece.organisation)
    add_attachment(piece, io.BytesIO(PDF), "a.pdf", actor=author, store=file_store(app), policy=UploadPolicy())
    import_word(piece, DOCX, "发言稿.docx", actor=author, loaded_version=piece.lock_version, store=file_store(app),
                policy=UploadPolicy())
    factory.commit()
    file_store(app).put("editions/proceedings-1.pdf", b"%PDF-1.7 \xe6\xb1\x87\xe7\xbc\x96")
    before = {key: file_store(app).read(key) for key in file_store(app).list()}
    assert len(before) == 3 and before[key_for(sha256_of(DOCX))] == DOCX  # the PDF, the Word original, the edition

    backup = tmp_path / "huibian.tar.gz"
    assert run(app, "backup", str(backup)).exit_code == 0
    (tmp_path / "restored").mkdir()
    restored = make_empty_instance(request, "sqlite", tmp_path / "restored")
    # A bucket of this run's own: the moto server lives for the session and the test runs once per database.
    bucket = f"huibian-restored-{uuid.uuid4().hex[:12]}"
    create_bucket(s3_endpoint, bucket)
    restored.config.update(s3_config(s3_endpoint, bucket, tmp_path / "cache-2"))
    init_storage(restored)

    result = run(restored, "restore", str(backup))
    assert result.exit_code == 0, result.output
    store = file_store(restored)
    assert {key: store.read(key) for key in store.list()} == before
    restored_rows = table_rows(restored.config["SQLALCHEMY_DATABASE_URI"], db.metadata)
    original_rows = table_rows(app.config["SQLALCHEMY_DATABASE_URI"], db.metadata)
    for table in ("attachment", "word_original"):
        assert restored_rows[table] == original_rows[table]
    assert run(restored, "restore", str(backup)).exit_code == 1  # no longer empty: refused


def test_an_unreachable_bucket_refuses_the_upload_cleanly(app, client, auth, db, setting, draft):
    app.config["S3_BUCKET"] = "no-such-bucket"
    init_storage(app)
    auth.login(setting.ours.user.username)
    response = upload(client, draft, PDF, "report.pdf")
    assert response.status_code == 503
    assert "Nothing was stored" in response.get_data(as_text=True)
    assert db.session.scalars(sa.select(Attachment)).all() == []


def test_published_editions_from_the_bucket_and_unpublished_ones_stay_404(app, factory, client, auth):
    conference = factory.conference()
    piece = approved_piece(factory, conference)
    editor = factory.user(Role.EDITOR)
    member = factory.user(Role.SUBMITTER, organisation=piece.organisation)
    outsider = factory.user(Role.SUBMITTER)
    made = []
    for _ in range(2):
        edition = editions.create_edition(conference, actor=editor, edition_date=editions.today_for(conference))
        name = editions.file_name_for(edition, conference)
        file_store(app).put(editions.key_for_file(name), b"%PDF-1.7 stand-in")
        editions.record_success(edition, file_name=name, page_count=1, size=17, sha256="0" * 64, start_pages={})
        factory.commit()
        made.append(edition)
    editions.publish_edition(made[0], actor=editor)
    factory.commit()

    auth.login(member.username)
    data, _ = fetch(client.get(f"/proceedings/published/{conference.slug}/1.pdf").headers["Location"])
    assert data == b"%PDF-1.7 stand-in"
    unpublished = client.get(f"/proceedings/published/{conference.slug}/2.pdf")
    assert unpublished.status_code == 404 and "Location" not in unpublished.headers
    auth.logout()
    auth.login(outsider.username)
    uninvited = client.get(f"/proceedings/published/{conference.slug}/1.pdf")
    assert uninvited.status_code == 404 and "Location" not in uninvited.headers


def test_an_imported_word_original_is_kept_in_the_bucket_and_downloads_through_a_signed_url(
        app, client, auth, db, setting, draft):
    auth.login(setting.ours.user.username)
    assert import_file(client, draft, DOCX, "发言稿（终稿）.docx").status_code == 302
    [original] = db.session.scalars(sa.select(WordOriginal)).all()
    assert original.sha256 == sha256_of(DOCX)
    assert file_store(app).read(key_for(original.sha256)) == DOCX
    assert local_files(app) == []  # the Word file and its pictures are in the bucket only

    response = client.get(f"/submissions/{draft.id}/originals/{original.id}")
    assert response.status_code == 302 and "no-store" in response.headers["Cache-Control"]
    location = response.headers["Location"]
    assert location.startswith(app.config["S3_ENDPOINT_URL"]) and "X-Amz-Expires=60" in location
    data, headers = fetch(location)
    assert data == DOCX
    assert headers["Content-Type"] == DOCX_TYPE
    assert unquote(headers["Content-Disposition"]).endswith("UTF-8''发言稿（终稿）.docx")
    assert db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action == "original_download")).one()


def test_another_bureau_gets_a_404_and_no_url_for_a_word_original(app, client, auth, db, setting, draft):
    auth.login(setting.ours.user.username)
    import_file(client, draft, DOCX, "发言稿.docx")
    original = db.session.scalars(sa.select(WordOriginal)).one()
    auth.logout()
    auth.login(setting.theirs.user.username)
    response = client.get(f"/submissions/{draft.id}/originals/{original.id}")
    assert response.status_code == 404 and "Location" not in response.headers
    assert "X-Amz" not in response.get_data(as_text=True)
    assert file_store(app).exists(key_for(original.sha256))  # refused, not lost


def test_a_replaced_word_original_leaves_the_bucket(app, client, auth, db, setting, draft):
    second = (FIXTURES / "simple-list.docx").read_bytes()
    auth.login(setting.ours.user.username)
    import_file(client, draft, DOCX, "一稿.docx")
    db.session.expire_all()
    import_file(client, db.session.get(type(draft), draft.id), second, "二稿.docx")
    assert [o.display_name for o in db.session.scalars(sa.select(WordOriginal))] == ["二稿.docx"]
    assert not file_store(app).exists(key_for(sha256_of(DOCX)))  # nothing refers to it any more
    assert file_store(app).read(key_for(sha256_of(second))) == second


def test_an_import_past_the_quota_puts_nothing_in_the_bucket(app, client, auth, db, setting, draft):
    app.config["MAX_BUREAU_STORAGE_MB"] = 0
    auth.login(setting.ours.user.username)
    response = import_file(client, draft, DOCX, "发言稿.docx")
    assert response.status_code == 413 and "Nothing was stored" in page_text(response)
    assert db.session.scalars(sa.select(WordOriginal)).all() == []
    assert list(file_store(app).list()) == []


def test_the_office_zip_from_the_bucket_carries_the_word_original(app, factory, client, auth):
    conference = factory.conference()
    piece = approved_piece(factory, conference, title="汾河治理的实践", state=SubmissionState.DRAFT)
    author = factory.user(Role.SUBMITTER, organisation=piece.organisation)
    import_word(piece, DOCX, "汾河治理（终稿）.docx", actor=author, loaded_version=piece.lock_version,
                store=file_store(app), policy=UploadPolicy())
    piece.title = "汾河治理的实践"  # the import replaced the body, not the title
    factory.move_to(piece, SubmissionState.APPROVED, author=author)
    editor = factory.user(Role.EDITOR)
    factory.commit()
    made = archive.request_archive(conference, actor=editor)
    archive.build_archive(made, conference, store=file_store(app), render_pdf=lambda p: b"%PDF-1.7 stand-in")
    factory.commit()

    auth.login(editor.username)
    response = client.get(f"/review/coverage/archive/{made.id}.zip")
    assert response.status_code == 302
    data, _ = fetch(response.headers["Location"])
    folder = f"{piece.organisation.name_zh}/汾河治理的实践"
    with zipfile.ZipFile(io.BytesIO(data)) as bundle:
        assert bundle.read(f"{folder}/汾河治理（终稿）.docx") == DOCX
        assert bundle.read(f"{folder}.pdf") == b"%PDF-1.7 stand-in"
