"""Settings, read from the environment.

Development keeps a generated secret key in ``instance/``; production
(``HUIBIAN_ENV=production``) refuses to start without a strong
``SECRET_KEY`` and ``HUIBIAN_BASE_URL``, and with debugging switched on.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("HUIBIAN_INSTANCE", ROOT / "instance"))


# A key shorter than this, or made of a handful of distinct characters,
# can be guessed offline from one session cookie.
MIN_SECRET_KEY_LENGTH = 32
MIN_SECRET_KEY_DISTINCT = 10
TRUE_WORDS = {"1", "true", "yes", "on"}


class ConfigError(RuntimeError):
    """The environment does not describe a runnable application."""


def _check_production(env, secret: str, base_url: str | None) -> None:
    if len(secret) < MIN_SECRET_KEY_LENGTH or len(set(secret)) < MIN_SECRET_KEY_DISTINCT:
        raise ConfigError(
            f"SECRET_KEY is too weak for production: use at least {MIN_SECRET_KEY_LENGTH} random characters "
            "(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')."
        )
    if env.get("FLASK_DEBUG", "").lower() in TRUE_WORDS:
        raise ConfigError("FLASK_DEBUG must not be set when HUIBIAN_ENV=production: the debugger runs any code.")
    if not base_url:
        raise ConfigError("HUIBIAN_BASE_URL must be set when HUIBIAN_ENV=production (e.g. https://huibian.example.gov.cn).")


def _base_url(value: str | None) -> str | None:
    """The site's public address, without a trailing slash; only http(s) with a host."""
    if not value:
        return None
    parts = urlsplit(value.strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.query or parts.fragment:
        raise ConfigError(f"HUIBIAN_BASE_URL must look like https://host[/path], not {value!r}.")
    return value.strip().rstrip("/")


def _trusted_hosts(env, base_url: str | None) -> list[str] | None:
    """Hosts the app answers for: the configured list, else the base URL's host, else any."""
    listed = [h.strip() for h in env.get("HUIBIAN_TRUSTED_HOSTS", "").split(",") if h.strip()]
    if listed:
        return listed
    if base_url:
        return [urlsplit(base_url).hostname]
    return None


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
    base_url = _base_url(env.get("HUIBIAN_BASE_URL"))
    if production:
        _check_production(env, secret, base_url)
    idle_minutes = int(env.get("SESSION_IDLE_MINUTES", "120"))

    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance_dir / 'huibian.sqlite3'}"
    return {
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": _normalise_database_url(database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "UPLOAD_DIR": Path(env.get("UPLOAD_DIR", instance_dir / "uploads")),
        "EDITIONS_DIR": Path(env.get("EDITIONS_DIR", instance_dir / "editions")),
        # Files in S3-compatible object storage when a bucket is named (app/storage); local folders otherwise.
        "S3_BUCKET": env.get("HUIBIAN_S3_BUCKET") or None,
        "S3_ENDPOINT_URL": env.get("HUIBIAN_S3_ENDPOINT_URL") or None,
        "S3_REGION": env.get("HUIBIAN_S3_REGION") or env.get("AWS_DEFAULT_REGION") or None,
        "S3_PREFIX": env.get("HUIBIAN_S3_PREFIX", ""),
        # Unset, boto3's own chain answers (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a profile, a role).
        "S3_ACCESS_KEY_ID": env.get("HUIBIAN_S3_ACCESS_KEY_ID") or None,
        "S3_SECRET_ACCESS_KEY": env.get("HUIBIAN_S3_SECRET_ACCESS_KEY") or None,
        "S3_URL_EXPIRY_SECONDS": int(env.get("HUIBIAN_S3_URL_EXPIRY_SECONDS", "60")),
        "FILE_CACHE_DIR": Path(env.get("HUIBIAN_FILE_CACHE_DIR", instance_dir / "file-cache")),
        # Typeset pieces kept between book builds (least recently used go past the bound).
        "PIECE_CACHE_DIR": Path(env.get("PIECE_CACHE_DIR", instance_dir / "piece-cache")),
        "PIECE_CACHE_MB": int(env.get("PIECE_CACHE_MB", "500")),
        "MAX_UPLOAD_MB": int(env.get("MAX_UPLOAD_MB", "20")),
        # How long one Word conversion may take before it is stopped and the author told.
        "IMPORT_TIME_LIMIT_SECONDS": float(env.get("IMPORT_TIME_LIMIT_SECONDS", "20")),
        "MAX_FILES_PER_SUBMISSION": int(env.get("MAX_FILES_PER_SUBMISSION", "50")),
        "MAX_BUREAU_STORAGE_MB": int(env.get("MAX_BUREAU_STORAGE_MB", "500")),
        "MAX_IMAGE_MEGAPIXELS": float(env.get("MAX_IMAGE_MEGAPIXELS", "40")),
        # clamd's unix socket path or host:port; unset, uploads are not scanned (development).
        "CLAMD_SOCKET": env.get("CLAMD_SOCKET") or None,
        "CLAMD_TIMEOUT": float(env.get("CLAMD_TIMEOUT", "60")),
        "MAX_CONCURRENT_IMPORTS": int(env.get("MAX_CONCURRENT_IMPORTS", "2")),
        # Printed previews, per web process: warm workers (one kept for the ministry),
        # how many may wait and how long, and how long one may typeset.
        "PREVIEW_WORKERS": int(env.get("PREVIEW_WORKERS", "2")),
        "PREVIEW_MAX_WAITING": int(env.get("PREVIEW_MAX_WAITING", "8")),
        "PREVIEW_WAIT_SECONDS": float(env.get("PREVIEW_WAIT_SECONDS", "10")),
        "PREVIEW_TIMEOUT_SECONDS": float(env.get("PREVIEW_TIMEOUT_SECONDS", "60")),
        # Address space of each typesetting process (book builds and previews); 0: no limit.
        "TYPESETTING_MEMORY_LIMIT_MB": int(env.get("TYPESETTING_MEMORY_LIMIT_MB", "2048")),
        "REDIS_URL": env.get("REDIS_URL") or None,
        # With Redis, a build's pieces are RQ jobs on this queue, typeset by workers on any host.
        "PROCEEDINGS_DISTRIBUTED": env.get("PROCEEDINGS_DISTRIBUTED", "1") not in {"0", "false", "no", ""},
        "TYPESET_QUEUE": env.get("TYPESET_QUEUE") or "huibian-typeset",
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
        # How often a build's process stamps its edition; four missed stamps mark the build failed.
        "BUILD_HEARTBEAT_SECONDS": float(env.get("HUIBIAN_BUILD_HEARTBEAT_SECONDS", "30")),
        "HUIBIAN_BASE_URL": base_url,
        "TRUSTED_HOSTS": _trusted_hosts(env, base_url),
        "SESSION_IDLE_MINUTES": idle_minutes,
        "SESSION_MAX_HOURS": int(env.get("SESSION_MAX_HOURS", "12")),
        "LOGIN_ADDRESS_LIMIT": env.get("LOGIN_ADDRESS_LIMIT", "30 per 10 minutes"),
        "LOGIN_MAX_FAILURES": int(env.get("LOGIN_MAX_FAILURES", "5")),
        "LOGIN_LOCKOUT_MINUTES": int(env.get("LOGIN_LOCKOUT_MINUTES", "15")),
        # Flask-Limiter keeps its counters where every web process sees them.
        "RATELIMIT_STORAGE_URI": env.get("REDIS_URL") or "memory://",
        "RATELIMIT_STRATEGY": "moving-window",
        # Redis down: count in this process's memory until it is back, rather
        # than refuse every login or stop counting.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "LOG_LEVEL": env.get("LOG_LEVEL", "INFO").upper(),
        # The __Host- prefix makes the browser refuse the cookie unless it is
        # Secure, for the whole site and set by this very host (no subdomain).
        "SESSION_COOKIE_NAME": "__Host-session" if production else "session",
        "REMEMBER_COOKIE_NAME": "__Host-remember_token" if production else "remember_token",
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
        # A form older than the idle timeout belongs to a session that has ended anyway.
        "WTF_CSRF_TIME_LIMIT": idle_minutes * 60,
        "PRODUCTION": production,
    }
