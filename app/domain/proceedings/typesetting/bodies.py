"""A piece's sanitised body made ready for the printed page.

* Notes: Markdown (markdown-it's footnote plugin) and Word imports write a
  call ``<a href="#n">[1]</a>`` and, at the end of the body, a list of notes
  ``<li id="n">…<a href="#call">↩</a></li>``. Chinese practice sets each note
  at the foot of the page of its call, called ①②; WeasyPrint does so for an
  element with ``float: footnote`` standing where the call is. Each note's
  text is therefore moved into a ``<span class="footnote">`` in place of its
  call, and the list dropped.
* Figures: an image alone in its paragraph becomes a ``<figure>`` whose
  ``<figcaption>`` is the image's alt text (the stylesheet numbers it "图1").
* Punctuation compression (标点挤压): of two adjacent full-width marks
  ("。（", "》，", "（《") one is set half-width (OpenType ``halt``, in a
  ``<span class="halt">``, see :data:`PUNCTUATION_PAIR`), so that they leave
  half an em of white, not a whole one.
* English pieces get typographer's quotes (“ ” ‘ ’) for straight ones, which
  Markdown leaves as typed.
* A number stays on one line with its unit ("30万只", "0.058毫克/升"): both go
  into a ``<span class="unit">`` that the stylesheet keeps unbroken.
"""
from __future__ import annotations

import copy
import re
from pathlib import Path

from lxml import html as lxml_html

from app.domain.html_tree import remove_keeping_tail


def printable_body(body_html: str, lang: str = "zh-CN") -> str:
    """``body_html`` with notes at their calls, captioned figures, units kept with their
    numbers, compressed punctuation and (in English) curly quotes and names kept whole."""
    if "<" not in body_html:
        return body_html
    root = lxml_html.fragment_fromstring(body_html, create_parent="div")
    _notes_in_place(root)
    _figures(root)
    _wrap_matches(root, NUMBER_WITH_UNIT, "unit")
    _wrap_matches(root, PUNCTUATION_PAIR, "halt")
    if lang.startswith("en"):
        _wrap_matches(root, PROPER_NAME, "name")
        _curly_quotes(root)
    markup = lxml_html.tostring(root, encoding="unicode")
    return markup[len("<div>"):-len("</div>")]


def _notes_in_place(root) -> None:
    by_id = {el.get("id"): el for el in root.iter() if el.get("id")}
    lists = set()
    for call in list(root.iter("a")):
        href = call.get("href") or ""
        note = by_id.get(href[1:]) if href.startswith("#") else None
        if note is None or note.tag != "li" or note.getparent() is None:
            continue
        span = lxml_html.Element("span", {"class": "footnote"})
        _copy_inline(note, span, backref="#" + (call.get("id") or "\0"))
        # the call's wrapper (markdown-it's <sup class="footnote-ref">) goes with it
        target = call.getparent() if call.getparent().tag == "sup" and len(call.getparent()) == 1 else call
        span.tail = target.tail
        target.getparent().replace(target, span)
        lists.add(note.getparent())
        note.getparent().remove(note)
    for notes in lists:
        if len(notes):
            continue
        holder = notes.getparent()
        if holder is not None and holder.tag in ("section", "div") and not "".join(holder.itertext()).strip():
            notes = holder
        previous = notes.getprevious()
        if previous is not None and previous.tag == "hr":
            remove_keeping_tail(previous)
        remove_keeping_tail(notes)


def _copy_inline(note, span, *, backref: str) -> None:
    """The note's content as inline markup: its paragraphs joined, its back link dropped."""
    parts = []
    for block in (note.findall("p") or [note]):
        block = copy.deepcopy(block)
        for link in list(block.iter("a")):
            if link.get("href") == backref or "footnote-backref" in (link.get("class") or ""):
                remove_keeping_tail(link)
        parts.append(block)
    for k, block in enumerate(parts):
        text = (block.text or "").strip() if k == 0 else " " + (block.text or "").strip()
        if len(span):
            span[-1].tail = (span[-1].tail or "") + text
        else:
            span.text = (span.text or "") + text
        for child in block:
            span.append(child)
    if len(span):
        span[-1].tail = (span[-1].tail or "").rstrip()
    else:
        span.text = (span.text or "").rstrip()


def _figures(root) -> None:
    for image in list(root.iter("img")):
        paragraph = image.getparent()
        if paragraph is None or paragraph.tag != "p" or len(paragraph) != 1 \
                or (paragraph.text or "").strip() or (image.tail or "").strip():
            continue
        figure = lxml_html.Element("figure")
        image.tail = None
        figure.append(image)
        alt = (image.get("alt") or "").strip()
        if alt:
            caption = lxml_html.Element("figcaption")
            caption.text = alt
            figure.append(caption)
        figure.tail = paragraph.tail
        paragraph.getparent().replace(paragraph, figure)


