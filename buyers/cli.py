"""`flask --app app buyers ...`: the licensed gold buyers directory from the command line.

Changes are audited; with `--as USERNAME` they are made as that officer (their role and
county rule apply, and the audit entry names them), else as the server's operator ("cli").
"""
import click
from flask.cli import AppGroup

from buyers import rules, service
from core.phones import mask
from models import Officer, db

buyers_cli = AppGroup("buyers", help="Licensed gold buyers: list, add, edit, delete, expiring.")


def _officer(username):
    if not username:
        return None
    officer = db.session.execute(db.select(Officer).filter_by(username=username)).scalar_one_or_none()
    if officer is None or officer.disabled_at is not None:
        raise click.ClickException(f"no enabled officer {username}")
    return officer


def _line(b, on):
    state = "EXPIRED" if not rules.is_listed(b.licence_expires, on) else (
        "expiring" if rules.is_expiring(b.licence_expires, on) else "in force")
    return (f"{b.id:>5}  {b.name[:28]:<28} {b.licence_number:<18} {b.licence_expires.isoformat()} {state:<8} "
            f"{b.county:<13} {b.market[:16]:<16} {mask(b.phone)}")


def _run(action):
    try:
        return action()
    except rules.BuyerInvalid as exc:
        raise click.ClickException(f"{exc.field}: {exc.message}") from None
    except service.Refused as exc:
        raise click.ClickException(exc.message) from None


@buyers_cli.command("list")
@click.option("--county", default=None)
@click.option("--status", type=click.Choice(["listed", "expired", "expiring"]), default=None)
@click.option("--as", "username", default=None, help="list as this officer (their county only)")
def list_buyers(county, status, username):
    """Buyers (phones masked)."""
    on = rules.today()
    rows = db.session.execute(service.listing(_officer(username), county=county, status=status, on=on)).scalars()
    for b in rows:
        click.echo(_line(b, on))


@buyers_cli.command("expiring")
@click.option("--as", "username", default=None)
def expiring(username):
    """Licences in force that end within 30 days."""
    on = rules.today()
    for b in service.expiring(_officer(username), on):
        click.echo(_line(b, on))


@buyers_cli.command("add")
@click.option("--name", required=True)
@click.option("--licence-number", required=True)
@click.option("--licence-expires", required=True, help="YYYY-MM-DD")
@click.option("--county", required=True)
@click.option("--market", required=True)
@click.option("--phone", required=True)
@click.option("--as", "username", default=None)
def add(name, licence_number, licence_expires, county, market, phone, username):
    """Add a buyer."""
    fields = {"name": name, "licence_number": licence_number, "licence_expires": licence_expires,
              "county": county, "market": market, "phone": phone}
    buyer = _run(lambda: service.create(_officer(username), fields, by="cli"))
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
@click.option("--as", "username", default=None)
def edit(buyer_id, username, **changes):
    """Change some fields of a buyer."""
    fields = {k: v for k, v in changes.items() if v is not None}
    if not fields:
        raise click.ClickException("nothing to change: give at least one option")
    officer = _officer(username)
    buyer = _run(lambda: service.get(officer, buyer_id))
    buyer = _run(lambda: service.update(officer, buyer, fields, by="cli"))
    click.echo(f"buyer {buyer.id} saved")


@buyers_cli.command("delete")
@click.argument("buyer_id", type=int)
@click.option("--as", "username", default=None)
def delete(buyer_id, username):
    """Remove a buyer from the directory."""
    officer = _officer(username)
    buyer = _run(lambda: service.get(officer, buyer_id))
    _run(lambda: service.delete(officer, buyer, by="cli"))
    click.echo(f"buyer {buyer_id} deleted")
