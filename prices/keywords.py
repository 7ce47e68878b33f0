"""SMS keywords PRICE / BEI [market] (CONTRACT.md section 2); PRICE STOP / BEI ACHA leaves
the price alerts (and nothing else)."""
from core.i18n import N_, translate
from models import Miner, db
from prices import board, words
from prices.publishing import unsubscribe
from sms import encoding
from sms.keywords import Inbound

MSG_PRICE_REPLY = N_("Madini Salama: gold price %(price)s Use your own scale; sell to licensed buyers.")
MSG_WHICH_MARKET = N_("Madini Salama: Send PRICE and a market: %(markets)s")
MSG_UNKNOWN_MARKET = N_("Madini Salama: No market %(name)s. Send PRICE and a market: %(markets)s")
MSG_NO_PRICES = N_("Madini Salama: No gold prices have been published yet. Please try again later.")
MSG_ALERTS_STOPPED = N_("Madini Salama: Gold price alerts stopped. Other SMS continue (send STOP to end all).")
MSG_NO_ALERTS = N_("Madini Salama: You had no gold price alerts. Dial *384*12# and choose 3 to start them.")
MSG_START_ALERTS = N_("Madini Salama: To get gold price alerts, dial *384*12# and choose 3.")
STOP_WORDS = {"STOP", "ACHA"}
START_WORDS = {"START", "ANZA"}


def fit_list(template_text_for, names):
    """The longest prefix of `names` whose reply still fits one SMS (ending with '...')."""
    listed = (", ".join(names[:n]) + ("..." if n < len(names) else "") for n in range(len(names), 0, -1))
    return encoding.fit_one_sms((template_text_for(text) for text in listed),
                                otherwise=lambda: template_text_for(""))


def price_keyword(message: Inbound):
    locale, markets = message.locale, board.markets()
    if message.args.strip().upper() in STOP_WORDS:  # PRICE STOP / BEI ACHA: leave price alerts only
        stopped = unsubscribe(message.phone)
        return translate(locale, MSG_ALERTS_STOPPED if stopped else MSG_NO_ALERTS)
    if message.args.strip().upper() in START_WORDS:  # PRICE START / BEI ANZA: subscribing asks for a market
        return translate(locale, MSG_START_ALERTS)
    priced = [m["name"] for m in markets if m["prices"]]
    if not priced:
        return translate(locale, MSG_NO_PRICES)
    name = " ".join(message.args.split())
    if name:
        market = words.find_market(name, markets)
        if market is None:
            # Echo what they typed, but only characters that keep the reply one GSM-7 SMS.
            shown = "".join(ch for ch in name[:20] if encoding.septets(ch) == 1)
            return fit_list(lambda listed: translate(locale, MSG_UNKNOWN_MARKET, name=shown, markets=listed), priced)
    else:
        county = db.session.execute(db.select(Miner.county).filter_by(phone=message.phone)).scalar_one_or_none()
        market = words.market_for_county(county, markets) if county else None
        if market is None or not market["prices"]:
            return fit_list(lambda listed: translate(locale, MSG_WHICH_MARKET, markets=listed), priced)
    return reply_text(market, locale)


def reply_text(market, locale):
    stale_after = board.stale_days()
    return encoding.fit_one_sms(
        translate(locale, MSG_PRICE_REPLY, price=words.price_words(market, locale, stale_after=stale_after, **shorter))
        for shorter in words.SHORTER)
