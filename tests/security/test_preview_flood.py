"""A bureau's heavy drafts cannot stall the ministry's previews (issue 12 item 1), over real HTTP.

The app is served by werkzeug in threads on loopback; two bureaus preview a
heavy draft at once (480,000 characters, just under the length limit: some
340 pages, half a minute of typesetting here), and while both are in flight
a reviewer previews a one-page piece. Before, previews shared one worker and
the wait had no timeout: the reviewer waited two minutes. Now the reviewer's
preview is served by the worker kept for the ministry, the second bureau is
told to retry, the heavy draft is stopped at the time limit and remembered.
(A draft of 20,000 nested ``<div>``s is heavy too, but WeasyPrint gives up on
its depth after a while, earlier on a fast machine: a long draft is the
dependable heavy case.)
"""
from __future__ import annotations

import http.cookiejar
import io
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from pypdf import PdfReader
from werkzeug.serving import make_server

from app.domain.proceedings.previews import preview_policy
from app.domain.proceedings.typesetting.preview_workers import previews
from app.domain.proceedings.typesetting.typeset import TypesetJob
from app.models import Role, SubmissionState
from tests.factories import PASSWORD, approved_piece

pytestmark = pytest.mark.slow

HEAVY = "\n\n".join(["我们坚持以习近平生态文明思想为指导，深入打好污染防治攻坚战。" * 10] * 1600)
PAGE = TypesetJob(html='<html lang="zh-CN"><body><p>预热 warm-up</p></body></html>', attachments={})


@pytest.fixture
def served(app):
    app.config["SERVER_NAME"] = None
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


class Browser:
    """One signed-in person: a cookie jar over urllib."""

    def __init__(self, base: str, username: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        form = urllib.parse.urlencode({"username": username, "password": PASSWORD}).encode()
        self.opener.open(f"{base}/login", data=form, timeout=30).read()

    def get(self, path: str) -> tuple[int, dict, bytes]:
        try:
            with self.opener.open(f"{self.base}{path}", timeout=120) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()


def _warm_both_workers(app) -> None:
    """Both workers started and warm, as after the first previews of the day: the test is about
    who waits for whom, not how long a cold worker takes to start on a loaded machine."""
    previews.configure(preview_policy(app.config))
    warming = [threading.Thread(target=previews.typeset, args=(PAGE, 60), kwargs={"priority": True}) for _ in range(2)]
    for thread in warming:
        thread.start()
    for thread in warming:
        thread.join(120)
    assert len(previews.pids()) == 2


def _until(condition, what: str) -> None:
    for _ in range(3000):
        if condition():
            return
        time.sleep(0.01)
    raise AssertionError(f"never: {what} ({previews.admission.state()})")


def test_two_heavy_bureau_previews_do_not_delay_a_reviewers_one_page_preview(app, factory, served):
    # The heavy draft takes 8–35 s to typeset, by how busy the machine is: 6 s stops it on any.
    app.config.update(PREVIEW_WORKERS=2, PREVIEW_WAIT_SECONDS=4, PREVIEW_TIMEOUT_SECONDS=6)
    _warm_both_workers(app)
    conference = factory.conference()
    heavy = [factory.submission(factory.invitation(conference), title=f"沉重的草稿 {n}", body_source=HEAVY)
             for n in (1, 2)]
    bureau_users = [factory.user(Role.SUBMITTER, organisation=piece.organisation) for piece in heavy]
    small = approved_piece(factory, conference, title="一页纸的材料", state=SubmissionState.SUBMITTED)
    reviewer = factory.user(Role.REVIEWER)
    for user in (*bureau_users, reviewer):
        user.locale = "en"
    factory.commit()
    people = [Browser(served, user.username) for user in (*bureau_users, reviewer)]

    finished: list[str] = []
    answers: dict[str, tuple[int, dict, bytes]] = {}

    def preview(name: str, browser: Browser, path: str) -> threading.Thread:
        def run():
            answers[name] = browser.get(path)
            finished.append(name)
        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        return thread

    first = preview("bureau 1", people[0], f"/proceedings/preview/{heavy[0].id}/draft.pdf")
    _until(lambda: previews.admission.state()["running_shared"] == 1, "the first bureau typesetting")
    second = preview("bureau 2", people[1], f"/proceedings/preview/{heavy[1].id}/draft.pdf")
    _until(lambda: previews.admission.state()["waiting"] == 1, "the second bureau waiting")
    started = time.monotonic()
    preview("reviewer", people[2], f"/proceedings/preview/{small.id}/v1.pdf").join(60)
    reviewer_took = time.monotonic() - started
    first.join(60)
    second.join(60)

    status, headers, body = answers["reviewer"]
    assert status == 200 and headers["Content-Type"] == "application/pdf"
    assert "一页纸的材料" in "".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    # Served while the heavy draft was still being typeset, not after it.
    assert finished.index("reviewer") < finished.index("bureau 1"), (finished, reviewer_took)
    assert reviewer_took < 10

    status, headers, body = answers["bureau 2"]   # waited its 4 seconds, then told to retry
    assert status == 503 and headers["Retry-After"] == "5"
    assert b"The server is typesetting as many previews as it can right now" in body

    status, headers, body = answers["bureau 1"]   # stopped at the time limit, the worker killed
    assert status == 503 and b"took longer than 6 seconds to typeset" in body

    # The same heavy draft again: refused at once, with no worker tied up.
    asked = time.monotonic()
    status, _headers, body = people[0].get(f"/proceedings/preview/{heavy[0].id}/draft.pdf")
    assert status == 503 and b"This draft took too long to typeset last time" in body
    assert time.monotonic() - asked < 5 and previews.admission.state()["running"] == 0
