"""The record page and the office's exports cost the same queries for 10 pieces as for 1,000.

1,000 rows is past the 500 ids a ``selectinload`` batch holds: an export that
loaded a relation that way would take one query more per 500 rows."""
from __future__ import annotations

import csv
import io
import time
import zipfile

import pytest

from app.domain.conference import archive
from app.models import Role
from app.storage import file_store
from tests.factories import bulk_pieces
from tests.review.test_queue import QueryCounter


@pytest.mark.slow
def test_the_record_and_the_exports_take_constant_queries_at_10_and_1000_pieces(
        app, client, auth, factory, db, tmp_path):
    conference = factory.conference(slug="conf-counts")
    editor = factory.user(Role.EDITOR)
    reviewer = factory.user(Role.REVIEWER, display_name="李审")
    author = factory.user(Role.SUBMITTER)
    factory.commit()
    auth.login(editor.username)

    def cost(path):
        db.session.expire_all()
        with QueryCounter(db.engine) as counter:
            response = client.get(path)
        assert response.status_code == 200, path
        return counter.count, response

    def zip_listing():
        """The zip's listing and manifest step: every approved piece with its files, PDFs stubbed."""
        made = archive.request_archive(conference, actor=editor)
        factory.commit()
        db.session.expire_all()
        with QueryCounter(db.engine) as counter:
            key = archive.build_archive(made, conference, store=file_store(app),
                                        render_pdf=lambda piece: b"%PDF-1.7")
        factory.commit()
        with zipfile.ZipFile(file_store(app).local_path(key)) as bundle:
            return counter.count, len(bundle.namelist())

    def measure():
        counts = {"record": cost("/record/")[0],
                  "coverage csv": cost(f"/review/coverage.csv?conference={conference.id}")[0]}
        for file_format in ("xlsx", "csv"):
            counts[file_format], response = cost(f"/review/coverage/pieces.{file_format}?conference={conference.id}")
        counts["zip"], entries = zip_listing()
        return counts, response, entries

    started = time.perf_counter()
    bulk_pieces(factory, conference, 10, author=author, reviewer=reviewer)
    factory.commit()
    few, _csv, few_entries = measure()
    bulk_pieces(factory, conference, 990, author=author, reviewer=reviewer)
    factory.commit()
    many, response, many_entries = measure()
    print(f"queries: {few} at 10 pieces, {many} at 1,000 ({time.perf_counter() - started:.1f} s)")

    assert many == few
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert len(rows) == 1 + 1000 and sum(row[11] == "approved" for row in rows[1:]) == 334
    assert (few_entries, many_entries) == (4, 334)  # one PDF an approved piece (their attachments are not on disk)
