"""The kind of PDF an editor chooses per edition: plain, PDF/UA-1 (reads aloud) or PDF/A-3u (archive)."""
from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from app.domain.errors import DomainError
from app.domain.proceedings import editions
from app.domain.proceedings.spec import spec_for_edition
from app.models import EditionStatus, ProceedingsEdition, Role
from app.storage import file_store
from tests.factories import approved_piece


@pytest.mark.slow
def test_the_build_form_fixes_the_kind_of_pdf_in_the_edition(app, factory, client, auth):
    conference = factory.conference()
    approved_piece(factory, conference)
    editor = factory.user(Role.EDITOR)
    factory.commit()
    auth.login(editor.username)
    assert "PDF/UA-1" in client.get(f"/proceedings/{conference.slug}/", follow_redirects=True).get_data(as_text=True)

    client.post(f"/proceedings/{conference.slug}/editions",
                data={"edition_date": "2024-12-01", "piece_numbering": "none", "book_style": "ministry",
                      "pdf_variant": "pdf/ua-1"})

    edition = factory.db.session.query(ProceedingsEdition).one()
    assert edition.status is EditionStatus.DONE, edition.error
    assert edition.pdf_variant == "pdf/ua-1"
    assert spec_for_edition(edition, file_store(app)).pdf_variant == "pdf/ua-1"
    page = client.get(f"/proceedings/{conference.slug}/editions/{edition.number}").get_data(as_text=True)
    assert "PDF/UA-1: tagged, reads aloud" in page
    root = PdfReader(io.BytesIO(file_store(app).read(editions.edition_key(edition)))).trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert b"<pdfuaid:part>1</pdfuaid:part>" in root["/Metadata"].get_object().get_data()


def test_an_unknown_kind_of_pdf_is_refused_and_nothing_is_written(app, factory, client, auth):
    conference = factory.conference()
    approved_piece(factory, conference)
    editor = factory.user(Role.EDITOR)
    factory.commit()
    auth.login(editor.username)
    response = client.post(f"/proceedings/{conference.slug}/editions",
                           data={"edition_date": "2024-12-01", "piece_numbering": "none", "book_style": "ministry",
                                 "pdf_variant": "pdf/x-4"})
    assert response.status_code == 422
    assert "Choose the kind of PDF: plain, PDF/UA-1 (accessible) or PDF/A-3u (archival)." in response.get_data(as_text=True)
    assert factory.db.session.query(ProceedingsEdition).count() == 0


def test_a_plain_pdf_is_the_default_and_the_domain_refuses_an_unknown_kind(app, factory):
    conference = factory.conference()
    approved_piece(factory, conference)
    editor = factory.user(Role.EDITOR)
    factory.commit()
    edition = editions.create_edition(conference, actor=editor, edition_date=conference.starts_on)
    assert edition.pdf_variant == ""
    assert spec_for_edition(edition, file_store(app)).pdf_variant == ""
    with pytest.raises(DomainError):
        editions.create_edition(conference, actor=editor, edition_date=conference.starts_on, pdf_variant="pdf/a-1b")


@pytest.mark.slow
def test_the_command_line_builds_an_archival_edition_and_refuses_an_unknown_kind(app, factory, tmp_path):
    conference = factory.conference(slug="archive-conf")
    approved_piece(factory, conference)
    factory.user(Role.EDITOR, username="archivist")
    factory.commit()
    runner = app.test_cli_runner()

    refused = runner.invoke(args=["proceedings", "build", "--conference", "archive-conf", "--pdf", "pdf/x-4"])
    assert refused.exit_code != 0 and "pdf/x-4" in refused.output
    assert factory.db.session.query(ProceedingsEdition).count() == 0

    out = tmp_path / "book.pdf"
    result = runner.invoke(args=["proceedings", "build", "--conference", "archive-conf", "--pdf", "pdf/a-3u",
                                 "--out", str(out), "--as", "archivist"])
    assert result.exit_code == 0, result.output
    edition = factory.db.session.query(ProceedingsEdition).one()
    assert edition.pdf_variant == "pdf/a-3u"
    root = PdfReader(out).trailer["/Root"]
    assert root["/OutputIntents"][0]["/S"] == "/GTS_PDFA1"
