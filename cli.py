"""Command-line tools for officers and operators: `flask --app app <command>`.

Each capability's commands live beside it; this module only registers them.
"""
import click
from flask import Flask
from flask.cli import AppGroup

from core.phones import InvalidPhone, normalise
from models import ApiToken, Officer, db
from models.officer import ROLES

officer_cli = AppGroup("officer", help="Manage officer accounts.")
token_cli = AppGroup("token", help="Manage API tokens.")


@officer_cli.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--county", default=None, help="Limit an officer to one county (and route its alerts).")
@click.option("--phone", default=None, help="E.164 number for urgent incident alerts by SMS.")
@click.option("--locale", type=click.Choice(["sw", "en"]), default="sw")
def officer_add(username, role, password, county, phone, locale):
    """Add an officer (or update one with the same username)."""
    if len(password) < 8:
        raise click.BadParameter("use at least 8 characters", param_hint="--password")
    if phone:
        try:
            phone = normalise(phone)
        except InvalidPhone as exc:
            raise click.BadParameter(str(exc), param_hint="--phone") from None
    officer = db.session.execute(db.select(Officer).filter_by(username=username)).scalar_one_or_none()
    created = officer is None
    if created:
        officer = Officer(username=username)
        db.session.add(officer)
    officer.role, officer.county, officer.phone, officer.locale = role, county, phone, locale
    officer.set_password(password)
    db.session.commit()
    click.echo(f"{'added' if created else 'updated'} {role} {username}" + (f" ({county})" if county else ""))


@token_cli.command("issue")
@click.argument("username")
def token_issue(username):
    """Print a new API token for an officer (shown once; only its hash is stored)."""
    officer = db.session.execute(db.select(Officer).filter_by(username=username)).scalar_one_or_none()
    if officer is None:
        raise click.ClickException(f"no officer called {username}")
    token = ApiToken.issue(officer)
    db.session.commit()
    click.echo(token)


def register_commands(app: Flask):
    from ops.cli import register as register_ops
    from ussd.sim import ussd_sim

    app.cli.add_command(officer_cli)
    app.cli.add_command(token_cli)
    app.cli.add_command(ussd_sim)
    # Each capability's own commands are added by the registry (core/capability.py).
    register_ops(app)  # doctor, release, and `db upgrade` that loads shipped content
