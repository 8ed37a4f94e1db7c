"""How long does sanitising a body take, by size? Prints seconds and MB/s.

    .venv/bin/python benchmarks/bodies.py

The 500,000-character cap on bodies (app/domain/submissions.py) keeps a save
within a few seconds on the slowest size measured here.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.domain.submissions.bodies.rendering import render_body  # noqa: E402

PARAGRAPH = "这是一段用于测试的正文，包含**加粗**、*强调*和[链接](#x)。" * 20 + "\n\nWe kept the *blue sky* blue.\n\n"


def main() -> None:
    print(f"{'chars':>10} {'MB':>6} {'seconds':>8} {'MB/s':>6}")
    for chars in (10_000, 100_000, 500_000, 2_000_000):
        markdown = (PARAGRAPH * (chars // len(PARAGRAPH) + 1))[:chars]
        size_mb = len(markdown.encode()) / 1e6
        started = time.perf_counter()
        render_body(markdown)
        elapsed = time.perf_counter() - started
        print(f"{chars:>10} {size_mb:>6.2f} {elapsed:>8.2f} {size_mb / elapsed:>6.2f}")


if __name__ == "__main__":
    main()
