"""The Word converter's child loads the converter, not the web app."""
from __future__ import annotations

import subprocess
import sys

from app.config import ROOT
from app.domain.submissions.docx.importer import import_docx
from tests.helpers import FIXTURES

LOADED_WITH_THE_CONVERTER = """
import sys
import app.domain.submissions.docx.converter
print(" ".join(sorted({m.split(".")[0] for m in sys.modules} & {"flask", "sqlalchemy", "flask_sqlalchemy", "weasyprint"})))
"""


def test_the_converter_module_imports_no_flask_no_database_no_weasyprint():
    done = subprocess.run([sys.executable, "-c", LOADED_WITH_THE_CONVERTER], cwd=ROOT,
                          capture_output=True, text=True, check=True, timeout=60)
    assert done.stdout.strip() == ""


def test_imports_after_the_first_are_forks_of_a_server_that_has_the_converter_loaded():
    data = (FIXTURES / "single-paragraph.docx").read_bytes()
    first = import_docx(data, store_image=lambda content, content_type: "/x")
    again = import_docx(data, store_image=lambda content, content_type: "/x")
    import multiprocessing.forkserver as forkserver

    assert forkserver._forkserver._preload_modules == ["app.domain.submissions.docx.converter", "mammoth"]
    assert forkserver._forkserver._forkserver_pid is not None
    assert again.html == first.html and "<p>" in first.html
