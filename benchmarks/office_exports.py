"""How long do the office's exports take for a full conference, and how big are they?

Seeds a conference of 160 pieces (80 bureaus, an oral and a written piece
each, about 3,000 characters of text, half approved, every third asked for
changes with a comment, a reviewer on each) in a fresh SQLite file, then
prints seconds, queries and bytes for the .xlsx and the CSV of pieces, a
page of the record holding 1,000 events, and with ``--zip`` the zip of all
approved pieces (typeset through the book's preview workers).

usage: python benchmarks/office_exports.py [--pieces 160] [--zip]

Measured on the shared two-core machine, 2026-12-04, SQLite, 160 pieces:
.xlsx 0.55 s, 19,900 bytes; CSV 0.60 s, 51,261 bytes (10 queries each);
a record page 0.04 s (1 query); the zip of the 80 approved pieces from a
cold preview cache 179 s, 30.9 MB (10 queries).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
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
    print(f"{label:<34} {elapsed:>8.2f} s {queries.count:>5} queries {size}")
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pieces", type=int, default=160)
    parser.add_argument("--zip", action="store_true", help="also make the zip of approved pieces (typesets them)")
    args = parser.parse_args()

    from flask_migrate import upgrade

    from app import create_app
    from app.domain.conference import archive
    from app.domain.conference.exports import conference_export, export_csv, export_xlsx
    from app.domain.conference.record import RecordFilters, record_page
    from app.domain.proceedings.previews import preview_pdf
    from app.extensions import db
    from app.review.pages import _export_labels
    from app.storage import file_store
    from tests.factories import Factory

    work = Path(tempfile.mkdtemp(prefix="huibian-bench-"))
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{work / 'bench.sqlite3'}",
                      "UPLOAD_DIR": work / "uploads", "EDITIONS_DIR": work / "editions",
                      "BABEL_DEFAULT_LOCALE": "en", "SERVER_NAME": "bench.test"})
    with app.app_context(), app.test_request_context():
        upgrade(directory=str(ROOT / "migrations"))
        started = time.perf_counter()
        conference, editor = seed(Factory(db), args.pieces)
        print(f"seeded {args.pieces} pieces and 1,000 events in {time.perf_counter() - started:.1f} s")
        labels = _export_labels(conference)
        db.session.expire_all()
        timed(f"pieces .xlsx ({args.pieces} pieces)", db.engine,
              lambda: export_xlsx(conference_export(conference), labels=labels))
        db.session.expire_all()
        timed(f"pieces CSV ({args.pieces} pieces)", db.engine,
              lambda: export_csv(conference_export(conference), labels=labels))
        db.session.expire_all()
        timed("record, first page of 1,000+", db.engine, lambda: record_page(RecordFilters()))
        if args.zip:
            made = archive.request_archive(conference, actor=editor)
            db.session.commit()
            store, cache = file_store(app), work / "editions" / ".previews"
            key = timed("zip of approved pieces", db.engine, lambda: archive.build_archive(
                made, conference, store=store,
                render_pdf=lambda piece: preview_pdf(piece, piece.versions[-1], store=store, cache_dir=cache)))
            print(f"{'':<34} {store.size(key):>33,} bytes, {made.progress_total} pieces")


if __name__ == "__main__":
    main()
