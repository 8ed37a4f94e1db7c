"""One piece typeset exactly as the book will print it, from the draft or a version.

The typesetter runs it in a warm child process (``proceedings/
preview_workers.py``) with a time limit, so a preview is answered within
the request in a fraction of a second without WeasyPrint ever living in the
web process. Every preview is also kept, named by a hash of everything that
decides how it looks (the piece, the conference, the template, the
stylesheet, the engine): opening the same version or an unchanged draft
again is answered from the file.

Previews are bounded (``typesetting/admission.py``): one per person, a short
wait for a worker, a worker kept for the ministry, a time and a memory
limit. Past them the answer is a 503 that says why (:class:`PreviewBusy`
with a ``Retry-After``). A preview that ran out of time or memory is
remembered by the same key, next to the kept previews: the same unchanged
draft (or version) is then refused at once instead of tying up a worker
again; any change to it makes a new key.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Mapping
from functools import lru_cache
from importlib.metadata import version as package_version
from pathlib import Path

from flask_babel import gettext as _

from app.config import ROOT
from app.domain.errors import DomainError
from app.domain.permissions import belongs_to_bureau, can_see_submission, is_ministry
from app.domain.proceedings.preflight import latest_done_edition
from app.domain.proceedings.spec import book_conference, book_key_tasks, piece_from_draft, piece_from_version
from app.domain.proceedings.typesetting.preview_workers import PreviewPolicy
from app.domain.proceedings.typesetting.workers import TypesetOutOfMemory, TypesetTimeout, TypesetTooDeep
from app.models import Submission, SubmissionVersion, User
from app.storage.base import FileStore

log = logging.getLogger(__name__)


class PreviewUnavailable(DomainError):
    """The typesetter could not produce the preview (fonts missing, time limit)."""

    http_status = 503
    #: seconds after which asking again may work; None when it would not help
    retry_after: int | None = None


class PreviewBusy(PreviewUnavailable):
    """No preview worker could be had within the wait: try again shortly."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class PreviewTooHeavy(PreviewUnavailable):
    """This very draft or version ran out of time or memory before: not tried again until it changes."""


def preview_policy(config: Mapping) -> PreviewPolicy:
    """The preview limits of the ``PREVIEW_*`` and ``TYPESETTING_MEMORY_LIMIT_MB`` settings."""
    default = PreviewPolicy()
    return PreviewPolicy(
        workers=int(config.get("PREVIEW_WORKERS", default.workers)),
        max_waiting=int(config.get("PREVIEW_MAX_WAITING", default.max_waiting)),
        wait_seconds=float(config.get("PREVIEW_WAIT_SECONDS", default.wait_seconds)),
        timeout_seconds=float(config.get("PREVIEW_TIMEOUT_SECONDS", default.timeout_seconds)),
        memory_limit_mb=int(config.get("TYPESETTING_MEMORY_LIMIT_MB", default.memory_limit_mb or 0)) or None,
    )


def can_preview_draft(user: User, submission: Submission) -> bool:
    """The draft is the bureau's own business; the ministry previews what was sent."""
    return belongs_to_bureau(user, submission)


def can_preview_version(user: User, submission: Submission) -> bool:
    return can_see_submission(user, submission)


MAX_KEPT = 300
# Why a piece's preview was stopped, as remembered beside the kept previews.
_REASONS = {TypesetTimeout: "timeout", TypesetOutOfMemory: "memory", TypesetTooDeep: "depth"}


