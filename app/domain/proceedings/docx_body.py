"""A piece's sanitised body HTML written into a Word document (for ``word_export``).

Headings map to Word heading styles (h2 黑体, h3 楷体, h4 bold, all at body
size and indented two characters), paragraphs get a two-character first-line
indent, tables become bordered Word tables under a "表N" caption, images alone
in their paragraph become centred pictures over a "图N" caption (their alt
text), and markdown-it's notes (``<sup class="footnote-ref"><a href="#fn1">``
calls, a ``<section class="footnotes">`` list) become real Word footnotes at
their calls — as ``typesetting/bodies.py`` moves them for the PDF.
"""
from __future__ import annotations

import re
from pathlib import Path

from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from lxml import html as lxml_html

SONG, HEI, KAI, MONO = "SimSun", "SimHei", "KaiTi", "Courier New"
BODY_SIZE = Pt(12)
NOTE_SIZE = Pt(9)
TEXT_WIDTH = Cm(15.6)  # A4 less the 28 mm and 26 mm side margins
HEADING_STYLES = {"h1": "Heading 3", "h2": "Heading 3", "h3": "Heading 4",
                  "h4": "Heading 5", "h5": "Heading 5", "h6": "Heading 5"}
_SPACE = re.compile(r"\s+")
_BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "blockquote", "pre",
           "figure", "div", "section", "hr", "img"}


def set_fonts(element, east_asia: str, latin: str | None = None) -> None:
    """Set a run's or style's fonts, the East Asian one included (python-docx sets only Latin)."""
    fonts = element.get_or_add_rPr().get_or_add_rFonts()
    latin = latin or ("Times New Roman" if east_asia == SONG else east_asia)
    for attribute in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attribute), latin)
    fonts.set(qn("w:eastAsia"), east_asia)
    # Theme fonts would win over the named ones.
    for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attribute), None)


def styled_run(paragraph, text: str, face: str, size=None, bold: bool | None = None):
    """A run of ``text`` in ``face`` (East Asian and Latin)."""
    run = paragraph.add_run(text)
    set_fonts(run._r, face, MONO if face == MONO else None)
    if size is not None:
        run.font.size = size
    if bold is not None:
        run.bold = bold
    return run


def indent_chars(ppr, chars: int, *, left: int = 0) -> None:
    """First-line indent of ``chars`` characters (Word's own unit, with a twips fallback)."""
    ind = ppr.get_or_add_ind()
    ind.set(qn("w:firstLineChars"), str(chars * 100))
    ind.set(qn("w:firstLine"), str(chars * 240))
    if left:
        ind.set(qn("w:leftChars"), str(left * 100))
        ind.set(qn("w:left"), str(left * 240))


def _text(value: str | None) -> str:
    return _SPACE.sub(" ", value or "")


