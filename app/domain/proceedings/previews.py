"""One piece typeset exactly as the book will print it, from the draft or a version.

The typesetter runs it in a warm child process (``proceedings/
preview_workers.py``) with a time limit, so a preview is answered within
the request in a fraction of a second without WeasyPrint ever living in the
web process. Every preview is also kept, named by a hash of everything that
decides how it looks (the piece, the conference, the template, the
stylesheet, the engine): opening the same version or an unchanged draft
again is answered from the file.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import tempfile
from functools import lru_cache
from importlib.metadata import version as package_version
from pathlib import Path

from flask_babel import gettext as _

from app.config import ROOT
from app.domain.errors import DomainError
from app.domain.permissions import belongs_to_bureau, can_see_submission
from app.domain.proceedings.spec import book_conference, book_key_tasks, piece_from_draft, piece_from_version
from app.models import Submission, SubmissionVersion, User
from app.storage.base import FileStore

log = logging.getLogger(__name__)


class PreviewUnavailable(DomainError):
    """The typesetter could not produce the preview (fonts missing, time limit)."""

    http_status = 503


def can_preview_draft(user: User, submission: Submission) -> bool:
    """The draft is the bureau's own business; the ministry previews what was sent."""
    return belongs_to_bureau(user, submission)


def can_preview_version(user: User, submission: Submission) -> bool:
    return can_see_submission(user, submission)


MAX_KEPT = 300


def preview_pdf(submission: Submission, version: SubmissionVersion | None, *, store: FileStore,
                cache_dir: Path | None = None) -> bytes:
    """The PDF of ``version`` of ``submission``, or of its current draft when ``version`` is None.

    With ``cache_dir`` a preview typeset before is served from there.
    """
    from app.domain.proceedings.typesetting.fonts import MissingFontError
    from app.domain.proceedings.typesetting.render import BookBuildError, render_piece_preview

    piece = piece_from_draft(submission, store) if version is None else piece_from_version(version, store)
    conference, key_tasks = book_conference(submission.conference), book_key_tasks(submission.conference)
    kept = Path(cache_dir) / f"{_preview_key(piece, conference, key_tasks)}.pdf" if cache_dir else None
    if kept is not None and kept.is_file():
        return kept.read_bytes()
    try:
        data = render_piece_preview(piece, conference, key_tasks)
    except MissingFontError as error:
        log.error("preview of submission %s: %s", submission.id, error)
        raise PreviewUnavailable(_(
            "The printed preview cannot be made: the fonts of the book are not installed on the server. "
            "Please tell the system administrator."
        )) from None
    except BookBuildError as error:
        log.error("preview of submission %s could not be typeset: %s", submission.id, error)
        raise PreviewUnavailable(_(
            "The printed preview could not be made this time. Please try again in a moment; "
            "if it keeps failing, tell the conference editors."
        )) from None
    if kept is not None:
        _keep(kept, data)
    return data


def _preview_key(piece, conference, key_tasks) -> str:
    described = {
        "piece": {**dataclasses.asdict(piece), "attachment_paths": sorted(piece.attachment_paths)},
        "conference": dataclasses.asdict(conference),
        "key_tasks": [dataclasses.asdict(t) for t in key_tasks],
        "look": _look_fingerprint(),
    }
    return hashlib.sha256(json.dumps(described, sort_keys=True, default=str).encode()).hexdigest()


@lru_cache(maxsize=1)
def _look_fingerprint() -> str:
    """The template, stylesheet and engine: a deploy that changes them changes every key."""
    digest = hashlib.sha256(package_version("weasyprint").encode())
    for path in sorted((ROOT / "templates" / "book").glob("*.html")) + [ROOT / "static" / "css" / "print.css"]:
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def _keep(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temp = tempfile.mkstemp(dir=path.parent, prefix=".preview-")
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    os.replace(temp, path)
    kept = sorted(path.parent.glob("*.pdf"), key=lambda p: p.stat().st_mtime)
    for old in kept[:-MAX_KEPT]:
        old.unlink(missing_ok=True)


def preview_file_name(submission: Submission, version: SubmissionVersion | None) -> str:
    suffix = f"v{version.number}" if version is not None else "draft"
    return f"preview-submission-{submission.id}-{suffix}.pdf"
