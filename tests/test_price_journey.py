"""Gold prices by USSD, as a miner walks them (issue 14): dated history lines that do not
read like menu options, the nearest priced market for a county without a price, priced
markets listed first, the calculator's purity range, and "Bei kwa SMS"."""
import re

import pytest
from datetime import datetime, timedelta, timezone

from miners.registration import register
from prices import publishing as prices
from tests.conftest import Phone


def _publish(county, kes, purity="0.9", days_ago=0):
    prices.ensure_default_markets()
    observed = datetime.now(timezone.utc) - timedelta(days=days_ago, hours=1)
    prices.publish(None, prices.market_named(county), kes, purity, source="test", by="test", observed_at=observed)


def _registered(phone, county):
    register(phone, name="Achieng", county=county, site="Osiri", role="digger", gender="woman", locale="sw",
             sms=False)


def test_history_lines_never_start_like_a_menu_option(client, redis):
    _publish("Migori", 9500, days_ago=3)
    _publish("Migori", 9850)
    _registered("+254712000601", "Migori")
    phone = Phone(client, "+254712000601")
    phone.dial()
    shown = phone.send("3")
    assert "\n3 Bei kwa SMS\n" in shown  # not "Tahadhari"
    history = phone.send("1").split("\n")[1:-1]  # after "CON <market>, KES kwa gramu:"
    assert len(history) == 2
    assert all(re.match(r"\d\d/\d\d: KES ", line) for line in history), history
    assert not any(re.match(r"\d+ ", line) for line in history)


def test_a_county_without_a_price_says_so_and_offers_the_nearest_priced_market(client, redis):
    _publish("Turkana", 9700)
    _publish("Homa Bay", 9600)
    _registered("+254712000602", "Migori")  # Migori has a market but no price yet
    phone = Phone(client, "+254712000602")
    phone.dial()
    screen = phone.send("3")
    assert screen.startswith("CON Hakuna bei ya dhahabu ya Migori bado. Soko lililo karibu: Homa Bay\n"
                             "1 Ona bei yake\n2 "), screen
    assert phone.send("1").startswith("CON Homa Bay ")


def test_markets_with_a_price_are_listed_first(client, redis):
    _publish("Vihiga", 9700)
    _publish("Turkana", 9600)
    phone = Phone(client, "+254712000603")  # not registered: no county to start from
    phone.dial()
    screen = phone.send("3")
    assert screen.startswith("CON Chagua soko:\n1 Vihiga\n2 Turkana\n3 Migori"), screen


def test_calculator_refuses_a_purity_outside_30_to_100_percent(client, redis):
    _publish("Migori", 9850)
    _registered("+254712000604", "Migori")
    phone = Phone(client, "+254712000604")
    phone.dial()
    phone.send("3")
    phone.send("2")
    phone.send("2.5")
    for wrong in ("25", "150", "5k"):
        assert phone.send(wrong).startswith("CON Usafi lazima uwe kati ya 30% na 100%.\n"), wrong
    assert phone.send("abc").startswith("CON Andika asilimia")
    assert "KES" in phone.send("90")


@pytest.mark.parametrize("locale", ["sw", "en"])
def test_every_price_sms_says_who_writes(locale):
    from core.i18n import translate
    from prices import keywords as price_sms

    templates = [prices.MSG_ALERT] + [getattr(price_sms, name) for name in dir(price_sms) if name.startswith("MSG_")]
    assert len(templates) >= 7
    for msgid in templates:
        assert translate(locale, msgid).startswith("Madini Salama: "), msgid
