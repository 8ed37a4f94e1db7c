"""The hostile battery of issue 12, over real HTTP, against a production server.

The server is what ``deploy/`` runs: gunicorn with ``gunicorn.conf.py``,
``HUIBIAN_ENV=production``, a strong random ``SECRET_KEY``,
``HUIBIAN_BASE_URL``, Redis for the login counters, mail through the outbox
to an SMTP server that cannot be reached, and nginx in front
(``HUIBIAN_PROXIES=1``). nginx is not here: ``ProxiedSession``
(``benchmarks/live_server.py``) sends what it would add — the site's
``Host``, ``X-Forwarded-Proto: https`` and the client's address appended to
``X-Forwarded-For`` — and sends the ``Secure``/``__Host-`` cookies, as a
browser does over https. Nothing in the app is relaxed for the test.

One server per backend (SQLite; PostgreSQL when HUIBIAN_TEST_POSTGRES_URL is
set) serves the whole module; each test that logs in comes from a network
address of its own, so the address throttling of one test never touches
another. The in-process tests of ``tests/security`` say each rule in detail;
these say the deployed server keeps them.
"""
from __future__ import annotations

import random
import re
import uuid
from urllib.parse import urlsplit
from contextlib import nullcontext
from dataclasses import dataclass

import pytest

from app.security import CONTENT_SECURITY_POLICY
from app.seed.demo import DEMO_PASSWORD
from benchmarks.live_server import BASE_URL, SITE_HOST, LiveServer, ProxiedSession, free_port, postgres_database
from tests.dbsetup import POSTGRES_URL
from tests.helpers import page_text

pytestmark = pytest.mark.slow

HIDDEN = re.compile(r'<input[^>]*\bname="(csrf_token|lock_version)"[^>]*\bvalue="([^"]*)"')
KEY_TASK = re.compile(r'name="key_task_ids" type="checkbox" value="(\d+)"')
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
HOSTILE_COMMENT = ('请补充数据 <img src="x" onerror="alert(1)"> <script>alert(2)</script> '
                   '[详见](https://evil.example/phish) <iframe src="https://evil.example/"></iframe>')
HOSTILE_BODY = "\n\n".join([
    "<script>alert(1)</script>正文一", '<img src="x" onerror="alert(1)">', '<a href="javascript:alert(1)">点我</a>',
    '<p style="position:fixed">遮罩</p>', '<iframe src="http://evil.example/"></iframe>',
    '<img src="file:///etc/passwd">', "![外部](http://evil.example/a.png)", '<svg onload="alert(1)"></svg>',
    '<form action="https://evil.example/"><input name="q">表单</form>', "<style>body{display:none}</style>",
])
LEAKED = "This password is on a list of common or leaked passwords. Please choose another."
LOCKED = "Too many failed logins for this account"
ADDRESS_THROTTLED = "Too many failed logins from your network address"
NUL_REFUSED = "The request contained a NUL character"
ONE_LINE = "This field takes one line of text"
CSRF_REFUSED = "The form had expired or was not sent from Huibian"


def fields(response) -> dict[str, str]:
    return dict(HIDDEN.findall(response.text))


def browser(server: LiveServer) -> ProxiedSession:
    """A visitor from an address of its own (documentation ranges, random per call)."""
    return ProxiedSession(server, f"198.18.{random.randrange(256)}.{random.randrange(1, 255)}")


def log_in(server: LiveServer, username: str, password: str = DEMO_PASSWORD) -> ProxiedSession:
    session = browser(server)
    token = fields(session.get("/login"))["csrf_token"]
    answer = session.post("/login", data={"username": username, "password": password, "csrf_token": token})
    assert answer.status_code == 302, page_text(answer)[:300]
    return session


def save(session: ProxiedSession, submission_id: int, **values):
    page = session.get(f"/submissions/{submission_id}")
    data = {"title": "天津市生态环境局的交流发言", "body": "# 经验\n\n蓝天保卫战。", "abstract": "摘要。",
            "speaker_name": "张三", "speaker_post": "局长", "planned_minutes": "10",
            "key_task_ids": KEY_TASK.findall(page.text)[:1]} | fields(page) | values
    return session.post(f"/submissions/{submission_id}/save", data=data)


