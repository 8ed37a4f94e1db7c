"""``flask remind --due-in N``: remind the bureaus whose piece is due soon, for a daily cron job."""
from __future__ import annotations

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from app.domain.conference import reminders
from app.extensions import db


@click.command("remind")
@click.option("--due-in", "due_in", type=click.IntRange(0, 365), default=3, show_default=True,
              help="Remind bureaus whose piece is not yet sent and due within this many days.")
@with_appcontext
def remind_command(due_in: int) -> None:
    """Remind, at most once a day, every bureau whose piece is due within --due-in days."""
    done = reminders.remind_due_soon(due_in_days=due_in)
    db.session.commit()
    for invitation in done.reminded:
        click.echo(_("Reminded %(bureau)s (%(kind)s).", bureau=invitation.organisation.name_zh,
                     kind=invitation.kind.value))
    for invitation in done.skipped:
        click.echo(_("Not reminded, no one to notify: %(names)s", names=invitation.organisation.name_zh))
    click.echo(_("Reminded %(n)d bureaus.", n=len(done.reminded)))
