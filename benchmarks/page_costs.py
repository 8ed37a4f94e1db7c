"""What one request to each page costs, in-process: queries, SQL milliseconds, wall and CPU milliseconds.

Steadier than ``benchmarks/pages.py`` on a shared machine (one request at a
time, no server, the median and best of N): the figure to read when a change
takes a few milliseconds off a page. Uses the pages and the seed of
``benchmarks/pages.py``, in a PostgreSQL database kept between runs
(``huibian_page_costs_<N>``, or ``huibian_page_costs_<N>_<tag>`` with
``--tag`` for a branch whose migrations differ) so that code before and
after a change is timed on the same rows. The app's CPU per request (the
process's own, not the database server's) is the steadiest figure on a
shared machine; SQL is the time the statements took, server included.

usage: python benchmarks/page_costs.py --pieces 3000 --seed      # make (or remake) the database once
       python benchmarks/page_costs.py --pieces 3000 [--n 30] [--only "ministry home,queue"] [--changed]
                                       [--sql LABEL] [--profile LABEL [--sort tottime]] [--tag NAME] [--drop]

``--changed`` drops the kept whole-conference summaries (``app.domain.summary_cache``)
before every request, as the first view after a change finds them: what
the ministry home and the editors' page cost when they count.

``--sql LABEL`` prints each statement of one request to that page with its
time; ``--profile LABEL`` runs it under cProfile. A page's label is matched
by its beginning, as ``benchmarks/pages.py`` names it.
"""
from __future__ import annotations

import argparse
import cProfile
import pickle
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from benchmarks import pages as bench  # noqa: E402
from benchmarks.seed_scale import PASSWORD  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pieces", type=int, default=3000)
    parser.add_argument("--seed", action="store_true", help="create, migrate and fill the database")
    parser.add_argument("--drop", action="store_true", help="drop the database and stop")
    parser.add_argument("--n", type=int, default=30, help="requests per page")
    parser.add_argument("--only", default="", help="comma-separated beginnings of page labels")
    parser.add_argument("--sql", default="", help="print the statements of one request to this page")
    parser.add_argument("--profile", default="", help="cProfile the requests to this page")
    parser.add_argument("--postgres", default=bench.POSTGRES)
    parser.add_argument("--sort", default="cumulative", help="the profile's order: cumulative, tottime, ncalls")
    parser.add_argument("--tag", default="", help="a database of this name's own (a branch whose migrations differ)")
    parser.add_argument("--changed", action="store_true",
                        help="every request is the first after a change: the kept conference summaries are dropped")
    args = parser.parse_args()

    base = sa.engine.make_url(args.postgres.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"huibian_page_costs_{args.pieces}" + (f"_{args.tag}" if args.tag else "")
    url = base.set(database=name).render_as_string(hide_password=False)
    work = Path(f"/tmp/{name}")
    work.mkdir(exist_ok=True)
    state = work / "seeded.pickle"
    if args.seed or args.drop:
        admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            if args.seed:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        if args.seed:
            _app, seeded = bench.migrate_and_seed(url, args.pieces, work)
            state.write_bytes(pickle.dumps(seeded))
        return
    seeded = pickle.loads(state.read_bytes())
    measure(bench.make_app(url, work), seeded, args)


def measure(app, seeded, args) -> None:
    from app.domain import summary_cache
    from app.extensions import db

    with app.app_context():
        engine = db.engine
    timed: list = []  # (seconds, statement) of the statements being timed
    clients = {}

    def before(conn, *_args):
        conn.info["started"] = time.perf_counter()

    def after(conn, _cursor, statement, *_args):
        timed.append((time.perf_counter() - conn.info["started"], statement))

    wanted = [label.strip() for label in args.only.split(",") if label.strip()]
    for label, who, path, _rows in bench.pages(seeded):
        if wanted and not any(label.startswith(w) for w in wanted):
            continue
        if who not in clients:
            clients[who] = app.test_client()
            if who:
                clients[who].post("/login", data={"username": who, "password": PASSWORD})
        client = clients[who]
        for _ in range(2):  # warm: caches, the locale, the connections
            client.get(path)
        sa.event.listen(engine, "before_cursor_execute", before)
        sa.event.listen(engine, "after_cursor_execute", after)
        timed.clear()
        walls, cpus = [], []
        for _ in range(args.n):
            if args.changed:
                summary_cache.forget_all()
            started, cpu_started = time.perf_counter(), time.process_time()
            response = client.get(path)
            walls.append(time.perf_counter() - started)
            cpus.append(time.process_time() - cpu_started)
        sa.event.remove(engine, "before_cursor_execute", before)
        sa.event.remove(engine, "after_cursor_execute", after)
        assert response.status_code == 200, (label, response.status_code)
        walls.sort()
        cpus.sort()
        sql_ms = sum(seconds for seconds, _ in timed) / args.n * 1000
        print(f"{label:32s} {len(timed) // args.n:3d} queries  SQL {sql_ms:5.1f} ms  "
              f"wall median {walls[len(walls) // 2] * 1000:5.1f} ms, best {walls[0] * 1000:5.1f} ms  "
              f"app CPU median {cpus[len(cpus) // 2] * 1000:5.1f} ms  "
              f"{len(response.get_data()) / 1024:5.1f} KB", flush=True)
        if args.sql and label.startswith(args.sql):
            sa.event.listen(engine, "before_cursor_execute", before)
            sa.event.listen(engine, "after_cursor_execute", after)
            timed.clear()
            client.get(path)
            sa.event.remove(engine, "before_cursor_execute", before)
            sa.event.remove(engine, "after_cursor_execute", after)
            for seconds, statement in timed:
                print(f"    {seconds * 1000:6.2f} ms  " + " ".join(statement.split())[:200])
        if args.profile and label.startswith(args.profile):
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.n):
                client.get(path)
            profiler.disable()
            pstats.Stats(profiler).sort_stats(args.sort).print_stats(40)
    engine.dispose()


if __name__ == "__main__":
    main()