def token_of(session: ProxiedSession, path: str = "/") -> str:
    return fields(session.get(path))["csrf_token"]


@dataclass
class Site:
    server: LiveServer
    ours: ProxiedSession      # tianjin's bureau, whose piece is submitted
    theirs: ProxiedSession    # fujian's bureau, the attacker in the cross-bureau probes
    reviewer: ProxiedSession
    piece: int                # tianjin's submission
    their_draft: int
    attachment: int
    sha256: str
    notification: int         # one of tianjin's notifications (the reviewer's comment)


def start_piece(server: LiveServer, session: ProxiedSession, bureau: str) -> int:
    [(invitation,)] = server.query("SELECT i.id FROM invitation i JOIN organisation o ON o.id = i.organisation_id "
                                   "WHERE o.code = :code", code=bureau)
    answer = session.post(f"/submissions/start/{invitation}", data={"csrf_token": token_of(session)})
    return int(re.search(r"/submissions/(\d+)", answer.headers["Location"]).group(1))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def site(request):
    if request.param == "postgresql" and not POSTGRES_URL:
        pytest.skip("PostgreSQL not configured (HUIBIAN_TEST_POSTGRES_URL unset)")
    database = postgres_database(POSTGRES_URL) if request.param == "postgresql" else nullcontext(None)
    # SMTP "configured but unreachable": a loopback port nobody listens on.
    with database as database_url, LiveServer(database_url, REDIS_URL="redis://127.0.0.1:6379/13",
                                              MAIL_SERVER="127.0.0.1", MAIL_PORT=str(free_port())) as server:
        server.flask("db", "upgrade")
        server.flask("seed-demo")
        server.start()
        ours, theirs, reviewer = (log_in(server, name) for name in ("tianjin", "fujian", "reviewer1"))
        piece, their_draft = start_piece(server, ours, "tianjin"), start_piece(server, theirs, "fujian")
        assert save(ours, piece).status_code == 302
        ours.post(f"/submissions/{piece}/attachments", data={"csrf_token": token_of(ours, f"/submissions/{piece}")},
                  files={"file": ("报告.pdf", PDF)})
        assert ours.post(f"/submissions/{piece}/submit", data={"csrf_token": token_of(ours)}).status_code == 302
        reviewer.post(f"/review/{piece}/comments", data={"csrf_token": token_of(reviewer, f"/review/{piece}"),
                                                          "text": HOSTILE_COMMENT})
        [(attachment, sha256)] = server.query("SELECT id, sha256 FROM attachment WHERE submission_id = :s", s=piece)
        [(notification,), *_] = server.query(
            'SELECT n.id FROM notification n JOIN "user" u ON u.id = n.user_id WHERE u.username = \'tianjin\'')
        yield Site(server, ours, theirs, reviewer, piece, their_draft, attachment, sha256, notification)


def snapshot(site: Site) -> list:
    """Everything of tianjin's piece an attacker could change."""
    return [site.server.query(sql, s=site.piece) for sql in (
        "SELECT title, body_source, state, lock_version FROM submission WHERE id = :s",
        "SELECT id, sha256 FROM attachment WHERE submission_id = :s ORDER BY id",
        "SELECT id, number FROM submission_version WHERE submission_id = :s ORDER BY id",
        "SELECT id, body_source FROM comment WHERE submission_id = :s ORDER BY id",
        "SELECT id, read_at FROM notification WHERE submission_id = :s ORDER BY id",
    )]


CROSS_BUREAU = [
    ("GET", "/submissions/{piece}"), ("GET", "/submissions/{piece}/diff"), ("GET", "/submissions/{piece}/versions/1"),
    ("GET", "/submissions/{piece}/attachments/{attachment}"), ("GET", "/attachments/{sha256}"),
    ("GET", "/proceedings/preview/{piece}/draft.pdf"), ("GET", "/proceedings/preview/{piece}/v1.pdf"),
    ("POST", "/submissions/{piece}/save"), ("POST", "/submissions/{piece}/submit"),
    ("POST", "/submissions/{piece}/withdraw"), ("POST", "/submissions/{piece}/attachments/{attachment}/remove"),
    ("POST", "/submissions/{piece}/attachments"), ("POST", "/submissions/{piece}/import"),
    ("POST", "/submissions/{piece}/preview"), ("POST", "/review/{piece}/comments"),
    ("POST", "/notifications/{notification}/read"), ("GET", "/submissions/{their_draft}/attachments/{attachment}"),
]


