"""The body editor's HTML and the stored body's HTML, one into the other.

The stored body is one kind of HTML whatever wrote it: notes in the markup
of Markdown footnotes (a call ``<sup class="footnote-ref"><a href="#fnN">``
and, at the end, ``<section class="footnotes">``), which the page and the
book know how to set (``typesetting/bodies.py``), and which Word imports
write too (``docx/notes.py``). The editor (static/js/body-editor.js) keeps a
note where it is called instead, as ``<span data-footnote data-note="text">``,
so that moving a sentence moves its note and numbering is never typed.

Both directions work on text that the sanitiser then cleans anyway: nothing
here decides what is safe, only where notes stand. A note's text is plain in
the editor; formatting inside a note (rare in a bureau's notes) is not kept.
"""
from __future__ import annotations

import html
import re

from lxml import html as lxml_html

from app.domain.html_tree import remove_keeping_tail

# The browser writes attribute values in '"' with '"' and '&' escaped; lxml
# (for_editor) quotes a value holding '"' with "'" instead.
_EDITOR_NOTE = re.compile(
    r"""<span\b(?=[^>]*\sdata-footnote\b)[^>]*?\sdata-note=(?:"(?P<double>[^"]*)"|'(?P<single>[^']*)')"""
    r"""[^>]*>.*?</span>""", re.DOTALL)


_TRAILING_EMPTY_PARAGRAPHS = re.compile(r"(?:<p>\s*</p>\s*)+$")


def from_editor(editor_html: str) -> str:
    """The editor's HTML with its notes numbered in order and set out as stored notes.

    A body written elsewhere (an import, Markdown) may already hold stored
    notes: they are brought into the editor's form first, so that all notes
    are numbered together.
    """
    if "footnote" in editor_html and 'class="footnotes"' in editor_html:
        editor_html = for_editor(editor_html)
    notes: list[str] = []

    def call(match: re.Match) -> str:
        text = " ".join(html.unescape(match["double"] or match["single"] or "").split())
        if not text:
            return ""
        notes.append(text)
        number = len(notes)
        return f'<sup class="footnote-ref"><a href="#fn{number}" id="fnref{number}">[{number}]</a></sup>'

    # The editor keeps an empty paragraph after a closing table or heading, for the cursor.
    body = _TRAILING_EMPTY_PARAGRAPHS.sub("", _EDITOR_NOTE.sub(call, editor_html))
    if not notes:
        return body
    items = "".join(
        f'<li id="fn{number}" class="footnote-item"><p>{html.escape(text, quote=False)} '
        f'<a href="#fnref{number}" class="footnote-backref">↩︎</a></p></li>'
        for number, text in enumerate(notes, start=1))
    return f'{body}<hr class="footnotes-sep"><section class="footnotes"><ol class="footnotes-list">{items}</ol></section>'


def for_editor(stored_html: str) -> str:
    """Stored body HTML with each note put back at its call, as the editor holds it."""
    if "footnote" not in stored_html or not stored_html.strip():
        return stored_html
    root = lxml_html.fragment_fromstring(stored_html, create_parent="div")
    notes = {item.get("id"): _note_text(item) for item in root.iter("li") if item.get("id")}
    lists = set()
    for link in list(root.iter("a")):
        href = link.get("href") or ""
        if "footnote-backref" in (link.get("class") or "") or not href.startswith("#") or href[1:] not in notes:
            continue
        item = next(el for el in root.iter("li") if el.get("id") == href[1:])
        lists.add(item.getparent())
        span = lxml_html.Element("span", {"data-footnote": "", "data-note": notes[href[1:]]})
        target = link.getparent() if link.getparent().tag == "sup" and len(link.getparent()) == 1 else link
        span.tail = target.tail
        target.getparent().replace(target, span)
    for notes_list in lists:
        holder = notes_list.getparent()
        if holder is not None and holder.tag in ("section", "div") and holder is not root:
            notes_list = holder
        previous = notes_list.getprevious()
        if previous is not None and previous.tag == "hr":
            remove_keeping_tail(previous)
        if notes_list.getparent() is not None:
            remove_keeping_tail(notes_list)
    markup = lxml_html.tostring(root, encoding="unicode")
    return markup[len("<div>"):-len("</div>")].strip()


def _note_text(item) -> str:
    parts = []
    for block in item.findall("p") or [item]:
        text = "".join(
            piece for piece in _text_without_backrefs(block))
        parts.append(" ".join(text.split()))
    return " ".join(part for part in parts if part)


def _text_without_backrefs(element):
    if element.text:
        yield element.text
    for child in element:
        if not (child.tag == "a" and "footnote-backref" in (child.get("class") or "")):
            yield from _text_without_backrefs(child)
        if child.tail:
            yield child.tail

