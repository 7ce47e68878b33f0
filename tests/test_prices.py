"""Gold prices: units and formatting, publishing (CLI, API), the price board, PRICE/BEI,
alerts to subscribers (language, opt-outs, the 5% rule, once per publication), stale
wording, the calculator, and the rule that USSD hops after the first do not query the DB."""
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from freezegun import freeze_time
from rq import Queue
from sqlalchemy import event

from core import jobs
from sms import encoding
from models import ApiToken, Miner, Officer, Price, PriceAlert, PriceSubscription, db, utcnow
from miners.erasure import erase
from miners.registration import register
from models.miner import set_sms
from prices import board, words
from prices import publishing as prices
from prices.keywords import price_keyword, reply_text
from prices.units import BadQuantity, kes, parse_grams, parse_kes, parse_purity, percent, reference_price, short_date
from sms.keywords import Inbound, match
from tips.catalogue import load_file
from tests.sms_checks import queued_messages


@pytest.fixture
def markets(app):
    prices.ensure_default_markets()
    return {m["name"]: m["id"] for m in board.markets()}


@pytest.fixture
def sent(monkeypatch):
    calls = []
    monkeypatch.setattr("prices.publishing.queue_sms", lambda phone, text, **options: calls.append((phone, text, options)))
    return calls


def publish(name, kes_per_gram, purity="0.9", **options):
    return prices.publish(None, prices.market_named(name), kes_per_gram, purity, **options)


def alert(price):
    """Run the publication's alert job (what the bulk worker does)."""
    return prices.send_price_alerts(price.id)


def inbound(phone, text, locale):
    word, _, args = match(text)
    return Inbound(phone=phone, text=text, keyword=word, args=args, locale=locale)


def miner(phone, county="Migori", locale="sw", sms=True):
    miner_id = register(phone, name="Achieng", county=county, site="Osiri", role="processor", gender="woman",
                         locale=locale, sms=sms)
    return db.session.get(Miner, miner_id)


# --- units and formatting ------------------------------------------------------------------

@pytest.mark.parametrize("raw,expected", [
    ("0.9", "0.9000"), ("90", "0.9000"), ("90%", "0.9000"), ("22k", "0.9167"), ("24K", "1.0000"),
    ("18 karat", "0.7500"), ("0,75", "0.7500"), (".995", "0.9950"),
])
def test_purity_is_read_as_people_write_it(raw, expected):
    assert parse_purity(raw) == Decimal(expected)


@pytest.mark.parametrize("raw", ["abc", "0", "-0.5", "101", "25k", "", "9x", "0.00001"])
def test_bad_purity_is_refused(raw):
    with pytest.raises(BadQuantity):
        parse_purity(raw)


@pytest.mark.parametrize("raw,kind", [
    ("abc", "not_a_number"), ("2.5g", "not_a_number"), ("-3", "not_positive"), ("0", "not_positive"),
    ("1234567890", "too_large"), ("", "not_a_number"), ("1e5", "not_a_number"),
])
def test_calculator_grams_bad_input(raw, kind):
    with pytest.raises(BadQuantity) as bad:
        parse_grams(raw)
    assert bad.value.kind == kind


def test_grams_accept_a_decimal_comma_and_prices_thousands_commas():
    assert parse_grams("2,5") == Decimal("2.5") and parse_grams("0.15") == Decimal("0.15")
    assert parse_kes("9,850") == Decimal("9850.00") and parse_kes("10100.5") == Decimal("10100.50")


def test_reference_price_from_world_price():
    # 2,650 USD/oz x 129.50 KES/USD / 31.1034768 g/oz = 11,033.33 KES/g fine gold.
    result = reference_price(Decimal("2650"), Decimal("129.50"), parse_purity("0.9"))
    assert result == {"kes_per_gram_24k": Decimal("11033.33"), "kes_per_gram": Decimal("9930.00")}


def test_numbers_and_dates_per_language():
    assert kes(Decimal("9850"), "en") == "KES 9,850" and kes(Decimal("1234567.6"), "sw") == "KES 1,234,568"
    assert percent(Decimal("0.9167"), "en") == "91.7%"
    moment = datetime(2026, 8, 3, 22, 30, tzinfo=timezone.utc)  # 4 Aug in Nairobi
    assert short_date(moment, "en") == "4 Aug" and short_date(moment, "sw") == "4 Ago"


