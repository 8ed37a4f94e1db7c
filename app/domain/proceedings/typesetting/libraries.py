"""Find WeasyPrint's C libraries once per process, not once per worker.

WeasyPrint opens Pango, GObject, HarfBuzz and fontconfig through cffi,
trying several names for each; every name that is not a loadable file goes
to ``ctypes.util.find_library``, which on Linux runs ``ldconfig -p`` and
then gcc and ld to look for it: about 86 programs each time a typesetting
worker starts (two seconds of a cold preview). The parent asks those
questions once and hands the answers to each worker it spawns, which
installs them before it imports WeasyPrint.
"""
from __future__ import annotations

import ast
import ctypes.util
import importlib.util
from functools import lru_cache
from pathlib import Path


def _names_tried() -> list[list[str]]:
    """The names WeasyPrint's ``_dlopen`` calls try, read from its source without importing it."""
    spec = importlib.util.find_spec("weasyprint")
    if spec is None or spec.origin is None:
        return []
    source = Path(spec.origin).parent / "text" / "ffi.py"
    try:
        tree = ast.parse(source.read_text(encoding="utf-8"))
    except (OSError, SyntaxError):
        return []
    return [[arg.value for arg in node.args if isinstance(arg, ast.Constant) and isinstance(arg.value, str)]
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_dlopen"]


@lru_cache(maxsize=1)
def library_lookups() -> dict[str, str | None]:
    """``find_library``'s answer for each name a worker would ask about, in the order it asks.

    A worker stops at the first name found, so the names after it are never asked.
    """
    answers: dict[str, str | None] = {}
    for names in _names_tried():
        for name in names:
            answers[name] = ctypes.util.find_library(name)
            if answers[name]:
                break
    return answers


def use_lookups(answers: dict[str, str | None]) -> None:
    """In a worker, before WeasyPrint is imported: answer the known names without searching.

    A name the parent did not ask about (another WeasyPrint release) is still searched for.
    """
    search = ctypes.util.find_library

    def find_library(name: str) -> str | None:
        return answers[name] if name in answers else search(name)

    ctypes.util.find_library = find_library
