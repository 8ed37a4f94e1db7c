"""One vs two RQ typesetting workers on the same book, over loopback Redis.

The 160-piece synthetic book of ``benchmarks/proceedings.py`` is built from
nothing (no piece cache) three ways: by this process's local worker pool
(all cores, the default without Redis), then with its pieces as RQ jobs
typeset by one, then two, ``flask --app wsgi worker --queues typeset``
processes. The workers are warmed by a small book first, as long-lived
workers are. Prints the seconds, the ratio one/two workers, and checks the
three PDFs are identical.

usage: python benchmarks/distributed.py [--size 160] [--redis redis://127.0.0.1:6379/9]
(it flushes that Redis database)
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from proceedings import synthetic_book  # noqa: E402  (after the path is set)


def start_workers(count: int, redis_url: str, instance: Path) -> list[subprocess.Popen]:
    from redis import Redis

    from app.background.typeset_jobs import typeset_workers

    env = dict(os.environ, REDIS_URL=redis_url, HUIBIAN_INSTANCE=str(instance))
    processes = [subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--queues", "typeset"],
                                  cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                 for _ in range(count)]
    connection = Redis.from_url(redis_url)
    deadline = time.monotonic() + 120
    while typeset_workers(connection) < count:
        if time.monotonic() > deadline or any(p.poll() is not None for p in processes):
            stop_workers(processes)
            raise SystemExit("the workers did not start")
        time.sleep(0.2)
    return processes


def stop_workers(processes) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def build(spec, out: Path, executor=None) -> float:
    from app.domain.proceedings.typesetting.piece_cache import PieceCache
    from app.domain.proceedings.typesetting.render import render_book

    start = time.perf_counter()
    render_book(spec, out, cache=PieceCache(None), executor=executor)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=160)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/9")
    args = parser.parse_args()
    from redis import Redis

    from app.background.typeset_jobs import RQTypesetExecutor

    connection = Redis.from_url(args.redis)
    connection.flushdb()
    spec, small = synthetic_book(args.size), synthetic_book(4)
    folder = Path(tempfile.mkdtemp(prefix="huibian-distributed-"))
    seconds = {"local": build(spec, folder / "local.pdf")}
    print(f"{args.size} pieces, local pool ({os.cpu_count()} processes): {seconds['local']:.1f} s", flush=True)
    for count in (1, 2):
        processes = start_workers(count, args.redis, folder / "instance")
        try:
            executor = RQTypesetExecutor(connection)
            build(small, folder / "warm.pdf", executor)   # long-lived workers are warm
            seconds[count] = build(spec, folder / f"rq{count}.pdf", executor)
        finally:
            stop_workers(processes)
        print(f"{args.size} pieces, {count} RQ worker(s): {seconds[count]:.1f} s", flush=True)
    connection.flushdb()
    local = (folder / "local.pdf").read_bytes()
    identical = all((folder / f"rq{n}.pdf").read_bytes() == local for n in (1, 2))
    print(f"ratios: one worker / two workers: {seconds[1] / seconds[2]:.2f} (up to ~2 on 2 free cores); "
          f"two workers / local pool: {seconds[2] / seconds['local']:.2f}; "
          f"identical to the local build: {'yes' if identical else 'NO'}")


if __name__ == "__main__":
    main()
