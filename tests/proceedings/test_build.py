"""Editions built from the database end to end: real workflow, real PDFs (few and small)."""
from __future__ import annotations

import hashlib
import re

import pytest
from pypdf import PdfReader

from app.storage import file_store
from app.background.builds import run_build
from app.domain.proceedings import editions
from app.models import EditionStatus, ExchangeKind, ProceedingsEdition, Role, SubmissionState
from tests.factories import EN_BODY, approved_piece, revise_and_approve

pytestmark = pytest.mark.slow


def _bookmarks(reader: PdfReader) -> dict[str, int]:
    found = {}

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                found[str(item.title).strip()] = reader.get_destination_page_number(item)
    walk(reader.outline)
    return found


def _book(app, factory):
    conference = factory.conference()
    second = approved_piece(factory, conference, kind=ExchangeKind.ORAL, speaking_order=2, title="第二位发言：守护碧水")
    first = approved_piece(factory, conference, kind=ExchangeKind.ORAL, speaking_order=1, title="第一位发言：蓝天保卫战")
    written = approved_piece(factory, conference, title="Written: Clean soil in the north", body=EN_BODY)
    approved_piece(factory, conference, title="尚在审核中的材料", state=SubmissionState.SUBMITTED)
    editor = factory.user(Role.EDITOR)
    factory.commit()
    return conference, editor, [first, second, written]


def test_edition_built_from_the_database_holds_the_approved_versions_in_order(app, factory, client, auth):
    conference, editor, pieces = _book(app, factory)
    auth.login(editor.username)

    response = client.post(f"/proceedings/{conference.slug}/editions", data={"edition_date": "2024-12-01"})

    assert response.status_code == 302
    edition = factory.db.session.query(ProceedingsEdition).one()
    assert edition.status is EditionStatus.DONE, edition.error
    assert (edition.number, edition.progress_stage) == (1, "done")
    path = file_store(app).local_path(editions.edition_key(edition))
    data = path.read_bytes()
    assert hashlib.sha256(data).hexdigest() == edition.sha256 and len(data) == edition.size
    assert [(i.submission_id, i.version_id, i.section) for i in edition.items] == [
        (p.id, p.latest_version.id, p.kind.value) for p in pieces]

    reader = PdfReader(path)
    assert len(reader.pages) == edition.page_count
    marks = _bookmarks(reader)
    contents = "".join(reader.pages[i].extract_text() for i in range(3))
    for item in edition.items:
        page_index = marks[item.version.title]
        assert reader.page_labels[page_index] == str(item.start_page)
        assert item.version.title in reader.pages[page_index].extract_text()
        assert re.search(re.escape(item.version.title) + r"[\s.·…]*" + str(item.start_page) + r"\b", contents)

    download = client.get(f"/proceedings/{conference.slug}/editions/1/download")
    assert download.status_code == 200 and download.data == data
    assert client.get(f"/proceedings/{conference.slug}/editions/1/status").json["status"] == "done"


def test_later_approvals_never_alter_an_edition_and_the_next_lists_what_changed(app, factory, client, auth):
    conference, editor, (first, second, written) = _book(app, factory)
    edition1 = editions.create_edition(conference, actor=editor, edition_date=editions.today_for(conference))
    factory.commit()
    run_build(edition1.id, processes=1)
    path1 = file_store(app).local_path(editions.edition_key(edition1))
    bytes1, items1 = path1.read_bytes(), [(i.submission_id, i.version_id) for i in edition1.items]

    revise_and_approve(factory, written, editor_user=editor, title="Written: Clean soil, revised")
    factory.commit()

    factory.db.session.expire_all()
    edition1 = factory.db.session.get(ProceedingsEdition, edition1.id)
    assert path1.read_bytes() == bytes1 and hashlib.sha256(bytes1).hexdigest() == edition1.sha256
    assert [(i.submission_id, i.version_id) for i in edition1.items] == items1
    assert edition1.items[2].version.title == "Written: Clean soil in the north"

    auth.login(editor.username)
    client.post(f"/proceedings/{conference.slug}/pieces/{second.id}/move/up")
    client.post(f"/proceedings/{conference.slug}/editions", data={"edition_date": "2024-12-02"})
    edition2 = factory.db.session.query(ProceedingsEdition).filter_by(number=2).one()
    assert edition2.status is EditionStatus.DONE, edition2.error
    changes = {(c["type"], c["submission_id"]) for c in edition2.changes}
    assert ("new_version", written.id) in changes
    assert ("moved", second.id) in changes or ("moved", first.id) in changes
    assert edition2.items[2].version.title == "Written: Clean soil, revised"
    page = client.get(f"/proceedings/{conference.slug}/editions/2").get_data(as_text=True)
    assert "Written: Clean soil, revised" in page and "1 → 2" in page
    assert path1.read_bytes() == bytes1
