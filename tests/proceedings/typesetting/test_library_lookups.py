"""Workers are told where WeasyPrint's C libraries are, instead of each searching with gcc and ld."""
from __future__ import annotations

import json
import subprocess
import sys

from app.config import ROOT
from app.domain.proceedings.typesetting.libraries import library_lookups

# Counts the programs the interpreter starts while it imports WeasyPrint.
IMPORT_WEASYPRINT = """
import json, sys
from app.domain.proceedings.typesetting.libraries import use_lookups
answers = json.loads(sys.argv[1])
if answers:
    use_lookups(answers)
started = []
sys.addaudithook(lambda event, args: started.append(event) if event == "subprocess.Popen" else None)
import weasyprint
print(len(started))
"""


def _programs_started_importing_weasyprint(answers: dict) -> int:
    done = subprocess.run([sys.executable, "-c", IMPORT_WEASYPRINT, json.dumps(answers)], cwd=ROOT,
                          capture_output=True, text=True, check=True, timeout=120)
    return int(done.stdout.split()[-1])


def test_the_parent_finds_pango_and_its_friends_once():
    answers = library_lookups()
    assert answers["pango-1.0"] == "libpango-1.0.so.0" or answers["pango-1.0"].startswith("libpango")
    assert any(name.startswith("libgobject") for name in filter(None, answers.values()))
    assert library_lookups() is answers


def test_a_worker_given_the_answers_imports_weasyprint_without_starting_a_program():
    assert _programs_started_importing_weasyprint({}) > 0   # what every worker used to do
    assert _programs_started_importing_weasyprint(library_lookups()) == 0
