"""`flask --app app doctor`, `flask --app app release`, and `db upgrade` that loads shipped content.

Plain `flask --app app db upgrade` (what the contract says to run) ends by loading the shipped
content the database lacks, so a deployment that runs only that serves the safety tips.
`release` is the Procfile's release phase: the same, with a line per kind of content.
"""
import copy

import click
from flask.cli import with_appcontext
from flask_migrate import upgrade as upgrade_database
from flask_migrate.cli import db as migrate_db
from flask_migrate.cli import upgrade as migrate_upgrade

from ops import content, doctor as checks


def _load_content():
    current, heads = checks.migration_state()
    if current != heads:  # upgraded to an older revision on purpose: the tables may not fit
        click.echo("content: not loaded (the database is not at the head revision)")
        return None
    added = content.load_missing()
    click.echo("content: " + ", ".join(f"{name} {n} added" for name, n in added.items()))
    return added


@click.command("upgrade", params=migrate_upgrade.params,
               help="Upgrade to a later version; at the head revision, add the shipped content the database lacks.")
@click.pass_context
@with_appcontext
def upgrade(ctx, **options):
    ctx.invoke(migrate_upgrade, **options)
    if not options.get("sql"):
        _load_content()


# Flask-Migrate's `db` group with our upgrade in place of its own (its other commands as they are).
db_cli = copy.copy(migrate_db)
db_cli.commands = {**migrate_db.commands, "upgrade": upgrade}


@click.command("release")
@with_appcontext
def release():
    """Upgrade the database to the head revision and load missing shipped content (idempotent)."""
    upgrade_database()
    _load_content()


@click.command("doctor")
@click.option("--offline", is_flag=True, help="Do not ask Africa's Talking for the balance.")
@with_appcontext
def doctor(offline):
    """Check what would fail silently: settings, database, Redis, workers, cron, queues, content,
    officers per county, the AT balance. One line per check; exits 1 when any check fails."""
    results = checks.run(live=not offline)
    for check in results:
        click.echo(check.line())
    failed = [c.name for c in results if c.status == checks.FAIL]
    if failed:
        click.echo(f"{len(failed)} check(s) failed: {', '.join(failed)}", err=True)
        raise SystemExit(1)


def register(app):
    app.cli.add_command(db_cli, name="db")
    app.cli.add_command(release)
    app.cli.add_command(doctor)
