"""Word's footnotes and endnotes, rewritten as the notes a body writes in Markdown.

mammoth ends its HTML with a bare list of notes, each with an arrow back to
its reference. A body's own footnotes (Markdown ``[^1]``, rendered by
mdit_py_plugins' footnote plugin) have a marked-up section instead, which
the page and the book style as notes. An imported document gets exactly
that markup, numbered in the order the notes are referred to.

The patterns match mammoth's own tags only: it escapes "<" in text, so a
document cannot write a tag that looks like one of them.
"""
import re

# A reference that is also set superscript (as in RTF) comes wrapped in a second <sup>.
_REFERENCE = re.compile(r'(?P<outer><sup>)?<sup><a href="#(?P<note>(?:footnote|endnote)-[^"]+)" '
                        r'id="(?:footnote|endnote)-ref-[^"]+">\[(?P<number>\d+)\]</a></sup>(?(outer)</sup>)')
_NOTES_START = re.compile(r'<ol><li id="(?:footnote|endnote)-')
_ITEM = re.compile(r'<li id="((?:footnote|endnote)-[^"]+)">(<p>)? *')
_BACKREF = re.compile(r' ?<a href="#(footnote|endnote)-ref-([^"]+)">↑</a>')


def as_body_notes(html: str) -> str:
    """mammoth's `html` with its notes in the structure of a body's Markdown footnotes."""
    start = _NOTES_START.search(html)
    if start is None:
        return html
    text, notes = html[:start.start()], html[start.start():]
    numbers: dict[str, str] = {}

    def reference(match: re.Match) -> str:
        number = numbers.setdefault(match["note"], match["number"])
        return f'<sup class="footnote-ref"><a href="#fn{number}" id="fnref{number}">[{number}]</a></sup>'

    text = _REFERENCE.sub(reference, text)
    notes = _ITEM.sub(lambda m: f'<li id="fn{numbers.get(m.group(1), "")}" class="footnote-item">{m.group(2) or ""}',
                      notes)
    notes = _BACKREF.sub(
        lambda m: f' <a href="#fnref{numbers.get(f"{m.group(1)}-{m.group(2)}", "")}" class="footnote-backref">↩︎</a>',
        notes)
    notes = '<ol class="footnotes-list">' + notes.removeprefix("<ol>")
    return f'{text}<hr class="footnotes-sep" /><section class="footnotes">{notes}</section>'
