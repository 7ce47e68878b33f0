"""Safety tips: content file, loading, officers' changes, the no-repeat cycle, SMS keyword,
USSD "send me by SMS", the weekly drip (exactly once per miner per week), erasure."""
import threading
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
import yaml
from rq import Queue

from core import jobs
from sms import encoding
from models import ApiToken, Miner, Officer, Tip, TipDelivery, db
from miners.erasure import erase
from miners.registration import register
from sms.keywords import Inbound, match
from tips import catalogue as tips_catalogue
from tips.catalogue import CONTENT_FILE, ContentError, catalogue, read_file
from tips.drip import drip_text, run_weekly_drip, slot_for
from tips.keywords import tip_keyword
from tests.sms_checks import queued_messages

ISSUE_TOPICS = {"shafts", "air", "water", "chemicals", "explosives", "first_aid", "gear", "children", "women",
                "selling", "permits", "environment"}


@pytest.fixture
def sent(monkeypatch):
    """Every SMS the tips code queues, as (phone, text, options)."""
    calls = []

    def fake_queue_sms(phone, text, **options):
        calls.append((phone, text, options))

    for module in ("tips.delivery", "tips.drip"):
        monkeypatch.setattr(f"{module}.queue_sms", fake_queue_sms)
    return calls


@pytest.fixture
def loaded(app):
    tips_catalogue.load_file()
    return catalogue()


def inbound(phone, text, locale):
    word, _, args = match(text)
    return Inbound(phone=phone, text=text, keyword=word, args=args, locale=locale)


def miner(phone, locale="sw", sms=True, county="Migori"):
    miner_id = register(phone, name="Juma Otieno", county=county, site="Osiri", role="digger", gender="man",
                         locale=locale, sms=sms)
    return db.session.get(Miner, miner_id)


# --- content ------------------------------------------------------------------------------

def test_content_file_has_40_single_sms_tips_per_language_across_the_issue_topics():
    topics, tips = read_file()
    assert {t["code"] for t in topics} == ISSUE_TOPICS
    assert len(tips) >= 40
    for tip in tips:
        for locale in ("sw", "en"):
            text = tip[locale]
            assert text.isascii(), (tip["id"], locale)
            assert len(text.encode("gsm03.38")) <= 160, (tip["id"], locale)
        assert tip["sw"] != tip["en"], tip["id"]
        assert tip["sources"], tip["id"]
    assert set(Counter(t["topic"] for t in tips)) == ISSUE_TOPICS  # every topic has tips


def test_topic_labels_and_words_fit_and_do_not_clash():
    topics, _ = read_file()
    seen = {}
    for topic in topics:
        assert len(topic["sw"]) <= 26 and len(topic["en"]) <= 26
        for word in topic["words"]["en"] + topic["words"]["sw"]:
            assert seen.setdefault(word.lower(), topic["code"]) == topic["code"], word


def test_load_is_safe_to_repeat_and_retires_only_when_asked(app, tmp_path):
    first = tips_catalogue.load_file()
    assert first["added"] >= 40 and first["updated"] == 0
    again = tips_catalogue.load_file()
    assert again["added"] == 0 and again["updated"] == 0 and again["unchanged"] == first["added"]

    content = yaml.safe_load(CONTENT_FILE.read_text())
    removed = content["tips"].pop(0)
    content["tips"][0]["en"] = "Check the shaft walls every morning before work."
    edited = tmp_path / "tips.yaml"
    edited.write_text(yaml.safe_dump(content))
    counts = tips_catalogue.load_file(edited)
    assert counts["updated"] >= 1 and counts["retired"] == 0
    assert removed["id"] in catalogue().tips  # still active: not asked to retire
    counts = tips_catalogue.load_file(edited, retire_missing=True)
    assert counts["retired"] == 1
    assert removed["id"] not in catalogue().tips  # the snapshot saw the change at once
    assert db.session.get(Tip, removed["id"]).retired_at is not None
    tips_catalogue.load_file()  # the original file again: a retired tip stays retired
    assert removed["id"] not in catalogue().tips
    tips_catalogue.set_retired(removed["id"], False)
    assert removed["id"] in catalogue().tips


