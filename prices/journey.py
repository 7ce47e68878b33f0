"""Gold prices (menu 3), open to anyone:

    [choose a market (priced ones first), unless the caller's county has one with a price;
     a county without a price says so and offers the nearest market that has one]
    -> the latest price, its date, its move since the previous one (and a warning when
       older than PRICE_STALE_DAYS):
        1 last 5 prices ("01/12: KES 9,850 (90%)": no line starts like a menu option)
        2 value calculator (grams, purity 30-100% -> KES)
        3 prices by SMS (every new price | only moves over 5% | stop)   4 other market

Screens render from the "prices" snapshot (the price board prices/board.py builds) read
through the session, never from the database; subscribing and remembering the market are
effects (prices/effects.py).
"""
import re
from datetime import datetime
from decimal import Decimal

from core.i18n import N_, NAIROBI
from flows.engine import Ask, End, Invalid, Menu, Option, Say, Session, effect
from flows.main_menu import MenuEntry
from prices import words
from prices.units import BadQuantity, grams, kes, parse_grams, parse_purity, percent, short_date

CHOOSE, SHOW, HISTORY, NO_PRICE = "price.choose", "price.show", "price.history", "price.no_price"
GRAMS, PURITY, VALUE = "price.grams", "price.purity", "price.value"
ALERTS, SUBSCRIBED, UNSUBSCRIBED = "price.alerts", "price.subscribed", "price.unsubscribed"

MSG_GRAMS_LETTERS = N_("Type the weight in numbers, e.g. 2.5")
MSG_GRAMS_NOT_POSITIVE = N_("The weight must be more than 0.")
MSG_GRAMS_TOO_LARGE = N_("Too large. Type the weight in grams, e.g. 2.5")
MSG_BAD_PURITY = N_("Type a percent like 90, or karats like 22k.")
MSG_PURITY_RANGE = N_("Purity must be from 30% to 100%.")
MIN_PURITY = Decimal("0.30")  # below this it is not sold as gold: surely a typing mistake


def markets(session: Session):
    """The markets as the hop service last refreshed them (no I/O)."""
    return session.snapshot("prices")["markets"]


def entry(session: Session):
    """Straight to a market: the one chosen earlier in this session, else the one this phone
    looked at last time, else the caller's county's; or the list."""
    if session.data.get("market_id") is None:
        board = markets(session)
        known = {m["id"] for m in board}
        remembered = session.caller.get("market_id")  # read on the first hop (prices/effects.py)
        mine = words.market_for_county(session.caller.get("county"), board)
        county = session.caller.get("county")
        if remembered in known:
            session.data["market_id"] = remembered
        elif mine is not None and mine["prices"]:
            session.data["market_id"] = mine["id"]
        elif (near := words.nearest_priced(county, board)) is not None:
            session.data["near_market_id"] = near["id"]
            return NO_PRICE
        elif mine is not None:
            session.data["market_id"] = mine["id"]
        else:
            return CHOOSE
    return SHOW


def no_price_title(session: Session):
    near = next((m for m in markets(session) if m["id"] == session.data.get("near_market_id")), None)
    return session.t("No gold price for %(county)s yet. Nearest market: %(market)s",
                     county=session.caller.get("county", ""), market=near["name"] if near else "-")


def _see_nearest(session: Session):
    session.data["market_id"] = session.data.get("near_market_id")
    session.data["market_chosen"] = True
    return SHOW


def _remember(session: Session):
    """A market chosen from the list is where this caller starts next time."""
    if session.data.pop("market_chosen", False):
        return [effect("remember_market", phone=session.phone, market_id=session.data["market_id"])]
    return []


def _chosen_from_list(session: Session):
    session.data["market_chosen"] = True
    return SHOW


MENU_ENTRY = MenuEntry(3, N_("Gold prices"), entry)


def chosen(session: Session):
    wanted = session.data.get("market_id")
    return next((m for m in markets(session) if m["id"] == wanted), None)


def market_options(session: Session):
    return [Option(m["name"], _chosen_from_list, value=m["id"], literal=True)
            for m in words.priced_first(markets(session))]


def price_screen(session: Session):
    market = chosen(session)
    if market is None:
        return session.t(MSG_GONE)
    stale_after = session.snapshot("prices").get("stale_days", words.DEFAULT_STALE_DAYS)
    return words.price_words(market, session.locale, stale_after=stale_after)


