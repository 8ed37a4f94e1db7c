"""How much does a shared bucket cost against the local folder, for the largest file a bureau may send?

One 19 MB PDF-like file, through the file store of each backend (``app/storage``):

* **upload**: ``store_stream`` as an upload runs it — copied to a temporary
  file while hashed and sniffed, then put into the store;
* **read**: the whole file back in 1 MB chunks (what a backup or the zip does);
* **download**: what the browser waits for: the local backend's file read
  through the app (``send_file``), or the S3 redirect followed to the
  presigned URL.

S3 is moto's server on loopback (started here), so the figures show the
cost of the protocol and of boto3, not of a network. Median of ``--runs``.

usage: python benchmarks/storage.py [--mb 19] [--runs 5]
"""
from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _median_seconds(action, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _measure(name: str, store, data: bytes, runs: int) -> dict[str, float]:
    from app.domain.submissions.storage import key_for, sha256_of, store_stream
    from app.storage.downloads import download_response

    key = key_for(sha256_of(data))

    def upload():
        store.delete(key)
        store_stream(io.BytesIO(data), store, max_bytes=len(data))

    def read():
        assert sum(len(chunk) for chunk in store.iter_chunks(key)) == len(data)

    from flask import Flask

    web = Flask(__name__)

    def download():
        with web.test_request_context():
            response = download_response(store, key, download_name="报告.pdf", mimetype="application/pdf")
            if response.status_code == 302:
                with urllib.request.urlopen(response.headers["Location"]) as fetched:
                    got = len(fetched.read())
            else:
                response.direct_passthrough = False
                got = len(response.get_data())
                response.close()
        assert got == len(data)

    return {"upload": _median_seconds(upload, runs), "read": _median_seconds(read, runs),
            "download": _median_seconds(download, runs)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, default=19)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    from app.storage import store_from_config
    from tests.s3server import create_bucket, running_moto_server, s3_config

    data = b"%PDF-1.7\n" + os.urandom(int(args.mb * 1024 * 1024) - 9)
    with tempfile.TemporaryDirectory(prefix="huibian-bench-") as scratch, running_moto_server() as endpoint:
        folders = {"UPLOAD_DIR": Path(scratch) / "uploads", "EDITIONS_DIR": Path(scratch) / "editions"}
        create_bucket(endpoint, "huibian-bench")
        stores = {"local": store_from_config(folders),
                  "s3": store_from_config({**folders, **s3_config(endpoint, "huibian-bench", Path(scratch) / "c")})}
        results = {name: _measure(name, store, data, args.runs) for name, store in stores.items()}
    size_mb = len(data) / 1024 / 1024
    print(f"{size_mb:.1f} MB file, median of {args.runs} runs")
    print(f"{'':<10} {'local s':>9} {'S3 s':>9} {'S3/local':>9} {'local MB/s':>11} {'S3 MB/s':>9}")
    for what in ("upload", "read", "download"):
        local, s3 = results["local"][what], results["s3"][what]
        print(f"{what:<10} {local:>9.3f} {s3:>9.3f} {s3 / local:>9.1f} {size_mb / local:>11.0f} {size_mb / s3:>9.0f}")


if __name__ == "__main__":
    main()
