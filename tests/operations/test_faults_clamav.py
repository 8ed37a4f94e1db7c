"""Fault: ClamAV down. Uploads and every kind of Word import are refused with a clear message, never
accepted unscanned; /healthz says so; when clamd is back, files are accepted again.

The daemon is a real clamd (tests/clamav.py) killed with SIGKILL, which leaves its socket file behind
as a crash does; a scanner that hangs up or never answers is a real socket that does just that.
"""
from __future__ import annotations

import os
import signal
import socket
import threading
import time

import pytest

from tests.clamav import running_clamd
from tests.helpers import FIXTURES, page_text
from tests.submissions.test_attachments import attachment_rows, stored_files, upload
from tests.submissions.test_import import import_file, reloaded
from tests.submissions.test_virus_scan import pdf_with

REFUSED = "Files cannot be checked for viruses at the moment, so none are accepted. " \
          "Please try again in a few minutes. Nothing was stored."
DOCUMENTS = ["footnotes.doc", "footnotes.wps", "footnotes.odt", "footnotes.rtf"]


def clamd_pid(socket_path: str) -> int:
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/cmdline", "rb") as cmdline:
                    arguments = cmdline.read().split(b"\0")
            except OSError:
                continue
            if arguments and arguments[0].endswith(b"clamd") and any(
                    os.path.dirname(socket_path).encode() in a for a in arguments):
                return int(entry.name)
    raise AssertionError("clamd is not running")


def assert_refused(response):
    assert response.status_code == 503 and REFUSED in page_text(response)


@pytest.mark.slow
def test_clamd_killed_every_upload_and_import_is_refused_healthz_says_so_and_when_it_is_back_all_is_accepted(
        app, client, auth, db, setting, draft, word_files, tmp_path):
    body_before = draft.body_source
    auth.login(setting.ours.user.username)
    (tmp_path / "first").mkdir()
    (tmp_path / "again").mkdir()
    with running_clamd(tmp_path / "first") as addresses:
        app.config["CLAMD_SOCKET"] = addresses["unix"]
        assert upload(client, draft, pdf_with(b"before"), "before.pdf").status_code == 302
        os.kill(clamd_pid(addresses["unix"]), signal.SIGKILL)
        time.sleep(0.2)

        assert_refused(upload(client, draft, pdf_with(b"while down"), "down.pdf"))
        assert_refused(import_file(client, draft, (FIXTURES / "tiny-picture.docx").read_bytes(), "报告.docx"))
        for name in DOCUMENTS:
            assert_refused(import_file(client, draft, word_files[name], name))
        health = client.get("/healthz")
        assert health.status_code == 503 and health.get_json()["clamd"] == "unavailable"

    assert reloaded(db, draft).body_source == body_before
    assert [row.display_name for row in attachment_rows(db)] == ["before.pdf"] and len(stored_files(app)) == 1

    with running_clamd(tmp_path / "again") as addresses:  # clamd restarted (here: on a socket of its own)
        app.config["CLAMD_SOCKET"] = addresses["unix"]
        assert client.get("/healthz").get_json()["clamd"] == "ok"
        assert upload(client, draft, pdf_with(b"after"), "after.pdf").status_code == 302
        assert import_file(client, draft, word_files["footnotes.doc"], "footnotes.doc",
                           lock_version=reloaded(db, draft).lock_version).status_code == 302
    assert "A tachyon walks into a bar." in reloaded(db, draft).body_source


class BrokenScanner:
    """A unix socket where clamd should be, that hangs up at once or never answers."""

    def __init__(self, path: str, *, answer: bool):
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(path)
        self.listener.listen()
        self.answer, self.held = answer, []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            if self.answer:
                connection.close()  # hangs up without a verdict
            else:
                self.held.append(connection)  # reads nothing, says nothing

    def close(self):
        self.listener.close()
        for connection in self.held:
            connection.close()


@pytest.mark.parametrize("hangs_up", [True, False], ids=["hangs-up", "never-answers"])
def test_a_scanner_that_hangs_up_or_never_answers_is_no_verdict_and_nothing_is_accepted(
        app, client, auth, db, setting, draft, tmp_path, hangs_up):
    path = str(tmp_path / "clamd.sock")
    scanner = BrokenScanner(path, answer=hangs_up)
    app.config.update(CLAMD_SOCKET=path, CLAMD_TIMEOUT=0.5)
    body_before = draft.body_source
    auth.login(setting.ours.user.username)
    try:
        started = time.monotonic()
        assert_refused(upload(client, draft, pdf_with(b"clean"), "clean.pdf"))
        assert_refused(import_file(client, draft, (FIXTURES / "single-paragraph.docx").read_bytes()))
        assert time.monotonic() - started < 10  # bounded by CLAMD_TIMEOUT, not a hung request
    finally:
        scanner.close()
    assert attachment_rows(db) == [] and stored_files(app) == []
    assert reloaded(db, draft).body_source == body_before


def test_the_refusal_while_clamd_is_down_reads_in_chinese(app, client, auth, db, setting, draft, tmp_path):
    app.config["CLAMD_SOCKET"] = str(tmp_path / "clamd-is-down.sock")
    setting.ours.user.locale = "zh"
    db.session.commit()
    auth.login(setting.ours.user.username)
    response = import_file(client, draft, (FIXTURES / "single-paragraph.docx").read_bytes())
    assert response.status_code == 503 and "目前无法进行病毒检查，因此暂不接收任何文件" in page_text(response)
