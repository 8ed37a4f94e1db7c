"""Build the test databases from the migrations, once per run and backend."""
from __future__ import annotations

import os
import tempfile
from functools import cache
from pathlib import Path

import sqlalchemy as sa

POSTGRES_URL = os.environ.get("HUIBIAN_TEST_POSTGRES_URL", "").strip()


def _upgrade(url: str) -> None:
    from flask_migrate import upgrade

    from app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x", "TESTING": True})
    with app.app_context():
        upgrade()
        from app.extensions import db

        db.engine.dispose()


@cache
def migrated_sqlite_template(worker_id: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix=f"huibian-template-{worker_id}-"))
    path = folder / "template.sqlite3"
    _upgrade(f"sqlite:///{path}")
    return path


def postgres_url_for(database: str) -> str:
    base = sa.engine.make_url(POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1)
                              if POSTGRES_URL.startswith("postgresql://") else POSTGRES_URL)
    return base.set(database=database).render_as_string(hide_password=False)


@cache
def migrated_postgres_url(worker_id: str, purpose: str = "") -> str:
    """A database of this worker's own, created and migrated afresh, dropped at the end.

    The process id is part of the name: two test runs on one machine (two
    engineers, or CI and a developer) must never drop each other's database.
    ``purpose`` names a second one (a restore's target) beside the main one.
    """
    name = f"huibian_test_{worker_id}_{os.getpid()}{'_' + purpose if purpose else ''}".replace("-", "_")
    _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    _CREATED.append(name)
    url = postgres_url_for(name)
    _upgrade(url)
    return url


_CREATED: list[str] = []


def drop_created_databases() -> None:
    """Called when the session ends (xdist workers skip ``atexit``)."""
    while _CREATED:
        _admin_execute(f'DROP DATABASE IF EXISTS "{_CREATED.pop()}" WITH (FORCE)')


def _admin_execute(*statements: str) -> None:
    admin = sa.create_engine(postgres_url_for(_maintenance_db()), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for statement in statements:
            conn.execute(sa.text(statement))
    admin.dispose()


def _maintenance_db() -> str:
    """The database named in the URL (``test`` in CI), used to create ours."""
    return sa.engine.make_url(POSTGRES_URL).database or "postgres"


def truncate_all(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        tables = conn.execute(sa.text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename != 'alembic_version'"
        )).scalars().all()
        if tables:
            conn.execute(sa.text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
    engine.dispose()
