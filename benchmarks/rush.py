"""A deadline-day rush under gunicorn: do saves hold, and is anything lost?

32 bureaus (one client each) load a draft, save it with a new body, save
again, and submit it, then take their next draft; 4 reviewers open the
queue, open a submitted piece and approve it. For 60 s, against gunicorn
(gunicorn.conf.py, 2 workers × 4 threads) on loopback, on SQLite (WAL and a
busy timeout) or on PostgreSQL (a database of its own, created and dropped).
At the end every acknowledged save (answered with a redirect) is checked
against the database: the piece holds the last body its bureau was told was
saved, and every acknowledged approval has its decision row.

usage: python benchmarks/rush.py [--database sqlite|postgresql] [--seconds 60] [--bureaus 32] [--reviewers 4]

Prints: requests, 5xx, refused (conflicts, a refusal page), lost, p50/p95 ms,
and the p50 of a bureau's home page during the rush.

Measured 2026-12-04 on the shared two-core machine under heavy load (other
sessions' tests and benchmarks): SQLite 1,179 requests in 62 s, 0 5xx,
0 refused, nothing lost (160 saved pieces, 31 approvals), p95 4.8 s;
PostgreSQL 590 requests in 65 s, 0 5xx, 0 refused, nothing lost (76 saved
pieces, 19 approvals), p95 6.5 s. Again at 21:50–22:03 UTC (load average
6–9; submit now posts the draft form with then=submit, as the browser does
since the body editor): SQLite 1,826 requests, 0 5xx, 0 refused, nothing
lost (160 saved pieces, 192 approvals), p95 1.7 s; PostgreSQL 1,952
requests, 0 5xx, 0 refused, nothing lost (160 / 192), p95 1.0 s.
"""
from __future__ import annotations

import argparse
import http.client
import re
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.pages import POSTGRES, Database, free_port, login, migrate_and_seed, start_gunicorn, stop  # noqa: E402

class FormFields(HTMLParser):
    """The fields of the first form whose action ends with ``suffix``, as a browser would post them."""

    def __init__(self, suffix: str):
        super().__init__()
        self.suffix, self.inside, self.fields, self._textarea, self._select = suffix, False, [], None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = (a.get("action") or "").endswith(self.suffix) and not self.fields
        elif not self.inside:
            return
        elif tag == "input" and a.get("name") and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                self.fields.append((a["name"], a.get("value") or ""))
        elif tag == "textarea":
            self._textarea = [a.get("name"), ""]
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self.fields.append((self._select, a.get("value") or ""))

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self._textarea:
            self.fields.append(tuple(self._textarea))
            self._textarea = None
        elif tag == "select":
            self._select = None


class Client:
    """One person's keep-alive connection, timing every request."""

    def __init__(self, port: int, cookie: str, log: list):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.cookie, self.log = cookie, log

    def request(self, method: str, path: str, fields=None, label: str = "") -> tuple[int, str]:
        body = urlencode(fields or [])
        headers = {"Cookie": self.cookie}
        if method == "POST":
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        self.conn.request(method, path, body=body if method == "POST" else None, headers=headers)
        response = self.conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        self.log.append((label or method, response.status, time.perf_counter() - started))
        return response.status, text


def bureau(client: Client, drafts: list[int], stop_at: float, acked: dict, username: str) -> None:
    n = 0
    for submission_id in drafts:
        for attempt in range(2):
            if time.perf_counter() > stop_at:
                return
            status, page = client.request("GET", f"/submissions/{submission_id}", label="piece page")
            parser = FormFields("/save")
            parser.feed(page)
            if status != 200 or not parser.fields:
                break
            n += 1
            body = f"第{n}稿：{username} 的交流材料，深入打好蓝天保卫战。 Draft {n} of {username}."
            fields = [(k, v) for k, v in parser.fields if k != "body"] + [("body", body)]
            status, _ = client.request("POST", f"/submissions/{submission_id}/save", fields, label="save")
            if status == 302:
                acked[submission_id] = body
        if time.perf_counter() > stop_at:
            return
        if submission_id not in acked:
            continue
        # As the browser after a save: the piece's page again, then its submit button, which
        # belongs to the draft form (then=submit): what is on the screen is saved and sent.
        _status, page = client.request("GET", f"/submissions/{submission_id}", label="piece page")
        parser = FormFields("/save")
        parser.feed(page)
        fields = [(k, v) for k, v in parser.fields if k != "body"] + [("body", acked[submission_id]),
                                                                       ("then", "submit")]
        client.request("POST", f"/submissions/{submission_id}/save", fields, label="submit")
        client.request("GET", "/", label="bureau home")


