"""The zip of approved pieces: a folder per bureau, Chinese names flagged UTF-8, made in the background."""
from __future__ import annotations

import io
import zipfile

import pytest
import sqlalchemy as sa

from app.storage import file_store
from app.domain.conference import archive
from app.domain.submissions.attachments import add_attachment
from app.domain.submissions.drafting import import_word
from app.domain.submissions.limits import UploadPolicy
from app.models import ArchiveStatus, AuditEvent, PiecesArchive, Role, SubmissionState
from tests.helpers import FIXTURES, page_text

DOCX = (FIXTURES / "tables.docx").read_bytes()
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def approved(app, factory):
    """Two bureaus with an approved piece each (one with an attachment), and a draft that stays out."""
    conference = factory.conference(slug="conf-zip")
    editor = factory.user(Role.EDITOR)

    def piece(name_zh, title, attachment=None, original=None):
        organisation = factory.organisation(name_zh=name_zh)
        author = factory.user(Role.SUBMITTER, organisation=organisation)
        submission = factory.submission(invitation=factory.invitation(conference=conference, organisation=organisation),
                                        author=author, title=title)
        if original:
            import_word(submission, DOCX, original, actor=author, loaded_version=submission.lock_version,
                        store=file_store(app), policy=UploadPolicy())
        if attachment:
            add_attachment(submission, io.BytesIO(PDF), attachment, actor=author,
                           store=file_store(app), policy=UploadPolicy())
        factory.move_to(submission, SubmissionState.APPROVED, author=author)
        return submission

    piece("河北省生态环境厅", "深入打好蓝天保卫战", attachment="附件一 监测数据.pdf", original="../发言稿（终稿）.docx")
    piece("山西省生态环境厅", "黄河/汾河\u202e治理 ..")
    factory.submission(invitation=factory.invitation(conference=conference), title="草稿不在其中")
    factory.commit()
    return conference, editor


def test_the_zip_has_a_folder_per_bureau_with_utf8_names(app, factory, approved, tmp_path):
    conference, editor = approved
    made = archive.request_archive(conference, actor=editor)
    key = archive.build_archive(made, conference, store=file_store(app),
                                render_pdf=lambda piece: b"%PDF-1.7 " + piece.title.encode())
    path = file_store(app).local_path(key)
    factory.commit()
    with zipfile.ZipFile(path) as bundle:
        names = bundle.namelist()
        assert sorted(names) == sorted([
            "河北省生态环境厅/深入打好蓝天保卫战.pdf",
            "河北省生态环境厅/深入打好蓝天保卫战/发言稿（终稿）.docx",  # the Word file it was imported from
            "河北省生态环境厅/深入打好蓝天保卫战/附件一 监测数据.pdf",
            "山西省生态环境厅/黄河 汾河 治理.pdf",  # no separator, no bidi override, no trailing dots
        ])
        assert bundle.read("河北省生态环境厅/深入打好蓝天保卫战/发言稿（终稿）.docx") == DOCX
        assert all(info.flag_bits & 0x800 for info in bundle.infolist())  # UTF-8 names for Windows Explorer
        assert bundle.read("河北省生态环境厅/深入打好蓝天保卫战/附件一 监测数据.pdf") == PDF
    assert (made.status, made.progress_done, made.progress_total) == (ArchiveStatus.DONE, 2, 2)
    assert made.size == path.stat().st_size and len(made.sha256) == 64


def test_nothing_approved_or_one_being_made_is_refused_with_a_message(client, auth, factory, approved):
    conference, editor = approved
    empty = factory.conference()
    factory.commit()
    auth.login(editor.username)
    response = client.post(f"/review/coverage/archive/{empty.id}", follow_redirects=True)
    assert "No piece has been approved yet, so there is nothing to download." in page_text(response)

    archive.request_archive(conference, actor=editor)  # queued, not yet taken by a worker
    factory.commit()
    response = client.post(f"/review/coverage/archive/{conference.id}", follow_redirects=True)
    assert "is being made; wait until it is ready" in page_text(response)
    assert "Being made: 0 of 2 pieces." in page_text(response)
    assert factory.db.session.scalar(sa.select(sa.func.count()).select_from(PiecesArchive)) == 1


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.SUBMITTER])
def test_only_editors_make_and_download_zips(client, auth, factory, approved, role):
    conference, editor = approved
    made = archive.request_archive(conference, actor=editor)
    user = factory.user(role)
    factory.commit()
    auth.login(user.username)
    assert client.post(f"/review/coverage/archive/{conference.id}").status_code == 403
    assert client.get(f"/review/coverage/archive/{made.id}.zip").status_code == 403


@pytest.mark.slow
def test_an_editor_makes_and_downloads_the_zip_with_the_books_pdfs(client, auth, factory, approved):
    conference, editor = approved
    auth.login(editor.username)
    response = client.post(f"/review/coverage/archive/{conference.id}", follow_redirects=True)
    text = page_text(response)
    assert "Download the zip" in text and "2 pieces" in text
    made = factory.db.session.scalars(sa.select(PiecesArchive)).one()
    download = client.get(f"/review/coverage/archive/{made.id}.zip")
    assert download.headers["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(download.data)) as bundle:
        pdf = bundle.read("河北省生态环境厅/深入打好蓝天保卫战.pdf")
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000
    actions = set(factory.db.session.scalars(sa.select(AuditEvent.action)))
    assert {"archive_request", "archive_built", "archive_download"} <= actions
