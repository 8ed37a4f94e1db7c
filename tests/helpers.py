"""Small helpers that tests of every area share."""
from __future__ import annotations

import html
import re
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def page_text(response) -> str:
    """The visible text of an HTML response or page source, whitespace folded (for assertions on messages)."""
    # A page's source, a Flask test response, or a ``requests`` one from a live server.
    if isinstance(response, str):
        source = response
    else:
        source = response.get_data(as_text=True) if hasattr(response, "get_data") else response.text
    source = re.sub(r"<(script|style)\b.*?</\1>", " ", source, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", source)
    return " ".join(html.unescape(text).split())
