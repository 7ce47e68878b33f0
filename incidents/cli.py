"""`flask --app app incidents ...`: incidents for an officer at a terminal, and the spool.

    flask --app app incidents list [--open] [--county Migori] [--urgent] [--limit 50]
    flask --app app incidents show MS-7K3Q
    flask --app app incidents status MS-7K3Q responding [--note "..."] [--as OFFICER]
    flask --app app incidents reveal MS-7K3Q --reason "..." --as ADMIN
    flask --app app incidents drain-spool      (the cron process does the same every minute:
                                                files spooled reports, then queues the alerts
                                                nothing queued yet)
"""
import click
from flask.cli import AppGroup

from core.clidoor import as_officer_option, refused_as_click
from core.i18n import NAIROBI
from core.phones import mask
from incidents import actions, filing, notify, spool
from incidents.categories import OPEN_STATUSES, STATUSES
from models import Incident, db

incidents_cli = AppGroup("incidents", help="Incident reports.")


def _reporter(incident):
    if incident.anonymous:
        return "anonymous"
    return mask(incident.reporter_phone) if incident.reporter_phone else "erased"


@incidents_cli.command("list")
@click.option("--open", "only_open", is_flag=True, help="Only new, acknowledged and responding ones.")
@click.option("--county", default=None, help="Only this county.")
@click.option("--urgent", is_flag=True, help="Only urgent ones (dead, trapped, or injured in a collapse...).")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 1000))
def list_incidents(only_open, county, urgent, limit):
    """The latest incidents, newest first (times in Nairobi time, numbers masked)."""
    query = db.select(Incident).order_by(Incident.reported_at.desc(), Incident.id.desc()).limit(limit)
    if only_open:
        query = query.where(Incident.status.in_(OPEN_STATUSES))
    if county:
        query = query.where(db.func.lower(Incident.county) == county.strip().lower())
    if urgent:
        query = query.where(Incident.urgent.is_(True))
    rows = db.session.execute(query).scalars().all()
    if not rows:
        click.echo("No incidents.")
        return
    click.echo(f"{'REF':<8} {'REPORTED (EAT)':<16} {'STATUS':<12} {'!':1} {'CATEGORY':<12} "
               f"{'D/I/T':<9} {'WHERE':<32} REPORTER")
    for row in rows:
        when = row.reported_at.astimezone(NAIROBI).strftime("%Y-%m-%d %H:%M")
        where = ", ".join(p for p in (row.site, row.county) if p) or "-"
        people = f"{row.dead}/{row.injured}/{row.trapped}"
        click.echo(f"{row.reference:<8} {when:<16} {row.status:<12} {'!' if row.urgent else ' '} "
                   f"{row.category:<12} {people:<9} {where[:32]:<32} {_reporter(row)}")
    click.echo(f"{len(rows)} incident(s); D/I/T = dead/injured/trapped or missing; ! = urgent.")


@incidents_cli.command("drain-spool")
def drain_spool():
    """File reports that waited in the spool while the database was down."""
    waiting = spool.pending()
    result = filing.drain_spool()
    click.echo(f"waiting {waiting}: filed {result['filed']}, already filed {result['already_filed']}, "
               f"failed {result['failed']}, left {result['left']}"
               + (" (database still down)" if result["database_down"] else ""))
    if result["database_down"]:
        raise SystemExit(1)
    alerted = notify.sweep_unalerted()
    if alerted:
        click.echo(f"alerts queued for {alerted} incident(s) that had none")


@incidents_cli.command("show")
@click.argument("reference")
def show_incident(reference):
    """One incident with its follow-ups and status history."""
    incident = db.session.execute(
        db.select(Incident).filter_by(reference=reference.strip().upper())
    ).scalar_one_or_none()
    if incident is None:
        raise click.ClickException(f"no incident {reference}")
    local = lambda moment: moment.astimezone(NAIROBI).strftime("%Y-%m-%d %H:%M")  # noqa: E731
    click.echo(f"{incident.reference}  {incident.category}  {incident.status}"
               + ("  URGENT" if incident.urgent else ""))
    click.echo(f"reported {local(incident.reported_at)} EAT by {incident.channel}; happened: {incident.occurred}")
    click.echo(f"where: {', '.join(p for p in (incident.site, incident.county) if p) or '-'}")
    click.echo(f"people: dead {incident.dead}, injured {incident.injured}, trapped or missing {incident.trapped}")
    click.echo(f"reporter: {_reporter(incident)}")
    if incident.description:
        click.echo(f"description: {incident.description}")
    for follow_up in incident.follow_ups:
        click.echo(f"  + {local(follow_up.created_at)} {follow_up.text}")
    for change in incident.status_changes:
        click.echo(f"  * {local(change.created_at)} {change.officer_username}: {change.old_status} -> "
                   f"{change.new_status}" + (f" ({change.note})" if change.note else ""))


@incidents_cli.command("status")
@click.argument("reference")
@click.argument("status", type=click.Choice(STATUSES))
@click.option("--note", default=None, help="What was done, who was sent.")
@as_officer_option
def change_status(reference, status, note, officer):
    """Change an incident's status (the reporter is told by SMS when they can be)."""
    with refused_as_click():
        incident = actions.change_status(officer, reference, status, note)
    click.echo(f"{incident.reference}: {incident.status}")


@incidents_cli.command("reveal")
@click.argument("reference")
@click.option("--reason", required=True, help="Why you need the reporter's number (kept for ever).")
@as_officer_option
def reveal_reporter(reference, reason, officer):
    """Show who reported an incident (admins; --as names the admin, the reason is kept)."""
    if officer is None:
        raise click.UsageError("say who looks with --as ADMIN: the look-up is kept with who looked and why")
    with refused_as_click():
        incident, phone = actions.reveal_reporter(officer, reference, reason)
    click.echo(f"{incident.reference}: reported by {phone}")
