"""`flask --app app finance ...`: officers' leads from the command line, acting as a named
officer (so that the county rule and the audit log hold here as in the dashboard and API)."""
import click
from flask.cli import AppGroup

from finance import service
from finance.labels import KINDS
from models import Officer, db

finance_cli = AppGroup("finance", help="Finance and equipment leads: counts, CSV export, SMS to leads.")


def _officer(username):
    officer = db.session.execute(db.select(Officer).filter_by(username=username)).scalar_one_or_none()
    if officer is None or officer.disabled_at is not None:
        raise click.BadParameter(f"no active officer {username!r}", param_hint="--officer")
    return officer


OFFICER = click.option("--officer", "username", required=True, help="Act as this officer (county rule, audit log)")
COUNTY = click.option("--county", default=None, help="Only this county")
KIND = click.option("--kind", type=click.Choice(KINDS), default=None)


@finance_cli.command("leads")
@OFFICER
@COUNTY
def leads(username, county):
    """Leads per county and kind."""
    counts = service.counts(_officer(username), county)
    click.echo(f"{'COUNTY':<16}" + "".join(f"{k:>16}" for k in KINDS) + f"{'TOTAL':>8}")
    for name, by_kind, total in counts["rows"]:
        click.echo(f"{name[:15]:<16}" + "".join(f"{by_kind[k]:>16}" for k in KINDS) + f"{total:>8}")
    click.echo(f"{'ALL':<16}" + "".join(f"{counts['totals'][k]:>16}" for k in KINDS) + f"{counts['total']:>8}")


@finance_cli.command("export")
@OFFICER
@COUNTY
@KIND
@click.option("--output", "-o", type=click.File("w", encoding="utf-8"), default="-", help="File (default: stdout)")
def export(username, county, kind, output):
    """The leads as CSV (phones masked unless the officer is an admin; written to the audit log)."""
    text, rows = service.export_csv(_officer(username), county, kind, door="cli")
    output.write(text)
    click.echo(f"{rows} lead(s) exported", err=True)


@finance_cli.command("broadcast")
@OFFICER
@COUNTY
@click.option("--kind", type=click.Choice(KINDS), required=True)
@click.option("--sw", "text_sw", help="Swahili text")
@click.option("--en", "text_en", help="English text")
@click.option("--urgent", is_flag=True)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation")
def broadcast(username, county, kind, text_sw, text_en, urgent, yes):
    """Send an SMS to the miners with a lead of KIND (in COUNTY)."""
    officer = _officer(username)
    texts = {k: v for k, v in (("sw", text_sw), ("en", text_en)) if v}
    try:
        audience = service.lead_audience(officer, kind, county)
        recipients = service.recipients_count(audience)
        if not yes:
            click.confirm(f"Send to {recipients} miner(s)?", abort=True)
        item = service.broadcast_to_leads(officer, texts, kind, county, urgent=urgent, door="cli")
    except (service.LeadError, ValueError, PermissionError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"broadcast {item.id} created for {recipients} recipient(s)")
