"""Single-piece previews: the bureau's draft and any version, typeset as in the book."""
from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from app.models import Role, SubmissionState
from tests.factories import approved_piece


def _text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.mark.slow
def test_a_bureau_previews_its_draft_and_the_ministry_a_version(app, factory, client, auth):
    conference = factory.conference()
    piece = approved_piece(factory, conference, title="守护好一江碧水", state=SubmissionState.CHANGES_REQUESTED)
    piece.title = "守护好一江碧水（修改稿）"
    author = factory.user(Role.SUBMITTER, organisation=piece.organisation)
    reviewer = factory.user(Role.REVIEWER)
    factory.commit()

    auth.login(author.username)
    draft = client.get(f"/proceedings/preview/{piece.id}/draft.pdf")
    assert draft.status_code == 200 and draft.mimetype == "application/pdf"
    assert "no-store" in draft.headers["Cache-Control"]
    assert "守护好一江碧水（修改稿）" in _text(draft.data)
    # The same draft again is served from the kept previews, byte for byte.
    assert client.get(f"/proceedings/preview/{piece.id}/draft.pdf").data == draft.data
    assert len(list((app.config["EDITIONS_DIR"] / ".previews").glob("*.pdf"))) == 1
    auth.logout()

    auth.login(reviewer.username)
    version = client.get(f"/proceedings/preview/{piece.id}/v1.pdf")
    text = _text(version.data)
    assert "守护好一江碧水" in text and "修改稿" not in text
    assert client.get(f"/proceedings/preview/{piece.id}/draft.pdf").status_code == 404


def test_previews_of_other_bureaus_and_unknown_versions_are_not_found(app, factory, client, auth):
    conference = factory.conference()
    piece = approved_piece(factory, conference, state=SubmissionState.SUBMITTED)
    never_sent = approved_piece(factory, conference, state=SubmissionState.DRAFT)
    stranger = factory.user(Role.SUBMITTER)
    reviewer = factory.user(Role.REVIEWER)
    admin = factory.user(Role.ADMIN)
    factory.commit()

    for user in (stranger, admin):
        auth.login(user.username)
        assert client.get(f"/proceedings/preview/{piece.id}/draft.pdf").status_code == 404
        assert client.get(f"/proceedings/preview/{piece.id}/v1.pdf").status_code == 404
        auth.logout()
    auth.login(reviewer.username)
    assert client.get(f"/proceedings/preview/{never_sent.id}/v1.pdf").status_code == 404
    assert client.get(f"/proceedings/preview/{piece.id}/v7.pdf").status_code == 404
    assert client.get("/proceedings/preview/999999/v1.pdf").status_code == 404
    auth.logout()
    assert client.get(f"/proceedings/preview/{piece.id}/v1.pdf").status_code == 302


def _links(app, user, submission, **context) -> str:
    from flask import render_template_string
    from flask_login import login_user

    with app.test_request_context("/"):
        login_user(user)
        return render_template_string('{% include "submissions/_pdf_preview_link.html" %}',
                                      submission=submission, **context)


def test_the_preview_links_offer_the_draft_to_the_bureau_and_versions_to_the_ministry(app, factory):
    piece = approved_piece(factory, factory.conference(), state=SubmissionState.SUBMITTED)
    author = factory.user(Role.SUBMITTER, organisation=piece.organisation)
    reviewer = factory.user(Role.REVIEWER)
    stranger = factory.user(Role.SUBMITTER)

    mine = _links(app, author, piece)
    assert f"/proceedings/preview/{piece.id}/draft.pdf" in mine and f"/proceedings/preview/{piece.id}/v1.pdf" in mine
    theirs = _links(app, reviewer, piece)
    assert "draft.pdf" not in theirs and f"/proceedings/preview/{piece.id}/v1.pdf" in theirs
    assert _links(app, reviewer, piece, version=piece.versions[0]).count(".pdf") == 1
    assert "preview" not in _links(app, stranger, piece)
