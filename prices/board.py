"""The price board: every market with its newest prices, held in memory for USSD and SMS
(see core/snapshot.py; the journey reads it as the "prices" snapshot), and the market a
phone looked at last. The wording of a price is prices/words.py's (pure)."""
from decimal import Decimal

from flask import current_app, has_app_context

from core.snapshot import Snapshot
from models import Market, Price, db
from prices.words import DEFAULT_STALE_DAYS, HISTORY


def _entry(market):
    prices = db.session.execute(
        db.select(Price).filter_by(market_id=market.id)
        .order_by(Price.observed_at.desc(), Price.id.desc()).limit(HISTORY)
    ).scalars().all()
    return {"id": market.id, "name": market.name, "county": market.county, "prices": [{
        "id": p.id, "kes": str(p.kes_per_gram), "purity": str(p.purity), "source": p.source,
        "pure": str((Decimal(p.kes_per_gram) / Decimal(p.purity)).quantize(Decimal("0.01"))),
        "observed": p.observed_at.isoformat(),
    } for p in prices]}


def _build():
    markets = db.session.execute(
        db.select(Market).filter_by(retired_at=None).order_by(Market.id)
    ).scalars().all()
    return {"markets": [_entry(market) for market in markets], "stale_days": stale_days()}


def market_entry_from_db(market_id):
    """One market's board entry straight from the database (jobs, not USSD hops)."""
    return _entry(db.session.get(Market, market_id))


BOARD = Snapshot("prices", _build, empty={"markets": [], "stale_days": DEFAULT_STALE_DAYS})


def markets():
    """Every market, each with its newest prices first (refreshed if changed: SMS, jobs)."""
    return BOARD.get()["markets"]


def markets_in_memory():
    """The markets as this process last loaded them: no I/O (USSD screens)."""
    return BOARD.current()["markets"]


def stale_days():
    """PRICE_STALE_DAYS: a price older than this is said to be old."""
    return current_app.config["PRICE_STALE_DAYS"] if has_app_context() else DEFAULT_STALE_DAYS


# --- the market a phone last looked at (so nobody has to pick it again each call) -----------

REMEMBERED_KEY = "prices:market:{phone}"
REMEMBER_DAYS = 180


def remember_market(phone, market_id):
    current_app.extensions["redis"].set(REMEMBERED_KEY.format(phone=phone), market_id,
                                        ex=REMEMBER_DAYS * 86400)


def forget_market(phone):
    current_app.extensions["redis"].delete(REMEMBERED_KEY.format(phone=phone))