def reviewer(client: Client, index: int, count: int, stop_at: float, approved: set) -> None:
    while time.perf_counter() < stop_at:
        _status, queue = client.request("GET", "/review/?state=submitted&sort=submitted_asc", label="queue")
        ids = [int(i) for i in re.findall(r'href="/review/(\d+)"', queue) if int(i) % count == index]
        if not ids:
            time.sleep(0.5)
            continue
        _status, page = client.request("GET", f"/review/{ids[0]}", label="review page")
        parser = FormFields("/decide")
        parser.feed(page)
        fields = [(k, v) for k, v in parser.fields if k not in ("outcome", "comment")] + [("outcome", "approve")]
        status, _ = client.request("POST", f"/review/{ids[0]}/decide", fields, label="decide")
        if status == 302:
            approved.add(ids[0])


def lost(url: str, acked: dict[int, str], approved: set[int]) -> int:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        bodies = dict(conn.execute(sa.text("SELECT id, body_source FROM submission")).all())
        decided = {row[0] for row in conn.execute(sa.text("SELECT submission_id FROM decision WHERE outcome = 'approve'"))}
    engine.dispose()
    return sum(bodies.get(i) != body for i, body in acked.items()) + len(approved - decided)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--bureaus", type=int, default=32)
    parser.add_argument("--reviewers", type=int, default=4)
    parser.add_argument("--postgres", default=POSTGRES)
    args = parser.parse_args()

    import sqlalchemy as sa

    work = Path(tempfile.mkdtemp(prefix="huibian-rush-"))
    database = Database(args.database, "rush", args.postgres)
    process = None
    try:
        _app, seeded = migrate_and_seed(database.url, args.bureaus * 10, work)
        engine = sa.create_engine(database.url)
        with engine.begin() as conn:  # half of each bureau's pieces are drafts to work on
            rows = conn.execute(sa.text("SELECT s.id, u.username FROM submission s JOIN \"user\" u"
                                        " ON u.organisation_id = s.organisation_id ORDER BY s.id")).all()
            drafts: dict[str, list[int]] = {}
            for submission_id, username in rows:
                drafts.setdefault(username, []).append(submission_id)
            chosen = [i for ids in drafts.values() for i in ids[::2]]
            conn.execute(sa.text("UPDATE submission SET state = 'draft' WHERE id = :id"), [{"id": i} for i in chosen])
            drafts = {u: ids[::2] for u, ids in drafts.items()}
            # Deadline day, not the day after: every piece may still be submitted.
            conn.execute(sa.text("UPDATE invitation SET due_at = :due"),
                         {"due": datetime.now(timezone.utc).replace(tzinfo=None) + timedelta(days=1)})
        engine.dispose()
        port = free_port()
        process = start_gunicorn(database.url, work, port)
        users = seeded.bureau_users[:args.bureaus]
        cookies = {u: login(port, u) for u in users + [seeded.reviewer]}
        log: list = []
        acked: dict[int, str] = {}
        approved: set[int] = set()
        stop_at = time.perf_counter() + args.seconds
        threads = [threading.Thread(target=bureau, args=(Client(port, cookies[u], log), drafts[u], stop_at, acked, u))
                   for u in users]
        threads += [threading.Thread(target=reviewer, args=(Client(port, cookies[seeded.reviewer], log), i,
                                                             args.reviewers, stop_at, approved))
                    for i in range(args.reviewers)]
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - began
        times = sorted(t for _l, _s, t in log)
        home = sorted(t for label, _s, t in log if label == "bureau home")
        errors = sum(1 for _l, s, _t in log if s >= 500)
        refusals = Counter(f"{label} {s}" for label, s, _t in log if label in ("save", "submit", "decide") and s != 302)
        refused = sum(refusals.values())

        def pct(values, p):
            return values[min(len(values) - 1, int(p * len(values)))] * 1000 if values else float("nan")
        print(f"rush on {args.database}: {args.bureaus} bureaus, {args.reviewers} reviewers, {elapsed:.0f} s: "
              f"{len(log)} requests ({len(log) / elapsed:.1f}/s), {errors} 5xx, {refused} refused, "
              f"lost {lost(database.url, acked, approved)} of {len(acked)} saved pieces and {len(approved)} approvals; "
              f"p50 {pct(times, 0.5):.0f} ms, p95 {pct(times, 0.95):.0f} ms; bureau home p50 {pct(home, 0.5):.0f} ms"
              + (f"; refused: {dict(refusals)}" if refusals else ""))
    finally:
        if process:
            stop(process)
        database.drop()


if __name__ == "__main__":
    main()
