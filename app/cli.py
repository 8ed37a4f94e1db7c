"""Flask commands: ``seed-demo`` and ``create-user``."""
from __future__ import annotations

import click
import sqlalchemy as sa
from flask import Flask

from app.domain.errors import DomainError
from app.extensions import db
from app.models import Organisation, Role


def register_cli(app: Flask) -> None:
    @app.cli.command("seed-demo")
    @click.option("--sample-content", is_flag=True, help="Also add sample pieces in every state.")
    @click.option("--if-empty", is_flag=True, help="Load nothing if a conference exists; just print the logins.")
    def seed_demo_command(sample_content: bool, if_empty: bool) -> None:
        """Load the 2024 demo conference and accounts (safe to run again)."""
        from app.domain.demo import DEMO_PASSWORD, demo_logins, seed_demo
        from app.models import Conference

        if if_empty and db.session.scalar(sa.select(sa.func.count()).select_from(Conference)):
            click.echo("The database already holds a conference; nothing was loaded.")
        else:
            seed_demo()
            if sample_content:
                from app.domain.sample_content import seed_sample_content

                seed_sample_content()
            db.session.commit()
            click.echo("Demo conference loaded.")
        from app.domain.sample_content import sample_logins

        logins = demo_logins() + sample_logins()
        click.echo("Demo logins (password for all: %s):" % DEMO_PASSWORD)
        for login in logins:
            click.echo(f"  {login.username:<14} {login.role:<10} {login.organisation}")

    @app.cli.command("create-user")
    @click.option("--username", prompt=True)
    @click.option("--name", "display_name", prompt="Display name")
    @click.option("--role", type=click.Choice([r.value for r in Role]), prompt=True)
    @click.option("--organisation", "organisation_code", default="", help="Bureau code, for submitters.")
    @click.option("--email", default="")
    @click.password_option()
    def create_user_command(username, display_name, role, organisation_code, email, password) -> None:
        """Create an account; the password is asked twice and not echoed."""
        from app.domain.accounts import create_user

        organisation = None
        if organisation_code:
            organisation = db.session.scalar(sa.select(Organisation).where(Organisation.code == organisation_code))
            if organisation is None:
                raise click.ClickException(f"No bureau with code {organisation_code!r}.")
        try:
            user = create_user(username=username, display_name=display_name, role=Role(role),
                               password=password, organisation=organisation, email=email)
        except DomainError as error:
            raise click.ClickException(error.message) from None
        db.session.commit()
        click.echo(f"Created {user.username} ({user.role.value}).")
