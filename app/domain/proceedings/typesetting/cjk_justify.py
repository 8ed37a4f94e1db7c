"""Justify lines that hold Chinese the way Chinese typesetting does.

WeasyPrint 70 justifies a line by widening its spaces only
(``layout.inline.justify_line``). A Chinese line has no spaces: when the
line-break rules push a character to the next line (no "（" at a line's end,
no "，" at a line's start) the line stops up to an em short, and a line
mixing Chinese with Latin words or figures puts all of its spare width into
its few spaces. Here a line holding any Chinese character spreads its spare
width evenly over the gaps after every Chinese character and space, as xeCJK
does for LaTeX; Latin words and figures stay whole.

Pango adds letter spacing half before and half after each character it is
given for, and drops the outer halves at the ends of a text run. A run's
share of the spare width is therefore (spaced characters) minus a half for a
spaced first and a spaced last character; :func:`_shares` counts it so.

Installed once per worker process (:func:`install`): WeasyPrint only ever runs
in the book's own workers.
"""
from __future__ import annotations

import re

#: Characters whose following gap may widen: CJK ideographs, CJK and
#: full-width punctuation, the Chinese quotes and dashes, and spaces.
SPACED = re.compile(r"[\u2014\u2026\u2018\u2019\u201c\u201d\u3000-\u303f\u3400-\u9fff"
                    r"\uf900-\ufaff\uff00-\uffef \u00a0]")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")

_installed = False


class CJKSpacing(float):
    """Justification spacing for every :data:`SPACED` character, not only for spaces."""


def install() -> None:
    """Patch WeasyPrint's justification in this process (idempotent)."""
    global _installed
    if _installed:
        return
    from weasyprint.layout import inline
    from weasyprint.text import line_break

    plain_justify = inline.justify_line
    plain_set_text = line_break.Layout.set_text

    def justify_line(context, line, extra_width):
        runs = list(_text_runs(line))
        if not any(CJK.search(box.text) for box in runs):
            return plain_justify(context, line, extra_width)
        total = sum(_share(box.text) for box in runs)
        if total <= 0:
            return plain_justify(context, line, extra_width)
        _widen(context, line, CJKSpacing(extra_width / total), 0)

    def set_text(self, text, justify=False):
        spacing = self.justification_spacing
        if not isinstance(spacing, CJKSpacing):
            return plain_set_text(self, text, justify)
        self.justification_spacing = 0
        try:
            plain_set_text(self, text, justify)
        finally:
            self.justification_spacing = spacing
        if justify and spacing:
            _add_spacing(self, spacing)

    inline.justify_line = justify_line
    line_break.Layout.set_text = set_text
    _installed = True


def _share(text: str) -> float:
    """How many gaps' worth of spacing Pango adds to one text run (see the module doc)."""
    spaced = [bool(SPACED.match(ch)) for ch in text]
    if not spaced:
        return 0
    return sum(spaced) - 0.5 * spaced[0] - 0.5 * spaced[-1]


def _text_runs(box):
    from weasyprint.formatting_structure import boxes

    if isinstance(box, boxes.TextBox):
        yield box
    elif isinstance(box, (boxes.LineBox, boxes.InlineBox)):
        for child in box.children:
            if child.is_in_normal_flow():
                yield from _text_runs(child)


def _widen(context, box, spacing, x_advance):
    """Move and widen ``box`` and its children by their share of the spare width."""
    from weasyprint.formatting_structure import boxes
    from weasyprint.text.line_break import create_layout

    if isinstance(box, boxes.TextBox):
        box.position_x += x_advance
        share = _share(box.text)
        if share:
            box.justification_spacing = spacing
            layout = create_layout(box.text, box.style, context, max_width=None,
                                   justification_spacing=spacing)
            layout.deactivate()
            box.pango_layout = layout
            box.width += spacing * share
            x_advance += spacing * share
    elif isinstance(box, (boxes.LineBox, boxes.InlineBox)):
        box.position_x += x_advance
        before = x_advance
        for child in box.children:
            if child.is_in_normal_flow():
                x_advance = _widen(context, child, spacing, x_advance)
        box.width += x_advance - before
    else:
        box.translate(x_advance, 0)
    return x_advance


def _add_spacing(layout, spacing: float) -> None:
    """Letter-space every run of :data:`SPACED` characters of ``layout``'s text by ``spacing``."""
    from weasyprint.text.ffi import TO_UNITS, ffi, pango

    attributes = pango.pango_layout_get_attributes(layout.layout)
    if attributes == ffi.NULL:
        attributes = ffi.gc(pango.pango_attr_list_new(), pango.pango_attr_list_unref)
    own = layout.style["letter_spacing"]   # the stylesheet's letter-spacing, kept
    units = int((spacing + (0 if own == "normal" else own)) * TO_UNITS)
    encoded = layout.text.encode()
    for match in re.finditer(SPACED.pattern + "+", layout.text):
        start = len(layout.text[:match.start()].encode())
        end = start + len(match.group().encode())
        attribute = pango.pango_attr_letter_spacing_new(units)
        attribute.start_index, attribute.end_index = start, min(end, len(encoded))
        pango.pango_attr_list_change(attributes, attribute)
    pango.pango_layout_set_attributes(layout.layout, attributes)
