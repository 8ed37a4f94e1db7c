"""How long do the office's exports take for a full conference, and how big are they?

Seeds a conference of 160 pieces (80 bureaus, an oral and a written piece
each, about 3,000 characters of text, half approved, every third asked for
changes with a comment, a reviewer on each) in a fresh database, then
prints seconds, queries and bytes for the .xlsx and the CSV of pieces, a
page of the record holding 1,000 events, and (unless ``--no-zip``) the zip
of all approved pieces (typeset through the book's preview path).

Then reminds all overdue bureaus of a second conference (32 bureaus, two
members each: notices in the app and mails in the outbox). Every approved
piece keeps a Word original, so the zip carries PDFs and originals; the zip
is made twice, from cold previews and again with them cached. Runs on
SQLite, then on PostgreSQL when a server is given. Passwords are hashed
cheaply while seeding, as in the tests: seeding is not what is measured.

usage: python benchmarks/office_exports.py [--pieces 160] [--bureaus 32] [--no-zip] [--postgres URL]
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BODY = ("## 一、主要做法\n\n" + "我省坚持精准治污、科学治污、依法治污，全年优良天数比例达到百分之八十七。" * 20 + "\n\n") * 3


class Queries:
    def __init__(self, engine):
        self.engine, self.count = engine, 0

    def __enter__(self):
        sa.event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        sa.event.remove(self.engine, "before_cursor_execute", self._count)

    def _count(self, *args):
        self.count += 1


def timed(label: str, engine, work):
    with Queries(engine) as queries:
        started = time.perf_counter()
        result = work()
        elapsed = time.perf_counter() - started
    size = f"{len(result):>12,} bytes" if isinstance(result, bytes) else ""
    print(f"{label:<44} {elapsed:>8.2f} s {queries.count:>5} queries {size}")
    return result


def seed(factory, pieces: int):
    from app.domain.audit import record_event
    from app.domain.review.decisions import assign_reviewer
    from app.domain.workflow import Action, apply_transition
    from app.models import ExchangeKind, Role, SubmissionState

    conference = factory.conference(slug="bench")
    editor = factory.user(Role.EDITOR)
    reviewer = factory.user(Role.REVIEWER)
    for n in range(pieces):
        if n % 2 == 0:
            organisation = factory.organisation(name_zh=f"第{n // 2}省生态环境厅")
            author = factory.user(Role.SUBMITTER, organisation=organisation)
        kind = ExchangeKind.ORAL if n % 2 else ExchangeKind.WRITTEN
        invitation = factory.invitation(conference=conference, organisation=organisation, kind=kind)
        piece = factory.submission(invitation=invitation, author=author, title=f"材料{n}：深入打好蓝天保卫战",
                                   body_source=BODY, state=SubmissionState.SUBMITTED)
        assign_reviewer(piece, reviewer, actor=editor)
        if n % 2:
            apply_transition(piece, Action.APPROVE, actor=reviewer)
        elif n % 3 == 0:
            apply_transition(piece, Action.REQUEST_CHANGES, actor=reviewer, comment="请补充数据。" * 20)
    for n in range(1000):
        record_event("bench_note", actor=editor, obj=conference, detail={"n": n})
    factory.commit()
    return conference, editor


def seed_reminders(factory, bureaus: int):
    """A second conference: ``bureaus`` overdue bureaus with two members each, all with mail."""
    from datetime import timedelta

    from app.models import Role

    conference = factory.conference(slug="bench-remind")
    for n in range(bureaus):
        organisation = factory.organisation(name_zh=f"第{n}催报生态环境厅")
        factory.invitation(conference=conference, organisation=organisation, due_in=timedelta(days=-2))
        for member in range(2):
            factory.user(Role.SUBMITTER, organisation=organisation, email=f"r{n}-{member}@example.cn")
    factory.commit()
    return conference


def run(url: str, label: str, args, work: Path) -> None:
    """Seed one database at ``url`` and print the figures for it."""
    from flask_migrate import upgrade

    from app import create_app
    from app.domain.conference import archive, reminders
    from app.domain.conference.exports import conference_export, export_csv, export_xlsx
    from app.domain.conference.record import RecordFilters, record_page
    from app.domain.proceedings.previews import preview_pdf
    from app.extensions import db
    from app.review.pages import _export_labels
    from app.storage import file_store
    from tests.factories import Factory

    folder = work / label
    upload, cache = folder / "uploads", folder / "previews"
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url,
                      "UPLOAD_DIR": upload, "EDITIONS_DIR": folder / "editions",
                      "BABEL_DEFAULT_LOCALE": "en", "SERVER_NAME": "bench.test", "MAIL_SERVER": None})
    with app.app_context(), app.test_request_context():
        upgrade(directory=str(ROOT / "migrations"))
        print(f"--- {label}")
        started = time.perf_counter()
        factory = Factory(db)
        conference, editor = seed(factory, args.pieces)
        originals = attach_originals(conference, editor, file_store(app))
        remind_conference = seed_reminders(factory, args.bureaus)
        print(f"seeded {args.pieces} pieces ({originals} with a Word original), 1,000 events and "
              f"{args.bureaus} bureaus to remind in {time.perf_counter() - started:.1f} s")
        labels = _export_labels(conference)
        db.session.expire_all()
        timed(f"pieces .xlsx ({args.pieces} pieces)", db.engine,
              lambda: export_xlsx(conference_export(conference), labels=labels))
        db.session.expire_all()
        timed(f"pieces CSV ({args.pieces} pieces)", db.engine,
              lambda: export_csv(conference_export(conference), labels=labels))
        db.session.expire_all()
        timed("record, first page of 1,000+", db.engine, lambda: record_page(RecordFilters()))

        def remind():
            done = reminders.send(reminders.targets(remind_conference, scope="overdue"), actor=editor)
            db.session.commit()
            return done

        done = timed(f"remind all overdue ({args.bureaus} bureaus)", db.engine, remind)
        print(f"{'':<44} {len(done.reminded)} bureaus reminded, 2 members each: in-app notices and mails queued")
        # Typesetting dominates the zip: once from cold previews, once more as an office asking again.
        for attempt in ([] if args.no_zip else ["cold previews", "previews cached"]):
            made = archive.request_archive(conference, actor=editor)
            db.session.commit()
            store = file_store(app)
            key = timed(f"zip of approved pieces ({attempt})", db.engine, lambda: archive.build_archive(
                made, conference, store=store,
                render_pdf=lambda piece: preview_pdf(piece, piece.latest_version, store=store, cache_dir=cache)))
            db.session.commit()
            print(f"{'':<44} {store.size(key):>33,} bytes, {made.progress_total} pieces")
        db.session.remove()
        db.engine.dispose()


def attach_originals(conference, editor, store) -> int:
    """Every approved piece keeps a Word original, as an imported one does, so the zip carries it too."""
    from app.domain.conference.archive import approved_pieces
    from app.domain.submissions.originals import keep_original
    from app.extensions import db

    data = (ROOT / "tests" / "fixtures" / "tables.docx").read_bytes()
    pieces = approved_pieces(conference)
    for piece in pieces:
        original, _replaced = keep_original(piece, data, f"{piece.title}.docx", "docx", actor=editor,
                                            store=store, max_bytes=20 << 20)
        piece.latest_version.word_original_id = original.id
    db.session.commit()
    return len(pieces)


@contextmanager
def postgres_database(base_url: str):
    """A database of this run's own on the server at ``base_url``, dropped afterwards."""
    base = sa.engine.make_url(base_url.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"huibian_bench_{os.getpid()}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pieces", type=int, default=160)
    parser.add_argument("--bureaus", type=int, default=32, help="overdue bureaus to remind at once")
    parser.add_argument("--no-zip", action="store_true", help="skip the zip of approved pieces (it typesets them)")
    parser.add_argument("--postgres", default=os.environ.get("HUIBIAN_TEST_POSTGRES_URL", ""),
                        help="a PostgreSQL server URL to measure too (default: $HUIBIAN_TEST_POSTGRES_URL)")
    args = parser.parse_args()

    from argon2 import PasswordHasher

    from app.domain import accounts

    accounts._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    work = Path(tempfile.mkdtemp(prefix="huibian-bench-"))
    try:
        run(f"sqlite:///{work / 'bench.sqlite3'}", "SQLite", args, work)
        if args.postgres:
            with postgres_database(args.postgres) as url:
                run(url, "PostgreSQL", args, work)
        else:
            print("--- PostgreSQL skipped: pass --postgres URL or set HUIBIAN_TEST_POSTGRES_URL")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
