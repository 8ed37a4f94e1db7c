"""Reading a built book back, the way a reader (or a checker) sees it."""
from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET

from pypdf import PdfReader


def page_texts(path) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(path).pages]


def squashed(text: str) -> str:
    """Text without whitespace: extraction breaks lines where the typesetter did."""
    return re.sub(r"\s+", "", text)


def outline(path) -> list[tuple[str, int]]:
    """Every bookmark as (title, 0-based page index), depth first."""
    reader = PdfReader(path)
    found = []

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                found.append((str(item.title), reader.get_destination_page_number(item)))

    walk(reader.outline)
    return found


def contents_number(texts: list[str], title: str) -> int:
    """The page number the contents print after ``title`` (on its dotted leader)."""
    contents = next(t for t in texts if t.startswith("目\u3000录"))
    match = re.search(re.escape(title) + r"\s*\.{3,}\s*(\d+)", contents)
    assert match, f"{title!r} not in the contents"
    return int(match.group(1))


def footer_line(text: str) -> str:
    """The last line of a page (its footer), or "" for a blank page."""
    lines = text.strip().splitlines()
    return lines[-1].strip() if lines else ""


def footer_number(text: str) -> str:
    """The folio a page prints, "— 3 —" read as "3"."""
    line = footer_line(text)
    match = re.fullmatch(r"— (\S+) —", line)
    return match.group(1) if match else line


def text_lines(path, page_index: int) -> list[tuple[float, float, float, str]]:
    """(x left, x right, y top, text) of every line pdftotext (poppler) finds on a page."""
    page = str(page_index + 1)
    out = subprocess.run(["pdftotext", "-bbox-layout", "-f", page, "-l", page, str(path), "-"],
                         capture_output=True, text=True, check=True).stdout
    out = re.sub(r"<!DOCTYPE[^>]*>", "", out).replace(' xmlns="http://www.w3.org/1999/xhtml"', "")
    return [(float(line.get("xMin")), float(line.get("xMax")), float(line.get("yMin")),
             "".join(w.text or "" for w in line.iter("word")))
            for line in ET.fromstring(out).iter("line")]
