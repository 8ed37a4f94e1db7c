"""Settings, read from the environment.

Development keeps a generated secret key in ``instance/``; production
(``HUIBIAN_ENV=production``) refuses to start without ``SECRET_KEY``.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("HUIBIAN_INSTANCE", ROOT / "instance"))


class ConfigError(RuntimeError):
    """The environment does not describe a runnable application."""


def _development_secret(instance_dir: Path) -> str:
    """Generate the secret once and keep it, so sessions survive restarts."""
    path = instance_dir / "secret_key"
    if not path.exists():
        instance_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _normalise_database_url(url: str) -> str:
    # "postgresql://" alone would pick psycopg2, which we do not install.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def _proxy_count(value: str) -> int:
    try:
        count = int(value)
    except ValueError:
        count = -1
    if count < 0:
        raise ConfigError(f"HUIBIAN_PROXIES must be the number of reverse proxies in front of the app "
                          f"(0 or more), not {value!r}.")
    return count


def load_config(environ: dict[str, str] | None = None) -> dict:
    """Return the Flask configuration for this environment."""
    env = os.environ if environ is None else environ
    production = env.get("HUIBIAN_ENV", "development") == "production"
    instance_dir = Path(env.get("HUIBIAN_INSTANCE", INSTANCE_DIR))

    secret = env.get("SECRET_KEY")
    if not secret:
        if production:
            raise ConfigError("SECRET_KEY must be set when HUIBIAN_ENV=production.")
        secret = _development_secret(instance_dir)

    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance_dir / 'huibian.sqlite3'}"
    return {
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": _normalise_database_url(database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "UPLOAD_DIR": Path(env.get("UPLOAD_DIR", instance_dir / "uploads")),
        "EDITIONS_DIR": Path(env.get("EDITIONS_DIR", instance_dir / "editions")),
        "MAX_UPLOAD_MB": int(env.get("MAX_UPLOAD_MB", "20")),
        "REDIS_URL": env.get("REDIS_URL") or None,
        # How many reverse proxies (nginx, a load balancer) stand in front of
        # the app: it trusts that many X-Forwarded-For/-Proto entries, no more.
        "PROXY_COUNT": _proxy_count(env.get("HUIBIAN_PROXIES", "0").strip() or "0"),
        "MAIL_SERVER": env.get("MAIL_SERVER") or None,
        "MAIL_PORT": int(env.get("MAIL_PORT", "25")),
        "MAIL_USERNAME": env.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": env.get("MAIL_USE_TLS", "") in {"1", "true", "yes"},
        "MAIL_SENDER": env.get("MAIL_SENDER", "huibian@localhost"),
        "BACKGROUND_WORKER": env.get("HUIBIAN_BACKGROUND", "thread"),
        # "0" when a timer runs ``flask send-mail`` (deploy/systemd): the web
        # processes then leave the outbox alone. Unset: they send it themselves.
        "MAIL_SENDER_THREAD": {"0": False, "1": True}.get(env.get("HUIBIAN_MAIL_THREAD", "").strip()),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_SECURE": production,
        "BABEL_DEFAULT_LOCALE": "zh",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "translations"),
        "WTF_CSRF_TIME_LIMIT": None,
        "PRODUCTION": production,
    }
