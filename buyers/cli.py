"""`flask --app app buyers ...`: the licensed gold buyers directory from the command line.

Changes are buyers.service's officer actions: with `--as USERNAME` (core/clidoor.py) they are
made as that officer (their role and county rule apply, and the audit entry names them), else
as the server's operator ("cli" in the audit log). The lists take `--as` too (that officer's
county only).
"""
import click
from flask.cli import AppGroup

from buyers import rules, service
from core.clidoor import as_officer_option, refused_as_click
from core.phones import mask
from models import db

buyers_cli = AppGroup("buyers", help="Licensed gold buyers: list, add, edit, delete, expiring.")


def _line(b, on):
    state = "EXPIRED" if not rules.is_listed(b.licence_expires, on) else (
        "expiring" if rules.is_expiring(b.licence_expires, on) else "in force")
    return (f"{b.id:>5}  {b.name[:28]:<28} {b.licence_number:<18} {b.licence_expires.isoformat()} {state:<8} "
            f"{b.county:<13} {b.market[:16]:<16} {mask(b.phone)}")


@buyers_cli.command("list")
@click.option("--county", default=None)
@click.option("--status", type=click.Choice(["listed", "expired", "expiring"]), default=None)
@as_officer_option
def list_buyers(county, status, officer):
    """Buyers (phones masked)."""
    on = rules.today()
    rows = db.session.execute(service.listing(officer, county=county, status=status, on=on)).scalars()
    for b in rows:
        click.echo(_line(b, on))


@buyers_cli.command("expiring")
@as_officer_option
def expiring(officer):
    """Licences in force that end within 30 days."""
    on = rules.today()
    for b in service.expiring(officer, on):
        click.echo(_line(b, on))


@buyers_cli.command("add")
@click.option("--name", required=True)
@click.option("--licence-number", required=True)
@click.option("--licence-expires", required=True, help="YYYY-MM-DD")
@click.option("--county", required=True)
@click.option("--market", required=True)
@click.option("--phone", required=True)
@as_officer_option
def add(name, licence_number, licence_expires, county, market, phone, officer):
    """Add a buyer."""
    fields = {"name": name, "licence_number": licence_number, "licence_expires": licence_expires,
              "county": county, "market": market, "phone": phone}
    with refused_as_click():
        buyer = service.create(officer, fields)
    click.echo(f"buyer {buyer.id}: {buyer.name} ({buyer.county}), licence {buyer.licence_number} "
               f"to {buyer.licence_expires.isoformat()}")


@buyers_cli.command("edit")
@click.argument("buyer_id", type=int)
@click.option("--name")
@click.option("--licence-number")
@click.option("--licence-expires", help="YYYY-MM-DD")
@click.option("--county")
@click.option("--market")
@click.option("--phone")
@as_officer_option
def edit(buyer_id, officer, **changes):
    """Change some fields of a buyer."""
    fields = {k: v for k, v in changes.items() if v is not None}
    if not fields:
        raise click.ClickException("nothing to change: give at least one option")
    with refused_as_click():
        buyer = service.update(officer, buyer_id, fields)
    click.echo(f"buyer {buyer.id} saved")


@buyers_cli.command("delete")
@click.argument("buyer_id", type=int)
@as_officer_option
def delete(buyer_id, officer):
    """Remove a buyer from the directory."""
    with refused_as_click():
        service.delete(officer, buyer_id)
    click.echo(f"buyer {buyer_id} deleted")
