"""How long does the Word file of an edition take, and how big is it?

Loads the demo conference with its sample pieces into a fresh SQLite
database, fixes an edition of its approved pieces (no PDF is built: the
.docx is made from the edition's frozen spec, as on first download) and
prints seconds and bytes for its .docx; then the same for a synthetic book
of 160 pieces (the proceedings benchmark's pieces, built without a database).

usage: python benchmarks/word_export.py [--pieces 160] [--keep FILE]  (FILE: a copy of the demo's .docx)
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def demo(work: Path, keep: Path | None) -> None:
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from app import create_app
    from app.domain.proceedings import editions, word_files
    from app.extensions import db
    from app.models import Conference, Role, User
    from app.seed.demo import seed_demo
    from app.seed.sample_content import seed_sample_content
    from app.storage import file_store

    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{work}/demo.db",
                      "UPLOAD_DIR": work / "uploads", "EDITIONS_DIR": work / "editions",
                      "BABEL_DEFAULT_LOCALE": "en", "SERVER_NAME": "bench.test", "MAIL_SERVER": None})
    (work / "editions").mkdir(exist_ok=True)
    with app.app_context(), app.test_request_context():
        upgrade(directory=str(ROOT / "migrations"))
        seed_demo()
        seed_sample_content()
        db.session.commit()
        conference = db.session.scalar(sa.select(Conference))
        editor = db.session.scalar(sa.select(User).where(User.role == Role.EDITOR))
        edition = editions.create_edition(conference, actor=editor, edition_date=date(2024, 12, 1))
        # Marked built over a stand-in PDF: only the Word file is measured.
        name = editions.file_name_for(edition, conference)
        (work / "editions" / name).write_bytes(b"%PDF-1.7 stand-in")
        editions.record_success(edition, file_name=name, page_count=1, size=17, sha256="0" * 64, start_pages={})
        db.session.commit()
        started = time.perf_counter()
        store = file_store(app)
        key = word_files.edition_docx(edition, store=store)
        elapsed = time.perf_counter() - started
        data = store.read(key)
        if keep:
            keep.write_bytes(data)
        print(f"demo edition ({len(edition.items)} pieces)      {elapsed:>7.2f} s {len(data):>12,} bytes")


def synthetic(pieces: int) -> None:
    from app.domain.proceedings.word_export import build_docx
    from tests.proceedings.typesetting import factories

    spec = factories.spec(oral=pieces // 4, written=pieces - pieces // 4)
    started = time.perf_counter()
    data = build_docx(spec, created=datetime(2024, 12, 1))
    elapsed = time.perf_counter() - started
    print(f"synthetic book ({pieces} pieces){elapsed:>7.2f} s {len(data):>12,} bytes")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pieces", type=int, default=160)
    parser.add_argument("--keep", type=Path, help="copy the demo edition's .docx here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="huibian-word-") as folder:
        demo(Path(folder), args.keep)
    synthetic(args.pieces)


if __name__ == "__main__":
    main()
