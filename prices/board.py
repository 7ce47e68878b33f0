"""The price board: every market with its newest prices, held in memory for USSD and SMS
(see core/snapshot.py), and the wording of a price in the reader's language."""
import re
from datetime import datetime
from decimal import Decimal

from flask import current_app, has_app_context

from core.i18n import N_, translate
from core.snapshot import Snapshot
from models import Market, Price, db, utcnow
from prices.units import kes, percent, short_date

DEFAULT_STALE_DAYS = 7  # PRICE_STALE_DAYS when rendered outside an app (screen tests)
HISTORY = 6  # the latest price, and the 5 before it for "last 5 prices" and the move

MSG_PRICE = N_("%(market)s %(date)s: %(price)s/g, %(purity)s pure.")
MSG_UP = N_("Up %(change)s since %(date)s.")
MSG_DOWN = N_("Down %(change)s since %(date)s.")
MSG_SAME = N_("No change since %(date)s.")
MSG_STALE = N_("Old price: %(days)s days ago.")
MSG_NO_PRICE = N_("No gold price yet for %(market)s.")


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
    return {"markets": [_entry(market) for market in markets]}


def market_entry_from_db(market_id):
    """One market's board entry straight from the database (jobs, not USSD hops)."""
    return _entry(db.session.get(Market, market_id))


BOARD = Snapshot("prices", _build, empty={"markets": []})


def markets():
    """Every market, each with its newest prices first (refreshed if changed: SMS, jobs)."""
    return BOARD.get()["markets"]


def markets_in_memory():
    """The markets as this process last loaded them: no I/O (USSD screens)."""
    return BOARD.current()["markets"]


def _plain(name):
    return re.sub(r"[^a-z0-9]", "", (name or "").casefold())


def find_market(name, board=None, exact=False):
    """The market a person named ('migori', 'Homa bay', 'homabay', and unless `exact` a
    unique beginning such as 'taita'), or None."""
    board = board if board is not None else markets()
    wanted = _plain(name)
    if not wanted:
        return None
    same = [m for m in board if _plain(m["name"]) == wanted]
    if same or exact:
        return same[0] if same else None
    prefixed = [m for m in board if _plain(m["name"]).startswith(wanted)]
    return prefixed[0] if len(prefixed) == 1 else None


def market_for_county(county, board=None):
    board = board if board is not None else markets()
    wanted = _plain(county)
    return next((m for m in board if wanted and _plain(m["county"]) == wanted), None)


def priced_first(board):
    """Markets with a price before those without (each group in its own order)."""
    return sorted(board, key=lambda m: not m["prices"])


def nearest_priced(county, board):
    """The market with a price nearest to `county` (by the counties' positions), or None."""
    from flows.catalog import COUNTY_POSITIONS, county_code

    here = COUNTY_POSITIONS.get(county_code(county or "") or "")
    if here is None:
        return None
    candidates = [(COUNTY_POSITIONS[code], m) for m in board if m["prices"]
                  for code in [county_code(m["county"] or "")] if code in COUNTY_POSITIONS]
    if not candidates:
        return None
    return min(candidates, key=lambda pair: (pair[0][0] - here[0]) ** 2 + (pair[0][1] - here[1]) ** 2)[1]


def move(market):
    """Relative change of the newest price against the one before, per gram of pure gold."""
    prices = market["prices"]
    if len(prices) < 2:
        return None
    new, old = Decimal(prices[0]["pure"]), Decimal(prices[1]["pure"])
    return (new - old) / old if old else None


def age_days(price, now=None):
    return ((now or utcnow()) - datetime.fromisoformat(price["observed"])).days


def price_words(market, locale, now=None, with_move=True, with_age=True):
    """'Migori 24 Nov: KES 9,850/g, 90% pure. Up 2.1% since 20 Nov.' (+ 'Old price' when stale),
    or the no-price line."""
    prices = market["prices"]
    if not prices:
        return translate(locale, MSG_NO_PRICE, market=market["name"])
    latest = prices[0]
    observed = datetime.fromisoformat(latest["observed"])
    parts = [translate(locale, MSG_PRICE, market=market["name"], date=short_date(observed, locale),
                       price=kes(latest["kes"], locale), purity=percent(latest["purity"], locale))]
    change = move(market) if with_move else None
    if change is not None:
        since = short_date(datetime.fromisoformat(prices[1]["observed"]), locale)
        if abs(change) < Decimal("0.0005"):
            parts.append(translate(locale, MSG_SAME, date=since))
        else:
            msgid = MSG_UP if change > 0 else MSG_DOWN
            parts.append(translate(locale, msgid, change=percent(abs(change), locale), date=since))
    days = age_days(latest, now)
    stale_after = current_app.config["PRICE_STALE_DAYS"] if has_app_context() else DEFAULT_STALE_DAYS
    if with_age and days > stale_after:
        parts.append(translate(locale, MSG_STALE, days=days))
    return " ".join(parts)


def fit_one_sms(render):
    """`render(options)` wraps price words in an SMS template; the fullest version that fits
    one GSM-7 SMS: with the move and the age warning, then without the move (a warning that
    the price is old matters more), then without either (only with absurd data)."""
    from sms import encoding

    variants = [{}, {"with_move": False}, {"with_age": False, "with_move": False}]
    for options in variants:
        text = render(options)
        if encoding.fits_one_sms(text):
            return text
    return text


# --- the market a phone last looked at (so nobody has to pick it again each call) -----------

REMEMBERED_KEY = "prices:market:{phone}"
REMEMBER_DAYS = 180


def remember_market(phone, market_id):
    current_app.extensions["redis"].set(REMEMBERED_KEY.format(phone=phone), market_id,
                                        ex=REMEMBER_DAYS * 86400)


def forget_market(phone):
    current_app.extensions["redis"].delete(REMEMBERED_KEY.format(phone=phone))
