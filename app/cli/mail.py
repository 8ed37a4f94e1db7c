"""``flask send-mail``: deliver the outbox now, for a cron job."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _

from app.background import mail


@click.command("send-mail")
@click.option("--limit", default=500, show_default=True, help="Send at most this many mails.")
@with_appcontext
def send_mail_command(limit: int) -> None:
    """Send the mail waiting in the outbox now (cron-friendly)."""
    counts = mail.send_due_mail(mail.SmtpSettings.from_config(current_app.config), limit=limit)
    click.echo(_("Sent %(sent)d, will retry %(retry)d, gave up on %(failed)d.", **counts))