def preview_pdf(submission: Submission, version: SubmissionVersion | None, *, store: FileStore,
                cache_dir: Path | None = None, viewer: User | None = None,
                policy: PreviewPolicy | None = None, wait: float | None = None,
                style: str | None = None) -> bytes:
    """The PDF of ``version`` of ``submission``, or of its current draft when ``version`` is None.

    It has the pages of ``style`` (``book.BOOK_STYLES``); by default the style
    of the conference's latest built edition, else the ministry's.

    With ``cache_dir`` a preview typeset before is served from there, and one
    that ran out of time or memory or nested too deeply before is refused at
    once (:class:`PreviewTooHeavy`). The ``viewer`` has one preview at a time,
    the ministry's ahead of the bureaus'; ``wait`` overrides the policy's
    wait for a worker (a background job, with nobody waiting, waits longer).
    Raises :class:`PreviewBusy` (503, retry) or another :class:`PreviewUnavailable`.
    """
    from app.domain.proceedings.typesetting.admission import PreviewsBusy
    from app.domain.proceedings.typesetting.fonts import MissingFontError
    from app.domain.proceedings.typesetting.render import BookBuildError, render_piece_preview

    policy = policy or PreviewPolicy()
    piece = piece_from_draft(submission, store) if version is None else piece_from_version(version, store)
    conference, key_tasks = book_conference(submission.conference), book_key_tasks(submission.conference)
    if style is None:
        latest = latest_done_edition(submission.conference)
        style = latest.book_style if latest is not None else "ministry"
    key = _preview_key(piece, conference, key_tasks, style)
    kept = Path(cache_dir) / f"{key}.pdf" if cache_dir else None
    if kept is not None and kept.is_file():
        return kept.read_bytes()
    failed = Path(cache_dir) / f"{key}.failed" if cache_dir else None
    remembered = _failed_before(failed, policy) if failed is not None else None
    if remembered:
        raise PreviewTooHeavy(_too_heavy_message(version, remembered))
    try:
        data = render_piece_preview(piece, conference, key_tasks, policy=policy,
                                    owner=viewer.id if viewer is not None else None,
                                    priority=viewer is not None and is_ministry(viewer), wait=wait, style=style)
    except PreviewsBusy as busy:
        raise _busy(busy.own, policy) from None
    except (TypesetTimeout, TypesetOutOfMemory, TypesetTooDeep) as error:
        log.warning("preview of submission %s stopped: %s", submission.id, error)
        if failed is not None:
            _remember_failure(failed, policy, _REASONS[type(error)])
        if isinstance(error, TypesetTooDeep):
            raise PreviewUnavailable(_(
                "This piece nests blocks inside blocks too deeply to be typeset. Simplify its layout "
                "(or paste it again as plain text), then preview it again.")) from None
        if isinstance(error, TypesetTimeout):
            raise PreviewUnavailable(_(
                "This piece took longer than %(seconds)s seconds to typeset, so its preview was stopped. "
                "Shorten it or split it into several pieces, or simplify its layout (deeply nested blocks, "
                "huge tables), then preview it again.", seconds=format(policy.timeout_seconds, "g"))) from None
        raise PreviewUnavailable(_(
            "This piece needs more memory to typeset than the server allows, so its preview was stopped. "
            "Shorten it or split it, make its pictures smaller, or simplify its layout, "
            "then preview it again.")) from None
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


def _busy(own: bool, policy: PreviewPolicy) -> PreviewBusy:
    if own:
        return PreviewBusy(_("Your previous preview is still being typeset. "
                             "Please wait for it, then try again; nothing was changed."), retry_after=5)
    retry_after = max(5, round(policy.wait_seconds))
    return PreviewBusy(_("The server is typesetting as many previews as it can right now. "
                         "Please try again in %(seconds)d seconds; nothing was changed.", seconds=retry_after),
                       retry_after=retry_after)


def _too_heavy_message(version: SubmissionVersion | None, reason: str) -> str:
    if reason == "depth":
        return _("This piece nests blocks inside blocks too deeply to be typeset, as found last time; "
                 "it is not tried again until it changes. Simplify its layout (or paste it again as plain text).")
    if version is None:
        return _("This draft took too long to typeset last time (or needed too much memory), so it is not "
                 "tried again as it is. Shorten it or split it into several pieces, or simplify its layout; "
                 "once the draft is changed it can be previewed again.")
    return _("This version took too long to typeset last time (or needed too much memory), so it is not "
             "tried again. Ask the bureau to send a shorter or simpler version.")


def _failed_before(marker: Path, policy: PreviewPolicy) -> str | None:
    """Why this very piece failed before, if it did under limits no more generous than today's."""
    try:
        failed = json.loads(marker.read_text())
    except (OSError, ValueError):
        return None
    reason = failed.get("reason") if isinstance(failed, dict) else None
    if reason == "depth":   # no setting changes that
        return reason
    if reason == "timeout" and policy.timeout_seconds <= float(failed.get("limit") or 0):
        return reason
    limit, now = failed.get("limit") if reason == "memory" else None, policy.memory_limit_mb
    if limit is not None and now is not None and now <= limit:
        return reason
    return None


def _remember_failure(marker: Path, policy: PreviewPolicy, reason: str) -> None:
    limit = {"timeout": policy.timeout_seconds, "memory": policy.memory_limit_mb}.get(reason)
    try:
        _write_atomically(marker, json.dumps({"reason": reason, "limit": limit}).encode())
        remembered = sorted(marker.parent.glob("*.failed"), key=lambda p: p.stat().st_mtime)
        for old in remembered[:-MAX_KEPT]:
            old.unlink(missing_ok=True)
    except OSError:
        # Not remembered: the next preview of it runs into the same limit, no worse.
        log.exception("could not remember the failed preview %s", marker.name)


def _preview_key(piece, conference, key_tasks, style="ministry") -> str:
    described = {
        "style": style,
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
    for path in sorted((ROOT / "templates" / "book").glob("*.html")) + [ROOT / "static" / "css" / "print.css",
                                                                      ROOT / "static" / "css" / "print-western.css"]:
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def _keep(path: Path, data: bytes) -> None:
    _write_atomically(path, data)
    kept = sorted(path.parent.glob("*.pdf"), key=lambda p: p.stat().st_mtime)
    for old in kept[:-MAX_KEPT]:
        old.unlink(missing_ok=True)


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temp = tempfile.mkstemp(dir=path.parent, prefix=".preview-")
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    os.replace(temp, path)


def preview_file_name(submission: Submission, version: SubmissionVersion | None) -> str:
    suffix = f"v{version.number}" if version is not None else "draft"
    return f"preview-submission-{submission.id}-{suffix}.pdf"
