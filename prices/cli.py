"""`flask --app app price ...`: publish a price, compute a reference price, list and add markets."""
from datetime import datetime, timezone
from decimal import Decimal

import click
from flask.cli import AppGroup

from core.clidoor import as_officer_option, refused_as_click
from prices import board
from prices import publishing as prices
from prices.units import BadQuantity, kes, parse_purity, percent, reference_price

price_cli = AppGroup("price", help="Gold prices: publish, reference, markets.")


@price_cli.command("publish")
@click.option("--market", required=True, help="Market (county buying centre), e.g. Migori")
@click.option("--kes-per-gram", required=True, help="KES per gram at the given purity, e.g. 9850")
@click.option("--purity", required=True, help="0.9, 90%, or 22k")
@click.option("--source", default="", help="Where the price comes from, e.g. 'Migori buying centre'")
@click.option("--observed-at", default=None, help="When the price held (ISO 8601, UTC); default now")
@as_officer_option
def publish(market, kes_per_gram, purity, source, observed_at, officer):
    """Publish a price and alert the market's subscribers."""
    try:
        observed = datetime.fromisoformat(observed_at).replace(tzinfo=timezone.utc) if observed_at else None
        with refused_as_click():
            found = prices.market_named(market)
            price = prices.publish(officer, found, kes_per_gram, purity, source=source, observed_at=observed)
    except (BadQuantity, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"published {found.name}: {kes(price.kes_per_gram, 'en')}/g at {percent(price.purity, 'en')} "
               f"(price {price.id}); subscribers are being alerted")


@price_cli.command("reference")
@click.option("--usd-per-oz", required=True, type=Decimal, help="World price, USD per troy ounce (e.g. LBMA PM)")
@click.option("--usd-kes", required=True, type=Decimal, help="KES for one USD")
@click.option("--purity", default="0.9", show_default=True, help="0.9, 90%, or 22k")
def reference(usd_per_oz, usd_kes, purity):
    """KES per gram from the world price: at 24k and at the purity asked."""
    try:
        fraction = parse_purity(purity)
    except BadQuantity as exc:
        raise click.ClickException(str(exc)) from None
    if usd_per_oz <= 0 or usd_kes <= 0:
        raise click.ClickException("the world price and the exchange rate must be more than 0")
    result = reference_price(usd_per_oz, usd_kes, fraction)
    click.echo(f"world {usd_per_oz} USD/oz x {usd_kes} KES/USD / 31.1034768 g/oz")
    click.echo(f"24k (pure): {kes(result['kes_per_gram_24k'], 'en')}/g ({result['kes_per_gram_24k']})")
    click.echo(f"{percent(fraction, 'en')}: {kes(result['kes_per_gram'], 'en')}/g ({result['kes_per_gram']})")


@price_cli.command("markets")
def list_markets():
    """Markets and their latest price."""
    for market in board.markets():
        latest = market["prices"][0] if market["prices"] else None
        shown = f"{kes(latest['kes'], 'en')}/g at {percent(latest['purity'], 'en')} ({latest['observed'][:10]})" \
            if latest else "no price yet"
        click.echo(f"{market['name']:<14} {market['county']:<14} {shown}")


@price_cli.command("seed-markets")
def seed_markets():
    """Add the buying centre of every gold-mining county that is missing."""
    click.echo(f"{prices.ensure_default_markets()} markets added")


@price_cli.command("add-market")
@click.argument("name")
@click.option("--county", required=True)
def add_market(name, county):
    """Add a market (a buying centre) in a county."""
    market = prices.add_market(name, county)
    click.echo(f"market {market.name} ({market.county})")
