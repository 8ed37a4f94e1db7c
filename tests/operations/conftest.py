"""Fault tests act as a bureau on a draft, as the submission tests do."""
from tests.submissions.conftest import draft, setting, word_files  # noqa: F401 - fixtures shared with submissions
