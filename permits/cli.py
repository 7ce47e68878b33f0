"""`flask --app app permits ...`: call-backs and county contacts at a terminal.

    flask --app app permits callbacks --as USERNAME [--status open] [--county Migori]
    flask --app app permits mark ID called|done --as USERNAME [--note TEXT]
    flask --app app permits contact set USERNAME [--office "Migori town, county offices"]
    flask --app app permits contact remove USERNAME

An officer's action names the officer (`--as`): the county rule and the audit entry are the
same as in the dashboard and the API (permits.callbacks). Choosing county contacts is an
admin's job; at the server's terminal it is recorded as done from the CLI.
"""
import click
from flask.cli import AppGroup

from models import Officer, db
from models.permit import CALLBACK_STATUSES
from permits import callbacks, contacts

permits_cli = AppGroup("permits", help="Permits and groups: call-backs and county contacts.")
contact_cli = AppGroup("contact", help="Who miners are told to call in each county.")
permits_cli.add_command(contact_cli)


def _officer(username):
    officer = db.session.execute(db.select(Officer).filter_by(username=username)).scalar_one_or_none()
    if officer is None or officer.disabled_at is not None:
        raise click.BadParameter(f"no active officer {username!r}", param_hint="--as")
    return officer


@permits_cli.command("callbacks")
@click.option("--as", "username", required=True, help="The officer looking (their county rule applies).")
@click.option("--status", type=click.Choice(CALLBACK_STATUSES), default=None)
@click.option("--county", default=None)
def list_callbacks(username, status, county):
    """Call-back requests, open first (numbers as this officer may see them)."""
    officer = _officer(username)
    try:
        rows = db.session.execute(callbacks.listing(officer, status=status, county=county).limit(200)).scalars().all()
    except callbacks.NotAllowed as exc:
        raise click.ClickException(str(exc)) from None
    if not rows:
        click.echo("No call-backs.")
        return
    for row in rows:
        click.echo(f"{callbacks.reference(row):<7} {row.status:<7} {row.county:<14} {row.topic:<7} "
                   f"{callbacks.phone_for(officer, row):<15} {row.note or ''}")


@permits_cli.command("mark")
@click.argument("callback_id", type=click.IntRange(1, 2**31 - 1))
@click.argument("status", type=click.Choice(CALLBACK_STATUSES))
@click.option("--as", "username", required=True, help="The officer who called.")
@click.option("--note", default=None)
def mark(callback_id, status, username, note):
    """Move a call-back on (open -> called -> done; done needs a note)."""
    officer = _officer(username)
    try:
        item = callbacks.get_for(officer, callback_id)
        if item is None:
            raise click.ClickException(f"no call-back {callback_id}")
        callbacks.change_status(officer, item, status, note)
    except (callbacks.NotAllowed, callbacks.CallbackError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{callbacks.reference(item)}: {item.status}")


@contact_cli.command("set")
@click.argument("username")
@click.option("--office", default=None, help="Where miners find the office (at most 60 characters).")
def contact_set(username, office):
    """Flag an officer (with a county and a phone) as their county's contact."""
    try:
        contacts.set_contact(None, username, office, active=True)
    except contacts.ContactError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{username} is a county contact.")


@contact_cli.command("remove")
@click.argument("username")
def contact_remove(username):
    """Stop giving this officer's phone to miners."""
    try:
        contacts.set_contact(None, username, active=False)
    except contacts.ContactError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{username} is no longer a county contact.")
