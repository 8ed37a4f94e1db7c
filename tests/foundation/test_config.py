"""Configuration from the environment."""
import pytest

from app.config import ConfigError, load_config


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    with pytest.raises(ConfigError, match="SECRET_KEY must be set"):
        load_config({"HUIBIAN_ENV": "production", "HUIBIAN_INSTANCE": str(tmp_path)})


STRONG_SECRET = "kQ3v9-Zr7TbX1yWm0eLpA8sD4fGhJ2cN"


def test_production_uses_the_given_secret_and_secure_cookies(tmp_path):
    config = load_config({"HUIBIAN_ENV": "production", "SECRET_KEY": STRONG_SECRET, "HUIBIAN_INSTANCE": str(tmp_path),
                          "HUIBIAN_BASE_URL": "https://huibian.example.gov.cn"})
    assert config["SECRET_KEY"] == STRONG_SECRET
    assert config["SESSION_COOKIE_SECURE"] and config["REMEMBER_COOKIE_SECURE"]


def test_development_generates_a_secret_once_and_keeps_it(tmp_path):
    first = load_config({"HUIBIAN_INSTANCE": str(tmp_path)})["SECRET_KEY"]
    second = load_config({"HUIBIAN_INSTANCE": str(tmp_path)})["SECRET_KEY"]
    assert first == second and len(first) >= 40
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_default_database_is_a_sqlite_file_in_the_instance_folder(tmp_path):
    config = load_config({"HUIBIAN_INSTANCE": str(tmp_path)})
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'huibian.sqlite3'}"
    assert config["UPLOAD_DIR"] == tmp_path / "uploads"


@pytest.mark.parametrize("given", ["postgres://u@h/db", "postgresql://u@h/db"])
def test_postgresql_urls_use_psycopg_3(tmp_path, given):
    config = load_config({"HUIBIAN_INSTANCE": str(tmp_path), "DATABASE_URL": given})
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"


def test_upload_limit_and_redis_come_from_the_environment(tmp_path):
    config = load_config({"HUIBIAN_INSTANCE": str(tmp_path), "MAX_UPLOAD_MB": "5", "REDIS_URL": "redis://127.0.0.1:6379/0"})
    assert config["MAX_UPLOAD_MB"] == 5 and config["REDIS_URL"] == "redis://127.0.0.1:6379/0"


def test_the_app_limits_request_bodies_a_little_above_the_upload_limit(tmp_path, monkeypatch):
    from app import create_app

    monkeypatch.setenv("HUIBIAN_INSTANCE", str(tmp_path))
    app = create_app({"MAX_UPLOAD_MB": 3, "SECRET_KEY": "x", "UPLOAD_DIR": tmp_path / "u", "EDITIONS_DIR": tmp_path / "e"})
    assert app.config["MAX_CONTENT_LENGTH"] == 4 * 1024 * 1024


def test_no_proxy_is_trusted_unless_the_environment_says_how_many(tmp_path):
    assert load_config({"HUIBIAN_INSTANCE": str(tmp_path)})["PROXY_COUNT"] == 0
    assert load_config({"HUIBIAN_INSTANCE": str(tmp_path), "HUIBIAN_PROXIES": "2"})["PROXY_COUNT"] == 2


@pytest.mark.parametrize("given", ["-1", "two", "1.5"])
def test_a_proxy_count_that_is_not_a_count_stops_the_app_with_a_message(tmp_path, given):
    with pytest.raises(ConfigError, match="HUIBIAN_PROXIES must be the number of reverse proxies"):
        load_config({"HUIBIAN_INSTANCE": str(tmp_path), "HUIBIAN_PROXIES": given})


@pytest.mark.parametrize(("given", "expected"), [("", None), ("0", False), ("1", True)])
def test_the_mail_thread_of_the_web_process_can_be_switched_off_for_a_timer(tmp_path, given, expected):
    config = load_config({"HUIBIAN_INSTANCE": str(tmp_path), "HUIBIAN_MAIL_THREAD": given})
    assert config["MAIL_SENDER_THREAD"] is expected
