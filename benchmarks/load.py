"""Does the app hold a working day's load without a 500 or a lost save?

Starts Huibian as production under gunicorn on loopback (see
``benchmarks/live_server.py``) on a fresh PostgreSQL database of its own
(or SQLite with ``--sqlite``), loads the demo conference with its sample
content, adds the accounts it needs, and lets simulated users work for a
fixed time, each in a thread with its own session, logged in once through
the real login form:

* bureaus start their piece, save drafts, now and then import a Word file,
  attach a PDF and submit; when the ministry asks for changes they edit and
  submit again;
* reviewers browse the queue of submitted pieces and decide (approve or
  request changes);
* editors open coverage and the proceedings page, and each builds one edition.

Then it prints requests, refusals, 5xx and p50/p95/p99 per page, and checks
the database against what the server acknowledged (2xx/3xx): every saved
text is the stored one, every submit is a version (numbered without gaps or
duplicates), every decision and attachment is there, every build an edition.
Mail goes to the outbox (no sender runs). The server is stopped and the
database dropped at the end, even on Ctrl-C.

usage: python benchmarks/load.py [--seconds 60] [--users 50] [--sqlite] [--postgres URL]
"""
from __future__ import annotations

import argparse
import os
import random
import re
import signal
import statistics
import sys
import threading
import time
from collections import Counter, defaultdict
from contextlib import nullcontext
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.live_server import DEFAULT_POSTGRES, LiveServer, ProxiedSession, postgres_database  # noqa: E402

DOCX = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "paras-and-tables.docx"
HIDDEN = re.compile(r'<input[^>]*\bname="(csrf_token|lock_version|version_seen)"[^>]*\bvalue="([^"]*)"')
SUBMISSION_LINK = re.compile(r"/submissions/(\d+)")
REVIEW_LINK = re.compile(r'href="/review/(\d+)"')
EDITION_LINK = re.compile(r"/editions/(\d+)")
KEY_TASK = re.compile(r'name="key_task_ids" type="checkbox" value="(\d+)"')
MESSAGE = re.compile(r'<p class="(?:flash flash-error|error-message)">([^<]*)</p>|<title>([^<]*)</title>')
SLUG = "2024"
# A 503 with Retry-After is the app's deliberate back-pressure (Word imports are bounded per
# process, issue 12 item 1): the user is told to try again. Counted apart from the failures.
BUSY = "busy"


def hidden_fields(page: str) -> dict[str, str]:
    return dict(HIDDEN.findall(page))


class Ledger:
    """Every request's timing, and what the server acknowledged, for the check afterwards."""

    def __init__(self):
        self.lock = threading.Lock()
        self.timings: dict[str, list[float]] = defaultdict(list)
        self.statuses: dict[str, Counter] = defaultdict(Counter)
        self.errors: list[str] = []
        self.refusals: dict[str, Counter] = defaultdict(Counter)  # route → the messages of its 4xx answers
        self.saved: dict[int, tuple[str, str]] = {}           # submission → (title, body) last acknowledged
        self.submitted: dict[int, list[str]] = defaultdict(list)  # submission → bodies of acknowledged submits
        self.attached: list[tuple[int, str]] = []              # (submission, file content marker)
        self.decided: Counter = Counter()                      # (submission, outcome, reviewer)
        self.built: Counter = Counter()                        # editor → acknowledged builds

    def record(self, route: str, status: int | str | None, seconds: float, detail: str = "") -> None:
        with self.lock:
            self.timings[route].append(seconds)
            self.statuses[route][status] += 1
            if status == BUSY:
                return
            if status is None or status >= 500:
                self.errors.append(f"{route}: {status} {detail}"[:300])
            elif status >= 400:
                message = MESSAGE.search(detail)
                self.refusals[route][f"{status} {message.group(1) or message.group(2) if message else detail[:80]}"] += 1


