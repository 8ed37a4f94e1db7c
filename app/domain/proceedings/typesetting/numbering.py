"""How pieces are numbered in the book, as the editor chose for the edition.

``none``: no numbers; ``arabic``: 1. 2. 3. through the book; ``chinese``:
一、二、三、 through the book; ``per_section``: each section counts its own
pieces, 一、二、 in the contents with "大会交流发言之一" over the piece's title,
as ministry compilations number them.
"""
from __future__ import annotations

from dataclasses import replace

from .book import SECTION_TITLES, BookSection

SCHEMES = ("none", "arabic", "chinese", "per_section")
_DIGITS = "零一二三四五六七八九"


def chinese_numeral(n: int) -> str:
    """1 -> 一, 10 -> 十, 21 -> 二十一, 105 -> 一百零五, 110 -> 一百一十 (1 ≤ n ≤ 9999)."""
    if not 1 <= n <= 9999:
        raise ValueError(n)
    if 10 <= n < 20:
        return "十" + (_DIGITS[n % 10] if n % 10 else "")
    out, zero = [], False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // value % 10
        if digit:
            if zero and out:
                out.append("零")
            out.append(_DIGITS[digit] + unit)
            zero = False
        else:
            zero = True
    return "".join(out)


def numbered_sections(sections: tuple[BookSection, ...], scheme: str) -> tuple[BookSection, ...]:
    """The sections with each piece's ``number_label`` (and ``number_line`` per section) set."""
    if scheme not in SCHEMES:
        raise ValueError(f"unknown numbering {scheme!r}")
    if scheme == "none":
        return sections
    result, count = [], 0
    for section in sections:
        pieces = []
        for within, piece in enumerate(section.pieces, start=1):
            count += 1
            if scheme == "arabic":
                label, line = f"{count}.", ""
            elif scheme == "chinese":
                label, line = f"{chinese_numeral(count)}、", ""
            else:
                label = f"{chinese_numeral(within)}、"
                line = f"{SECTION_TITLES[section.kind][0]}之{chinese_numeral(within)}"
            pieces.append(replace(piece, number_label=label, number_line=line))
        result.append(replace(section, pieces=tuple(pieces)))
    return tuple(result)
