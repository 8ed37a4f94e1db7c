"""``flask proceedings build`` and ``flask worker``: builds from a terminal, and the RQ worker."""
from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from app.domain.errors import DomainError
from app.extensions import db
from app.models import Conference, EditionStatus, Role, User
from app.storage import file_store


def _conference(slug: str | None) -> Conference:
    if slug:
        conference = db.session.scalar(sa.select(Conference).where(Conference.slug == slug))
        if conference is None:
            raise click.ClickException(f"No conference with slug {slug!r}.")
        return conference
    conference = db.session.scalar(sa.select(Conference).order_by(Conference.starts_on.desc()).limit(1))
    if conference is None:
        raise click.ClickException("There is no conference yet: run `flask --app wsgi seed-demo` first.")
    return conference


def _editor(username: str | None) -> User:
    query = sa.select(User).where(User.role == Role.EDITOR, User.is_enabled)
    query = query.where(User.username == username) if username else query.order_by(User.id)
    editor = db.session.scalar(query.limit(1))
    if editor is None:
        raise click.ClickException(f"No enabled editor {username!r}." if username else "There is no enabled editor account.")
    return editor


@click.command("build")
@click.option("--conference", "slug", help="Conference slug (default: the latest conference).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Also copy the PDF here.")
@click.option("--as", "username", help="Editor recorded as the builder (default: the first editor).")
@click.option("--numbering", type=click.Choice(["none", "arabic", "chinese", "per_section"]), default="none",
              show_default=True, help="How the pieces are numbered in the book and its contents.")
@click.option("--style", type=click.Choice(["ministry", "western"]), default="ministry", show_default=True,
              help="The book's style: a ministry compilation, or Western proceedings for an English edition.")
@click.option("--pdf", "pdf_variant", type=click.Choice(["plain", "pdf/ua-1", "pdf/a-3u"]), default="plain",
              show_default=True, help="The PDF standard the book claims: accessible (PDF/UA-1) or archival (PDF/A-3u).")
@click.option("--with-programme", is_flag=True,
              help="Print the programme of the oral session (发言顺序表) in the front matter.")
@with_appcontext
def build_command(slug: str | None, out: Path | None, username: str | None, numbering: str, style: str,
                  pdf_variant: str, with_programme: bool) -> None:
    """Build a new edition of the proceedings, as the editors' page does."""
    from app.background.builds import run_build
    from app.domain.proceedings.editions import create_edition, edition_key, today_for

    conference = _conference(slug)
    try:
        edition = create_edition(conference, actor=_editor(username), edition_date=today_for(conference),
                                 piece_numbering=numbering, book_style=style, with_programme=with_programme,
                                 pdf_variant="" if pdf_variant == "plain" else pdf_variant)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(f"Edition {edition.number} of {conference.slug}: {edition.progress_total} pieces.")
    started, stage_now = time.monotonic(), ["queued"]
    with click.progressbar(length=edition.progress_total, label="Queued", show_pos=True) as bar:
        def label() -> str:
            return f"{stage_now[0].capitalize()} ({time.monotonic() - started:.0f} s)"

        def advance(stage: str, done: int, total: int) -> None:
            stage_now[0] = stage
            bar.label = label()
            bar.update(max(0, done - bar.pos))

        # The bar moves every second, even while one long piece is being typeset.
        stop = threading.Event()

        def tick() -> None:
            while not stop.wait(1.0):
                bar.label = label()
                bar.render_progress()

        ticker = threading.Thread(target=tick, name="huibian-build-progress", daemon=True)
        ticker.start()
        try:
            edition = run_build(edition.id, on_progress=advance)
        finally:
            stop.set()
            ticker.join()
        if edition is None:
            raise click.ClickException("The edition vanished during the build.")
    if edition.status is not EditionStatus.DONE:
        raise click.ClickException(f"The build failed: {edition.error}")
    key = edition_key(edition)
    click.echo(f"Done: {edition.page_count} pages, {edition.size:,} bytes, sha256 {edition.sha256}")
    click.echo(f"  {key} in {file_store()!r}")
    if out is not None:
        with file_store().open(key) as source, open(out, "wb") as target:
            shutil.copyfileobj(source, target, 1 << 20)
        click.echo(f"  copied to {out}")


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@click.option("--queues", default="typeset,builds", show_default=True,
              help="Which queues to take jobs from, in order of preference: typeset, builds, or both "
                   "(the pieces of a running build before a new build).")
@with_appcontext
def worker_command(burst: bool, queues: str) -> None:
    """Run proceedings builds, and the pieces they typeset, queued on Redis (REDIS_URL)."""
    from rq import Queue

    from app.background.builds import rq_queue

    if not current_app.config.get("REDIS_URL"):
        raise click.ClickException(
            "REDIS_URL is not set: the web process then builds in child processes of its own and needs no worker.")
    from rq import SimpleWorker

    builds = rq_queue(current_app.config)
    names = {"builds": builds.name, "typeset": current_app.config["TYPESET_QUEUE"]}
    wanted = [name.strip() for name in queues.split(",") if name.strip()]
    if not wanted or any(name not in names for name in wanted):
        raise click.BadParameter("a comma-separated list of builds and typeset", param_hint="--queues")
    if wanted == ["typeset"]:
        from app.domain.proceedings.typesetting.workers import limit_memory

        # it typesets in this very process: a hostile piece fails its build, not the host
        # (a worker that also coordinates builds is left uncapped: a big book's assembly is its own)
        limit_memory(current_app.config.get("TYPESETTING_MEMORY_LIMIT_MB"))
    # SimpleWorker, not a forking one: a build's own typesetting processes
    # exit after it, and a typesetting job keeps WeasyPrint and the fonts warm for the next.
    SimpleWorker([Queue(names[name], connection=builds.connection) for name in wanted],
                 connection=builds.connection).work(burst=burst)