def test_cli_reference_and_publish(runner, markets):
    result = runner.invoke(args=["price", "reference", "--usd-per-oz", "2650", "--usd-kes", "129.5",
                                 "--purity", "22k"])
    assert result.exit_code == 0, result.output
    assert "KES 11,033/g" in result.output and "91.7%: KES 10,114/g" in result.output
    result = runner.invoke(args=["price", "publish", "--market", "Migori", "--kes-per-gram", "9850",
                                 "--purity", "0.9"])
    assert result.exit_code == 0, result.output
    assert "KES 9,850/g at 90%" in result.output
    price = db.session.execute(db.select(Price)).scalar_one()
    assert price.published_by == "cli" and price.purity == Decimal("0.9")
    assert words.find_market("migori", board.markets())["prices"][0]["kes"] == "9850.00"
    result = runner.invoke(args=["price", "publish", "--market", "Nairobi", "--kes-per-gram", "1", "--purity", "1"])
    assert result.exit_code != 0 and "Migori" in result.output
    bad = runner.invoke(args=["price", "publish", "--market", "Migori", "--kes-per-gram", "-5", "--purity", "0.9"])
    assert bad.exit_code != 0


# --- publishing and alerts -------------------------------------------------------------------

def test_publish_alerts_subscribers_only_in_their_language_respecting_opt_outs(markets, sent):
    sw_miner, en_miner = miner("+254733000001", locale="sw"), miner("+254733000002", locale="en")
    stopped = miner("+254733000003")
    prices.subscribe(sw_miner.phone, markets["Migori"], "every", "sw")
    prices.subscribe(en_miner.phone, markets["Migori"], "every", "sw")  # language follows the miner
    prices.subscribe(stopped.phone, markets["Migori"], "every", "sw")
    prices.subscribe("+254733000004", markets["Migori"], "every", "en")  # not registered
    prices.subscribe("+254733000005", markets["Kakamega"], "every", "sw")  # another market
    miner("+254733000006")  # registered, not subscribed
    set_sms(stopped.phone, False)

    price = publish("Migori", "9850", "0.9")
    assert alert(price) == 3
    by_phone = {phone: (text, options) for phone, text, options in sent}
    assert set(by_phone) == {"+254733000001", "+254733000002", "+254733000004"}
    assert by_phone["+254733000001"][0].startswith("Madini Salama: bei mpya Migori")
    assert by_phone["+254733000002"][0].startswith("Madini Salama: gold price Migori")
    for text, options in by_phone.values():
        assert encoding.fits_one_sms(text)
        assert options["queue"] == jobs.BULK and options["purpose"] == "price_alert"
    assert "licensed" in by_phone["+254733000002"][0] and "own scale" in by_phone["+254733000002"][0]
    assert "leseni" in by_phone["+254733000001"][0] and "mizani yako" in by_phone["+254733000001"][0]
    # Once per publication: the job running again (a retry, a second worker) sends nothing.
    assert alert(price) == 0
    assert len(sent) == 3
    assert db.session.execute(db.select(db.func.count()).select_from(PriceAlert)).scalar_one() == 3


def test_only_big_moves_rule(markets, sent):
    prices.subscribe("+254733000010", markets["Migori"], "move5", "en")
    prices.subscribe("+254733000011", markets["Migori"], "every", "en")
    first = publish("Migori", "10000", "1")
    assert alert(first) == 2  # nothing known before: both hear of it
    small = publish("Migori", "10400", "1")  # +4%
    assert alert(small) == 1 and sent[-1][0] == "+254733000011"
    drift = publish("Migori", "10600", "1")  # +6% since the last price the move5 subscriber heard
    assert alert(drift) == 2
    assert "Up 1.9%" in sent[-1][1]  # the message's move is since the previous price
    same_per_pure_gram = publish("Migori", "9540", "0.9")  # 9540 / 0.9 = 10600: no move at all
    assert alert(same_per_pure_gram) == 1
    assert "No change" in sent[-1][1]
    fall = publish("Migori", "10000", "1")  # -5.66%
    assert alert(fall) == 2 and "Down 5.7%" in sent[-1][1]


def test_subscribing_now_counts_the_current_price_as_heard(markets, sent):
    publish("Migori", "10000", "1")
    prices.subscribe("+254733000012", markets["Migori"], "move5", "sw")
    assert alert(publish("Migori", "10300", "1")) == 0
    prices.unsubscribe("+254733000012", markets["Migori"])
    assert alert(publish("Migori", "20000", "1")) == 0


