"""Importing .doc, .wps, .odt and .rtf: converted by LibreOffice, then imported as .docx.

The files are made from the .docx fixtures by LibreOffice at test time
(the `word_files` fixture); the hostile ones are made from those.
"""
import http.server
import io
import subprocess
import threading
import zipfile
from contextlib import ExitStack

import olefile
import pytest
import sqlalchemy as sa

from app.domain.submissions.docx import conversion
from app.domain.submissions.docx.checks import DocxImportError
from app.domain.submissions.docx.importer import import_document
from app.models import Attachment, AuditEvent, Submission, WordOriginal
from tests.helpers import page_text

ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(8) + b"\x02\x00\x3e\x00" + bytes(4000)


def import_file(client, submission, content: bytes, name: str):
    return client.post(f"/submissions/{submission.id}/import", data={
        "lock_version": submission.lock_version, "document": (io.BytesIO(content), name)},
        content_type="multipart/form-data")


def reloaded(db, submission) -> Submission:
    db.session.expire_all()
    return db.session.get(Submission, submission.id)


def no_store(content: bytes, content_type: str) -> str:
    raise AssertionError("no picture expected")


def with_encryption_flag(doc: bytes) -> bytes:
    """A real Word 97 file with the File Information Block's fEncrypted flag set."""
    with olefile.OleFileIO(doc) as ole:
        fib = ole.openstream("WordDocument").read(32)
    start = doc.index(fib)
    flags = int.from_bytes(doc[start + 10:start + 12], "little") | 0x0100
    return doc[:start + 10] + flags.to_bytes(2, "little") + doc[start + 12:]


def as_encrypted_package(doc: bytes) -> bytes:
    """A real OLE2 file whose main stream is named as in a password-protected .docx.

    Word keeps an encrypted .docx in an OLE2 container with an
    EncryptedPackage stream; renaming a stream in place makes one without
    an encryption library.
    """
    old, new = "WordDocument".encode("utf-16-le"), "EncryptedPackage".encode("utf-16-le")
    at = doc.index(old + b"\0\0")
    patched = doc[:at] + new + b"\0\0" + doc[at + len(new) + 2:at + 64] + (len(new) + 2).to_bytes(2, "little")
    return patched + doc[at + 66:]


def test_the_crafted_files_are_what_they_claim(word_files):
    with olefile.OleFileIO(as_encrypted_package(word_files["tables.doc"])) as ole:
        assert ole.exists("EncryptedPackage") and not ole.exists("WordDocument")
    with olefile.OleFileIO(with_encryption_flag(word_files["tables.doc"])) as ole:
        assert int.from_bytes(ole.openstream("WordDocument").read(12)[10:12], "little") & 0x0100


@pytest.mark.parametrize("name", ["footnotes.doc"])
def test_notes_of_a_converted_document_arrive_as_the_bodys_own_notes(word_files, name):
    result = import_document(word_files[name], store_image=no_store)
    assert result.source_format == name.rsplit(".")[1]
    assert result.html == (
        '<p>Ouch<sup class="footnote-ref"><a href="#fn1" id="fnref1">[1]</a></sup>.'
        '<sup class="footnote-ref"><a href="#fn2" id="fnref2">[2]</a></sup></p>'
        '<hr class="footnotes-sep" /><section class="footnotes"><ol class="footnotes-list">'
        '<li id="fn1" class="footnote-item"><p>A tachyon walks into a bar. '
        '<a href="#fnref1" class="footnote-backref">↩︎</a></p></li>'
        '<li id="fn2" class="footnote-item"><p>Fin. <a href="#fnref2" class="footnote-backref">↩︎</a></p></li>'
        '</ol></section>')
    assert result.messages == []


# Saved as .rtf but named .docx: the content decides.
@pytest.mark.parametrize(("fixture", "name", "judged"), [
    ("tables.doc", "tables.doc", "doc"), ("tables.wps", "tables.wps", "doc"),
    ("tables.odt", "tables.odt", "odt"), ("tables.rtf", "tables.docx", "rtf"),
])
def test_every_format_imports_through_the_web(client, auth, db, setting, draft, word_files, fixture, name, judged):
    auth.login(setting.ours.user.username)
    response = import_file(client, draft, word_files[fixture], name)
    assert response.status_code == 302
    saved = reloaded(db, draft)
    for cell in ("Top left", "Top right", "Bottom left", "Bottom right"):
        assert f"<p>{cell}</p></td>" in saved.body_html
    assert "<p>Above</p>" in saved.body_html and "<p>Below</p>" in saved.body_html
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "import")).one()
    assert (event.detail["file_name"], event.detail["format"]) == (name, judged)
    # The document as sent is kept, named for what it is (an .rtf sent as .docx downloads as .rtf).
    original = db.session.scalars(sa.select(WordOriginal)).one()
    assert (original.source_format, original.display_name) == (judged, f"tables.{judged}")
    download = client.get(f"/submissions/{draft.id}/originals/{original.id}")
    assert download.data == word_files[fixture]


