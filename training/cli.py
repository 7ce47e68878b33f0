"""`flask --app app training ...`: list, create, cancel, invite, attendance, reminders.

`--as USERNAME` acts as that officer (county rule and audit as in the dashboard and API);
without it the action is the operator's ("cli" in the audit log, all counties)."""
import click
from flask.cli import AppGroup

from models import Officer, db, utcnow
from models.training import TOPICS, TrainingSession
from training import service, texts

training_cli = AppGroup("training", help="Training sessions: list, create, cancel, invite, attend, remind.")


def _officer(username):
    if not username:
        return None
    officer = db.session.execute(db.select(Officer).filter_by(username=username)).scalar_one_or_none()
    if officer is None or officer.disabled_at is not None:
        raise click.ClickException(f"no active officer {username}")
    if not officer.may("trainings"):
        raise click.ClickException(f"the {officer.role} role may not manage trainings")
    return officer


def _session(officer, training_id):
    try:
        session = service.get_for(officer, training_id)
    except service.OutOfScope as exc:
        raise click.ClickException(str(exc)) from None
    if session is None:
        raise click.ClickException(f"no training session {training_id}")
    return session


def _run(action):
    try:
        return action()
    except service.TrainingError as exc:
        raise click.ClickException(f"{exc.field}: {exc.message}") from None
    except service.OutOfScope as exc:
        raise click.ClickException(str(exc)) from None


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
@click.option("--as", "username", default=None, help="the officer acting")
def create(topic, title_sw, title_en, county, venue, starts_at, seats, username):
    """Create a training session."""
    officer = _officer(username)
    body = {"topic": topic, "title": {"sw": title_sw, "en": title_en}, "county": county, "venue": venue,
            "starts_at": starts_at, "seats": seats}
    session = _run(lambda: service.create(body, officer, username=None if officer else "cli"))
    click.echo(f"created training {session.id}: {_line(session)}")


@training_cli.command("cancel")
@click.argument("training_id", type=int)
@click.option("--as", "username", default=None)
def cancel(training_id, username):
    """Cancel a session; those booked are told by SMS."""
    officer = _officer(username)
    session = _session(officer, training_id)
    _run(lambda: service.update(session, {"status": "cancelled"}, officer, username=None if officer else "cli"))
    click.echo(f"cancelled training {training_id}")


@training_cli.command("invite")
@click.argument("training_id", type=int)
@click.option("--as", "username", default=None)
def invite(training_id, username):
    """Invite the county's miners by SMS (a broadcast that says how to book)."""
    officer = _officer(username)
    session = _session(officer, training_id)
    broadcast = _run(lambda: service.invite(session, officer, username=None if officer else "cli"))
    click.echo(f"invitation broadcast {broadcast.id} queued for {session.county}")


@training_cli.command("attend")
@click.argument("training_id", type=int)
@click.argument("phones", nargs=-1, required=True)
@click.option("--as", "username", default=None)
def attend(training_id, phones, username):
    """Mark phones as attended."""
    officer = _officer(username)
    session = _session(officer, training_id)
    marked = _run(lambda: service.set_attendance(session, list(phones), officer,
                                                 username=None if officer else "cli"))
    click.echo(f"{len(marked)} marked as attended")


@training_cli.command("remind")
def remind():
    """Send the day-before reminders now (the cron process does this every 15 minutes)."""
    click.echo(f"{service.send_reminders()} reminder(s) queued")
