"""An edition's progress in words, for the page and for its JSON status endpoint."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import ngettext

from app.domain.proceedings import editions
from app.models import EditionStatus, ProceedingsEdition, utcnow

# The failures the builder describes in words of its own, as the editors read them.
FAILURE_TEXTS = {
    editions.INTERRUPTED: lambda: _("The build was interrupted before it finished (its worker stopped). "
                                    "Delete this edition and build again."),
    editions.WORKER_DIED: lambda: _("A typesetting process stopped before the book was finished (it was killed "
                                    "or ran out of memory). Nothing was kept: delete this edition and build again."),
    editions.BUILD_PROCESS_DIED: lambda: _("The build process stopped before the book was finished (it was killed, "
                                           "crashed or the server restarted). Nothing was kept: delete this edition and "
                                           "build again."),
}


def failure_text(edition: ProceedingsEdition) -> str:
    """Why the build failed, translated when the builder said it in words of its own."""
    known = FAILURE_TEXTS.get(edition.error)
    return known() if known else edition.error


def progress_text(edition: ProceedingsEdition, now: datetime | None = None) -> str:
    """What the build is doing and how long it has been at it: a status polled every second
    or two reads differently each time, so a long piece never looks like a frozen page."""
    stage, done, total = edition.progress_stage, edition.progress_done, edition.progress_total
    if edition.status is EditionStatus.DONE:
        return _("Done: %(pages)d pages.", pages=edition.page_count or 0)
    if edition.status is EditionStatus.FAILED:
        return _("Failed: %(error)s", error=failure_text(edition))
    elapsed = elapsed_text((now or utcnow()) - edition.created_at)
    if stage == "rendering":
        if done < total:
            return _("Typesetting the pieces: %(done)d of %(total)d done, %(elapsed)s since the build was asked for.",
                     done=done, total=total, elapsed=elapsed)
        return _("All %(total)d pieces typeset; numbering the pages, %(elapsed)s since the build was asked for.",
                 total=total, elapsed=elapsed)
    if stage in ("assembling", "done"):
        return _("Assembling the book, %(elapsed)s since the build was asked for.", elapsed=elapsed)
    return _("Queued: waiting for the build worker, %(elapsed)s so far.", elapsed=elapsed)


def elapsed_text(elapsed: timedelta) -> str:
    seconds = max(0, int(elapsed.total_seconds()))
    if seconds < 60:
        return ngettext("%(num)d second", "%(num)d seconds", seconds)
    return _("%(minutes)d min %(seconds)02d s", minutes=seconds // 60, seconds=seconds % 60)


def status_payload(edition: ProceedingsEdition) -> dict:
    return {
        "number": edition.number,
        "status": edition.status.value,
        "stage": edition.progress_stage,
        "done": edition.progress_done,
        "total": edition.progress_total,
        "finished": edition.status in (EditionStatus.DONE, EditionStatus.FAILED),
        "text": progress_text(edition),
    }