@pytest.mark.parametrize(("method", "path"), CROSS_BUREAU, ids=[f"{m} {p}" for m, p in CROSS_BUREAU])
def test_another_bureaus_ids_are_not_found_and_nothing_changes(site, method, path):
    before = snapshot(site)
    url = path.format(**vars(site))
    data = {"csrf_token": token_of(site.theirs), "title": "篡改", "body": "篡改", "lock_version": "1", "text": "篡改"}
    files = {"file": ("x.pdf", PDF)} if url.endswith("/attachments") else None
    response = site.theirs.request(method, url, data=data if method == "POST" else None, files=files)
    assert response.status_code == 404, (url, response.status_code)
    assert snapshot(site) == before


def test_a_forged_host_is_refused_and_mail_links_use_the_base_url(site):
    forged = browser(site.server)
    forged.headers["Host"] = "attacker.example"
    response = forged.get("/login")
    assert response.status_code == 400 and "attacker.example" not in response.text
    # X-Forwarded-Host is not among what the proxy is trusted for: links keep the site's address.
    page = browser(site.server).get("/login", headers={"X-Forwarded-Host": "attacker.example"})
    assert page.status_code == 200 and "attacker.example" not in page.text
    mails = site.server.query("SELECT body_text FROM outbox_mail")
    assert any(f"{BASE_URL}/review/{site.piece}" in body for (body,) in mails)
    assert not any("attacker.example" in body or "127.0.0.1" in body for (body,) in mails)


def test_thirty_wrong_passwords_lock_the_account_whatever_x_forwarded_for_says(site):
    username = f"target-{uuid.uuid4().hex[:8]}"
    user_id = _create_account(site, username)
    guesser = browser(site.server)
    statuses = [attempt(guesser, username, f"guess-{n}-wrong", forged_for=f"192.0.2.{n}") for n in range(30)]
    assert statuses[:5] == [401] * 5 and set(statuses[5:]) == {429}
    right = guesser.post("/login", data={"username": username, "password": PASSWORD_OF_TARGET,
                                         "csrf_token": token_of(guesser, "/login")}, forged_for="192.0.2.200")
    assert right.status_code == 429 and LOCKED in page_text(right)
    assert 'name="password"' in guesser.get("/account").text  # still the login form
    # The lock is the account's: the right password from elsewhere is refused too.
    assert attempt(browser(site.server), username, PASSWORD_OF_TARGET) == 429
    failures = site.server.query("SELECT action FROM audit_event WHERE object_id = :u AND action IN "
                                 "('login_failed', 'account_locked')", u=user_id)
    assert sorted({a for (a,) in failures}) == ["account_locked", "login_failed"]
    assert len([a for (a,) in failures if a == "login_failed"]) == 5


def test_thirty_failures_from_one_address_throttle_it_whatever_x_forwarded_for_says(site):
    sprayer = browser(site.server)
    statuses = [attempt(sprayer, f"nobody-{uuid.uuid4().hex[:6]}", "password123", forged_for=f"192.0.2.{n}")
                for n in range(30)]
    assert statuses == [401] * 30
    refused = sprayer.post("/login", data={"username": "reviewer2", "password": DEMO_PASSWORD,
                                           "csrf_token": token_of(sprayer, "/login")}, forged_for="192.0.2.99")
    assert refused.status_code == 429 and ADDRESS_THROTTLED in page_text(refused)
    assert attempt(browser(site.server), "reviewer2", DEMO_PASSWORD) == 302  # other addresses are served


PASSWORD_OF_TARGET = "a-long-and-uncommon-passphrase-for-tests"


def attempt(session: ProxiedSession, username: str, password: str, **kwargs) -> int:
    token = token_of(session, "/login")
    return session.post("/login", data={"username": username, "password": password, "csrf_token": token},
                        **kwargs).status_code