def test_a_bad_content_file_changes_nothing(app, tmp_path):
    content = yaml.safe_load(CONTENT_FILE.read_text())
    content["tips"][0]["sw"] = "Usichimbe \u2019peke yako\u2019"  # curly quotes: not GSM-7
    content["tips"][1]["en"] = "x" * 161
    bad = tmp_path / "tips.yaml"
    bad.write_text(yaml.safe_dump(content))
    with pytest.raises(ContentError) as error:
        tips_catalogue.load_file(bad)
    assert len(error.value.problems) == 2
    assert db.session.execute(db.select(db.func.count()).select_from(Tip)).scalar_one() == 0


def test_cli_load_add_retire_list(runner, app):
    result = runner.invoke(args=["tips", "load"])
    assert result.exit_code == 0, result.output
    assert "added" in result.output
    result = runner.invoke(args=["tips", "add", "--topic", "water", "--id", "water-bucket-line",
                                 "--sw", "Simama mbali na ndoo inapopandishwa.",
                                 "--en", "Stand clear while the bucket is hauled up."])
    assert result.exit_code == 0, result.output
    assert "water-bucket-line" in catalogue().by_topic["water"]
    result = runner.invoke(args=["tips", "add", "--topic", "water", "--sw", "Sawa", "--en", "Don\u2019t dig alone"])
    assert result.exit_code != 0 and "GSM-7" in result.output
    result = runner.invoke(args=["tips", "retire", "water-bucket-line"])
    assert result.exit_code == 0
    assert "water-bucket-line" not in catalogue().tips
    assert "water-bucket-line" in runner.invoke(args=["tips", "list", "--retired"]).output
    assert runner.invoke(args=["tips", "retire", "no-such-tip"]).exit_code != 0


def _token(role, county=None):
    officer = Officer(username=f"{role}-{county or 'all'}", role=role, county=county)
    officer.set_password("a long password")
    db.session.add(officer)
    token = ApiToken.issue(officer)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_api_admins_add_and_retire_tips(client, loaded):
    body = {"topic": "gear", "sw": "Vaa viatu vya usalama kila siku.", "en": "Wear safety boots every day.",
            "sources": ["PROPOSAL"]}
    assert client.post("/api/v1/tips", json=body).status_code == 401
    assert client.post("/api/v1/tips", json=body, headers=_token("viewer")).status_code == 403
    # The contract gives officers incidents, broadcasts and prices: the nationwide tips are the admins'.
    assert client.post("/api/v1/tips", json=body, headers=_token("officer", "Migori")).status_code == 403
    assert client.post("/api/v1/tips", json=body, headers=_token("officer")).status_code == 403
    officer = _token("admin")
    response = client.post("/api/v1/tips", json=body, headers=officer)
    assert response.status_code == 201, response.json
    tip_id = response.json["id"]
    assert response.json["created_by"] == "admin-all" and response.json["origin"] == "officer"
    county_officer = _token("officer", "Kakamega")
    assert client.delete(f"/api/v1/tips/{tip_id}", headers=county_officer).status_code == 403
    assert client.patch(f"/api/v1/tips/{tip_id}", json={"retired": True}, headers=county_officer).status_code == 403
    assert tip_id in catalogue().tips
    assert tip_id in catalogue().by_topic["gear"]
    too_long = dict(body, en="y" * 170)
    response = client.post("/api/v1/tips", json=too_long, headers=officer)
    assert response.status_code == 422 and "170" in response.json["error"]["message"]
    assert client.post("/api/v1/tips", json=dict(body, topic="nope"), headers=officer).status_code == 422
    assert client.post("/api/v1/tips", json=dict(body, sources=["K1" * 150]), headers=officer).status_code == 422
    assert client.post("/api/v1/tips", json=dict(body, id=7), headers=officer).status_code == 400
    # "topics" names the topic list (GET /api/v1/tips/topics): a tip by that id could never be read
    response = client.post("/api/v1/tips", json=dict(body, id="topics"), headers=officer)
    assert response.status_code == 422 and "topics" in response.json["error"]["message"]
    listed = client.get("/api/v1/tips?topic=gear", headers=officer).json
    assert tip_id in [t["id"] for t in listed["items"]] and listed["total"] == len(catalogue().by_topic["gear"])
    assert client.delete(f"/api/v1/tips/{tip_id}", headers=officer).json["retired"] is True
    assert tip_id not in catalogue().tips
    assert client.patch(f"/api/v1/tips/{tip_id}", json={"retired": False}, headers=officer).status_code == 200
    assert tip_id in catalogue().tips
    assert client.delete("/api/v1/tips/nope", headers=officer).status_code == 404


