"""The price board's wording and look-ups, pure (no database, no Redis, no Flask): the
prices journey (prices/journey.py), the SMS keyword and the alerts all say a price the same
way. A board is the "prices" snapshot's list of markets (prices/board.py builds it):

    [{"id", "name", "county", "prices": [{"kes", "purity", "pure", "observed", ...}, newest first]}]
"""
import re
from datetime import datetime, timezone
from decimal import Decimal

from core.i18n import N_, translate
from flows.catalog import COUNTY_POSITIONS, county_code
from prices.units import kes, percent, short_date

DEFAULT_STALE_DAYS = 7  # PRICE_STALE_DAYS's default
HISTORY = 6  # the latest price, and the 5 before it for "last 5 prices" and the move

MSG_PRICE = N_("%(market)s %(date)s: %(price)s/g, %(purity)s pure.")
MSG_UP = N_("Up %(change)s since %(date)s.")
MSG_DOWN = N_("Down %(change)s since %(date)s.")
MSG_SAME = N_("No change since %(date)s.")
MSG_STALE = N_("Old price: %(days)s days ago.")
MSG_NO_PRICE = N_("No gold price yet for %(market)s.")


def _plain(name):
    return re.sub(r"[^a-z0-9]", "", (name or "").casefold())


def find_market(name, board, exact=False):
    """The market a person named ('migori', 'Homa bay', 'homabay', and unless `exact` a
    unique beginning such as 'taita'), or None."""
    wanted = _plain(name)
    if not wanted:
        return None
    same = [m for m in board if _plain(m["name"]) == wanted]
    if same or exact:
        return same[0] if same else None
    prefixed = [m for m in board if _plain(m["name"]).startswith(wanted)]
    return prefixed[0] if len(prefixed) == 1 else None


def market_for_county(county, board):
    wanted = _plain(county)
    return next((m for m in board if wanted and _plain(m["county"]) == wanted), None)


def priced_first(board):
    """Markets with a price before those without (each group in its own order)."""
    return sorted(board, key=lambda m: not m["prices"])


def nearest_priced(county, board):
    """The market with a price nearest to `county` (by the counties' positions), or None."""
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
    return ((now or datetime.now(timezone.utc)) - datetime.fromisoformat(price["observed"])).days


def price_words(market, locale, now=None, with_move=True, with_age=True, stale_after=DEFAULT_STALE_DAYS):
    """'Migori 24 Nov: KES 9,850/g, 90% pure. Up 2.1% since 20 Nov.' (+ 'Old price' when older
    than `stale_after` days), or the no-price line."""
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
    if with_age and days > stale_after:
        parts.append(translate(locale, MSG_STALE, days=days))
    return " ".join(parts)


# The fullest wording first: with the move and the age warning, then without the move (a
# warning that the price is old matters more), then without either (only with absurd data).
SHORTER = ({}, {"with_move": False}, {"with_age": False, "with_move": False})