def _create_account(site: Site, username: str) -> int:
    """An account of this test's own: the lock must not reach the accounts other tests use."""
    app = site.server.app()
    with app.app_context():
        from app.domain.accounts import create_user
        from app.extensions import db
        from app.models import Role

        user = create_user(username=username, display_name=username, role=Role.REVIEWER, password=PASSWORD_OF_TARGET)
        db.session.commit()
        user_id = user.id
        db.engine.dispose()
    return user_id


def test_a_common_password_is_refused_on_change(site):
    username = f"changer-{uuid.uuid4().hex[:8]}"
    _create_account(site, username)
    session = log_in(site.server, username, PASSWORD_OF_TARGET)
    response = session.post("/account", data={"csrf_token": token_of(session, "/account"), "new_password": "password123",
                                              "current_password": PASSWORD_OF_TARGET, "confirm": "password123"})
    assert LEAKED in page_text(response)
    log_in(site.server, username, PASSWORD_OF_TARGET)  # the old password still opens the account


@pytest.mark.parametrize(("who", "path", "private"), [
    (None, "/login", False), (None, "/no/such/page", False), ("ours", "/account", True),
    ("ours", "/submissions/{piece}", True), ("reviewer", "/review/", True), ("ours", "/notifications/", True),
])
def test_every_page_carries_the_security_headers(site, who, path, private):
    session = getattr(site, who) if who else browser(site.server)
    response = session.get(path.format(**vars(site)))
    headers = response.headers
    assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert (headers.get("Cache-Control") == "no-store") is private


def test_a_download_is_an_attachment_never_stored(site):
    response = site.ours.get(f"/submissions/{site.piece}/attachments/{site.attachment}")
    assert response.content == PDF
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Cache-Control"] == "no-store" and response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_session_cookie_is_host_only_secure_httponly_and_samesite(site):
    cookie = browser(site.server).get("/login").headers["Set-Cookie"]
    assert cookie.startswith("__Host-session=")
    flags = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert {"secure", "httponly", "path", "samesite"} <= flags and "domain" not in flags
    assert "SameSite=Lax" in cookie and "Path=/" in cookie


@pytest.mark.parametrize("how", ["no token", "another session's token", "from another site"])
def test_a_post_without_this_sessions_csrf_token_changes_nothing(site, how):
    title_before = snapshot_title(site)
    page = site.theirs.get(f"/submissions/{site.their_draft}")
    data = {"title": "伪造的标题", "body": "伪造", "lock_version": fields(page)["lock_version"]}
    headers = {}
    if how == "another session's token":
        data["csrf_token"] = token_of(browser(site.server), "/login")
    elif how == "from another site":
        data["csrf_token"] = fields(page)["csrf_token"]
        headers["Referer"] = "https://evil.example/form"
    response = site.theirs.post(f"/submissions/{site.their_draft}/save", data=data, headers=headers)
    assert response.status_code == 400 and CSRF_REFUSED in page_text(response)
    assert snapshot_title(site) == title_before


def snapshot_title(site: Site) -> str:
    [(title,)] = site.server.query("SELECT title FROM submission WHERE id = :s", s=site.their_draft)
    return title


NEXT_VARIANTS = ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)",
                 "http:/evil.example", "/\t/evil.example", "\\\\evil.example", "https:evil.example",
                 "/%2F%2Fevil.example", "%2F%2Fevil.example"]


@pytest.mark.parametrize("target", NEXT_VARIANTS)
def test_login_never_redirects_off_site(site, target):
    session = browser(site.server)
    response = session.post(f"/login?next={target}", data={
        "username": "reviewer2", "password": DEMO_PASSWORD, "next": target,
        "csrf_token": token_of(session, "/login")})
    location = response.headers["Location"]
    assert response.status_code == 302 and urlsplit(location).netloc in ("", SITE_HOST)
    assert not location.startswith(("//", "/\\")) and urlsplit(location).scheme in ("", "https")