# --- the no-repeat cycle -----------------------------------------------------------------

def test_tip_keyword_cycles_through_every_tip_before_repeating(loaded):
    phone = "+254711000001"
    total = len(loaded.order)
    replies = [tip_keyword(inbound(phone, "TIP", "en")) for _ in range(total)]
    english = {loaded.tips[t]["en"]: t for t in loaded.order}
    assert sorted(english[r] for r in replies) == sorted(loaded.order)  # each tip exactly once
    assert [english[r] for r in replies] == loaded.order  # interleaved topics
    assert len({loaded.tips[english[r]]["topic"] for r in replies[:12]}) == 12
    # Then a new round starts from the top.
    assert tip_keyword(inbound(phone, "TIP", "en")) == replies[0]
    cycles = Counter(db.session.execute(db.select(TipDelivery.cycle).filter_by(phone=phone)).scalars())
    assert cycles == {1: total, 2: 1}


def test_swahili_keyword_replies_in_swahili_and_other_numbers_have_their_own_cycle(loaded):
    first = tip_keyword(inbound("+254711000002", "ushauri", "sw"))
    assert first == loaded.tips[loaded.order[0]]["sw"]
    assert tip_keyword(inbound("+254711000003", "USHAURI", "sw")) == first
    assert tip_keyword(inbound("+254711000002", "Ushauri!", "sw")) == loaded.tips[loaded.order[1]]["sw"]


def test_tip_with_a_topic_word_in_either_language(loaded):
    phone = "+254711000004"
    mercury = loaded.by_topic["chemicals"]
    got = [tip_keyword(inbound(phone, word, "sw")) for word in ["USHAURI zebaki", "ushauri Mercury"]]
    assert got == [loaded.tips[mercury[0]]["sw"], loaded.tips[mercury[1]]["sw"]]
    # A topic exhausted in this cycle repeats its oldest tip, without starting a new cycle.
    for _ in range(len(mercury) - 2):
        tip_keyword(inbound(phone, "TIP cyanide", "en"))
    assert tip_keyword(inbound(phone, "TIP cyanide", "en")) == loaded.tips[mercury[0]]["en"]
    # The general cycle skips what the topic requests already sent.
    assert tip_keyword(inbound(phone, "TIP", "en")) == loaded.tips[loaded.order[0]]["en"]


@pytest.mark.parametrize("locale,word", [("en", "TIP"), ("sw", "USHAURI")])
def test_unknown_topic_word_lists_the_topics_in_one_sms(loaded, locale, word):
    reply = tip_keyword(inbound("+254711000005", f"{word} football", locale))
    assert encoding.fits_one_sms(reply)
    assert ("mercury" if locale == "en" else "zebaki") in reply
    assert db.session.execute(db.select(TipDelivery)).first() is None


