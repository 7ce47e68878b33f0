"""The command line as a door for officer actions (core/policy.py).

A command that does an officer action takes `--as USERNAME`: the action is then done as that
officer (their role and county apply, and the audit entry names them). Without it the
action is the operator's, who has the server's shell and so the database: no rule applies,
and the audit entry says `cli`. Either way the entry records the door `cli`.

    @price_cli.command("publish")
    @as_officer_option
    def publish(..., officer):
        with refused_as_click():
            prices.publish(officer, ...)
"""
import functools
from contextlib import contextmanager

import click

from core.policy import Refused
from models import Officer, db


def officer_named(username):
    """The active officer with this username (a ClickException otherwise)."""
    officer = db.session.execute(db.select(Officer).filter_by(username=username)).scalar_one_or_none()
    if officer is None:
        raise click.ClickException(f"no officer called {username}")
    if officer.disabled_at is not None:
        raise click.ClickException(f"officer {username} is disabled")
    return officer


def as_officer_option(command):
    """Adds `--as USERNAME`; the command receives `officer` (an Officer, or None)."""

    @click.option("--as", "as_username", metavar="USERNAME", default=None,
                  help="Act as this officer: their role and county apply, and the audit log names them.")
    @functools.wraps(command)
    def wrapper(*args, as_username=None, **kwargs):
        return command(*args, officer=officer_named(as_username) if as_username else None, **kwargs)

    return wrapper


@contextmanager
def refused_as_click():
    """An action the capability refused becomes the CLI's error line (exit code 1)."""
    try:
        yield
    except Refused as exc:
        raise click.ClickException(str(exc)) from None