def price_options(session: Session):
    """Fixed numbers (1-4) whether or not the market has a price yet, so callers learn them."""
    market = chosen(session)
    options = []
    if market and market["prices"]:
        options += [Option(N_("Last 5 prices"), HISTORY, key="1"), Option(N_("Value calculator"), GRAMS, key="2")]
    if market:
        options.append(Option(N_("Prices by SMS"), ALERTS, key="3"))
    return options + [Option(N_("Other market"), CHOOSE, key="4")]


MSG_GONE = N_("This market is no longer listed.")


def market_name(session: Session):
    market = chosen(session)
    return market["name"] if market else "-"


def history(session: Session):
    market, locale = chosen(session), session.locale
    if market is None:
        return session.t(MSG_GONE)
    lines = [session.t("%(market)s, KES per gram:", market=market["name"])]
    for price in market["prices"][:5]:
        # "01/12: KES 9,850 (90%)", not "1 Dec: ...": a line starting with a number and a
        # space reads like a menu option.
        lines.append(f"{day_month(datetime.fromisoformat(price['observed']))}: "
                     f"{kes(price['kes'], locale)} ({percent(price['purity'], locale)})")
    return "\n".join(lines)


def valid_grams(raw, session):
    try:
        return str(parse_grams(raw))
    except BadQuantity as bad:
        raise Invalid({"not_a_number": MSG_GRAMS_LETTERS, "not_positive": MSG_GRAMS_NOT_POSITIVE,
                       "too_large": MSG_GRAMS_TOO_LARGE}[bad.kind]) from None


def day_month(moment):
    """01/12 (Nairobi's date), as Kenyans write it."""
    return moment.astimezone(NAIROBI).strftime("%d/%m")


def valid_purity(raw, session):
    try:
        purity = parse_purity(raw)
    except BadQuantity:
        if re.fullmatch(r"\s*\d+([.,]\d+)?\s*%?\s*", raw):  # a number, out of range
            raise Invalid(MSG_PURITY_RANGE) from None
        raise Invalid(MSG_BAD_PURITY) from None
    if purity < MIN_PURITY:
        raise Invalid(MSG_PURITY_RANGE)
    return str(purity)


def value_screen(session: Session):
    market, locale = chosen(session), session.locale
    if market is None or not market["prices"]:
        return session.t(MSG_GONE)
    latest = market["prices"][0]
    weight, purity = Decimal(session.data["grams"]), Decimal(session.data["purity"])
    value = weight * purity * Decimal(latest["pure"])
    return session.t(
        "%(grams)s at %(purity)s is about %(value)s at the %(market)s price of %(date)s. "
        "Weigh on your own scale.",
        grams=grams(weight, locale), purity=percent(purity, locale), value=kes(value, locale),
        market=market["name"], date=short_date(datetime.fromisoformat(latest["observed"]), locale))


def alerts_title(session: Session):
    return session.t("Prices by SMS for %(market)s:", market=market_name(session))


def _subscribe(session: Session):
    mode = session.data.get("alert_mode")
    return [effect("price_subscribe", phone=session.phone, market_id=session.data["market_id"], mode=mode,
                   locale=session.locale)]


def _unsubscribe(session: Session):
    return [effect("price_unsubscribe", phone=session.phone, market_id=session.data["market_id"])]


STATES = [
    Menu(CHOOSE, title=N_("Choose a market:"), options=market_options, save_as="market_id"),
    Menu(NO_PRICE, title=no_price_title, options=[
        Option(N_("See its price"), _see_nearest),
        Option(N_("Other market"), CHOOSE),
    ]),
    Menu(SHOW, title=price_screen, options=price_options, on_enter=_remember),
    Say(HISTORY, body=history),
    Ask(GRAMS, prompt=N_("Weight of your gold in grams (e.g. 2.5):"), validate=valid_grams, save_as="grams",
        next=PURITY),
    Ask(PURITY, prompt=N_("Purity in percent (e.g. 90) or karats (e.g. 22k):"), validate=valid_purity,
        save_as="purity", next=VALUE),
    Menu(VALUE, title=value_screen, options=[Option(N_("Calculate again"), GRAMS)]),
    Menu(ALERTS, title=alerts_title, save_as="alert_mode", options=[
        Option(N_("Every new price"), SUBSCRIBED, value="every"),
        Option(N_("Only moves over 5%"), SUBSCRIBED, value="move5"),
        Option(N_("Stop these alerts"), UNSUBSCRIBED, value=None),
    ]),
    End(SUBSCRIBED, on_enter=_subscribe,
        body=lambda s: s.t("Done. New %(market)s gold prices will come to you by SMS.", market=market_name(s))),
    End(UNSUBSCRIBED, on_enter=_unsubscribe,
        body=lambda s: s.t("Price alerts for %(market)s stopped.", market=market_name(s))),
]
