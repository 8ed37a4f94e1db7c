"""Every ``flask`` command of Huibian, registered in one place."""
from __future__ import annotations

import click
from flask import Flask

from app.cli.accounts import create_user_command
from app.cli.backup import backup_command, restore_command
from app.cli.mail import send_mail_command
from app.cli.proceedings import build_command, worker_command
from app.cli.reminders import remind_command
from app.cli.seed import seed_demo_command


@click.group("proceedings")
def proceedings_group() -> None:
    """Build the conference proceedings."""


proceedings_group.add_command(build_command)


def register_cli(app: Flask) -> None:
    for command in (seed_demo_command, create_user_command, send_mail_command, worker_command, proceedings_group,
                    backup_command, restore_command, remind_command):
        app.cli.add_command(command)
