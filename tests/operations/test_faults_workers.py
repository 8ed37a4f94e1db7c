"""Fault: a build or a preview worker killed half-way (kill -9, or the OOM killer).

The edition ends ``failed`` with a clear, translated message, never stuck
``building``, and leaves no file; a new build works. A preview answers 503
with a clear message, and the next preview works.
"""
from __future__ import annotations

import threading
import time
from datetime import date

import pytest

from app.background.builds import _thread_worker, enqueue_build, run_build
from app.domain.proceedings import editions
from app.domain.proceedings.typesetting.preview_workers import previews
from app.models import EditionStatus, ProceedingsEdition, Role
from tests.factories import EN_BODY, approved_piece
from tests.helpers import page_text
from tests.operations.processes import alive, children, kill_once_busy, wait_for_new_child

pytestmark = pytest.mark.slow

#: A piece long enough (some 40 pages) that its typesetting is still under way when the worker is killed.
LONG_BODY = "\n\n".join(f"{n}. " + "The rivers of the north are cleaner than a year ago, and the bureau says why. " * 12
                        for n in range(1, 250))


def queued_edition(factory, conference, editor) -> int:
    edition = editions.create_edition(conference, actor=editor, edition_date=date(2024, 12, 1))
    factory.commit()
    return edition.id


def reloaded(db, edition_id) -> ProceedingsEdition:
    db.session.expire_all()
    return db.session.get(ProceedingsEdition, edition_id)


def leftovers(app) -> list[str]:
    return sorted(p.name for p in app.config["EDITIONS_DIR"].glob("*.pdf"))


def test_a_typesetting_worker_killed_mid_book_fails_the_edition_clearly_and_the_next_build_works(
        app, factory, db, client, auth):
    conference = factory.conference()
    approved_piece(factory, conference, title="Clean rivers", body=LONG_BODY)
    editor = factory.user(Role.EDITOR)
    edition_id = queued_edition(factory, conference, editor)
    before, killed = children(), []

    def kill_the_typesetter():
        killed.append(kill_once_busy(wait_for_new_child(before), cpu=1.5))

    def on_progress(stage, done, total):
        if stage == "rendering" and not killed:
            threading.Thread(target=kill_the_typesetter, daemon=True).start()
            killed.append(None)

    run_build(edition_id, on_progress=on_progress, processes=1)

    assert True in killed, "the typesetting worker finished before it could be killed"
    edition = reloaded(db, edition_id)
    assert edition.status is EditionStatus.FAILED and edition.error == editions.WORKER_DIED
    assert edition.file_name is None and leftovers(app) == []
    auth.login(editor.username)
    page = page_text(client.get(f"/proceedings/{conference.slug}/editions/{edition.number}"))
    assert "Failed: A typesetting process stopped before the book was finished (it was killed or ran out of " \
           "memory). Nothing was kept" in page
    assert client.get(f"/proceedings/{conference.slug}/editions/{edition.number}/status").get_json()["finished"]

    next_id = queued_edition(factory, conference, editor)
    run_build(next_id, processes=1)
    rebuilt = reloaded(db, next_id)
    assert rebuilt.status is EditionStatus.DONE, rebuilt.error
    assert leftovers(app) == [rebuilt.file_name]


def test_the_build_process_killed_mid_build_fails_the_edition_and_leaves_no_typesetter_behind(
        app, factory, db, client, auth):
    app.config.update(BACKGROUND_WORKER="thread", REDIS_URL=None)
    conference = factory.conference()
    approved_piece(factory, conference, title="Clean rivers", body=LONG_BODY)
    editor = factory.user(Role.EDITOR)
    editor.locale = "zh"
    edition_id = queued_edition(factory, conference, editor)
    before = children()

    enqueue_build(edition_id)
    build_process = wait_for_new_child(before)
    deadline = time.monotonic() + 120
    while reloaded(db, edition_id).progress_stage != "rendering":  # its typesetters are at work
        assert time.monotonic() < deadline and alive(build_process)
        time.sleep(0.05)
    typesetters = children(build_process)
    assert kill_once_busy(build_process, cpu=0)
    _thread_worker(app).queue.join()

    edition = reloaded(db, edition_id)
    assert edition.status is EditionStatus.FAILED and edition.error == editions.BUILD_PROCESS_DIED
    assert leftovers(app) == []
    auth.login(editor.username)
    page = page_text(client.get(f"/proceedings/{conference.slug}/editions/{edition.number}"))
    assert "构建进程在汇编完成前停止" in page
    # Its typesetting workers notice their parent is gone and leave (after the page in hand, at most).
    deadline = time.monotonic() + 120
    while any(alive(pid) for pid in typesetters):
        assert time.monotonic() < deadline, "a typesetting worker outlived its build"
        time.sleep(0.2)


def test_a_preview_worker_killed_mid_preview_is_a_clear_503_and_the_next_preview_works(
        app, factory, db, client, auth):
    conference = factory.conference()
    short = approved_piece(factory, conference, title="Short", body=EN_BODY)
    long = approved_piece(factory, conference, title="Long", body=LONG_BODY)
    editor = factory.user(Role.EDITOR)
    factory.commit()
    auth.login(editor.username)
    assert client.get(f"/proceedings/preview/{short.id}/v1.pdf").status_code == 200  # a warm worker, now idle
    [worker] = previews.pids()
    answers = []

    def ask_for_the_long_preview():
        with app.app_context():  # a request of its own, in a thread of its own, as a web server runs it
            answers.append(client.get(f"/proceedings/preview/{long.id}/v1.pdf"))

    asking = threading.Thread(target=ask_for_the_long_preview)
    asking.start()
    assert kill_once_busy(worker, cpu=0.3, timeout=30), "the preview finished before its worker could be killed"
    asking.join(120)

    [response] = answers
    assert response.status_code == 503 and response.mimetype == "text/html"
    assert "The printed preview could not be made this time. Please try again in a moment" in page_text(response)
    again = client.get(f"/proceedings/preview/{long.id}/v1.pdf")
    assert again.status_code == 200 and again.data.startswith(b"%PDF")
