"""Refuse to typeset without the Simplified Chinese faces the book is set in.

Without them WeasyPrint silently falls back to whatever fontconfig finds —
often nothing with CJK glyphs — and prints empty boxes. A clear error before
any work is better than a book nobody can read.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterable

#: family -> the Debian package that installs it (scripts/system-packages.sh):
#: 宋体 for the body, 黑体 for headings, the heavy Song of titles, 楷体 for
#: heading levels, posts and names.
REQUIRED_FACES = {
    "Noto Serif CJK SC": "fonts-noto-cjk",
    "Noto Sans CJK SC": "fonts-noto-cjk",
    "Noto Serif CJK SC Black": "fonts-noto-cjk-extra",
    "AR PL KaitiM GB": "fonts-arphic-gkai00mp",
}
REQUIRED_FAMILIES = tuple(REQUIRED_FACES)


class MissingFontError(RuntimeError):
    """The Chinese fonts the book is set in are not installed."""


#: How long a reading of fontconfig stands. The editors' page asks on every
#: load, and ``fc-list`` is a process of its own (a few milliseconds, more than
#: the rest of the page's Python); fonts installed meanwhile show within this.
FONT_LISTING_SECONDS = 300.0
# (when, the configuration it was read under, the families).
_listing: tuple[float, tuple, frozenset[str]] | None = None
_listing_lock = threading.Lock()


def installed_chinese_families() -> frozenset[str]:
    """Font families fontconfig offers for Simplified Chinese (read at most every few
    minutes, and again whenever the process points fontconfig elsewhere)."""
    global _listing
    configuration = (os.environ.get("FONTCONFIG_FILE"), os.environ.get("FONTCONFIG_PATH"))
    with _listing_lock:
        if (_listing is None or _listing[1] != configuration
                or time.monotonic() - _listing[0] > FONT_LISTING_SECONDS):
            _listing = (time.monotonic(), configuration, _read_fontconfig())
        return _listing[2]


def _read_fontconfig() -> frozenset[str]:
    if shutil.which("fc-list") is None:
        return frozenset()
    listing = subprocess.run(["fc-list", ":lang=zh-cn", "family"], capture_output=True,
                             text=True, timeout=30, check=False).stdout
    return frozenset(name.strip() for line in listing.splitlines() for name in line.split(","))


def check_cjk_fonts(families: Iterable[str] | None = None) -> None:
    """Raise :class:`MissingFontError` unless every face of :data:`REQUIRED_FACES` is available.

    ``families`` defaults to what fontconfig reports on this machine.
    """
    available = set(installed_chinese_families() if families is None else families)
    missing = [f for f in REQUIRED_FAMILIES if f not in available]
    if missing:
        raise MissingFontError(
            "Cannot typeset the proceedings: the Chinese font(s) "
            + ", ".join(f'"{f}"' for f in missing)
            + " are not installed. Install them (Debian: apt-get install "
            + " ".join(sorted({REQUIRED_FACES[f] for f in missing}))
            + ", or scripts/system-packages.sh) and build again.")
