"""Uploads and Word imports are scanned by a real clamd; infected files and an unreachable scanner are refused."""
import io
import zipfile

import pytest

from app.domain.submissions.scanning import Clamd, ScannerUnavailable
from tests.clamav import EICAR, SIGNATURE
from tests.helpers import FIXTURES, page_text
from tests.submissions.test_attachments import attachment_rows, stored_files, upload
from tests.submissions.test_import import import_file, reloaded


def pdf_with(payload: bytes) -> bytes:
    """A small, well-formed PDF whose one page's content stream carries ``payload`` (in a comment)."""
    stream = b"% " + payload + b"\nBT /F1 12 Tf 72 712 Td (Huibian) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def docx_with(member: str, payload: bytes) -> bytes:
    """A real Word document (a fixture) with one more part inside its archive."""
    out = io.BytesIO()
    with zipfile.ZipFile(FIXTURES / "single-paragraph.docx") as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            target.writestr(entry.filename, source.read(entry))
        target.writestr(member, payload)
    return out.getvalue()


@pytest.fixture
def scanning(app, clamd_addresses):
    app.config["CLAMD_SOCKET"] = clamd_addresses["unix"]


@pytest.mark.parametrize("address", ["unix", "tcp"])
def test_the_client_tells_clean_from_infected_over_both_sockets(clamd_addresses, address):
    scanner = Clamd(clamd_addresses[address], timeout=10)
    assert scanner.scan_stream(io.BytesIO(pdf_with(b"clean"))).clean
    found = scanner.scan_stream(io.BytesIO(pdf_with(EICAR)))
    assert not found.clean and found.signature.startswith(SIGNATURE)
    assert not scanner.scan_stream(io.BytesIO(docx_with("word/embeddings/test.com", EICAR))).clean


def test_a_scanner_that_is_not_there_gives_no_verdict(tmp_path):
    with pytest.raises(ScannerUnavailable):
        Clamd(str(tmp_path / "no-clamd.sock"), timeout=2).scan_stream(io.BytesIO(b"%PDF-1.4"))


@pytest.mark.parametrize("name, content", [
    ("报告.pdf", pdf_with(EICAR)),
    ("附件.docx", docx_with("word/embeddings/test.com", EICAR)),
])
def test_an_infected_upload_is_refused_and_nothing_is_stored(
        app, client, auth, db, setting, draft, scanning, name, content):
    auth.login(setting.ours.user.username)
    response = upload(client, draft, content, name)
    assert response.status_code == 422
    assert f"The virus scanner found {SIGNATURE}" in page_text(response)
    assert attachment_rows(db) == [] and stored_files(app) == []


def test_clean_uploads_pass_the_scanner(app, client, auth, db, setting, draft, scanning):
    auth.login(setting.ours.user.username)
    assert upload(client, draft, pdf_with(b"2024 annual figures"), "clean.pdf").status_code == 302
    assert upload(client, draft, docx_with("word/embeddings/notes.txt", b"notes"), "clean.docx").status_code == 302
    assert len(attachment_rows(db)) == 2


def test_an_infected_word_document_is_not_imported(app, client, auth, db, setting, draft, scanning):
    body_before = draft.body_source
    auth.login(setting.ours.user.username)
    response = import_file(client, draft, docx_with("word/embeddings/test.com", EICAR))
    assert response.status_code == 422 and SIGNATURE in page_text(response)
    assert reloaded(db, draft).body_source == body_before
    assert attachment_rows(db) == [] and stored_files(app) == []


def test_with_the_scanner_down_uploads_and_imports_are_refused_not_accepted_unscanned(
        app, client, auth, db, setting, draft, tmp_path):
    app.config["CLAMD_SOCKET"] = str(tmp_path / "clamd-is-down.sock")
    body_before = draft.body_source
    auth.login(setting.ours.user.username)

    response = upload(client, draft, pdf_with(b"clean"), "clean.pdf")
    assert response.status_code == 503
    assert "cannot be checked for viruses at the moment" in page_text(response)
    response = import_file(client, draft, (FIXTURES / "tiny-picture.docx").read_bytes())
    assert response.status_code == 503
    assert reloaded(db, draft).body_source == body_before
    assert attachment_rows(db) == [] and stored_files(app) == []


def test_the_refusal_reads_in_chinese(app, client, auth, db, setting, draft, scanning):
    setting.ours.user.locale = "zh"
    db.session.commit()
    auth.login(setting.ours.user.username)
    response = upload(client, draft, pdf_with(EICAR), "报告.pdf")
    assert "病毒扫描在此文件中发现" in page_text(response) and "未保存任何文件" in page_text(response)