def test_no_tips_loaded_says_so(app):
    reply = tip_keyword(inbound("+254711000006", "TIP", "en"))
    assert reply == "No safety tips yet. Please try again later."


def test_ussd_send_me_by_sms_queues_one_reply_and_counts_for_the_cycle(loaded, phone, sent):
    phone.dial("2")
    tip_screen = phone.send("1")
    screen = phone.send("2")
    assert screen == "CON Tumekutumia ushauri huu kwa SMS.\n1 Unaofuata\n0 Rudi 00 Mwanzo"
    assert phone.send("0") == tip_screen  # back shows the tip again
    phone.send("2")  # pressed again: no second SMS
    assert len(sent) == 1
    number, text, options = sent[0]
    first_shaft = loaded.by_topic["shafts"][0]
    assert (number, text) == (phone.number, loaded.tips[first_shaft]["sw"])
    assert options["queue"] == jobs.REPLIES and options["locale"] == "sw"
    # The SMS keyword will not send this tip again in this cycle.
    assert tip_keyword(inbound(phone.number, "TIP", "sw")) == loaded.tips[loaded.order[1]]["sw"]


def test_ussd_send_really_enqueues_on_rq(loaded, phone, redis):
    phone.dial("2*1*2")
    queued = Queue(jobs.REPLIES, connection=redis).jobs
    assert len(queued) == 1
    assert queued[0].func_name == "sms.outbound.send_message"
    [message] = queued_messages(Queue(jobs.REPLIES, connection=redis))
    assert (message.phone, message.text) == (phone.number, loaded.tips[loaded.by_topic["shafts"][0]]["sw"])
    assert message.purpose == "tip"


# --- weekly drip -----------------------------------------------------------------------------

def utc(*args):
    return datetime(*args, tzinfo=timezone.utc)


# TIP_DRIP_WEEKDAY=0, TIP_DRIP_HOUR=9 (defaults): Monday 09:00 Nairobi = 06:00 UTC.
MONDAY_0900 = utc(2026, 11, 23, 6, 0)


@pytest.fixture
def drip_miners(loaded):
    return {
        "sw": miner("+254722000001", "sw"), "en": miner("+254722000002", "en"),
        "no_sms": miner("+254722000003", sms=False), "stopped": miner("+254722000004"),
        "unreachable": miner("+254722000005"),
    }


def _mark(miners):
    from models import utcnow

    miners["stopped"].sms_opt_out_at = utcnow()
    miners["unreachable"].unreachable_at = utcnow()
    miner("+254722000006").tips_opt_out_at = utcnow()  # TIP STOP / USHAURI ACHA: no weekly tip, other SMS go on
    db.session.commit()


def test_slot_is_computed_in_nairobi_time():
    week, slot = slot_for(utc(2026, 11, 29, 22, 0), 0, 9)  # Sunday 22:00 UTC = Monday 01:00 Nairobi
    assert week == "2026-W49" and slot == utc(2026, 11, 30, 6, 0)


def test_drip_sends_once_a_week_to_consented_miners_in_their_language(app, drip_miners, sent):
    _mark(drip_miners)
    cat = catalogue()
    assert run_weekly_drip(utc(2026, 11, 23, 5, 59)) == 0  # a minute early
    assert run_weekly_drip(MONDAY_0900) == 2
    by_phone = {p: (text, o) for p, text, o in sent}
    assert set(by_phone) == {"+254722000001", "+254722000002"}
    assert by_phone["+254722000001"][0] == cat.tips[cat.order[0]]["sw"] + " USHAURI ACHA kusitisha"
    assert by_phone["+254722000002"][0] == cat.tips[cat.order[0]]["en"] + " TIP STOP to end tips"
    assert all(o["queue"] == jobs.BULK and o["purpose"] == "tip_drip" for _, o in by_phone.values())
    # Every later tick of the same week does nothing.
    assert run_weekly_drip(utc(2026, 11, 23, 6, 10)) == 0
    assert run_weekly_drip(utc(2026, 11, 26, 10, 0)) == 0
    # Next week: the next tip, never the same one.
    assert run_weekly_drip(utc(2026, 11, 30, 6, 5)) == 2
    assert {text for _, text, _ in sent[-2:]} == {drip_text(cat.tips[cat.order[1]][lang], lang) for lang in ("sw", "en")}


