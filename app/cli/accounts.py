"""``flask create-user``: a real account from a terminal."""
from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from app.domain.errors import DomainError
from app.extensions import db
from app.models import Organisation, Role


@click.command("create-user")
@with_appcontext
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