class SimulatedUser(threading.Thread):
    def __init__(self, server, ledger, stop, username, password, address, think):
        super().__init__(daemon=True, name=username)
        self.http = ProxiedSession(server, address)
        self.ledger, self.stop, self.username, self.password, self.think = ledger, stop, username, password, think
        self.random = random.Random(username)
        self.arrival = 0.0
        self.csrf = ""

    def call(self, route: str, method: str, path: str, **kwargs):
        started = time.perf_counter()
        try:
            response = self.http.request(method, path, **kwargs)
        except Exception as error:  # noqa: BLE001 - a timeout or reset counts as a failure, named
            self.ledger.record(route, None, time.perf_counter() - started, repr(error))
            return None
        status = BUSY if response.status_code == 503 and "Retry-After" in response.headers else response.status_code
        self.ledger.record(route, status, time.perf_counter() - started,
                           response.text if 400 <= response.status_code < 500 else response.text[:200])
        if "text/html" in response.headers.get("Content-Type", ""):
            self.csrf = hidden_fields(response.text).get("csrf_token", self.csrf)
        return response

    def run(self):
        # People arrive over the first seconds, not all in the same instant.
        if self.stop.wait(self.random.uniform(0, self.arrival)):
            return
        page = self.call("auth.login", "GET", "/login")
        if page is None:
            return
        answer = self.call("auth.login", "POST", "/login",
                           data={"username": self.username, "password": self.password, "csrf_token": self.csrf})
        if answer is None or answer.status_code != 302:
            self.ledger.errors.append(f"{self.username} could not log in: {answer and answer.status_code}")
            return
        while not self.stop.is_set():
            self.step()
            self.stop.wait(self.random.expovariate(1 / self.think) if self.think else 0)

    def step(self):
        raise NotImplementedError


class Bureau(SimulatedUser):
    def __init__(self, *args, invitation_id: int):
        super().__init__(*args)
        self.invitation_id, self.submission_id, self.saves, self.uploads = invitation_id, None, 0, 0
        self.import_at = 0.0  # a refused import is tried again once the server's Retry-After has passed

    def step(self):
        if self.submission_id is None:
            self.call("main.home", "GET", "/")
            started = self.call("submissions.start", "POST", f"/submissions/start/{self.invitation_id}",
                                data={"csrf_token": self.csrf})
            if started is not None and started.status_code == 302:
                self.submission_id = int(SUBMISSION_LINK.search(started.headers["Location"]).group(1))
            return
        sid = self.submission_id
        page = self.call("submissions.detail", "GET", f"/submissions/{sid}")
        if page is None or "lock_version" not in hidden_fields(page.text):
            # Submitted or approved: wait for the ministry, reading the notifications.
            self.call("notifications.index", "GET", "/notifications/")
            return
        if self.saves == 1 and self.random.random() < 0.5 and time.monotonic() >= self.import_at:
            self.import_word(sid, hidden_fields(page.text)["lock_version"])
            page = self.call("submissions.detail", "GET", f"/submissions/{sid}")
            if page is None or "lock_version" not in hidden_fields(page.text):
                return
        self.save(sid, hidden_fields(page.text)["lock_version"], KEY_TASK.findall(page.text)[:1])
        if self.saves >= 3:
            self.attach(sid)
            if self.call("submissions.submit", "POST", f"/submissions/{sid}/submit",
                         data={"csrf_token": self.csrf}).status_code == 302:
                with self.ledger.lock:
                    self.ledger.submitted[sid].append(self.ledger.saved[sid][1])
            self.saves = 0

    def save(self, sid: int, lock_version: str, key_tasks: list[str]):
        self.saves += 1
        stamp = f"{self.username} {time.time_ns()}"
        title = f"压测稿 {stamp}"
        body = f"# 压测\n\n{self.username} 的交流材料，第 {self.saves} 稿。\n\nDraft {stamp}: 蓝天保卫战的经验。"
        answer = self.call("submissions.save", "POST", f"/submissions/{sid}/save", data={
            "csrf_token": self.csrf, "lock_version": lock_version, "title": title, "body": body,
            "abstract": "压测摘要。", "subtitle": "", "speaker_name": "", "speaker_post": "", "planned_minutes": "",
            "key_task_ids": key_tasks})
        if answer is not None and answer.status_code == 302:
            with self.ledger.lock:
                self.ledger.saved[sid] = (title, body)

    def import_word(self, sid: int, lock_version: str):
        with DOCX.open("rb") as document:
            answer = self.call("submissions.import_document", "POST", f"/submissions/{sid}/import",
                               data={"csrf_token": self.csrf, "lock_version": lock_version},
                               files={"document": ("材料.docx", document)})
        if answer is not None and answer.status_code == 503:
            self.import_at = time.monotonic() + float(answer.headers.get("Retry-After", 30))
            self.saves = 0  # so that the next round offers the import again
        if answer is not None and answer.status_code == 302:
            with self.ledger.lock:  # the body is now the document's; the next save replaces it again
                self.ledger.saved.pop(sid, None)

    def attach(self, sid: int):
        self.uploads += 1
        marker = f"{self.username}-{self.uploads}-{time.time_ns()}"
        pdf = (b"%PDF-1.4\n% " + marker.encode() + b"\n1 0 obj << /Type /Catalog >> endobj\n"
               b"trailer << /Root 1 0 R >>\n%%EOF\n")
        answer = self.call("submissions.upload_attachment", "POST", f"/submissions/{sid}/attachments",
                           data={"csrf_token": self.csrf}, files={"file": (f"附件{self.uploads}.pdf", pdf)})
        if answer is not None and answer.status_code == 302:
            import hashlib

            with self.ledger.lock:
                self.ledger.attached.append((sid, hashlib.sha256(pdf).hexdigest()))


