"""``flask backup FILE`` and ``flask restore FILE``: the whole instance in one archive, and back."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from app.background import backup as archive
from app.config import ROOT
from app.extensions import db
from app.storage import file_store


def _instance() -> archive.Instance:
    return archive.Instance(db.engine, db.metadata, file_store())


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(file: Path) -> None:
    """Write the database and the stored files to one .tar.gz archive."""
    manifest = archive.backup(_instance(), file)
    click.echo(_("Wrote %(file)s: %(rows)d rows, %(files)d files, migration %(revision)s.",
                 file=file, rows=sum(manifest["rows"].values()),
                 files=sum(1 for path in manifest["sha256"] if path.startswith("files/")),
                 revision=manifest["alembic_revision"]))


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def restore_command(file: Path) -> None:
    """Bring an archive made by "flask backup" back into an empty, migrated instance."""
    try:
        manifest = archive.restore(_instance(), file, head=archive.code_head(ROOT / "migrations"))
    except archive.BackupRefused as refusal:
        raise click.ClickException(str(refusal)) from refusal
    click.echo(_("Restored %(rows)d rows and %(files)d files from %(file)s.",
                 file=file, rows=sum(manifest["rows"].values()),
                 files=sum(1 for path in manifest["sha256"] if path.startswith("files/"))))
