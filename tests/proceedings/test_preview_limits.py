"""Printed previews through the web, within their limits: a clear 503 and a retry, never a hang.

The preview workers of the process are shared by every request; these tests
hold its gate (``previews.admission``) the way another request would, or
give the settings tiny values, so that nothing heavy is typeset.
"""
from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from app.domain.proceedings.typesetting.preview_workers import previews
from app.domain.submissions.bodies.rendering import render_body
from app.models import Role, SubmissionState
from tests.factories import approved_piece
from tests.helpers import page_text


def _text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def piece(factory):
    conference = factory.conference()
    submitted = approved_piece(factory, conference, title="守护好一江碧水", state=SubmissionState.CHANGES_REQUESTED)
    author = factory.user(Role.SUBMITTER, organisation=submitted.organisation)
    reviewer = factory.user(Role.REVIEWER)
    factory.commit()
    submitted.author, submitted.reviewer = author, reviewer
    return submitted


def test_a_full_preview_pool_answers_503_with_retry_after_as_a_page_and_as_json(app, client, auth, piece):
    app.config.update(PREVIEW_WORKERS=1, PREVIEW_WAIT_SECONDS=0.2)
    auth.login(piece.author.username)
    with previews.admission.admitted("another bureau's preview", wait=0):
        page = client.get(f"/proceedings/preview/{piece.id}/draft.pdf")
        answer = client.get(f"/proceedings/preview/{piece.id}/draft.pdf", headers={"Accept": "application/json"})
        chinese = client.get(f"/proceedings/preview/{piece.id}/draft.pdf", headers={"Accept-Language": "zh-CN"})
    assert page.status_code == 503 and page.headers["Retry-After"] == "5"
    assert "The server is typesetting as many previews as it can right now. Please try again in 5 seconds" \
        in page_text(page)
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "5"
    assert answer.get_json() == {"error": "The server is typesetting as many previews as it can right now. "
                                          "Please try again in 5 seconds; nothing was changed."}
    assert "服务器正在排版的预览已达上限。请 5 秒后再试" in page_text(chinese)
    assert previews.admission.state()["waiting"] == 0   # nobody left hanging


def test_a_second_preview_of_the_same_person_is_refused_at_once(app, client, auth, piece):
    auth.login(piece.reviewer.username)
    with previews.admission.admitted(piece.reviewer.id, priority=True, wait=0):   # their first, still typesetting
        again = client.get(f"/proceedings/preview/{piece.id}/v1.pdf")
    assert again.status_code == 503 and again.headers["Retry-After"] == "5"
    assert "Your previous preview is still being typeset" in page_text(again)


def test_the_ministrys_preview_is_not_held_up_by_the_bureaus_taking_their_workers(app, client, auth, piece):
    """Both bureau slots taken and the waiting room full: the reviewer still gets in (fast: refused
    only if it had to wait, so a tiny wait proves it did not)."""
    app.config.update(PREVIEW_WORKERS=2, PREVIEW_MAX_WAITING=0, PREVIEW_WAIT_SECONDS=0, PREVIEW_TIMEOUT_SECONDS=0.01)
    auth.login(piece.reviewer.username)
    with previews.admission.admitted("a bureau's heavy draft", wait=0):
        answer = client.get(f"/proceedings/preview/{piece.id}/v1.pdf")
    # Admitted and sent to a worker (which the tiny time limit then stopped), not refused as busy.
    assert answer.status_code == 503 and "Retry-After" not in answer.headers
    assert "took longer than 0.01 seconds to typeset" in page_text(answer)


def test_a_draft_that_ran_out_of_time_is_remembered_until_it_changes(app, client, auth, db, piece):
    app.config["PREVIEW_TIMEOUT_SECONDS"] = 0.01
    auth.login(piece.author.username)
    url = f"/proceedings/preview/{piece.id}/draft.pdf"

    stopped = client.get(url)
    assert stopped.status_code == 503
    assert "This piece took longer than 0.01 seconds to typeset, so its preview was stopped" in page_text(stopped)
    assert len(list((app.config["EDITIONS_DIR"] / ".previews").glob("*.failed"))) == 1

    # The same draft again: refused at once, without a worker being tried.
    spawned = previews.pids()
    again = client.get(url)
    assert again.status_code == 503 and "Retry-After" not in again.headers
    assert "This draft took too long to typeset last time" in page_text(again)
    assert "took longer than" not in page_text(again) and previews.pids() == spawned
    chinese = client.get(url, headers={"Accept-Language": "zh-CN"})
    assert "这份草稿上次排版用时过长" in page_text(chinese)

    # Changing the draft clears it: tried again (and, under the same tiny limit, stopped again).
    piece.body_source += "\n\n删去了一半的内容。"
    piece.body_html = render_body(piece.body_source).html   # as saving the draft does
    db.session.commit()
    assert "took longer than 0.01 seconds" in page_text(client.get(url))

    # A more generous limit tries even a remembered draft again.
    app.config["PREVIEW_TIMEOUT_SECONDS"] = 120
    typeset = client.get(url)
    assert typeset.status_code == 200 and "守护好一江碧水" in _text(typeset.data)


def test_a_version_remembered_as_too_heavy_tells_the_ministry_to_ask_the_bureau(app, client, auth, piece):
    app.config["PREVIEW_TIMEOUT_SECONDS"] = 0.01
    auth.login(piece.reviewer.username)
    url = f"/proceedings/preview/{piece.id}/v1.pdf"
    assert "took longer than 0.01 seconds" in page_text(client.get(url))
    again = client.get(url)
    assert again.status_code == 503
    assert "This version took too long to typeset last time" in page_text(again)
    assert "Ask the bureau to send a shorter or simpler version" in page_text(again)


def test_a_draft_nested_too_deeply_is_refused_with_the_reason_and_remembered(app, client, auth, db, piece):
    piece.body_source = "<div>" * 2_000 + "层层嵌套" + "</div>" * 2_000
    piece.body_html = render_body(piece.body_source).html
    db.session.commit()
    auth.login(piece.author.username)
    url = f"/proceedings/preview/{piece.id}/draft.pdf"

    refused = client.get(url)
    assert refused.status_code == 503
    assert "This piece nests blocks inside blocks too deeply to be typeset" in page_text(refused)
    again = client.get(url, headers={"Accept-Language": "zh-CN"})
    assert again.status_code == 503 and "上次排版时发现这篇材料的区块层层嵌套过深" in page_text(again)
