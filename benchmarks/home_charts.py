"""How long does the editors' home take with its charts, and how many queries?

Seeds one conference of N pieces (one bureau each, every fourth submitted,
every eighth approved) in a fresh SQLite file, then prints the seconds and
queries of the editor's home page (with the charts) and of the same domain
call without them, warm, best of five.

usage: python benchmarks/home_charts.py [--pieces 160]

Measured on the shared two-core machine, 2026-12-04, SQLite, best of five:
160 pieces, the page 18.6 ms, 11 queries; the overview 8.5 ms with the charts
against 6.9 ms without (10 and 7 queries). 1,000 pieces, the page 110.6 ms,
13 queries; the overview 57.4 ms against 54.9 ms (12 and 9 queries). The
charts cost three queries whatever the size; the rest of the page is the
invitations table (selectinload splits its IN lists past 500 rows).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.office_exports import Queries


def seed(factory, pieces: int):
    from app.models import Role, SubmissionState

    conference = factory.conference(slug="bench")
    for n in range(pieces):
        state = (SubmissionState.APPROVED if n % 8 == 0 else SubmissionState.SUBMITTED if n % 4 == 0
                 else SubmissionState.DRAFT)
        factory.submission(factory.invitation(conference=conference), state=state, title=f"材料{n}",
                           body_source="我省坚持精准治污。")
    factory.user(Role.EDITOR, username="bench-editor")
    factory.commit()


def best_of(label: str, engine, work, runs: int = 5) -> None:
    times, queries = [], 0
    for _ in range(runs):
        with Queries(engine) as counter:
            started = time.perf_counter()
            work()
            times.append(time.perf_counter() - started)
        queries = counter.count
    print(f"{label:<40} {min(times) * 1000:>8.1f} ms {queries:>4} queries")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pieces", type=int, default=160)
    args = parser.parse_args()

    from flask_migrate import upgrade

    from app import create_app
    from app.domain.conference.home import ministry_overview
    from app.extensions import db
    from tests.factories import PASSWORD, Factory

    work = Path(tempfile.mkdtemp(prefix="huibian-bench-"))
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{work / 'bench.sqlite3'}",
                      "UPLOAD_DIR": work / "uploads", "EDITIONS_DIR": work / "editions", "WTF_CSRF_ENABLED": False,
                      "BABEL_DEFAULT_LOCALE": "en", "SERVER_NAME": "bench.test"})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        seed(Factory(db), args.pieces)
        client = app.test_client()
        client.post("/login", data={"username": "bench-editor", "password": PASSWORD})
        assert client.get("/").get_data(as_text=True).count('role="img"') == 3

        def charts_only():
            db.session.expire_all()
            ministry_overview(with_charts=True).items

        def without():
            db.session.expire_all()
            ministry_overview()

        best_of(f"editor home page ({args.pieces} pieces)", db.engine, lambda: client.get("/"))
        best_of("overview with charts (domain)", db.engine, charts_only)
        best_of("overview without charts (domain)", db.engine, without)


if __name__ == "__main__":
    main()
