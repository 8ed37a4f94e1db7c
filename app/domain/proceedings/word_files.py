"""The Word file of an edition: made on first download, then kept in the file store beside its PDF.

The book in Word is built from the edition's own frozen items (the spec the
PDF was built from), so both hold the same pieces in the same order; since
the edition never changes, the file made once is the file forever, and it is
byte-identical if made again (dated from the edition's creation).
"""
from __future__ import annotations

from app.domain.proceedings import editions, word_export
from app.domain.proceedings.spec import spec_for_edition
from app.models import EditionStatus, ProceedingsEdition
from app.storage.base import FileStore


def docx_key(edition: ProceedingsEdition) -> str | None:
    """Where the edition's ``.docx`` is kept: the PDF's key with ``.docx``."""
    return editions.key_for_file(word_export.docx_name(edition.file_name)) if edition.file_name else None


def edition_docx(edition: ProceedingsEdition, *, store: FileStore) -> str | None:
    """The key of the edition's ``.docx``, built now if it is not kept yet; None for an edition not built."""
    key = docx_key(edition)
    if edition.status is not EditionStatus.DONE or key is None:
        return None
    if not store.exists(key):
        # The store writes aside and moves in one step: a reader never gets half a file.
        store.put(key, word_export.build_docx(spec_for_edition(edition, store), created=edition.created_at))
    return key


def download_name(pdf_download_name: str) -> str:
    return word_export.docx_name(pdf_download_name)
