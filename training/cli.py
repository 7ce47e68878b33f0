"""`flask --app app training ...`: list, create, update, cancel, invite, attendance, reminders.

The officer actions (create, update, cancel, invite, attend) take `--as USERNAME` (core/clidoor.py):
that officer's role and county rule apply and the audit entry names them, as in the
dashboard and the API (training.service); without it the action is the operator's ("cli" in
the audit log, all counties)."""
import click
from flask.cli import AppGroup

from core.clidoor import as_officer_option, refused_as_click
from models import db, utcnow
from models.training import TOPICS, TrainingSession
from training import service, texts

training_cli = AppGroup("training", help="Training sessions: list, create, cancel, invite, attend, remind.")


def _line(s):
    return (f"{s.id}\t{texts.when(s.starts_at)}\t{s.county}\t{s.venue}\t{s.title.get('sw') or s.title.get('en')}"
            f"\t{s.booked}/{s.seats}\t{s.status}")


@training_cli.command("list")
@click.option("--county", default=None)
@click.option("--all", "show_all", is_flag=True, help="past sessions too")
def list_sessions(county, show_all):
    """Training sessions, soonest first."""
    query = db.select(TrainingSession).order_by(TrainingSession.starts_at)
    if county:
        query = query.filter(db.func.lower(TrainingSession.county) == county.lower())
    if not show_all:
        query = query.filter(TrainingSession.starts_at > utcnow())
    for session in db.session.execute(query).scalars():
        click.echo(_line(session))


@training_cli.command("create")
@click.option("--topic", required=True, type=click.Choice(TOPICS))
@click.option("--title-sw", required=True)
@click.option("--title-en", required=True)
@click.option("--county", required=True)
@click.option("--venue", required=True)
@click.option("--starts-at", required=True, help="e.g. 2026-12-10T09:00 (Nairobi time unless a zone is given)")
@click.option("--seats", required=True)
@as_officer_option
def create(topic, title_sw, title_en, county, venue, starts_at, seats, officer):
    """Create a training session."""
    body = {"topic": topic, "title": {"sw": title_sw, "en": title_en}, "county": county, "venue": venue,
            "starts_at": starts_at, "seats": seats}
    with refused_as_click():
        session = service.create(officer, body)
    click.echo(f"created training {session.id}: {_line(session)}")


@training_cli.command("update")
@click.argument("training_id", type=int)
@click.option("--title-sw")
@click.option("--title-en")
@click.option("--venue")
@click.option("--starts-at", help="e.g. 2026-12-10T09:00 (Nairobi time unless a zone is given)")
@click.option("--seats")
@as_officer_option
def update(training_id, title_sw, title_en, venue, starts_at, seats, officer):
    """Change a session's title, venue, start or seats (those booked keep their seats)."""
    body = {key: value for key, value in (("venue", venue), ("starts_at", starts_at), ("seats", seats))
            if value is not None}
    titles = {locale: value for locale, value in (("sw", title_sw), ("en", title_en)) if value is not None}
    if titles:
        body["title"] = titles
    if not body:
        raise click.ClickException("nothing to change: give at least one option")
    with refused_as_click():
        session = service.update(officer, training_id, body)
    click.echo(f"changed training {session.id}: {_line(session)}")


@training_cli.command("cancel")
@click.argument("training_id", type=int)
@as_officer_option
def cancel(training_id, officer):
    """Cancel a session; those booked are told by SMS."""
    with refused_as_click():
        service.cancel(officer, training_id)
    click.echo(f"cancelled training {training_id}")


@training_cli.command("invite")
@click.argument("training_id", type=int)
@as_officer_option
def invite(training_id, officer):
    """Invite the county's miners by SMS (a broadcast that says how to book)."""
    with refused_as_click():
        broadcast = service.invite(officer, training_id)
    click.echo(f"invitation broadcast {broadcast.id} queued for {broadcast.audience['county'][0]}")


@training_cli.command("attend")
@click.argument("training_id", type=int)
@click.argument("phones", nargs=-1, required=True)
@as_officer_option
def attend(training_id, phones, officer):
    """Mark phones as attended."""
    with refused_as_click():
        marked = service.set_attendance(officer, training_id, list(phones))
    click.echo(f"{len(marked)} marked as attended")


@training_cli.command("remind")
def remind():
    """Send the day-before reminders now (the cron process does this every 15 minutes)."""
    click.echo(f"{service.send_reminders()} reminder(s) queued")