def hostile_cases(word_files) -> dict[str, tuple[bytes, str, int, str, str]]:
    """name: (content, file name, status, English message, Chinese message)."""
    doc = word_files["tables.doc"]
    return {
        "executable": (ELF, "report.doc", 400, "This file is not a document Huibian can import",
                       "此文件不是汇编可以导入的文档"),
        "encrypted-docx": (as_encrypted_package(doc), "report.docx", 400, "The document is password-protected.",
                           "文档设有密码保护"),
        "encrypted-doc": (with_encryption_flag(doc), "report.doc", 400, "The document is password-protected.",
                          "文档设有密码保护"),
        "truncated-doc": (doc[:len(doc) // 2], "report.doc", 400, "The document is damaged",
                          "文档已损坏"),
        "huge": (doc + bytes(1024 * 1024), "report.doc", 413, "The document is larger than 1 MB",
                 "文档大于 1 MB"),
    }


HOSTILE = ["executable", "encrypted-docx", "encrypted-doc", "truncated-doc", "huge"]


@pytest.mark.parametrize("case", HOSTILE)
@pytest.mark.parametrize("locale", ["en", "zh"])
def test_a_hostile_document_is_refused_in_the_users_language_and_nothing_changes(
        app, client, auth, db, setting, draft, word_files, case, locale):
    content, name, status, english, chinese = hostile_cases(word_files)[case]
    app.config["MAX_UPLOAD_MB"] = 1
    setting.ours.user.locale = locale
    db.session.commit()
    before = (draft.body_source, draft.body_html, draft.lock_version)
    auth.login(setting.ours.user.username)
    response = import_file(client, draft, content, name)
    assert response.status_code == status
    assert (english if locale == "en" else chinese) in page_text(response)
    saved = reloaded(db, draft)
    assert (saved.body_source, saved.body_html, saved.lock_version) == before
    assert db.session.scalars(sa.select(Attachment)).all() == []
    assert db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "import")).all() == []


def test_another_kind_of_office_file_is_named_as_such(word_files):
    with zipfile.ZipFile(io.BytesIO(word_files["tables.odt"])) as archive:
        assert archive.read("mimetype") == b"application/vnd.oasis.opendocument.text"
    doc = word_files["tables.doc"]
    spreadsheet = doc.replace("WordDocument".encode("utf-16-le"), "Workbook\0\0\0\0".encode("utf-16-le"))
    with pytest.raises(DocxImportError, match="an Office file of another kind"):
        import_document(spreadsheet, store_image=no_store)


def test_an_encrypted_odt_is_named_as_such(word_files):
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(word_files["tables.odt"])) as source, zipfile.ZipFile(out, "w") as target:
        for entry in source.infolist():
            content = source.read(entry)
            if entry.filename == "META-INF/manifest.xml":
                content = content.replace(b"</manifest:manifest>", (
                    b'<manifest:file-entry manifest:full-path="secret.xml" manifest:media-type="text/xml">'
                    b"<manifest:encryption-data/></manifest:file-entry></manifest:manifest>"))
            target.writestr(entry, content)
    with pytest.raises(DocxImportError, match="password-protected"):
        import_document(out.getvalue(), store_image=no_store)


def test_when_every_conversion_slot_is_taken_the_import_is_refused_as_busy(
        client, auth, db, setting, draft, word_files):
    auth.login(setting.ours.user.username)
    before = draft.body_html
    with ExitStack() as slots:
        for _ in range(conversion.MAX_AT_ONCE):
            slots.enter_context(conversion.conversion_slot())
        response = import_file(client, draft, word_files["tables.doc"], "tables.doc")
    assert response.status_code == 503
    assert "Huibian is converting other documents just now. Try again in a minute" in page_text(response)
    assert reloaded(db, draft).body_html == before
    # The slots were given back: the same file now goes through.
    assert import_file(client, draft, word_files["tables.doc"], "tables.doc").status_code == 302


def test_a_conversion_over_the_time_limit_is_killed(word_files):
    with pytest.raises(DocxImportError, match="took longer than 0.2 seconds to convert"):
        conversion.convert_to_docx(word_files["tables.doc"], "doc", time_limit=0.2)


def test_a_conversion_over_the_memory_limit_fails_cleanly(word_files):
    with pytest.raises(DocxImportError, match="could not be converted"):
        conversion.convert_to_docx(word_files["tables.doc"], "doc", memory_limit=32 * 1024 * 1024)


@pytest.fixture
def picture_server():
    """A web server on loopback that records every request it gets."""
    requests: list[str] = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/picture.png", requests
    server.shutdown()
    server.server_close()


def odt_linking(odt: bytes, url: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(odt)) as source, zipfile.ZipFile(out, "w") as target:
        for entry in source.infolist():
            content = source.read(entry)
            if entry.filename == "content.xml":
                content = content.replace(b"Above", (
                    f'Above<draw:frame draw:name="p" text:anchor-type="as-char" svg:width="2cm" svg:height="2cm">'
                    f'<draw:image xlink:href="{url}" xlink:type="simple" xlink:show="embed" xlink:actuate="onLoad"/>'
                    f"</draw:frame>").encode(), 1)
            target.writestr(entry, content)
    return out.getvalue()


def test_the_conversion_fetches_nothing_a_document_links_to(word_files, picture_server, tmp_path):
    url, requests = picture_server
    linking = odt_linking(word_files["tables.odt"], url)
    result = import_document(linking, store_image=no_store)
    assert requests == []
    assert "<p>Above</p>" in result.html
    assert result.messages == ["Linked pictures were left out: they are stored outside the document, on the "
                               "author's computer or the web. In Word, insert the pictures into the document "
                               "itself (not as links) and import it again."]
    # The same file in a LibreOffice with default settings does fetch it: the test can tell.
    (tmp_path / "linking.odt").write_bytes(linking)
    subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
                    "--convert-to", "docx", "--outdir", str(tmp_path), str(tmp_path / "linking.odt")],
                   check=True, capture_output=True, timeout=120)
    assert requests == ["/picture.png"]


def test_a_server_without_libreoffice_says_to_send_docx(word_files, monkeypatch):
    monkeypatch.setattr(conversion, "SOFFICE", "no-such-soffice")
    with pytest.raises(DocxImportError, match="This server cannot convert this kind of document. Save it as .docx"):
        import_document(word_files["tables.odt"], store_image=no_store)
