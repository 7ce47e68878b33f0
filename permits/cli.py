"""`flask --app app permits ...`: call-backs and county contacts at a terminal.

    flask --app app permits callbacks [--as USERNAME] [--status open] [--county Migori]
    flask --app app permits mark ID called|done [--as USERNAME] [--note TEXT]
    flask --app app permits contact set USERNAME [--office "Migori town, county offices"] [--as ADMIN]
    flask --app app permits contact remove USERNAME [--as ADMIN]

`--as USERNAME` (core/clidoor.py) acts as that officer: the role, the county rule and the
audit entry are the same as in the dashboard and the API (permits.callbacks,
permits.contacts). Without it the action is the server operator's (all counties; "cli" in
the audit log). Choosing county contacts is an admin's job.
"""
import click
from flask.cli import AppGroup

from core.clidoor import as_officer_option, refused_as_click
from models import db
from models.permit import CALLBACK_STATUSES
from permits import callbacks, contacts

permits_cli = AppGroup("permits", help="Permits and groups: call-backs and county contacts.")
contact_cli = AppGroup("contact", help="Who miners are told to call in each county.")
permits_cli.add_command(contact_cli)


@permits_cli.command("callbacks")
@click.option("--status", type=click.Choice(CALLBACK_STATUSES), default=None)
@click.option("--county", default=None)
@as_officer_option
def list_callbacks(status, county, officer):
    """Call-back requests, open first (numbers as this officer may see them)."""
    with refused_as_click():
        rows = db.session.execute(callbacks.listing(officer, status=status, county=county).limit(200)).scalars().all()
    if not rows:
        click.echo("No call-backs.")
        return
    for row in rows:
        click.echo(f"{callbacks.reference(row):<7} {row.status:<7} {row.county:<14} {row.topic:<7} "
                   f"{callbacks.phone_for(officer, row):<15} {row.note or ''}")


@permits_cli.command("mark")
@click.argument("callback_id", type=click.IntRange(1, 2**31 - 1))
@click.argument("status", type=click.Choice(CALLBACK_STATUSES))
@click.option("--note", default=None)
@as_officer_option
def mark(callback_id, status, note, officer):
    """Move a call-back on (open -> called -> done; done needs a note)."""
    with refused_as_click():
        item = callbacks.change_status(officer, callback_id, status, note)
    click.echo(f"{callbacks.reference(item)}: {item.status}")


@contact_cli.command("set")
@click.argument("username")
@click.option("--office", default=None, help="Where miners find the office (at most 60 characters).")
@as_officer_option
def contact_set(username, office, officer):
    """Flag an officer (with a county and a phone) as their county's contact."""
    with refused_as_click():
        contacts.set_contact(officer, username, office, active=True)
    click.echo(f"{username} is a county contact.")


@contact_cli.command("remove")
@click.argument("username")
@as_officer_option
def contact_remove(username, officer):
    """Stop giving this officer's phone to miners."""
    with refused_as_click():
        contacts.set_contact(officer, username, active=False)
    click.echo(f"{username} is no longer a county contact.")
