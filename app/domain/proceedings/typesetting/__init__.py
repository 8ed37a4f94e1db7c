"""The typesetter: a ``BookSpec`` in, a PDF out — pure Python, no Flask, no database.

``book.py`` holds the spec, ``html.py`` the book as HTML from ``templates/book/``,
``render.py`` the build in parallel chunks merged by ``assemble.py``.
"""
