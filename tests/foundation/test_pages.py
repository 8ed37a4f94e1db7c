"""Every page of the foundation for every role, the error pages and the language switch."""
from __future__ import annotations

import pytest

from app.models import ExchangeKind, Role

ROLES = ["anonymous", "submitter", "reviewer", "editor", "admin"]
LOGIN = "login"  # a redirect to the login page

# page -> the answer each role gets, in the order of ROLES
EXPECTED = {
    ("GET", "/"): [LOGIN, 200, 200, 200, 200],
    ("GET", "/login"): [200, 302, 302, 302, 302],
    ("GET", "/account"): [LOGIN, 200, 200, 200, 200],
    ("POST", "/account"): [LOGIN, 200, 200, 200, 200],  # an empty form comes back with its errors
    ("GET", "/admin/accounts"): [LOGIN, 403, 403, 200, 200],
    ("GET", "/admin/accounts/new"): [LOGIN, 403, 403, 200, 200],
    ("POST", "/admin/accounts/new"): [LOGIN, 403, 403, 422, 422],
    ("GET", "/admin/accounts/{other}"): [LOGIN, 403, 403, 200, 200],
    ("POST", "/admin/accounts/{other}/password"): [LOGIN, 403, 403, 422, 422],
    ("POST", "/admin/accounts/{other}/enabled/on"): [LOGIN, 403, 403, 302, 302],
    ("GET", "/record/"): [LOGIN, 403, 403, 200, 200],
    ("GET", "/record/failed-mail"): [LOGIN, 403, 403, 200, 200],
    ("POST", "/language/en"): [302, 302, 302, 302, 302],
    ("POST", "/logout"): [LOGIN, 302, 302, 302, 302],  # last: it ends the session
}


@pytest.fixture
def people(factory):
    conference = factory.conference(title_zh="全国生态环境保护工作会议", title_en="National Conference on Ecology")
    bureau = factory.organisation(code="tianjin", name_zh="天津市生态环境局", name_en="Tianjin Municipal Bureau")
    factory.invitation(conference=conference, organisation=bureau, kind=ExchangeKind.ORAL)
    users = {
        "submitter": factory.user(Role.SUBMITTER, organisation=bureau, username="submitter"),
        "reviewer": factory.user(Role.REVIEWER, username="reviewer"),
        "editor": factory.user(Role.EDITOR, username="editor"),
        "admin": factory.user(Role.ADMIN, username="admin"),
        "other": factory.user(Role.REVIEWER, username="other"),
    }
    factory.commit()
    return users


def _answer(response) -> int | str:
    if response.status_code == 302 and "/login" in response.headers["Location"] and "next=" in response.headers["Location"]:
        return LOGIN
    return response.status_code


@pytest.mark.parametrize("index, role", list(enumerate(ROLES)))
def test_every_page_answers_each_role_as_expected(client, auth, people, index, role):
    if role != "anonymous":
        auth.login(role)
    for (method, path), answers in EXPECTED.items():
        url = path.format(other=people["other"].id)
        got = _answer(client.open(url, method=method))
        assert got == answers[index], f"{role} {method} {url}: expected {answers[index]}, got {got}"


def test_a_forbidden_page_says_so_in_the_layout(client, auth, people):
    auth.login("submitter")
    client.post("/language/en")
    response = client.get("/admin/accounts")
    page = response.get_data(as_text=True)
    assert response.status_code == 403
    assert '<header class="site-header">' in page and "You may not do this" in page
    assert "Back to the home page" in page


def test_an_unknown_address_is_a_404_page_in_the_layout(client, auth, people):
    auth.login("reviewer")
    client.post("/language/en")
    response = client.get("/no/such/page")
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert '<header class="site-header">' in page and "Not found" in page and "Back to the home page" in page


def test_a_wrong_method_is_a_405_page_in_the_layout(client, people):
    client.post("/language/en")
    response = client.get("/logout")
    page = response.get_data(as_text=True)
    assert response.status_code == 405
    assert '<header class="site-header">' in page and "Not allowed here" in page


def test_a_request_that_is_too_large_is_a_friendly_413(app, client, people):
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    client.post("/language/en")
    response = client.post("/login", data={"username": "x" * 20_000, "password": "y"})
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert '<header class="site-header">' in page and "The file is too large" in page
    assert "Nothing was stored." in page


def test_a_crash_is_a_500_page_in_the_layout_that_reveals_nothing(app, client, people):
    @app.get("/test-crash")
    def crash():
        raise RuntimeError("secret internals: password=hunter2")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    client.post("/language/en")
    response = client.get("/test-crash")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert '<header class="site-header">' in page and "Something went wrong on our side" in page
    assert "The error was logged" in page
    assert "hunter2" not in page and "RuntimeError" not in page


def test_a_missing_csrf_token_is_a_400_page_that_explains(csrf_client, people):
    response = csrf_client.post("/language/en")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "reload the page" in page and '<header class="site-header">' in page


def test_the_language_switch_changes_the_page_language(client, auth, people):
    auth.login("submitter")
    response = client.post("/language/en", data={"next": "/account"})
    assert response.headers["Location"].endswith("/account")
    english = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in english
    assert "Tianjin Municipal Bureau" in english and "National Conference on Ecology" in english
    assert "oral exchange speech" in english
    client.post("/language/zh")
    chinese = client.get("/").get_data(as_text=True)
    assert '<html lang="zh-CN">' in chinese
    assert "天津市生态环境局" in chinese and "全国生态环境保护工作会议" in chinese


def test_the_chosen_language_is_remembered_for_the_account(db, app, auth, client, people):
    auth.login("reviewer")
    client.post("/language/en")
    db.session.expire_all()
    assert people["reviewer"].locale == "en"
    other_device = app.test_client()
    other_device.post("/login", data={"username": "reviewer", "password": "correct horse battery"})
    assert '<html lang="en">' in other_device.get("/").get_data(as_text=True)


def test_an_unknown_language_is_not_found(client, people):
    response = client.post("/language/fr")
    assert response.status_code == 404
    assert '<html lang="en">' in client.get("/login").get_data(as_text=True)  # unchanged


def test_a_browser_that_states_no_language_gets_chinese(client):
    client.environ_base.pop("HTTP_ACCEPT_LANGUAGE")
    client.application.config["BABEL_DEFAULT_LOCALE"] = "zh"
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="zh-CN">' in page and "用户名" in page


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"])
def test_the_language_switch_never_redirects_off_site(client, people, target):
    response = client.post("/language/en", data={"next": target})
    assert response.status_code == 302
    assert response.headers["Location"] in ("/", "http://huibian.test/")


def test_the_submitter_home_shows_chinese_text(client, auth, people):
    auth.login("submitter")
    response = client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    page = response.get_data(as_text=True)
    assert response.content_type == "text/html; charset=utf-8"
    assert "<h1>天津市生态环境局</h1>" in page
    assert "全国生态环境保护工作会议" in page
    assert '<span class="brand-zh" lang="zh-CN">汇编</span>' in page

