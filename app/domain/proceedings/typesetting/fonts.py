"""Refuse to typeset without the Simplified Chinese faces.

Without them WeasyPrint silently falls back to whatever fontconfig finds —
often nothing with CJK glyphs — and prints empty boxes. A clear error before
any work is better than a book nobody can read.
"""
from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterable

REQUIRED_FAMILIES = ("Noto Serif CJK SC", "Noto Sans CJK SC")


class MissingFontError(RuntimeError):
    """The Chinese fonts the book is set in are not installed."""


def installed_chinese_families() -> set[str]:
    """Font families fontconfig offers for Simplified Chinese."""
    if shutil.which("fc-list") is None:
        return set()
    listing = subprocess.run(["fc-list", ":lang=zh-cn", "family"], capture_output=True,
                             text=True, timeout=30, check=False).stdout
    return {name.strip() for line in listing.splitlines() for name in line.split(",")}


def check_cjk_fonts(families: Iterable[str] | None = None) -> None:
    """Raise :class:`MissingFontError` unless both Noto CJK SC faces are available.

    ``families`` defaults to what fontconfig reports on this machine.
    """
    available = set(installed_chinese_families() if families is None else families)
    missing = [f for f in REQUIRED_FAMILIES if f not in available]
    if missing:
        raise MissingFontError(
            "Cannot typeset the proceedings: the Chinese font(s) "
            + ", ".join(f'"{f}"' for f in missing)
            + " are not installed. Install them (Debian: apt-get install fonts-noto-cjk) "
            "and build again.")