def test_an_overtaken_price_sends_no_alert(markets, sent):
    prices.subscribe("+254733000013", markets["Migori"], "every", "en")
    old = publish("Migori", "10000", "1")
    new = publish("Migori", "10100", "1")
    assert alert(old) == 0 and alert(new) == 1


def test_publish_really_enqueues_the_alert_job_on_the_bulk_queue(markets, redis):
    prices.subscribe("+254733000014", markets["Narok"], "every", "en")
    price = publish("Narok", "9700", "22k")
    bulk = Queue(jobs.BULK, connection=redis)
    job = bulk.fetch_job(f"price-alerts-{price.id}")
    assert job is not None and job.func_name == "prices.publishing.send_price_alerts"
    assert job.perform() == 1  # the job itself, as a worker runs it
    [message] = queued_messages(bulk)
    assert message.phone == "+254733000014" and message.text.startswith("Madini Salama: gold price Narok")


# --- API --------------------------------------------------------------------------------------

def _token(role, county=None):
    officer = Officer(username=f"{role}-{county or 'all'}", role=role, county=county)
    officer.set_password("a long password")
    db.session.add(officer)
    token = ApiToken.issue(officer)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_api_publish_and_latest_per_market_with_county_scoping(client, markets, redis):
    body = {"market": "Migori", "kes_per_gram": 9850, "purity": 0.9, "source": "Migori buying centre"}
    assert client.post("/api/v1/prices", json=body).status_code == 401
    assert client.post("/api/v1/prices", json=body, headers=_token("viewer")).status_code == 403
    kakamega_officer = _token("officer", "Kakamega")
    assert client.post("/api/v1/prices", json=body, headers=kakamega_officer).status_code == 403
    migori_officer = _token("officer", "Migori")
    response = client.post("/api/v1/prices", json=body, headers=migori_officer)
    assert response.status_code == 201, response.json
    assert response.json["kes_per_gram"] == 9850 and response.json["purity"] == 0.9
    assert response.json["published_by"] == "officer-Migori" and response.json["source"] == "Migori buying centre"
    assert Queue(jobs.BULK, connection=redis).fetch_job(f"price-alerts-{response.json['id']}") is not None
    admin = _token("admin")
    assert client.post("/api/v1/prices", json=dict(body, market="Kakamega", purity="22k"),
                       headers=admin).status_code == 201
    assert client.post("/api/v1/prices", json=dict(body, market="Atlantis"), headers=admin).status_code == 404
    bad = client.post("/api/v1/prices", json=dict(body, purity="lots"), headers=admin)
    assert bad.status_code == 400 and bad.json["error"]["code"] == "invalid"
    assert client.post("/api/v1/prices", json={"market": "Migori"}, headers=admin).json["error"]["code"] \
        == "missing_fields"
    future = (utcnow() + timedelta(days=2)).isoformat()
    assert client.post("/api/v1/prices", json=dict(body, observed_at=future), headers=admin).status_code == 400
    assert client.post("/api/v1/prices", json=dict(body, observed_at="soon"), headers=admin).status_code == 400
    assert client.post("/api/v1/prices", data="not json", headers=admin).status_code == 400
    latest = client.get("/api/v1/prices", headers=admin).json
    assert latest["total"] == 2 and [i["market"] for i in latest["items"]] == ["Migori", "Kakamega"]
    newer = client.post("/api/v1/prices", json=dict(body, kes_per_gram="10,050"), headers=admin).json
    latest = client.get("/api/v1/prices?per_page=1", headers=admin).json
    assert latest["total"] == 2 and latest["items"] == [newer]
    assert client.get("/api/v1/prices?market=kakamega", headers=admin).json["items"][0]["purity"] == 0.9167
    assert client.get("/api/v1/prices", headers=migori_officer).json["total"] == 1


# --- SMS keyword -----------------------------------------------------------------------------