@pytest.mark.parametrize(("who", "method", "path", "data", "status", "says"), [
    (None, "POST", "/login", {"username": "rev\x00iewer1", "password": "x"}, 400, NUL_REFUSED),
    ("reviewer", "GET", "/review/?q=%E8%93%9D%00sky", None, 400, NUL_REFUSED),
    ("theirs", "POST", "/submissions/{their_draft}/save", {"title": "蓝天\x00保卫战"}, 400, NUL_REFUSED),
    ("theirs", "POST", "/submissions/{their_draft}/save", {"title": "第一行\n第二行"}, 422, ONE_LINE),
    ("theirs", "GET", "/submissions/2147483648", None, 404, "not found"),
    ("theirs", "GET", "/submissions/99999999999999999999999", None, 404, "not found"),
    ("reviewer", "GET", "/review/2147483648", None, 404, "not found"),
    ("reviewer", "POST", "/notifications/2147483648/read", {}, 404, "not found"),
    ("theirs", "GET", "/submissions/2147483647", None, 404, "not found"),
    ("reviewer", "GET", "/review/?page=2147483648", None, 200, "Review"),
])
def test_hostile_input_gets_a_clear_answer_never_a_500(site, who, method, path, data, status, says):
    session = getattr(site, who) if who else browser(site.server)
    title_before = snapshot_title(site)
    url = path.format(**vars(site))
    if data is not None:
        page = session.get(url.removesuffix("/save") if "/submissions/" in url else "/" if who else "/login")
        data = {"body": "正文", **fields(page)} | data
    response = session.request(method, url, data=data)
    assert response.status_code == status, response.headers.get("Location")
    assert says.lower() in page_text(response).lower()
    assert snapshot_title(site) == title_before


def test_with_smtp_down_a_submit_succeeds_and_its_mail_waits_in_the_outbox(site):
    """The piece was submitted in the fixture, with SMTP unreachable; the mail timer's run fails and records it."""
    site.server.flask("send-mail")
    mails = site.server.query("SELECT status, attempts, last_error, to_address FROM outbox_mail")
    assert mails and {status for status, *_ in mails} <= {"pending", "failed"}
    assert all(attempts >= 1 and error for _status, attempts, error, _to in mails)
    [(state,)] = site.server.query("SELECT state FROM submission WHERE id = :s", s=site.piece)
    assert state == "submitted"
    assert site.ours.get("/").status_code == 200  # and the site works on


def test_hostile_markdown_and_comments_are_cleaned_on_the_page_and_in_mail(site):
    assert save(site.theirs, site.their_draft, body=HOSTILE_BODY).status_code == 302
    # The editor's textarea holds the source as typed and the flash names what was removed (both
    # escaped text); what matters is what is rendered.
    page, comment_page = (re.sub(r'<textarea.*?</textarea>|<div class="flashes".*?</div>', "",
                                 session.get(f"/submissions/{sid}").text, flags=re.S)
                          for session, sid in ((site.theirs, site.their_draft), (site.ours, site.piece)))
    [(stored,)] = site.server.query("SELECT body_html FROM submission WHERE id = :s", s=site.their_draft)
    for source in (page, comment_page, stored):
        assert not re.search(r"<script>alert|onerror=|onload=|javascript:|<iframe|<svg|evil\.example|position:fixed",
                             source)
    assert "正文一" in stored and "请补充数据" in comment_page
    mails = site.server.query("SELECT body_text FROM outbox_mail WHERE to_address = 'tianjin@huibian.example'")
    assert any("请补充数据" in body for (body,) in mails)
    assert not any("evil.example" in body or "<script" in body for (body,) in mails)


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/no/such/page"), ("GET", "/console"), ("GET", "/?__debugger__=yes&cmd=resource&f=debugger.js"),
    ("DELETE", "/login"), ("GET", "/submissions/1/versions/x"),
])
def test_debug_is_off_and_error_pages_show_no_traceback(site, method, path):
    response = browser(site.server).request(method, path)
    assert response.status_code in {302, 400, 404, 405}
    for leak in ("Traceback", "Werkzeug Debugger", "CONSOLE_MODE", "File \"", "SECRET_KEY"):
        assert leak not in response.text


def test_an_oversized_upload_is_a_friendly_413(site):
    page = site.theirs.get(f"/submissions/{site.their_draft}")
    response = site.theirs.post(f"/submissions/{site.their_draft}/attachments", data=fields(page),
                                files={"file": ("big.pdf", b"%PDF-1.4\n" + bytes(22 * 1024 * 1024))})
    assert response.status_code == 413 and "Traceback" not in response.text
