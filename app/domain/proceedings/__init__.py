"""Proceedings: typesetting approved pieces into the conference book.

Pure Python: the web layer turns approved versions into a :class:`BookSpec`
(``book.py``) and :func:`render_book` (``render.py``) writes the PDF.
"""
