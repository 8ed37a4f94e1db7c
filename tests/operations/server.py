"""The app under gunicorn on a free loopback port, and a browser of sorts (cookies, CSRF tokens) to use it."""
from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from app.config import ROOT

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn with the project's configuration, in a session of its own so that one signal reaches
    the master, its workers and every build and typesetting process they started."""

    def __init__(self, database_url: str, folder: Path, **settings: str):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = folder / "gunicorn.log"
        self.env = {key: value for key, value in os.environ.items() if key not in ("SECRET_KEY", "REDIS_URL")}
        self.env.update({
            "HUIBIAN_BIND": f"127.0.0.1:{self.port}", "HUIBIAN_WORKERS": "1", "HUIBIAN_THREADS": "4",
            "DATABASE_URL": database_url, "HUIBIAN_INSTANCE": str(folder / "instance"),
            "UPLOAD_DIR": str(folder / "uploads"), "EDITIONS_DIR": str(folder / "editions"),
            "HUIBIAN_MAIL_THREAD": "0", "LOG_LEVEL": "WARNING", **settings,
        })
        self.process: subprocess.Popen | None = None

    def env_path(self, name: str) -> Path:
        return Path(self.env[name])

    def start(self, seconds: float = 90) -> Server:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"], cwd=ROOT,
                                            env=self.env, stdout=log, stderr=log, start_new_session=True)
        deadline = time.monotonic() + seconds
        while True:
            try:
                with urllib.request.urlopen(self.base + "/login", timeout=5):
                    return self
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"gunicorn did not start: {self.log.read_text()[-3000:]}") from None
                time.sleep(0.2)

    def stop(self, sig: int = signal.SIGTERM, seconds: float = 60) -> None:
        """Send ``sig`` to the whole process group and wait until every process of it is gone."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, sig)
        except ProcessLookupError:
            pass
        self.process.wait(seconds)
        deadline = time.monotonic() + seconds
        while _group_alive(self.process.pid):
            if time.monotonic() > deadline:
                os.killpg(self.process.pid, signal.SIGKILL)
                raise AssertionError("processes of the server outlived it")
            time.sleep(0.1)
        self.process = None


def _group_alive(pgid: int) -> bool:
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[3]) == pgid and fields[0] != "Z":
                return True
    return False


class Browser:
    """Keeps cookies across requests (and across server restarts) and fills in the CSRF token."""

    def __init__(self, server: Server):
        self.server = server
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))
        self.page = ""

    def get(self, path: str) -> tuple[int, str]:
        return self._open(urllib.request.Request(self.server.base + path))

    def post(self, path: str, data: dict, *, token_from: str | None = None) -> tuple[int, str]:
        """POST ``data`` with the CSRF token of ``token_from`` (a page fetched first) or of the last page."""
        if token_from is not None:
            self.get(token_from)
        token = CSRF.search(self.page)
        fields = {"csrf_token": token.group(1) if token else "", **data}
        body = urllib.parse.urlencode(fields, doseq=True).encode()
        return self._open(urllib.request.Request(self.server.base + path, data=body, method="POST"))

    def _open(self, request) -> tuple[int, str]:
        request.add_header("Accept-Language", "en")
        try:
            with self.opener.open(request, timeout=60) as response:
                status, self.page = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, self.page = error.code, error.read().decode()
        return status, self.page
