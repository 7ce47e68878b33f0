"""What miners read about buyers (USSD screens and SMS), and the guide price. Pure: no I/O,
no Flask, no models; the journey, the SMS keyword and the jobs all render from here.

The guide price ("bei elekezi") is today's reference for 1 g of gold at 90% purity, from the
price board (the `prices` snapshot): the newest price of the buyer's county's market brought
to pure gold and taken at 90%, the way Tanzania's Mining Commission states its indicative
"market price" (domain.md section 4). It tells a miner what a fair offer is near; it is not a
price anybody promised.
"""
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from babel.dates import format_date
from babel.numbers import format_decimal

from buyers import rules
from core.i18n import N_, translate

GUIDE_PURITY = Decimal("0.9")
GUIDE_GRAMS = Decimal("1")

# Why a miner reports a buyer (stored in the incident's description in English, for officers).
PROBLEMS = (
    ("scale", N_("False scale")),
    ("underpaid", N_("Paid too little")),
    ("no_licence", N_("No licence")),
    ("other", N_("Other problem")),
)
PROBLEM_LABELS = dict(PROBLEMS)

MENU_LABEL = N_("Licensed gold buyers")

MSG_GUIDE_TODAY = N_("Guide price 1 g %(purity)s today: %(price)s")
MSG_GUIDE_DATED = N_("Guide price 1 g %(purity)s on %(date)s: %(price)s")
MSG_NO_GUIDE = N_("No guide price for %(county)s yet.")

MSG_SMS_DETAILS = N_("Madini Salama: licensed gold buyer %(name)s, %(market)s, %(county)s. Phone %(phone)s. "
                     "Licence %(licence)s to %(expires)s. %(guide)s")
MSG_SMS_LIST = N_("Madini Salama: licensed gold buyers in %(county)s: %(buyers)s. %(guide)s")
MSG_SMS_NONE = N_("Madini Salama: no licensed gold buyer listed in %(county)s yet. Sell only to a licensed "
                  "buyer and weigh on your own scale.")
MSG_SMS_WHICH = N_("Madini Salama: send BUYER and a county, e.g. BUYER Migori")
MSG_SMS_UNKNOWN = N_("Madini Salama: no county %(name)s. Send BUYER and a county, e.g. BUYER Migori")


def babel_locale(locale):
    return "en" if locale == "en" else "sw"


def kes(amount, locale):
    rounded = Decimal(amount).quantize(Decimal("1"), ROUND_HALF_UP)
    return "KES " + format_decimal(rounded, format="#,##0", locale=babel_locale(locale))


def percent(fraction, locale):
    return format_decimal(Decimal(fraction) * 100, format="#,##0.#", locale=babel_locale(locale)) + "%"


def day_month_year(day):
    """30/06/2027, as Kenyans write a date."""
    return day.strftime("%d/%m/%Y")


def short_date(day, locale):
    return format_date(day, "d MMM", locale=babel_locale(locale))


def parse_day(text):
    return date.fromisoformat(text)


def local_phone(phone):
    """+254712345678 -> 0712345678 (what a miner dials); other countries stay E.164."""
    if phone.startswith("+254") and len(phone) == 13:
        return "0" + phone[4:]
    return phone


def cut(text, limit):
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: max(1, limit - 1)].rstrip() + "."


# --- the guide price -----------------------------------------------------------------

def _plain(text):
    return "".join(ch for ch in (text or "").casefold() if ch.isalnum())


def guide_price(prices_data, county):
    """{"kes": Decimal, "day": date (Nairobi) of the price, "market": name} for 1 g at 90%
    from the county's market on the price board, or None when it has no price."""
    wanted = _plain(county)
    for market in (prices_data or {}).get("markets", []):
        if wanted and _plain(market.get("county")) == wanted and market.get("prices"):
            latest = market["prices"][0]
            observed = datetime.fromisoformat(latest["observed"]).astimezone(rules.NAIROBI).date()
            value = Decimal(latest["pure"]) * GUIDE_PURITY * GUIDE_GRAMS
            return {"kes": value, "day": observed, "market": market["name"]}
    return None


def guide_words(guide, county, locale, on):
    """'Guide price 1 g at 90% today: KES 8,865' (or 'on 24 Nov'), or the no-price line."""
    if guide is None:
        return translate(locale, MSG_NO_GUIDE, county=county)
    params = {"purity": percent(GUIDE_PURITY, locale), "price": kes(guide["kes"], locale)}
    if guide["day"] == on:
        return translate(locale, MSG_GUIDE_TODAY, **params)
    return translate(locale, MSG_GUIDE_DATED, date=short_date(guide["day"], locale), **params)


# --- the directory as miners see it --------------------------------------------------

def listed(buyers_data, county, on):
    """The county's buyers whose licence is in force on day `on`, by name."""
    wanted = _plain(county)
    return [b for b in (buyers_data or {}).get("buyers", [])
            if _plain(b["county"]) == wanted and rules.is_listed(b["expires"], on)]


def find(buyers_data, buyer_id, on):
    """One buyer still shown to miners, or None (deleted, or its licence expired meanwhile)."""
    return next((b for b in (buyers_data or {}).get("buyers", [])
                 if b["id"] == buyer_id and rules.is_listed(b["expires"], on)), None)


def list_label(buyer, limit=30):
    """'Otieno Gold Traders (Osiri)', cut to fit a menu line."""
    market = cut(buyer["market"], 12)
    return cut(buyer["name"], max(8, limit - len(market) - 3)) + f" ({market})"


def _fits(text):
    from sms.encoding import fits_one_sms  # a pure function of the text

    return fits_one_sms(text)


def details_sms(buyer, guide, locale, on):
    """The SMS with one buyer's details: the fullest version that fits one GSM-7 SMS."""
    text = ""
    for words in (guide_words(guide, buyer["county"], locale, on), ""):  # the guide goes last, if it must
        for name_limit, market_limit in ((60, 40), (30, 20), (20, 12), (12, 8)):
            text = translate(locale, MSG_SMS_DETAILS, name=cut(buyer["name"], name_limit),
                             market=cut(buyer["market"], market_limit), county=buyer["county"],
                             phone=local_phone(buyer["phone"]), licence=buyer["licence"],
                             expires=day_month_year(date.fromisoformat(buyer["expires"])), guide=words).rstrip()
            if _fits(text):
                return text
    return text


def county_sms(buyers, county, guide, locale, on):
    """The BUYER/MNUNUZI reply: as many of the county's buyers as fit one SMS ('...' when some
    are left out), each with the market and phone, and the guide price."""
    if not buyers:
        return translate(locale, MSG_SMS_NONE, county=county)
    words = guide_words(guide, county, locale, on)
    entries = [f"{cut(b['name'], 24)} ({cut(b['market'], 14)}) {local_phone(b['phone'])}" for b in buyers]
    for n in range(len(entries), 0, -1):
        listed_text = "; ".join(entries[:n]) + ("..." if n < len(entries) else "")
        text = translate(locale, MSG_SMS_LIST, county=county, buyers=listed_text, guide=words)
        if _fits(text):
            return text
    return translate(locale, MSG_SMS_LIST, county=county, buyers=entries[0][:40] + "...", guide=words)


def report_description(buyer_name, licence, market, problem):
    """What the officers read in the incidents inbox (English: the inbox's working language)."""
    what = {"scale": "false scale", "underpaid": "paid too little", "no_licence": "no licence",
            "other": "other problem"}.get(problem, "other problem")
    text = f"Buyer report: {what}. Buyer: {buyer_name}"
    if licence:
        text += f", licence {licence}"
    if market:
        text += f", market {market}"
    return text + "."