def test_drip_exactly_once_per_miner_per_week_across_two_workers_and_a_restart(app_for_backend, drip_miners,
                                                                                 sent):
    """Two workers run the same tick at the same moment (two threads, two database sessions);
    then the process restarts (memory caches gone) and ticks again: one tip per miner."""
    for n in range(6, 30):
        miner(f"+2547220000{n:02d}", "sw" if n % 2 else "en")
    consented = db.session.execute(db.select(db.func.count()).select_from(Miner)
                                   .filter(Miner.sms_consent_at.is_not(None))).scalar_one()
    results, errors = [], []
    barrier = threading.Barrier(2)

    def worker():
        try:
            with app_for_backend.app_context():
                barrier.wait(timeout=10)
                results.append(run_weekly_drip(MONDAY_0900))
                db.session.remove()
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sum(results) == consented
    # A restart: a new process (a new app, nothing in memory) ticks again later that week.
    from app import create_app

    tips_catalogue.CATALOGUE.prime(tips_catalogue.CATALOGUE.empty)  # nothing in memory
    restarted = create_app({key: app_for_backend.config[key] for key in (
        "TESTING", "SQLALCHEMY_DATABASE_URI", "REDIS_URL", "INSTANCE_PATH", "DEFAULT_LOCALE", "AT_API_URL")})
    with restarted.app_context():
        assert run_weekly_drip(utc(2026, 11, 24, 8, 0)) == 0
        db.session.remove()
        db.engine.dispose()
    weekly = Counter(db.session.execute(
        db.select(TipDelivery.miner_id).filter_by(drip_week="2026-W48")).scalars())
    assert len(weekly) == consented and set(weekly.values()) == {1}
    assert Counter(phone for phone, _, _ in sent) == Counter({p: 1 for p, _, _ in sent})
    assert len(sent) == consented


def test_drip_catches_up_after_an_outage_but_not_at_night(app, drip_miners, sent):
    assert run_weekly_drip(utc(2026, 11, 24, 0, 30)) == 0  # Tuesday 03:30 Nairobi: wait for daytime
    assert run_weekly_drip(utc(2026, 11, 24, 5, 0)) == 4  # Tuesday 08:00 Nairobi


def test_drip_never_repeats_a_tip_before_all_were_sent(app, loaded, sent):
    miner("+254722000099", "en")
    total = len(loaded.order)
    for week in range(total + 1):
        monday = utc(2026, 1, 5, 6, 0)  # a Monday
        assert run_weekly_drip(monday + timedelta(weeks=week)) == 1
    texts = [text for _, text, _ in sent]
    assert all(encoding.fits_one_sms(text) for text in texts)
    assert len(set(texts[:total])) == total
    assert texts[total] == texts[0]


def test_erasing_a_miner_forgets_their_tip_deliveries(loaded):
    phone = "+254711000007"
    miner(phone)
    tip_keyword(inbound(phone, "TIP", "sw"))
    erase(phone)
    assert db.session.execute(db.select(TipDelivery).filter_by(phone=phone)).first() is None


def test_cron_schedule_runs_the_drip_job_through_rq(app, drip_miners, redis, sent):
    import importlib

    from freezegun import freeze_time
    from rq import cron

    cron._job_data_registry.clear()
    importlib.reload(importlib.import_module("cron_config"))
    registered = {entry["func"].__name__: entry for entry in cron._job_data_registry}
    cron._job_data_registry.clear()
    entry = registered["weekly_drip_job"]
    assert entry["queue_name"] == jobs.DEFAULT and entry["cron"]
    job = Queue(entry["queue_name"], connection=redis).enqueue(entry["func"])
    with freeze_time("2026-11-23 06:05:00"):  # Monday 09:05 in Nairobi
        assert job.perform() == 4  # every consented miner (one declined SMS)
        assert job.perform() == 0


