"""Production refuses to run with debugging, a guessable key or no base URL; its cookies carry __Host-."""
import pytest

from app.config import ConfigError, load_config

STRONG_SECRET = "kQ3v9-Zr7TbX1yWm0eLpA8sD4fGhJ2cN"
BASE_URL = "https://huibian.example.gov.cn"


def production(tmp_path, **values):
    return {"HUIBIAN_ENV": "production", "SECRET_KEY": STRONG_SECRET, "HUIBIAN_BASE_URL": BASE_URL,
            "HUIBIAN_INSTANCE": str(tmp_path)} | values


@pytest.mark.parametrize("secret", ["x", "s" * 40, "changeme", "0123456789" * 2, "abababababababababababababababababab"])
def test_production_refuses_a_weak_secret_key(tmp_path, secret):
    with pytest.raises(ConfigError, match="SECRET_KEY is too weak"):
        load_config(production(tmp_path, SECRET_KEY=secret))


@pytest.mark.parametrize("flag", ["1", "true", "True"])
def test_production_refuses_flask_debug(tmp_path, flag):
    with pytest.raises(ConfigError, match="FLASK_DEBUG"):
        load_config(production(tmp_path, FLASK_DEBUG=flag))


def test_an_app_in_debug_mode_refuses_to_start_in_production(tmp_path, monkeypatch):
    from app import create_app

    for key, value in production(tmp_path).items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError, match="Debug mode"):
        create_app({"DEBUG": True, "UPLOAD_DIR": tmp_path / "u", "EDITIONS_DIR": tmp_path / "e"})


def test_production_requires_a_base_url(tmp_path):
    with pytest.raises(ConfigError, match="HUIBIAN_BASE_URL must be set"):
        load_config(production(tmp_path, HUIBIAN_BASE_URL=""))


@pytest.mark.parametrize("url", ["huibian.example.gov.cn", "javascript:alert(1)", "https://", "https://h/?a=1"])
def test_a_base_url_that_is_not_a_site_address_is_refused(tmp_path, url):
    with pytest.raises(ConfigError, match="HUIBIAN_BASE_URL must look like"):
        load_config(production(tmp_path, HUIBIAN_BASE_URL=url))


def test_production_cookies_carry_the_host_prefix_and_are_secure(tmp_path):
    config = load_config(production(tmp_path))
    assert config["SESSION_COOKIE_NAME"] == "__Host-session"
    assert config["REMEMBER_COOKIE_NAME"] == "__Host-remember_token"
    assert config["SESSION_COOKIE_SECURE"] and config["REMEMBER_COOKIE_SECURE"]
    assert config["TRUSTED_HOSTS"] == ["huibian.example.gov.cn"]


def test_development_keeps_plain_cookie_names_and_trusts_any_host(tmp_path):
    config = load_config({"HUIBIAN_INSTANCE": str(tmp_path)})
    assert config["SESSION_COOKIE_NAME"] == "session" and config["TRUSTED_HOSTS"] is None


def test_csrf_tokens_expire_with_the_idle_timeout(tmp_path):
    assert load_config({"HUIBIAN_INSTANCE": str(tmp_path)})["WTF_CSRF_TIME_LIMIT"] == 2 * 3600
    config = load_config({"HUIBIAN_INSTANCE": str(tmp_path), "SESSION_IDLE_MINUTES": "30"})
    assert config["WTF_CSRF_TIME_LIMIT"] == 30 * 60


def test_a_production_server_sets_the_host_cookie_over_https(tmp_path, monkeypatch):
    from app import create_app

    for key, value in production(tmp_path).items():
        monkeypatch.setenv(key, value)
    app = create_app({"UPLOAD_DIR": tmp_path / "u", "EDITIONS_DIR": tmp_path / "e", "BACKGROUND_WORKER": "inline"})
    client = app.test_client()
    response = client.get("/login", base_url=BASE_URL)
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-session=")
    assert "Secure" in cookie and "Path=/" in cookie and "Domain" not in cookie
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
