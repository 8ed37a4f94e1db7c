"""SQLite, the embedded default, tuned for many people saving at once.

In its default journal mode SQLite lets nobody read while someone writes,
and a writer that finds the file busy gives up after five seconds with
"database is locked". In WAL mode readers never wait for the writer, and a
writer waits its turn for up to ``BUSY_TIMEOUT_MS``: on a deadline day a
save queues for a few milliseconds instead of failing. PostgreSQL needs none
of this.
"""
from __future__ import annotations

import sqlalchemy as sa

#: How long a write waits for another to finish before SQLite gives up.
BUSY_TIMEOUT_MS = 30_000


def tune_sqlite(engine: sa.Engine) -> None:
    """Give every new connection of ``engine`` WAL mode and a busy timeout, when it is SQLite."""
    if engine.dialect.name != "sqlite":
        return

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            if engine.url.database not in (None, "", ":memory:"):  # an in-memory database has no WAL
                cursor.execute("PRAGMA journal_mode = WAL")
        finally:
            cursor.close()