# --- every tip fits one USSD screen (issue 14, item 7) ----------------------------------------

def _screens(locale, topic, index, state):
    from tests.journeys import FLOW
    from flows.engine import Session

    session = Session(phone="+254700000000", locale=locale, state=state, caller={"locale": locale},
                      data={"tip_topic": topic, "tip_index": index, "tips_sent": []})
    return FLOW.pages(session)


@pytest.mark.parametrize("locale", ["sw", "en"])
def test_every_tip_in_the_content_file_fits_one_screen_with_its_options(loaded, locale):
    """The screen the flow renders, for each tip of content/tips.yaml: the whole tip and its
    options on ONE page of at most 160 GSM-7 characters; the "sent by SMS" screen too."""
    from tips.journey import SENT, SHOW

    _, tips = read_file()
    for tip in tips:
        ids = loaded.by_topic[tip["topic"]]
        index = ids.index(tip["id"])
        [screen] = _screens(locale, tip["topic"], index, SHOW)  # one page: nothing to page with 98
        assert len(screen) <= 160 and len(screen.encode("gsm03.38")) <= 160, (tip["id"], screen)
        assert tip[locale] in screen, (tip["id"], screen)
        assert screen.endswith(("\n1 Unaofuata 2 SMS\n0 Rudi 00 Mwanzo", "\n1 Next tip 2 SMS\n0 Back 00 Home"))
        [confirmation] = _screens(locale, tip["topic"], index, SENT)
        assert len(confirmation) <= 160


@pytest.mark.parametrize("locale", ["sw", "en"])
def test_walking_every_tip_of_every_topic_shows_each_tip_whole(loaded, client, locale):
    """A caller reads every topic to its last tip over the real /ussd endpoint: each tip is
    shown whole on one screen with "1 next" and "2 SMS", and never needs 98."""
    from tests.conftest import Phone

    number = "+254722111001" if locale == "sw" else "+254722111002"
    if locale == "en":
        miner(number, "en")
    phone = Phone(client, number=number)
    for position, topic in enumerate(loaded.topics, 1):
        phone.dial("2")
        screen = phone.send(str(position))
        for n, tip_id in enumerate(loaded.by_topic[topic["code"]]):
            if n:
                screen = phone.send("1")
            assert screen.startswith("CON ") and "98" not in screen, screen
            assert f"{n + 1}/{len(loaded.by_topic[topic['code']])}: {loaded.tips[tip_id][locale]}\n" in screen
        count = len(loaded.by_topic[topic["code"]])
        assert f"CON 1/{count}: " in phone.send("1")  # after the last tip, "next" starts the topic again


def test_sms_option_then_next_then_back_returns_to_the_topics(loaded, phone, sent):
    topics = phone.dial("2")
    phone.send("1")
    phone.send("2")  # the "sent" screen
    second = phone.send("1")
    assert second.startswith("CON 2/")  # the next tip
    assert phone.send("0") == topics  # back from it: the topics, not the tip before
    assert len(sent) == 1


def test_every_tip_names_a_source_the_file_explains():
    raw = yaml.safe_load(CONTENT_FILE.read_text())
    known, markers = raw["sources"], raw["markers"]
    for tip in raw["tips"]:
        assert any(str(s) in known for s in tip["sources"]), tip["id"]
        assert all(str(s) in known or str(s) in markers for s in tip["sources"]), tip["id"]