def test_price_keyword(markets):
    assert price_keyword(inbound("+254733000020", "PRICE", "en")).startswith("Madini Salama: No gold prices have been published")
    publish("Migori", "9500", "0.9", observed_at=utcnow() - timedelta(days=2))
    publish("Migori", "9850", "0.9")
    publish("Homa Bay", "9600", "0.85")
    miner("+254733000021", county="Migori", locale="sw")
    reply = price_keyword(inbound("+254733000021", "BEI", "sw"))
    assert reply.startswith("Madini Salama: bei ya dhahabu Migori") and "KES 9,850/g" in reply and "Imepanda 3.7%" in reply
    reply = price_keyword(inbound("+254733000022", "price homa bay", "en"))
    assert reply.startswith("Madini Salama: gold price Homa Bay") and "85% pure" in reply
    assert price_keyword(inbound("+254733000022", "PRICE homabay", "en")).startswith("Madini Salama: gold price Homa Bay")
    unknown = price_keyword(inbound("+254733000022", "PRICE Nairobi", "en"))
    assert unknown.startswith("Madini Salama: No market Nairobi") and "Migori, Homa Bay" in unknown
    emoji = price_keyword(inbound("+254733000022", "PRICE Nairobi\U0001F4B0 \u201cCBD\u201d", "en"))
    assert emoji.startswith("Madini Salama: No market Nairobi CBD.") and encoding.fits_one_sms(emoji)
    unregistered = price_keyword(inbound("+254733000023", "BEI", "sw"))
    assert unregistered == "Madini Salama: Tuma BEI na soko: Migori, Homa Bay"
    for reply in (unknown, unregistered):
        assert encoding.fits_one_sms(reply)


def test_unknown_market_list_is_cut_to_one_sms(markets):
    for name in markets:
        publish(name, "9850", "0.9")
    reply = price_keyword(inbound("+254733000024", "BEI Mombasa-na-Nairobi-na-Kisii", "sw"))
    assert encoding.fits_one_sms(reply) and reply.endswith("...")


# --- stale price and worst cases -------------------------------------------------------------

def test_stale_price_says_so_in_both_languages(markets):
    with freeze_time("2026-11-24 07:00:00"):
        publish("Kakamega", "9700", "22k", observed_at=datetime(2026, 11, 16, 8, tzinfo=timezone.utc))
        entry = words.find_market("Kakamega", board.markets())
        assert words.price_words(entry, "en", stale_after=board.stale_days()).endswith("Old price: 7 days ago.") is False  # 7 days: not yet
        publish("Vihiga", "9700", "22k", observed_at=datetime(2026, 11, 15, 8, tzinfo=timezone.utc))
        entry = words.find_market("Vihiga", board.markets())
        assert words.price_words(entry, "en", stale_after=board.stale_days()).endswith("Old price: 8 days ago.")
        assert words.price_words(entry, "sw", stale_after=board.stale_days()).endswith("Bei ya siku 8 zilizopita.")


def worst_case_entry():
    now = utcnow()
    return {"id": 0, "name": "Taita Taveta", "county": "Taita Taveta", "prices": [
        {"id": 2, "kes": "999999.99", "purity": "0.9167", "pure": "1090869.96", "source": "",
         "observed": (now - timedelta(days=400)).isoformat()},
        {"id": 1, "kes": "100.00", "purity": "0.9167", "pure": "109.09", "source": "",
         "observed": (now - timedelta(days=700)).isoformat()},
    ]}


@pytest.mark.parametrize("locale", ["sw", "en"])
def test_every_price_sms_template_is_one_gsm7_sms_with_worst_case_data(app, locale):
    entry = worst_case_entry()
    texts = [prices.alert_text(entry, locale), reply_text(entry, locale)]
    for text in texts:
        assert encoding.text_septets(text) is not None, text
        assert encoding.text_septets(text) <= 160, (len(text), text)
        assert "Taita Taveta" in text and "1,000,000" in text
    # Realistic data keeps the move; an old price keeps its age warning before the move.
    entry["prices"][0]["kes"], entry["prices"][0]["pure"] = "10450", "11400"
    entry["prices"][1]["pure"] = "10000.01"
    for text in (prices.alert_text(entry, locale), reply_text(entry, locale)):
        assert encoding.fits_one_sms(text) and "400" in text, text
    entry["prices"][0]["observed"] = utcnow().isoformat()
    for text in (prices.alert_text(entry, locale), reply_text(entry, locale)):
        assert encoding.fits_one_sms(text) and "14%" in text, text


# --- USSD --------------------------------------------------------------------------------------