class Reviewer(SimulatedUser):
    def step(self):
        queue = self.call("review.queue", "GET", "/review/?state=submitted")
        ids = REVIEW_LINK.findall(queue.text) if queue is not None and queue.status_code == 200 else []
        if not ids:
            return
        sid = int(self.random.choice(ids))
        page = self.call("review.detail", "GET", f"/review/{sid}")
        fields = hidden_fields(page.text) if page is not None else {}
        if "version_seen" not in fields:
            return  # decided meanwhile by someone else
        outcome = "approve" if self.random.random() < 0.5 else "request_changes"
        answer = self.call("review.decide", "POST", f"/review/{sid}/decide", data={
            "csrf_token": self.csrf, "version_seen": fields["version_seen"], "outcome": outcome,
            "comment": "" if outcome == "approve" else "请补充近三年的监测数据。"})
        if answer is not None and answer.status_code == 302:
            with self.ledger.lock:
                self.ledger.decided[(sid, outcome, self.username)] += 1


class Editor(SimulatedUser):
    def __init__(self, *args, build_after: float):
        super().__init__(*args)
        self.build_at, self.edition = time.monotonic() + build_after, None

    def step(self):
        self.call("review.coverage", "GET", "/review/coverage")
        self.call("proceedings.editor", "GET", f"/proceedings/{SLUG}/")
        if self.edition is not None:
            self.call("proceedings.edition_status", "GET", f"/proceedings/{SLUG}/editions/{self.edition}/status")
        elif time.monotonic() >= self.build_at:
            answer = self.call("proceedings.build", "POST", f"/proceedings/{SLUG}/editions",
                               data={"csrf_token": self.csrf, "edition_date": date.today().isoformat()})
            # Refused (another edition is being built): look again in a while.
            self.build_at = time.monotonic() + 20
            if answer is not None and answer.status_code == 302:
                self.edition = int(EDITION_LINK.search(answer.headers["Location"]).group(1))
                with self.ledger.lock:
                    self.ledger.built[self.username] += 1


def role_counts(users: int) -> tuple[int, int, int]:
    """(bureaus, reviewers, editors): about a tenth editors, a fifth reviewers, the rest bureaus."""
    editors = max(1, round(users / 12))
    reviewers = max(1, round(users / 5))
    return max(1, users - editors - reviewers), reviewers, editors


def create_accounts(server: LiveServer, users: int, password: str) -> list[tuple[str, str, int | None]]:
    """Bureaus invited to the demo conference and ministry accounts: (username, role, invitation id)."""
    from datetime import datetime, timedelta, timezone

    import sqlalchemy as sa

    from app.domain.accounts import create_user
    from app.extensions import db
    from app.models import Conference, ExchangeKind, Invitation, Organisation, Role

    bureaus, reviewers, editors = role_counts(users)
    accounts = []
    app = server.app()
    with app.app_context():
        conference = db.session.scalar(sa.select(Conference).where(Conference.slug == SLUG))
        due = datetime.now(timezone.utc) + timedelta(days=28)
        for n in range(bureaus):
            bureau = Organisation(code=f"load{n:03d}", name_zh=f"压测局{n:03d}", name_en=f"Load bureau {n:03d}",
                                  region_zh="压测")
            invitation = Invitation(conference=conference, organisation=bureau, kind=ExchangeKind.WRITTEN, due_at=due)
            db.session.add_all([bureau, invitation])
            create_user(username=f"load-bureau-{n:03d}", display_name=f"压测局{n:03d}", role=Role.SUBMITTER,
                        password=password, organisation=bureau, email=f"load-bureau-{n:03d}@example.cn")
            db.session.flush()
            accounts.append((f"load-bureau-{n:03d}", "bureau", invitation.id))
        for role, count in ((Role.REVIEWER, reviewers), (Role.EDITOR, editors)):
            for n in range(count):
                username = f"load-{role.value}-{n:03d}"
                create_user(username=username, display_name=username, role=role, password=password,
                            email=f"{username}@mee.example.cn")
                accounts.append((username, role.value, None))
        db.session.commit()
        db.engine.dispose()
    return accounts


