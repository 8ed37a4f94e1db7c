"""Hostile text in what leaves Huibian: names, titles, speakers, comments and file names in the office's files.

``tests/review/test_exports.py`` covers formula starts, ``<script>`` and a
10,000-character comment in the spreadsheet; here: bidi controls and
Markdown links in every exported place, the coverage CSV, and path
traversal in the zip's folder and file names.
"""
from __future__ import annotations

import csv
import io
import zipfile

import pytest
from openpyxl import load_workbook

from app.domain.conference import archive
from app.domain.submissions.attachments import add_attachment
from app.domain.submissions.drafting import import_word
from app.domain.submissions.limits import UploadPolicy
from app.domain.workflow import Action, apply_transition
from app.models import ExchangeKind, Role, SubmissionState
from app.storage import file_store
from tests.helpers import FIXTURES

CALC = "=cmd|' /C calc'!A0"
LINK = "[点此查看](http://evil.example/steal)"
BIDI = "\u202e"
COMMENT = f"{CALC} {LINK} {BIDI}" + "长" * 10_000
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def hostile(app, factory):
    """An approved piece whose every field and file name is an attack, and an editor."""
    conference = factory.conference(slug="conf-hostile", timezone="Asia/Shanghai")
    editor = factory.user(Role.EDITOR)
    organisation = factory.organisation(name_zh=f"../../..\\Windows{BIDI}厅", name_en=f"+{LINK}{BIDI}")
    author = factory.user(Role.SUBMITTER, organisation=organisation)
    piece = factory.submission(
        invitation=factory.invitation(conference=conference, organisation=organisation, kind=ExchangeKind.ORAL),
        author=author, title=f"{CALC}{BIDI}", speaker_name=f"@{LINK}", speaker_post=f"-<script>alert(1)</script>{BIDI}")
    import_word(piece, (FIXTURES / "tables.docx").read_bytes(), f"..\\..\\evil{BIDI}xcod.docx", actor=author,
                loaded_version=piece.lock_version, store=file_store(app), policy=UploadPolicy())
    add_attachment(piece, io.BytesIO(PDF), f"../../{BIDI}附件.pdf", actor=author,
                   store=file_store(app), policy=UploadPolicy())
    factory.move_to(piece, SubmissionState.SUBMITTED, author=author)
    apply_transition(piece, Action.APPROVE, actor=editor, comment=COMMENT)
    factory.commit()
    return conference, editor


def no_bidi(values) -> bool:
    return not any(BIDI in str(v) for v in values if v is not None)


def test_hostile_cells_are_text_without_bidi_in_the_spreadsheet(client, auth, hostile):
    conference, editor = hostile
    auth.login(editor.username)
    response = client.get(f"/review/coverage/pieces.xlsx?conference={conference.id}")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f" or c.hyperlink]
    assert no_bidi(c.value for c in cells)
    header = [c.value for c in book["Pieces"][1]]
    row = dict(zip(header, [c.value for c in book["Pieces"][2]]))
    assert row["Bureau (Chinese)"] == "../../..\\Windows厅"  # a cell, not a path: kept as typed
    assert row["Bureau (English)"] == f"'+{LINK}" and row["Title"] == f"'{CALC}"
    assert row["Speaker"] == f"'@{LINK}" and row["Speaker's post"] == "'-<script>alert(1)</script>"
    assert row["Decision comment"] == "'" + COMMENT.replace(BIDI, "")


def test_hostile_cells_are_text_without_bidi_in_both_csv_files(client, auth, hostile):
    conference, editor = hostile
    auth.login(editor.username)
    for path, title_column in ((f"/review/coverage/pieces.csv?conference={conference.id}", 4),
                               (f"/review/coverage.csv?conference={conference.id}", 5)):
        response = client.get(path)
        assert response.status_code == 200
        text = response.data.decode("utf-8-sig")
        assert BIDI not in text
        [_header, row] = list(csv.reader(io.StringIO(text)))
        assert row[1] == f"'+{LINK}" and row[title_column] == f"'{CALC}"


def test_zip_names_cannot_leave_their_folder_or_read_backwards(app, factory, hostile, tmp_path):
    conference, editor = hostile
    made = archive.request_archive(conference, actor=editor)
    key = archive.build_archive(made, conference, store=file_store(app), render_pdf=lambda piece: PDF)
    factory.commit()
    with zipfile.ZipFile(file_store(app).local_path(key)) as bundle:
        names = bundle.namelist()
    assert sorted(names) == sorted([
        "Windows 厅/=cmd ' C calc'!A0.pdf",  # separators and the override become spaces, dots go
        "Windows 厅/=cmd ' C calc'!A0/附件.pdf",
        "Windows 厅/=cmd ' C calc'!A0/evilxcod.docx",
    ])
    for name in names:
        parts = name.split("/")
        assert all(part and part.strip(". ") == part for part in parts), name
        assert "\\" not in name and ":" not in name and no_bidi([name])
