"""Importing Word documents through the web route: what arrives, and what is refused."""
import hashlib
import io
import zipfile

import pytest
import sqlalchemy as sa

from app.models import Attachment, AuditEvent, Submission
from tests.helpers import FIXTURES, page_text

# What each fixture must bring into the sanitised body. A new fixture without
# an entry here fails test_every_fixture_has_expectations.
EXPECTED = {
    "single-paragraph.docx": ["<p>Walking on imported air</p>"],
    "embedded-style-map.docx": ["<h1>Walking on imported air</h1>"],
    "simple-list.docx": ["<ul>", "<li>Apple</li>", "<li>Banana</li>"],
    "tables.docx": ["<p>Above</p>", "<td><p>Top left</p></td>", "<td><p>Top right</p></td>",
                    "<td><p>Bottom left</p></td>", "<td><p>Bottom right</p></td>", "<p>Below</p>"],
    "paras-and-tables.docx": ["Lorem ipsum dolor sit amet", "<p>Table</p>", "<p>Between</p>",
                              "Donec semper facilisis metus finibus malesuada."],
    "footnotes.docx": ['<sup class="footnote-ref"><a href="#body-fn1" id="body-fnref1">[1]</a></sup>',
                       '<section class="footnotes"><ol class="footnotes-list">',
                       '<li id="body-fn1" class="footnote-item"><p>A tachyon walks into a bar.',
                       '<li id="body-fn2" class="footnote-item"><p>Fin.'],
    "underline.docx": ["<strong>The <u>Sunset</u> Tree</strong>"],
    "utf8-bom.docx": ["<p>This XML has a byte order mark.</p>"],
    "tiny-picture.docx": ['<img src="/attachments/'],
    "empty.docx": None,  # refused: test_an_empty_document_is_refused_and_the_body_kept
}


def import_file(client, submission, content: bytes, name: str = "document.docx", lock_version=None):
    return client.post(f"/submissions/{submission.id}/import", data={
        "lock_version": submission.lock_version if lock_version is None else lock_version,
        "document": (io.BytesIO(content), name)}, content_type="multipart/form-data")


def rewritten(name: str, replacements: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(FIXTURES / name) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            target.writestr(entry.filename, replacements.get(entry.filename, source.read(entry)))
    return out.getvalue()


def reloaded(db, submission) -> Submission:
    db.session.expire_all()
    return db.session.get(Submission, submission.id)


def test_every_fixture_has_expectations():
    assert {p.name for p in FIXTURES.glob("*.docx")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(name for name, expected in EXPECTED.items() if expected is not None))
def test_every_fixture_imports_through_the_web(client, auth, db, setting, draft, name):
    auth.login(setting.ours.user.username)
    response = import_file(client, draft, (FIXTURES / name).read_bytes(), name)
    assert response.status_code == 302
    saved = reloaded(db, draft)
    for expected in EXPECTED[name]:
        assert expected in saved.body_html
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "import")).one()
    assert event.detail["file_name"] == name


def test_images_of_a_document_become_attachments_of_the_submission(client, auth, db, setting, draft):
    auth.login(setting.ours.user.username)
    import_file(client, draft, (FIXTURES / "tiny-picture.docx").read_bytes())
    with zipfile.ZipFile(FIXTURES / "tiny-picture.docx") as archive:
        image = archive.read("word/media/image1.png")
    sha = hashlib.sha256(image).hexdigest()
    [row] = db.session.scalars(sa.select(Attachment)).all()
    assert (row.submission_id, row.sha256, row.file_type, row.in_body) == (draft.id, sha, "png", True)
    assert f'<img src="/attachments/{sha}"' in reloaded(db, draft).body_html
    assert client.get(f"/attachments/{sha}").data == image
    page = page_text(client.get(f"/submissions/{draft.id}"))
    assert "imported into the body (1 image)" in page and "(picture in the body)" in page


def test_chinese_text_in_a_document_round_trips(client, auth, db, setting, draft):
    with zipfile.ZipFile(FIXTURES / "single-paragraph.docx") as archive:
        document = archive.read("word/document.xml").decode("utf-8")
    chinese = "深入打好污染防治攻坚战——“无废城市”建设𠮷"
    content = rewritten("single-paragraph.docx", {
        "word/document.xml": document.replace("Walking on imported air", chinese).encode("utf-8")})
    auth.login(setting.ours.user.username)
    import_file(client, draft, content)
    saved = reloaded(db, draft)
    assert f"<p>{chinese}</p>" == saved.body_html.strip()
    assert chinese in client.get(f"/submissions/{draft.id}").get_data(as_text=True)