def test_a_tip_without_a_real_source_is_refused(app, tmp_path):
    content = yaml.safe_load(CONTENT_FILE.read_text())
    content["tips"][0]["sources"] = ["PROPOSAL"]
    content["tips"][1]["sources"] = ["K22", "K999"]
    bad = tmp_path / "tips.yaml"
    bad.write_text(yaml.safe_dump(content))
    with pytest.raises(ContentError) as error:
        tips_catalogue.load_file(bad)
    assert error.value.problems == [
        f"tip {content['tips'][0]['id']}: names no source (add one from the file's sources list)",
        f"tip {content['tips'][1]['id']}: source 'K999' is not in the file's sources or markers",
    ]


def test_loading_a_new_content_version_keeps_officers_edits(app, tmp_path, runner):
    tips_catalogue.load_file()
    first, second = read_file()[1][:2]
    tips_catalogue.edit_tip(first["id"], topic=first["topic"], sw="Kagua kuta za shimo kila asubuhi.",
                            en="Check the shaft walls every morning.", sources=["K11"], by="amina")
    content = yaml.safe_load(CONTENT_FILE.read_text())
    content["tips"][0]["en"] = "A newer shipped text for the first tip."
    content["tips"][1]["en"] = "A newer shipped text for the second tip."
    newer = tmp_path / "tips.yaml"
    newer.write_text(yaml.safe_dump(content))

    result = runner.invoke(args=["tips", "load", "--file", str(newer)])
    assert result.exit_code == 0, result.output
    assert "1 tips edited by officers keep their text" in result.output
    assert catalogue().tips[first["id"]]["en"] == "Check the shaft walls every morning."  # the officer's
    assert catalogue().tips[second["id"]]["en"] == "A newer shipped text for the second tip."
    assert db.session.get(Tip, first["id"]).to_dict()["edited_by"] == "amina"

    counts = tips_catalogue.load_file(newer, replace_edited=True)
    assert counts["updated"] == 1
    assert catalogue().tips[first["id"]]["en"] == "A newer shipped text for the first tip."
    assert db.session.get(Tip, first["id"]).edited_at is None


@pytest.mark.parametrize("locale", ["sw", "en"])
def test_the_longest_tip_officers_may_write_still_fits_one_screen(locale):
    """TIP_SCREEN_MAX holds against the real screen: a tip that long, 15th of 15 in its topic."""
    from tests.journeys import FLOW
    from flows.engine import Session
    from tips.journey import SHOW
    from models.tip import TIP_SCREEN_MAX
    from tips.catalogue import CATALOGUE

    words = ("Zebaki " * 40)[:TIP_SCREEN_MAX - 1].rstrip() + "."
    text = words + "x" * (TIP_SCREEN_MAX - len(words))
    assert len(text) == TIP_SCREEN_MAX
    ids = [f"long-{n}" for n in range(15)]
    CATALOGUE.prime({"topics": [{"code": "chemicals", "sw": "Zebaki", "en": "Mercury", "words_en": [], "words_sw": []}],
                     "tips": {i: {"topic": "chemicals", "sw": text, "en": text} for i in ids},
                     "by_topic": {"chemicals": ids}, "order": ids})
    try:
        session = Session(phone="+254700000000", locale=locale, state=SHOW, caller={"locale": locale},
                          data={"tip_topic": "chemicals", "tip_index": 14})
        [screen] = FLOW.pages(session)
        assert screen.startswith(f"15/15: {text}") and len(screen) <= 160
    finally:
        CATALOGUE.prime(CATALOGUE.empty)


def test_officers_cannot_add_a_tip_that_would_not_fit_one_screen(loaded):
    from models.tip import TIP_SCREEN_MAX

    with pytest.raises(ContentError) as error:
        tips_catalogue.add_tip(topic="shafts", sw="a" * (TIP_SCREEN_MAX + 1), en="Check the walls.", by="amina")
    assert error.value.problems == [f"sw: {TIP_SCREEN_MAX + 1} characters, at most {TIP_SCREEN_MAX}"]
