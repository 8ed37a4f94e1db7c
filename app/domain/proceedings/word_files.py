"""The Word file of an edition: made on first download, then kept beside its PDF.

The book in Word is built from the edition's own frozen items (the spec the
PDF was built from), so both hold the same pieces in the same order; since
the edition never changes, the file made once is the file forever, and it is
byte-identical if made again (dated from the edition's creation).
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from app.domain.proceedings import word_export
from app.domain.proceedings.spec import spec_for_edition
from app.models import EditionStatus, ProceedingsEdition


def docx_path(edition: ProceedingsEdition, editions_dir: Path) -> Path | None:
    """Where the edition's ``.docx`` is kept: the PDF's name with ``.docx``."""
    return Path(editions_dir) / word_export.docx_name(edition.file_name) if edition.file_name else None


def edition_docx(edition: ProceedingsEdition, *, editions_dir: Path, upload_dir: Path) -> Path | None:
    """The edition's ``.docx``, built now if it is not kept yet; None for an edition not built."""
    path = docx_path(edition, editions_dir)
    if edition.status is not EditionStatus.DONE or path is None:
        return None
    if not path.is_file():
        data = word_export.build_docx(spec_for_edition(edition, Path(upload_dir)), created=edition.created_at)
        # Written aside and moved in one step, so that a reader never gets half a file.
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".docx-", suffix=".part")
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    return path


def download_name(pdf_download_name: str) -> str:
    return word_export.docx_name(pdf_download_name)