def test_importing_replaces_the_body_and_keeps_the_other_fields(client, auth, db, setting, draft):
    auth.login(setting.ours.user.username)
    import_file(client, draft, (FIXTURES / "simple-list.docx").read_bytes())
    saved = reloaded(db, draft)
    assert "我们坚持" not in saved.body_source
    assert saved.title == "深入打好蓝天保卫战的实践与思考"


def zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"<w:document>" + b"\0" * (50 * 1024 * 1024) + b"</w:document>")
    return out.getvalue()


def truncated_docx() -> bytes:
    content = (FIXTURES / "tables.docx").read_bytes()
    return content[: len(content) // 2]


# An OLE2 signature with nothing sound behind it (real encrypted files: test_word_formats).
GARBAGE_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64 + "EncryptedPackage".encode("utf-16-le") + b"\0" * 64


@pytest.mark.parametrize("content, message", [
    (b"%PDF-1.4 not a word file", "This file is not a document Huibian can import"),
    (b"MZ\x90\x00\x03 an executable", "This file is not a document Huibian can import"),
    (zip_bomb(), "expands to more than 100 MB or is compressed suspiciously well"),
    (truncated_docx(), "The document is damaged"),
    (GARBAGE_OLE, "The document is damaged"),
], ids=["pdf", "executable", "zip-bomb", "corrupt", "garbage-ole"])
def test_a_document_that_cannot_be_read_leaves_the_draft_as_it_was(
        app, client, auth, db, setting, draft, content, message):
    before = (draft.body_source, draft.body_html, draft.lock_version)
    auth.login(setting.ours.user.username)
    response = import_file(client, draft, content, "hostile.docx")
    assert response.status_code == 400
    assert message in page_text(response)
    saved = reloaded(db, draft)
    assert (saved.body_source, saved.body_html, saved.lock_version) == before
    assert db.session.scalars(sa.select(Attachment)).all() == []
    assert db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "import")).all() == []
    assert [p for p in app.config["UPLOAD_DIR"].rglob("*") if p.is_file()] == []


def test_an_import_without_a_file_is_refused(client, auth, db, setting, draft):
    auth.login(setting.ours.user.username)
    response = client.post(f"/submissions/{draft.id}/import", data={"lock_version": draft.lock_version})
    assert response.status_code == 422
    assert "Choose a document (.docx, .doc, .wps, .odt or .rtf) to import." in page_text(response)


@pytest.mark.parametrize(("locale", "message"), [
    ("en", "The document has no text or pictures to import, so the body was left as it was."),
    ("zh", "文档中没有可导入的文字或图片，正文保持原样。"),
])
def test_an_empty_document_is_refused_and_the_body_kept(client, auth, db, setting, draft, locale, message):
    setting.ours.user.locale = locale
    db.session.commit()
    before = (draft.body_source, draft.body_html, draft.lock_version)
    auth.login(setting.ours.user.username)
    response = import_file(client, draft, (FIXTURES / "empty.docx").read_bytes(), "empty.docx")
    assert response.status_code == 400
    assert message in page_text(response)
    saved = reloaded(db, draft)
    assert (saved.body_source, saved.body_html, saved.lock_version) == before
    assert db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "import")).all() == []


@pytest.mark.parametrize(("locale", "name", "message"), [
    ("en", "tiny-picture.docx", "imported into the body (1 image)."),
    ("en", "single-paragraph.docx", "imported into the body (0 images)."),
    ("zh", "tiny-picture.docx", "Word 文档已导入正文（含1张图片）。"),
])
def test_the_import_message_counts_pictures_in_the_right_number(client, auth, db, setting, draft, locale, name, message):
    setting.ours.user.locale = locale
    db.session.commit()
    auth.login(setting.ours.user.username)
    import_file(client, draft, (FIXTURES / name).read_bytes(), name)
    assert message in page_text(client.get(f"/submissions/{draft.id}"))
