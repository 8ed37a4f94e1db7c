"""Proceedings: editions of the book, their contents and order, preflight and previews.

The typesetter itself is ``typesetting/``, which knows nothing of the
database or of Flask: it turns a ``BookSpec`` into a PDF.
"""
