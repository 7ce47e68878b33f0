"""`flask --app app finance ...`: officers' leads from the command line.

`--as USERNAME` (core/clidoor.py) acts as that officer: their county rule applies and the
audit log names them, as in the dashboard and the API (finance.service; the broadcast is
broadcasts.actions.create's). Without it the command is the server operator's (every county,
whole numbers, "cli" in the audit log)."""
import click
from flask.cli import AppGroup

from broadcasts.audience import reachable_count
from core.clidoor import as_officer_option, refused_as_click
from finance import service
from finance.labels import KINDS

finance_cli = AppGroup("finance", help="Finance and equipment leads: counts, CSV export, SMS to leads.")

COUNTY = click.option("--county", default=None, help="Only this county")
KIND = click.option("--kind", type=click.Choice(KINDS), default=None)


@finance_cli.command("leads")
@COUNTY
@as_officer_option
def leads(county, officer):
    """Leads per county and kind."""
    counts = service.counts(officer, county)
    click.echo(f"{'COUNTY':<16}" + "".join(f"{k:>16}" for k in KINDS) + f"{'TOTAL':>8}")
    for name, by_kind, total in counts["rows"]:
        click.echo(f"{name[:15]:<16}" + "".join(f"{by_kind[k]:>16}" for k in KINDS) + f"{total:>8}")
    click.echo(f"{'ALL':<16}" + "".join(f"{counts['totals'][k]:>16}" for k in KINDS) + f"{counts['total']:>8}")


@finance_cli.command("export")
@COUNTY
@KIND
@click.option("--output", "-o", type=click.File("w", encoding="utf-8"), default="-", help="File (default: stdout)")
@as_officer_option
def export(county, kind, output, officer):
    """The leads as CSV (phones masked unless the officer is an admin; written to the audit log)."""
    with refused_as_click():
        text, rows = service.export_csv(officer, county, kind)
    output.write(text)
    click.echo(f"{rows} lead(s) exported", err=True)


@finance_cli.command("broadcast")
@COUNTY
@click.option("--kind", type=click.Choice(KINDS), required=True)
@click.option("--sw", "text_sw", help="Swahili text")
@click.option("--en", "text_en", help="English text")
@click.option("--urgent", is_flag=True)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation")
@as_officer_option
def broadcast(county, kind, text_sw, text_en, urgent, yes, officer):
    """Send an SMS to the miners with a lead of KIND (in COUNTY)."""
    texts = {k: v for k, v in (("sw", text_sw), ("en", text_en)) if v}
    with refused_as_click():
        recipients = reachable_count(service.lead_audience(officer, kind, county))
        if not yes:
            click.confirm(f"Send to {recipients} miner(s)?", abort=True)
        item = service.broadcast_to_leads(officer, texts, kind, county, urgent=urgent)
    click.echo(f"broadcast {item.id} created for {recipients} recipient(s)")