def drive(server: LiveServer, accounts, password: str, seconds: float, think: float) -> Ledger:
    ledger, stop = Ledger(), threading.Event()
    users = []
    for n, (username, role, invitation_id) in enumerate(accounts):
        args = (server, ledger, stop, username, password, f"10.{n // 250}.{n % 250}.{n % 7 + 1}", think)
        if role == "bureau":
            users.append(Bureau(*args, invitation_id=invitation_id))
        elif role == "reviewer":
            users.append(Reviewer(*args))
        else:
            users.append(Editor(*args, build_after=random.uniform(0.2, 0.5) * seconds))
    for user in users:
        user.arrival = min(10.0, seconds / 6)
        user.start()
    stop.wait(seconds)
    stop.set()
    for user in users:  # a request under way finishes (or times out) first
        user.join(120)
    return ledger


def wait_for_builds(server: LiveServer, seconds: float) -> tuple[Counter, float]:
    """Builds run in the background: let the queued ones finish before the server stops."""
    import sqlalchemy as sa

    engine = sa.create_engine(server.app().config["SQLALCHEMY_DATABASE_URI"])
    started = time.monotonic()
    try:
        while True:
            with engine.connect() as connection:
                states = Counter(dict(connection.execute(sa.text(
                    "SELECT status, count(*) FROM proceedings_edition GROUP BY status")).all()))
            if not any(s.lower() in {"queued", "building"} for s in states) or time.monotonic() - started > seconds:
                return states, time.monotonic() - started
            time.sleep(1)
    finally:
        engine.dispose()


def check(server: LiveServer, ledger: Ledger) -> list[str]:
    """What the server acknowledged that the database does not hold (each line one loss)."""
    import sqlalchemy as sa

    lost = []
    engine = sa.create_engine(server.app().config["SQLALCHEMY_DATABASE_URI"])
    with engine.connect() as connection:
        stored = {sid: (title, body) for sid, title, body in connection.execute(
            sa.text("SELECT id, title, body_source FROM submission"))}
        lost += [f"save of submission {sid} not stored" for sid, text in ledger.saved.items()
                 if stored.get(sid) != text]
        versions = defaultdict(list)
        for sid, number, body in connection.execute(sa.text(
                "SELECT submission_id, number, body_source FROM submission_version ORDER BY submission_id, number")):
            versions[sid].append((number, body))
        for sid, acknowledged in ledger.submitted.items():
            numbers = [n for n, _ in versions[sid]]
            if numbers != list(range(1, len(numbers) + 1)):
                lost.append(f"submission {sid}: version numbers {numbers} (a duplicate or a gap)")
            bodies = iter(body for _, body in versions[sid])
            if not all(any(body == want for body in bodies) for want in acknowledged):
                lost.append(f"submission {sid}: an acknowledged submit has no version")
        decisions = Counter(connection.execute(sa.text(
            'SELECT d.submission_id, d.outcome, u.username FROM decision d JOIN "user" u ON u.id = d.decided_by_id'
        )).all())
        decisions = Counter({(sid, outcome.lower(), user): n for (sid, outcome, user), n in decisions.items()})
        lost += [f"decision {key} acknowledged {n}×, stored {decisions[key]}×"
                 for key, n in ledger.decided.items() if decisions[key] < n]
        twice = connection.execute(sa.text(
            "SELECT version_id FROM decision GROUP BY version_id HAVING count(*) > 1")).scalars().all()
        lost += [f"version {v} decided twice" for v in twice]
        attached = set(connection.execute(sa.text("SELECT submission_id, sha256 FROM attachment")).all())
        lost += [f"attachment {a} not stored" for a in ledger.attached if a not in attached]
        editions = Counter(dict(connection.execute(sa.text(
            'SELECT u.username, count(*) FROM proceedings_edition e JOIN "user" u ON u.id = e.built_by_id '
            "GROUP BY u.username")).all()))
        lost += [f"{user}'s build has no edition" for user, n in ledger.built.items() if editions[user] < n]
    engine.dispose()
    return lost


