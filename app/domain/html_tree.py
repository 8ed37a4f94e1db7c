"""Small operations on lxml trees of body HTML, shared by the body editor's notes and the book."""
from __future__ import annotations


def remove_keeping_tail(element) -> None:
    """Remove ``element`` but keep the text that follows it."""
    parent = element.getparent()
    if element.tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)