#: Chinese units of measure and counting, and the multipliers before them.
_UNITS = "个只人次项家户元角吨米克升斤亩度倍件台辆座所条张份篇处名位岁年月日天时分秒里"
NUMBER_WITH_UNIT = re.compile(
    r"\d+(?:[.,]\d+)*(?:%|‰|[万亿千百]*(?:平方|立方|千|毫|厘|公)?[" + _UNITS + r"](?:/(?:平方|立方|千|毫|厘|公)?["
    + _UNITS + r"])?|[万亿]+)")
_UNBROKEN_SKIP = {"pre", "code"}


def _wrap_matches(root, pattern, css_class: str) -> None:
    """Put every match of ``pattern`` in the text of ``root`` (not in code) into a span of ``css_class``."""
    for element in list(root.iter()):
        if not isinstance(element.tag, str):
            continue
        if element.tag not in _UNBROKEN_SKIP and element.text and pattern.search(element.text):
            element.text, spans = _split(element.text, pattern, css_class)
            for k, span in enumerate(spans):
                element.insert(k, span)
        parent = element.getparent()
        if parent is not None and element.tail and pattern.search(element.tail):
            element.tail, spans = _split(element.tail, pattern, css_class)
            at = parent.index(element)
            for k, span in enumerate(spans, 1):
                parent.insert(at + k, span)


def _split(text: str, pattern, css_class: str):
    """The text before the first match of ``pattern``, and a span of ``css_class`` for each
    match (carrying the text that follows it as its tail)."""
    spans, start = [], 0
    head = None
    for match in pattern.finditer(text):
        if head is None:
            head = text[:match.start()]
        else:
            spans[-1].tail = text[start:match.start()]
        span = lxml_html.Element("span", {"class": css_class})
        span.text = match.group()
        spans.append(span)
        start = match.end()
    spans[-1].tail = text[start:]
    return head, spans


OPENING = "（《「『“‘〔【〖"
CLOSING = "，。、；：？！）》」』”’〕】〗"
#: Which mark of a pair is halved: the first of two closing marks ("》，"), the
#: second after a closing or opening one ("。（", "（《"). Never a closing mark
#: before an opening one, since a line may break between them: a line then
#: ends with a full closing mark, and the next may start with a halved
#: opening one, as Chinese typesetting allows.
PUNCTUATION_PAIR = re.compile(f"[{CLOSING}](?=[{CLOSING}])|(?<=[{OPENING}{CLOSING}])[{OPENING}]")


#: A capitalised word long enough to be hyphenated (print.css: 6 letters and more): a place
#: or a person ("Shenzhen", "Xinjiang") is never cut; a sentence's first word goes with them,
#: which costs nothing a reader would notice.
PROPER_NAME = re.compile(r"\b[A-Z][a-z]{5,}(?:[A-Z][a-z]+)*\b")


_OPENS_QUOTE = re.compile(r"""(^|(?<=[\s(\[{\u2014\u2013-]))(["'])""")


def _curly_quotes(root) -> None:
    """Straight quotes to “ ” ‘ ’: opening after a space or a bracket, closing (or an
    apostrophe) elsewhere. Code is left as typed."""
    def curl(text):
        text = _OPENS_QUOTE.sub(lambda m: m.group(1) + ("“" if m.group(2) == '"' else "‘"), text)
        return text.replace('"', "”").replace("'", "’")

    for element in list(root.iter()):
        if not isinstance(element.tag, str):
            continue
        if element.tag not in _UNBROKEN_SKIP and element.text:
            element.text = curl(element.text)
        if element.tail and element is not root:
            element.tail = curl(element.tail)



#: A figure's printed width (print.css: 60% of the 420pt measure), in inches,
#: and the resolution below which a picture prints visibly coarse.
FIGURE_WIDTH_INCHES = 0.6 * 420 / 72
MIN_PRINT_DPI = 200
_BODY_IMAGE = re.compile(r'<img\b[^>]*\ssrc="/attachments/([0-9a-f]{64})"')


def low_resolution_images(body_html: str, attachment_paths) -> list[tuple[str, int]]:
    """(sha256, dots per inch at the printed size) of each picture of a body under
    :data:`MIN_PRINT_DPI`; ``attachment_paths`` maps a picture's sha256 to its file."""
    from PIL import Image, UnidentifiedImageError

    found = []
    for sha in dict.fromkeys(_BODY_IMAGE.findall(body_html)):
        path = attachment_paths.get(sha)
        if path is None or not Path(path).is_file():
            continue
        try:
            with Image.open(path) as image:
                dpi = round(image.width / FIGURE_WIDTH_INCHES)
        except (OSError, UnidentifiedImageError):
            continue
        if dpi < MIN_PRINT_DPI:
            found.append((sha, dpi))
    return found
