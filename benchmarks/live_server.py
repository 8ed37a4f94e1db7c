"""A production-mode Huibian under gunicorn on loopback, for the load benchmark and the live attack run.

It is run the way ``deploy/`` runs it: ``HUIBIAN_ENV=production``, a strong
random ``SECRET_KEY``, ``HUIBIAN_BASE_URL`` set, gunicorn with the project's
``gunicorn.conf.py``, and one reverse proxy in front (``HUIBIAN_PROXIES=1``).
There is no nginx here: :class:`ProxiedSession` sends what nginx would add
(``X-Forwarded-Proto: https``, the client's address appended to
``X-Forwarded-For``, the site's ``Host``), and keeps the ``Secure``,
``__Host-`` cookies as a browser does behind TLS, so nothing in the app's
security is switched off to be measured or attacked.
"""
from __future__ import annotations

import logging
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import requests
import sqlalchemy as sa
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

ROOT = Path(__file__).resolve().parent.parent
SITE_HOST = "huibian.example.gov.cn"
BASE_URL = f"https://{SITE_HOST}"
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
# Settings a developer's shell may carry that would change what is measured.
_INHERITED_OUT = ("FLASK_DEBUG", "REDIS_URL", "CLAMD_SOCKET", "MAIL_SERVER", "DATABASE_URL", "SECRET_KEY",
                  "HUIBIAN_TRUSTED_HOSTS", "HUIBIAN_BACKGROUND")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _engine_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url


@contextmanager
def postgres_database(admin_url: str = DEFAULT_POSTGRES):
    """A database of its own on the server of ``admin_url``, dropped at the end whatever happens."""
    name = f"huibian_live_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(_engine_url(admin_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


class LiveServer:
    """gunicorn serving ``wsgi:app`` as production, on a free loopback port and a fresh instance folder."""

    def __init__(self, database_url: str | None = None, *, workers: int = 2, threads: int = 4, **settings: str):
        self.folder = Path(tempfile.mkdtemp(prefix="huibian-live-"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database_url = database_url or f"sqlite:///{self.folder / 'huibian.sqlite3'}"
        self.log_path = self.folder / "gunicorn.log"
        self.process: subprocess.Popen | None = None
        env = {k: v for k, v in os.environ.items() if k not in _INHERITED_OUT}
        self.env = env | {
            "HUIBIAN_ENV": "production", "SECRET_KEY": secrets.token_urlsafe(48), "HUIBIAN_BASE_URL": BASE_URL,
            "HUIBIAN_PROXIES": "1", "HUIBIAN_INSTANCE": str(self.folder), "DATABASE_URL": self.database_url,
            "HUIBIAN_BIND": f"127.0.0.1:{self.port}", "HUIBIAN_WORKERS": str(workers),
            "HUIBIAN_THREADS": str(threads), "HUIBIAN_MAIL_THREAD": "0",
        } | settings

    def flask(self, *args: str) -> str:
        """Run ``flask --app wsgi ARGS`` against this instance, as an operator would."""
        done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=self.env,
                              capture_output=True, text=True, timeout=300)
        if done.returncode:
            raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stderr[-3000:]}")
        return done.stdout

    def app(self):
        """The app object on this instance's database, in this process (to create accounts, read rows)."""
        from app import create_app

        return create_app({
            "SQLALCHEMY_DATABASE_URI": _engine_url(self.database_url), "SECRET_KEY": self.env["SECRET_KEY"],
            "UPLOAD_DIR": self.folder / "uploads", "EDITIONS_DIR": self.folder / "editions",
            "BACKGROUND_WORKER": "inline", "MAIL_SENDER_THREAD": False,
        })

    def query(self, sql: str, **params) -> list:
        """Rows of one SQL statement on this instance's database, read beside the server."""
        engine = sa.create_engine(_engine_url(self.database_url))
        try:
            with engine.connect() as connection:
                return connection.execute(sa.text(sql), params).all()
        finally:
            engine.dispose()

    def start(self, seconds: float = 90) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"], cwd=ROOT,
                                        env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + seconds
        probe = ProxiedSession(self)
        while True:
            try:
                if probe.get("/healthz", timeout=20).status_code == 200:
                    return
            except requests.RequestException:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not come up:\n{self.log_tail()}")
            time.sleep(0.3)

    def faults(self) -> list[str]:
        """Lines of the server's log that say a worker died or a request failed inside the app."""
        pattern = re.compile(r"WORKER TIMEOUT|was sent SIG|Worker failed|Traceback|\"level\": \"(ERROR|CRITICAL)\"")
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return [line[:300] for line in text.splitlines() if pattern.search(line)]

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""

    def stop(self) -> None:
        """SIGTERM to gunicorn (graceful), then to anything of its group still there (build children)."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        if self.process:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class ProxiedSession(requests.Session):
    """A browser reaching the app through nginx: https outside, the site's Host, its own client address.

    Paths are relative to the server; redirects are not followed, so each
    request is timed and checked on its own.
    """

    def __init__(self, server: LiveServer, address: str = "203.0.113.10"):
        super().__init__()
        self.base = server.url
        self.address = address
        # gunicorn closes a keep-alive connection idle for 5 s; a GET sent on it just then is
        # reset, and a browser sends it again on a new connection. So does this session, once,
        # for GETs only (the server log says whether a worker died: see ``LiveServer.faults``).
        retry = Retry(total=1, connect=1, read=1, status=0, other=0, allowed_methods=frozenset({"GET"}),
                      raise_on_status=False)
        self.mount("http://", HTTPAdapter(max_retries=retry))
        logging.getLogger("urllib3.connectionpool").setLevel(logging.ERROR)  # a resent GET is no news
        self.headers.update({"Host": SITE_HOST, "X-Forwarded-Proto": "https", "X-Forwarded-For": address,
                             "Accept-Language": "en"})

    def request(self, method, url, *args, forged_for: str | None = None, **kwargs):
        kwargs.setdefault("allow_redirects", False)
        kwargs.setdefault("timeout", 90)
        if method.upper() == "POST":  # Flask-WTF checks, over https, that a form comes from this site
            kwargs["headers"] = {"Referer": BASE_URL + url} | (kwargs.get("headers") or {})
        # TLS ends at the proxy, so the browser's side is https and sends its ``Secure`` cookies;
        # requests would hold them back from an http:// address, so the header is written here.
        cookies = "; ".join(f"{cookie.name}={cookie.value}" for cookie in self.cookies)
        if cookies:
            kwargs["headers"] = {"Cookie": cookies} | (kwargs.get("headers") or {})
        if forged_for:  # what the client sent, and nginx's $proxy_add_x_forwarded_for after it
            kwargs["headers"] = (kwargs.get("headers") or {}) | {"X-Forwarded-For": f"{forged_for}, {self.address}"}
        return super().request(method, self.base + url if url.startswith("/") else url, *args, **kwargs)
