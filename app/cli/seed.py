"""``flask seed-demo``: the 2024 demo conference, its accounts and, on request, sample pieces."""
from __future__ import annotations

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from app.extensions import db


@click.command("seed-demo")
@with_appcontext
@click.option("--sample-content", is_flag=True, help="Also add sample pieces in every state.")
@click.option("--if-empty", is_flag=True, help="Load nothing if a conference exists; just print the logins.")
def seed_demo_command(sample_content: bool, if_empty: bool) -> None:
    """Load the 2024 demo conference and accounts (safe to run again)."""
    from app.models import Conference
    from app.seed.demo import DEMO_PASSWORD, demo_logins, seed_demo

    if if_empty and db.session.scalar(sa.select(sa.func.count()).select_from(Conference)):
        click.echo("The database already holds a conference; nothing was loaded.")
    else:
        # The sample pieces' notifications link to their pages: a request context lets them be built,
        # for the site's own host (in production any other host is untrusted, and builds no link).
        with current_app.test_request_context("/", base_url=current_app.config.get("HUIBIAN_BASE_URL")):
            seed_demo()
            if sample_content:
                from app.seed.sample_content import seed_sample_content

                seed_sample_content()
            db.session.commit()
        click.echo("Demo conference loaded.")
    from app.seed.sample_content import sample_logins

    logins = demo_logins() + sample_logins()
    click.echo("Demo logins (password for all: %s):" % DEMO_PASSWORD)
    for login in logins:
        click.echo(f"  {login.username:<14} {login.role:<10} {login.organisation}")