def test_ussd_subscribe_and_leave_alerts(markets, phone):
    publish("Migori", "9850", "0.9")
    assert phone.dial("3*1*3*1").startswith("END Tayari")
    sub = db.session.execute(db.select(PriceSubscription)).scalar_one()
    assert (sub.phone, sub.market_id, sub.mode, sub.locale) == (phone.number, markets["Migori"], "every", "sw")
    assert sub.reference_kes_pure == Decimal("10944.44")
    assert phone.dial("3*3*2").startswith("END Tayari")  # Migori is remembered now
    db.session.expire_all()
    assert db.session.execute(db.select(PriceSubscription)).scalar_one().mode == "move5"
    assert phone.dial("3*3*3").startswith("END Taarifa za bei za Migori zimesimamishwa")
    assert db.session.execute(db.select(PriceSubscription)).first() is None


def test_ussd_calculator_value(markets, phone):
    publish("Siaya", "9000", "0.9")  # 10,000 per pure gram
    miner(phone.number, county="Siaya", locale="en")
    phone.dial("3*2")
    phone.send("1.5")
    screen = phone.send("80")
    assert "1.5 g at 80% is about KES 12,000 at the Siaya price" in screen


def test_ussd_hops_after_the_first_do_not_query_the_database(markets, phone, app):
    load_file()
    publish("Migori", "9850", "0.9")
    miner(phone.number, county="Migori")
    statements = []

    def count(*args):
        statements.append(args[2])

    engine = db.engine
    phone.dial()
    event.listen(engine, "before_cursor_execute", count)
    try:
        for key in ["2", "1", "1", "98", "0", "98", "00", "3", "1", "0", "2", "abc", "2.5", "90", "00", "3", "4",
                    "98", "0", "2", "3"]:
            phone.send(key)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert statements == []


def test_erasing_a_miner_removes_their_price_subscriptions(markets, redis):
    miner("+254733000030")
    prices.subscribe("+254733000030", markets["Migori"], "every", "sw")
    board.remember_market("+254733000030", markets["Narok"])
    erase("+254733000030")
    assert db.session.execute(db.select(PriceSubscription)).first() is None
    assert not redis.exists(board.REMEMBERED_KEY.format(phone="+254733000030"))


def test_a_market_chosen_from_the_list_is_where_the_caller_starts_next_time(markets, phone):
    publish("Narok", "9400", "0.9")
    assert phone.dial("3").startswith("CON Chagua soko:\n1 Narok")  # priced markets first
    assert phone.send("1").startswith("CON Narok")
    assert phone.dial("3").startswith("CON Narok")
    miner(phone.number, county="Migori")  # registered later: the explicit choice still wins
    assert phone.dial("3").startswith("CON Narok")


@pytest.mark.parametrize("locale", ["sw", "en"])
def test_fixed_sms_replies_fit_one_gsm7_sms(markets, locale):
    from prices import keywords as price_sms
    from tips import keywords as tip_sms

    texts = [prices.translate(locale, price_sms.MSG_NO_PRICES), prices.translate(locale, tip_sms.MSG_NO_TIPS)]
    texts.append(price_sms.fit_list(lambda listed: prices.translate(locale, price_sms.MSG_WHICH_MARKET,
                                                                     markets=listed), list(markets)))
    for text in texts:
        assert encoding.fits_one_sms(text), text


def test_price_stop_leaves_price_alerts_only(markets):
    prices.subscribe("+254733000040", markets["Migori"], "every", "sw")
    prices.subscribe("+254733000040", markets["Narok"], "move5", "sw")
    reply = price_keyword(inbound("+254733000040", "BEI acha", "sw"))
    assert reply.startswith("Madini Salama: Taarifa za bei ya dhahabu zimesimamishwa") and encoding.fits_one_sms(reply)
    assert db.session.execute(db.select(PriceSubscription)).first() is None
    again = price_keyword(inbound("+254733000040", "PRICE STOP", "en"))
    assert again.startswith("Madini Salama: You had no gold price alerts") and encoding.fits_one_sms(again)


def test_publishing_needs_the_whole_market_name_but_sms_accepts_a_beginning(markets, runner):
    result = runner.invoke(args=["price", "publish", "--market", "Taita", "--kes-per-gram", "9000", "--purity", "0.9"])
    assert result.exit_code != 0
    assert runner.invoke(args=["price", "publish", "--market", "taita taveta", "--kes-per-gram", "9000",
                               "--purity", "0.9"]).exit_code == 0
    assert price_keyword(inbound("+254733000050", "PRICE taita", "en")).startswith("Madini Salama: gold price Taita Taveta")
