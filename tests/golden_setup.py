"""Setup steps golden conversations call with `@call tests.golden_setup:<function> words...`."""
from datetime import datetime, timezone

from models import Miner, db
from prices import publishing as prices
from tips.catalogue import load_file


def load_tips():
    load_file()


def publish_price(market, kes_per_gram, purity, observed_at=None):
    """`@call tests.golden_setup:publish_price Migori 9850 0.9 2026-11-20T08:00`"""
    prices.ensure_default_markets()
    observed = datetime.fromisoformat(observed_at).replace(tzinfo=timezone.utc) if observed_at else None
    prices.publish(None, prices.market_named(market), kes_per_gram, purity, source="golden", by="test",
                   observed_at=observed)


def registered(phone, county, locale="sw", name="Amina"):
    """`@call tests.golden_setup:registered +254712000001 Migori en` (with SMS consent)."""
    from miners.registration import register

    register(phone, name=name, county=county, site="Osiri", role="digger", gender="woman", locale=locale, sms=True)
    db.session.commit()
    assert db.session.execute(db.select(Miner).filter_by(phone=phone)).scalar_one()
