"""Text that leaves Huibian in a spreadsheet or a CSV file, made harmless.

A spreadsheet runs a cell that begins with ``= + - @`` (or a tab or carriage
return followed by one) as a formula: ``=cmd|' /C calc'!A0`` in a title
would start a program on the office's computer. Such cells get a leading
apostrophe, which spreadsheets read as "this is text". Bidirectional
controls are taken out, so that a value cannot make itself read backwards;
characters XML cannot hold are taken out too, or the .xlsx would not open.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from datetime import datetime

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Embeddings, overrides and isolates: U+202A–U+202E and U+2066–U+2069.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
# What XML 1.0 cannot carry (openpyxl refuses it): C0 controls but tab, newline, CR.
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
# A spreadsheet cell holds at most 32,767 characters.
MAX_CELL = 32_767


def safe_text(value: str) -> str:
    """``value`` as a cell a spreadsheet shows as text, never runs."""
    text = XML_ILLEGAL.sub("", BIDI_CONTROLS.sub("", value))
    if text.startswith(FORMULA_STARTS):
        text = "'" + text
    return text[:MAX_CELL]


def safe_cell(value):
    """Numbers and times stay what they are; every text goes through :func:`safe_text`."""
    if value is None:
        return ""
    if isinstance(value, (bool, int, float, datetime)):
        return value
    return safe_text(str(value))


def csv_bytes(header: list[str], rows: Iterable[list]) -> bytes:
    """A CSV file in UTF-8 with a byte-order mark, so that spreadsheets read Chinese right."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([_csv_value(safe_cell(v)) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _csv_value(value):
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return value