class BodyWriter:
    """Writes one body (a piece's or the foreword) at the end of ``document``."""

    def __init__(self, document, notes, attachments: dict[str, Path]):
        self.document, self.notes, self.attachments = document, notes, attachments
        self.tables = self.figures = 0
        # Inside a note: its paragraph lives in the footnotes part, which holds no pictures or notes of its own.
        self.in_note = False

    def write(self, body_html: str) -> None:
        if not body_html.strip():
            return
        root = lxml_html.fragment_fromstring(body_html, create_parent="div")
        by_id = {el.get("id"): el for el in root.iter() if isinstance(el.tag, str) and el.get("id")}
        self.note_for: dict[str, object] = {}
        self.skip = set()
        for link in root.iter("a"):
            href = link.get("href") or ""
            note = by_id.get(href[1:]) if href.startswith("#") else None
            if note is not None and note.tag == "li":
                self.note_for[href] = note
                holder = note.getparent()
                self.skip.add(holder)
                if holder.getparent() is not None and holder.getparent().tag == "section":
                    self.skip.add(holder.getparent())
        self._blocks(root, face=SONG, left=0)

    # --- blocks ---------------------------------------------------------------------

    def _blocks(self, parent, *, face: str, left: int) -> None:
        loose = []  # inline content between blocks, gathered into one paragraph

        def flush():
            if any(_text(t).strip() if isinstance(t, str) else True for t in loose):
                paragraph = self._paragraph(face=face, left=left)
                for item in loose:
                    if isinstance(item, str):
                        self._run(paragraph, _text(item), {"face": face})
                    else:
                        self._inline_element(paragraph, item, {"face": face})
            loose.clear()

        if parent.text:
            loose.append(parent.text)
        for child in parent:
            if not isinstance(child.tag, str):
                continue
            if child.tag in _BLOCKS:
                flush()
                if child not in self.skip:
                    self._block(child, face=face, left=left)
                if child.tail:
                    loose.append(child.tail)
            else:
                loose.append(child)
        flush()

    def _block(self, el, *, face: str, left: int) -> None:
        tag = el.tag
        if tag == "p":
            images = [c for c in el if c.tag == "img"]
            if len(images) == 1 and len(el) == 1 and not _text(el.text).strip() and not _text(images[0].tail).strip():
                self._figure(images[0], caption=images[0].get("alt") or "")
                return
            self._inline_paragraph(el, self._paragraph(face=face, left=left), face)
        elif tag in HEADING_STYLES:
            self._inline_paragraph(el, self.document.add_paragraph(style=HEADING_STYLES[tag]), None)
        elif tag in ("ul", "ol"):
            self._list(el, face=face, left=left)
        elif tag == "table":
            self._table(el)
        elif tag == "blockquote":
            self._blocks(el, face=KAI, left=left + 2)
        elif tag == "pre":
            paragraph = self.document.add_paragraph()
            for number, line in enumerate("".join(el.itertext()).rstrip("\n").split("\n")):
                if number:
                    paragraph.runs[-1].add_break()
                styled_run(paragraph, line, MONO, Pt(10))
        elif tag == "figure":
            image = next(el.iter("img"), None)
            caption = el.find("figcaption")
            if image is not None:
                text = _text("".join(caption.itertext())).strip() if caption is not None else ""
                self._figure(image, caption=text or image.get("alt") or "")
        elif tag == "img":
            self._figure(el, caption=el.get("alt") or "")
        elif tag in ("div", "section"):
            self._blocks(el, face=face, left=left)
        # hr: a rule has no place in a compilation; the footnote separator is Word's own.

    def _paragraph(self, *, face: str, left: int):
        paragraph = self.document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        indent_chars(paragraph._p.get_or_add_pPr(), 2, left=left)
        paragraph._face = face
        return paragraph

    def _list(self, el, *, face: str, left: int) -> None:
        for number, item in enumerate((c for c in el if c.tag == "li"), start=1):
            paragraph = self._paragraph(face=face, left=left)
            marker = f"{number}. " if el.tag == "ol" else "• "
            self._run(paragraph, marker, {"face": face})
            nested = [c for c in item if c.tag in ("ul", "ol")]
            self._inline_paragraph(item, paragraph, face, exclude=set(nested))
            for inner in nested:
                self._list(inner, face=face, left=left + 2)

    def _table(self, el) -> None:
        rows = [tr for tr in el.iter("tr")]
        if not rows:
            return
        width = max(sum(int(c.get("colspan") or 1) for c in tr if c.tag in ("td", "th")) for tr in rows)
        caption = el.find("caption")
        self.tables += 1
        label = self.document.add_paragraph()
        label.alignment = WD_ALIGN_PARAGRAPH.CENTER
        text = _text("".join(caption.itertext())).strip() if caption is not None else ""
        styled_run(label, f"表{self.tables}　{text}".rstrip("　"), HEI, Pt(10.5))
        table = self.document.add_table(rows=len(rows), cols=max(width, 1))
        table.style = self.document.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        for r, tr in enumerate(rows):
            column = 0
            for cell_el in (c for c in tr if c.tag in ("td", "th")):
                span = int(cell_el.get("colspan") or 1)
                if column >= width:
                    break
                cell = table.cell(r, column)
                if span > 1:
                    cell = cell.merge(table.cell(r, min(column + span, width) - 1))
                paragraph = cell.paragraphs[0]
                classes = cell_el.get("class") or ""
                style = (cell_el.get("style") or "").replace(" ", "")
                if "align-right" in classes or "text-align:right" in style:
                    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
                elif "align-center" in classes or "text-align:center" in style or cell_el.tag == "th":
                    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
                self._inline_paragraph(cell_el, paragraph, SONG, base={"bold": cell_el.tag == "th",
                                                                       "size": Pt(10.5)})
                column += span
        self.document.add_paragraph()

    def _figure(self, image, *, caption: str) -> None:
        paragraph = self.document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if not self._picture(paragraph, image, max_width=TEXT_WIDTH):
            styled_run(paragraph, f"［{caption or '图'}］", KAI, BODY_SIZE)
        self.figures += 1
        label = self.document.add_paragraph()
        label.alignment = WD_ALIGN_PARAGRAPH.CENTER
        styled_run(label, f"图{self.figures}　{caption}".rstrip("　"), KAI, Pt(10.5))

    def _picture(self, paragraph, image, *, max_width) -> bool:
        """The attachment ``image`` points at, at its own size or the measure; False if it cannot be read."""
        src = image.get("src") or ""
        path = self.attachments.get(src.rsplit("/", 1)[-1]) if src.startswith("/attachments/") else None
        if path is None or not Path(path).is_file():
            return False
        run = paragraph.add_run()
        try:
            shape = run.add_picture(str(path))
        except Exception:  # a format Word cannot hold (SVG, WebP): the caption stands for it
            run._r.getparent().remove(run._r)
            return False
        if shape.width > max_width:
            shape.height, shape.width = int(shape.height * max_width / shape.width), max_width
        return True

    # --- inline ---------------------------------------------------------------------

    def _inline_paragraph(self, el, paragraph, face, *, exclude=frozenset(), base=None) -> None:
        fmt = {"face": face, **(base or {})}
        if el.text:
            self._run(paragraph, _text(el.text), fmt)
        for child in el:
            if child in exclude or not isinstance(child.tag, str):
                continue
            self._inline_element(paragraph, child, fmt)

    def _inline_element(self, paragraph, child, fmt) -> None:
        tag = child.tag
        call = None if self.in_note else self._note_call(child)
        if call is not None:
            self.notes.add(paragraph, lambda note_paragraph, note=call: self._note(note_paragraph, note))
        elif tag == "br":
            run = paragraph.add_run()
            run.add_break()
        elif tag == "img":
            if self.in_note or not self._picture(paragraph, child, max_width=TEXT_WIDTH):
                self._run(paragraph, child.get("alt") or "", fmt)
        else:
            inner = dict(fmt)
            if tag in ("strong", "b"):
                inner["bold"] = True
            elif tag in ("em", "i"):
                inner["italic"] = True
            elif tag in ("sup", "sub"):
                inner[tag] = True
            elif tag == "code":
                inner["face"] = MONO
            elif tag in ("s", "del"):
                inner["strike"] = True
            elif tag == "u":
                inner["underline"] = True
            self._inline_paragraph(child, paragraph, None, base=inner)
        if child.tail:
            self._run(paragraph, _text(child.tail), fmt)

    def _note_call(self, el):
        """The note ``el`` calls (an ``<a href="#fn1">``, alone or in its ``<sup>``), or None."""
        link = el if el.tag == "a" else (el[0] if el.tag == "sup" and len(el) == 1 and el[0].tag == "a"
                                          and not _text(el.text).strip() else None)
        return self.note_for.get(link.get("href") or "") if link is not None else None

    def _note(self, paragraph, note) -> None:
        self.in_note = True
        try:
            self._note_text(paragraph, note)
        finally:
            self.in_note = False

    def _note_text(self, paragraph, note) -> None:
        blocks = note.findall("p") or [note]
        for number, block in enumerate(blocks):
            self._run(paragraph, " " if number == 0 else " ", {"face": SONG, "size": NOTE_SIZE})
            if block.text:
                self._run(paragraph, _text(block.text).lstrip() if number == 0 else _text(block.text),
                          {"face": SONG, "size": NOTE_SIZE})
            for child in block:
                if child.tag == "a" and ("footnote-backref" in (child.get("class") or "")
                                         or "↩" in "".join(child.itertext())):
                    if child.tail:
                        self._run(paragraph, _text(child.tail), {"face": SONG, "size": NOTE_SIZE})
                    continue
                if child.tag in ("ul", "ol", "p"):
                    continue
                self._inline_element(paragraph, child, {"face": SONG, "size": NOTE_SIZE})

    def _run(self, paragraph, text: str, fmt) -> None:
        if not text:
            return
        face = fmt.get("face") or getattr(paragraph, "_face", None)
        run = paragraph.add_run(text)
        if face:
            set_fonts(run._r, face, MONO if face == MONO else None)
        if fmt.get("size"):
            run.font.size = fmt["size"]
        for key, attribute in (("bold", "bold"), ("italic", "italic"), ("underline", "underline")):
            if fmt.get(key):
                setattr(run, attribute, True)
        if fmt.get("sup"):
            run.font.superscript = True
        if fmt.get("sub"):
            run.font.subscript = True
        if fmt.get("strike"):
            run.font.strike = True
