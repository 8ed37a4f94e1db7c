"""Reading a built book back, the way a reader (or a checker) sees it."""
from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
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


def _bbox_lines(path, page_index: int):
    page = str(page_index + 1)
    out = subprocess.run(["pdftotext", "-bbox-layout", "-f", page, "-l", page, str(path), "-"],
                         capture_output=True, text=True, check=True).stdout
    out = re.sub(r"<!DOCTYPE[^>]*>", "", out).replace(' xmlns="http://www.w3.org/1999/xhtml"', "")
    return ET.fromstring(out).iter("line")


def text_lines(path, page_index: int) -> list[tuple[float, float, float, str]]:
    """(x left, x right, y top, text) of every line pdftotext (poppler) finds on a page."""
    return [(float(line.get("xMin")), float(line.get("xMax")), float(line.get("yMin")),
             "".join(w.text or "" for w in line.iter("word")))
            for line in _bbox_lines(path, page_index)]


def line_words(path, page_index: int) -> list[list[str]]:
    """The words of every line of a page, as pdftotext separates them."""
    return [[w.text or "" for w in line.iter("word")] for line in _bbox_lines(path, page_index)]


#: The text block of the ministry style: A4 with 87.6 pt side margins (35 characters of 12 pt),
#: 26 mm above and 24 mm below; the running head and the folio stand outside it.
BLOCK_LEFT, BLOCK_RIGHT = 87.6, 595.28 - 87.6
BLOCK_TOP, BLOCK_BOTTOM = 26 / 25.4 * 72, 841.89 - 24 / 25.4 * 72
_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def lines_inside_paragraphs(path, page: int, size: float = 12) -> Iterator[tuple[str, float]]:
    """(text, right edge) of each body line of a page that another line of its paragraph follows.

    Body lines are the mostly Chinese lines inside the text block; a paragraph opens indented
    2 em, so a line is inside its paragraph when the next body line starts at the left edge, a
    line below (notes, set smaller, and headings, set apart, never qualify).
    """
    body = sorted((y, left, right, text) for left, right, y, text in text_lines(path, page)
                  if BLOCK_TOP - 1 <= y <= BLOCK_BOTTOM and left >= BLOCK_LEFT - 0.5
                  and right <= BLOCK_RIGHT + 0.5 and len(text) >= 10
                  and len(_CJK.findall(text)) >= len(text) / 2)
    for (y, left, right, text), (next_y, next_left, _r, _t) in zip(body, body[1:]):
        follows = size < next_y - y < size * 2.2
        if follows and abs(next_left - BLOCK_LEFT) < 1 and left < BLOCK_LEFT + 2 * size + 1:
            yield text, right


def faces_drawing(path, page_index: int, text: str) -> set[str]:
    """The faces (subset tag dropped) that draw the characters of ``text`` on a page."""
    found = set()

    def visit(chunk, _cm, _tm, font, _size):
        if font is not None and chunk.strip() and (squashed(chunk) in squashed(text)
                                                    or squashed(text) in squashed(chunk)):
            found.add(str(font["/BaseFont"]).split("+", 1)[-1])

    PdfReader(path).pages[page_index].extract_text(visitor_text=visit)
    return found


def font_programs(path) -> dict[str, set[bytes]]:
    """{font name with its subset tag: the embedded programs that carry that name}."""
    programs: dict[str, set[bytes]] = {}
    for page in PdfReader(path).pages:
        for ref in page["/Resources"].get("/Font", {}).values():   # a blank verso has none
            font = ref.get_object()
            part = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = part["/FontDescriptor"].get_object()
            program = next(descriptor[k] for k in ("/FontFile", "/FontFile2", "/FontFile3") if k in descriptor)
            programs.setdefault(str(font["/BaseFont"]), set()).add(program.get_object().get_data())
    return programs