def failure(status) -> bool:
    """No answer (timeout, reset) or a 5xx that is not the deliberate busy answer."""
    return status is None or (status != BUSY and status >= 500)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


def report(ledger: Ledger, lost: list[str], builds: Counter, build_wait: float, faults: list[str]) -> str:
    print(f"\n{'page (route)':34} {'requests':>8} {'refused':>7} {'busy':>4} {'5xx':>4} "
          f"{'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}")
    for route in sorted(ledger.timings):
        times, statuses = ledger.timings[route], ledger.statuses[route]
        failed = sum(n for s, n in statuses.items() if failure(s))
        refused = sum(n for s, n in statuses.items() if s != BUSY and s is not None and 400 <= s < 500)
        print(f"{route:34} {len(times):8} {refused:7} {statuses[BUSY]:4} {failed:4} {percentile(times, .5):7.0f} "
              f"{percentile(times, .95):7.0f} {percentile(times, .99):7.0f}")
    every = [t for times in ledger.timings.values() for t in times]
    failures = sum(n for statuses in ledger.statuses.values() for s, n in statuses.items() if failure(s))
    print(f"\nacknowledged: {len(ledger.saved)} drafts' last saves, "
          f"{sum(map(len, ledger.submitted.values()))} submits, {sum(ledger.decided.values())} decisions, "
          f"{len(ledger.attached)} attachments, {sum(ledger.built.values())} builds "
          f"(editions {dict(builds)}, waited {build_wait:.0f} s)")
    busy = sum(statuses[BUSY] for statuses in ledger.statuses.values())
    print(f"busy: {busy} answers 503 with Retry-After (the app's bound on Word imports), retried by the user after it")
    for route, messages in sorted(ledger.refusals.items()):
        print(f"  refused by {route}: " + "; ".join(f"{n}× {m}" for m, n in messages.most_common(3)))
    print(f"server log: {len(faults)} worker deaths or errors inside the app (counted with the 5xx)")
    for line in ledger.errors[:20] + faults[:20] + lost[:20]:
        print("  !", line)
    return f"requests {len(every)}, 5xx {failures + len(faults)}, lost {len(lost)}, p95 {percentile(every, .95):.0f}ms"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--think", type=float, default=1.0, help="mean pause between a user's steps, seconds")
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    parser.add_argument("--postgres", default=os.environ.get("HUIBIAN_LOAD_POSTGRES_URL", DEFAULT_POSTGRES),
                        help="a server where this run may create and drop a database of its own")
    args = parser.parse_args(argv)
    # Ctrl-C and a polite kill both come out through the finally blocks below.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    password = "load-" + os.urandom(12).hex()
    with (nullcontext(None) if args.sqlite else postgres_database(args.postgres)) as database_url:
        with LiveServer(database_url) as server:
            server.flask("db", "upgrade")
            server.flask("seed-demo", "--sample-content")
            accounts = create_accounts(server, args.users, password)
            bureaus, reviewers, editors = role_counts(args.users)
            print(f"{args.users} users ({bureaus} bureaus, {reviewers} reviewers, {editors} editors) for "
                  f"{args.seconds:.0f} s against gunicorn (production, "
                  f"{'SQLite' if args.sqlite else 'PostgreSQL'}) at {server.url}; {os.cpu_count()} cores, "
                  f"load average {os.getloadavg()[0]:.1f} before", flush=True)
            server.start()
            try:
                ledger = drive(server, accounts, password, args.seconds, args.think)
                print(f"load average {os.getloadavg()[0]:.1f} at the end of the run", flush=True)
                builds, build_wait = wait_for_builds(server, 300)
            finally:
                server.stop()
            lost = check(server, ledger)
            faults = server.faults()
            if ledger.errors:
                print(server.log_tail(4000).replace("\n", "\n  | "))
    line = report(ledger, lost, builds, build_wait, faults)
    print(line)
    return 0 if line.split(", ")[1:3] == ["5xx 0", "lost 0"] else 1


if __name__ == "__main__":
    sys.exit(main())
