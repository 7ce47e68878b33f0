"""Issue 12 and 13 through the real callback, jobs and fake gateway: free-text reports whatever
the first word, no sentence read as an opt-out, scoped stops, the place a text names, follow-ups
that raise a report, and the per-number reply budget."""
import pytest

from core.i18n import translate
from incidents.texts import alert_text
from models import Incident, InboundMessage, Miner, PriceSubscription, db
from prices import publishing as prices
from sms import replies
from tests.incident_helpers import add_officer
from tests.sms_support import _fake_server, _live_servers, add_miner, fake_at, live_url, run_jobs, sms_app  # noqa: F401
from tests.test_sms_inbound import PHONE, inbox, text_in
from tests.test_sms_inbound import converse as _converse
OFFICER = "+254722000901"


def converse(client, app, fake_at, text, phone=PHONE):
    return _converse(client, app, fake_at, text, phone=phone)


def incidents():
    return db.session.execute(db.select(Incident).order_by(Incident.id)).scalars().all()


def officer_alerts(fake_at):
    return inbox(fake_at, OFFICER)


@pytest.mark.parametrize("text, category, trapped, dead", [
    ("Msaada! watu wamenaswa shimoni Migori", "UNCLASSIFIED", 1, 0),
    ("shimo limeporomoka watu watatu wamefariki Osiri", "COLLAPSE", 0, 3),
    ("Help pit collapsed at Masara 2 trapped", "COLLAPSE", 2, 0),
    ("Dharura shimo limeporomoka Migori wawili wamekwama", "COLLAPSE", 2, 0),
    ("Haraka maji yamejaa shimoni Migori mmoja hajatoka", "FLOOD", 1, 0),
    ("Tusaidieni mgodi umeporomoka Kehancha mtu mmoja amefariki", "COLLAPSE", 0, 1),
])
def test_a_cry_for_help_files_a_report_and_alerts_the_officers_whatever_its_first_word(
        client, fake_at, sms_app, text, category, trapped, dead):
    add_officer("migori1", county="Migori", phone=OFFICER)
    [reply] = converse(client, sms_app, fake_at, text)
    [incident] = incidents()
    assert (incident.category, incident.trapped, incident.dead, incident.urgent) == (category, trapped, dead, True)
    assert incident.county == "Migori" and incident.description == text
    assert incident.reference in reply and "Migori" in reply  # "officers in Migori have been told"
    assert [m for m in officer_alerts(fake_at) if incident.reference in m]


@pytest.mark.parametrize("text", ["Acha nikwambie kuhusu shimo", "STOP please", "stop stop", "acha tu",
                                  "Stop sending me these in english"])
def test_no_sentence_is_an_opt_out(client, fake_at, sms_app, text):
    add_miner(PHONE)
    converse(client, sms_app, fake_at, text)
    db.session.expire_all()
    assert db.session.execute(db.select(Miner)).scalar_one().sms_opt_out_at is None


def test_a_sentence_that_starts_with_stop_and_reports_mercury_is_a_report(client, fake_at, sms_app):
    add_miner(PHONE, locale="en")
    [reply] = converse(client, sms_app, fake_at, "Stop burning mercury near the school, send officers please")
    [incident] = incidents()
    assert incident.category == "MERCURY" and not incident.urgent and reply.startswith("Madini Salama: report")
    db.session.expire_all()
    assert db.session.execute(db.select(Miner)).scalar_one().sms_opt_out_at is None


def test_stop_confirms_once_naming_the_shortcode_and_the_restart_word(client, fake_at, sms_app):
    add_miner(PHONE, locale="en")
    replies = []
    for _ in range(20):
        text_in(client, "STOP", phone=PHONE)
    run_jobs(sms_app)
    replies = inbox(fake_at, PHONE)
    assert replies == ["Madini Salama: all SMS stopped, safety alerts too. To get them again send START to 22384."]
    # An unregistered number gets one confirmation too.
    for _ in range(5):
        text_in(client, "ACHA", phone="+254711000102")
    run_jobs(sms_app)
    assert len(inbox(fake_at, "+254711000102")) == 1
    # START, then STOP again: a new confirmation.
    converse(client, sms_app, fake_at, "START")
    assert len(converse(client, sms_app, fake_at, "STOP")) == 1


def test_price_stop_stops_price_alerts_only_and_the_footer_names_it(client, fake_at, sms_app, app):
    add_miner(PHONE, locale="sw")
    prices.ensure_default_markets()
    prices.subscribe(PHONE, prices.market_named("Migori").id, "every", "sw")
    [reply] = converse(client, sms_app, fake_at, "BEI ACHA")
    assert reply.startswith("Madini Salama: Taarifa za bei ya dhahabu zimesimamishwa")
    db.session.expire_all()
    assert db.session.execute(db.select(PriceSubscription)).first() is None
    assert db.session.execute(db.select(Miner)).scalar_one().sms_opt_out_at is None
    assert translate("sw", prices.MSG_ALERT, price="X").endswith("BEI ACHA kusitisha")
    assert translate("en", prices.MSG_ALERT, price="X").endswith("PRICE STOP ends")


def test_tip_stop_ends_the_weekly_tip_only(client, fake_at, sms_app):
    from tips.drip import MSG_STOP

    add_miner(PHONE, locale="en")
    [reply] = converse(client, sms_app, fake_at, "TIP STOP")
    assert reply.startswith("Weekly safety tips stopped. Other SMS continue")
    db.session.expire_all()
    miner = db.session.execute(db.select(Miner)).scalar_one()
    assert miner.tips_opt_out_at is not None and miner.sms_opt_out_at is None
    [reply] = converse(client, sms_app, fake_at, "USHAURI ANZA")
    db.session.expire_all()
    assert db.session.execute(db.select(Miner)).scalar_one().tips_opt_out_at is None
    assert (translate("en", MSG_STOP), translate("sw", MSG_STOP)) == ("TIP STOP to end tips", "USHAURI ACHA kusitisha")


def test_the_report_is_filed_where_the_text_says_and_the_alert_shows_both_places(client, fake_at, sms_app):
    add_officer("migori1", county="Migori", phone=OFFICER, locale="en")
    add_miner(PHONE, locale="en", county="Migori", site="Osiri")
    [reply] = converse(client, sms_app, fake_at, "REPORT flood in the shaft at Macalder, 3 people trapped")
    [incident] = incidents()
    assert (incident.category, incident.site, incident.county, incident.trapped) == ("FLOOD", "Macalder", "Migori", 3)
    assert incident.registered_place == "Osiri, Migori"
    [alert] = officer_alerts(fake_at)
    assert "Macalder, Migori (registered: Osiri, Migori)" in alert
    assert reply == (f"Madini Salama: report {incident.reference} received (Flooding), 3 trapped. Officers in Migori "
                     f"have been told. To add details SMS {incident.reference} and your words. Emergency 999")


def test_a_report_at_the_registered_place_keeps_it_once(client, fake_at, sms_app):
    add_miner(PHONE, county="Migori", site="Osiri")
    converse(client, sms_app, fake_at, "RIPOTI shimo limeporomoka Osiri wawili wamekwama")
    converse(client, sms_app, fake_at, "RIPOTI mafuriko Migori mmoja amekwama")  # only the county: same place
    assert [(i.site, i.county, i.registered_place) for i in incidents()] == [("Osiri", "Migori", None)] * 2


def test_a_new_category_within_30_minutes_is_a_new_report_and_alerts(client, fake_at, sms_app):
    add_officer("migori1", county="Migori", phone=OFFICER)
    add_miner(PHONE)
    converse(client, sms_app, fake_at, "wanachoma zebaki nyumbani karibu na shule")
    converse(client, sms_app, fake_at, "shimo limeporomoka watu 5 wamekufa 3 wamekwama")
    mercury, collapse = incidents()
    assert (mercury.category, mercury.urgent) == ("MERCURY", False)
    assert (collapse.category, collapse.dead, collapse.trapped, collapse.urgent) == ("COLLAPSE", 5, 3, True)
    assert len(officer_alerts(fake_at)) == 1 and collapse.reference in officer_alerts(fake_at)[0]


def test_more_dead_or_trapped_raise_the_report_and_alert_again(client, fake_at, sms_app):
    add_officer("migori1", county="Migori", phone=OFFICER)
    add_miner(PHONE)
    converse(client, sms_app, fake_at, "shimo limeporomoka Osiri")
    [incident] = incidents()
    assert not incident.urgent and officer_alerts(fake_at) == []
    [reply] = converse(client, sms_app, fake_at, "watu wawili wamekwama ndani")
    db.session.expire_all()
    [incident] = incidents()  # the same report, raised
    assert (incident.trapped, incident.urgent) == (2, True)
    assert reply.startswith(f"Madini Salama: ripoti {incident.reference} imesasishwa (Shimo limeporomoka), 2 wamekwama.")
    assert len(officer_alerts(fake_at)) == 1
    # Words that add nothing join quietly; more dead alert once more.
    assert converse(client, sms_app, fake_at, "ambulance imefika")[0].endswith("Asante.")
    converse(client, sms_app, fake_at, "mmoja amefariki")
    db.session.expire_all()
    assert [(i.dead, i.trapped) for i in incidents()] == [(1, 2)] and len(officer_alerts(fake_at)) == 2


def test_help_floods_get_one_reply_an_hour_and_commands_are_bounded(client, fake_at, sms_app):
    for _ in range(30):
        text_in(client, "HELP", phone=PHONE)
        text_in(client, "blah blah", phone=PHONE)
    run_jobs(sms_app)
    assert len(inbox(fake_at, PHONE)) == 1  # HELP and unknown words share the hour
    for _ in range(replies.REPLY_BUDGET + 10):
        text_in(client, "LANG EN", phone="+254711000103")
    run_jobs(sms_app)
    assert len(inbox(fake_at, "+254711000103")) == replies.REPLY_BUDGET
    assert db.session.execute(db.select(db.func.count()).select_from(InboundMessage)).scalar_one() == 60 + 20


def test_reports_are_never_held_back_by_the_reply_budget(client, fake_at, sms_app):
    for _ in range(replies.REPLY_BUDGET):
        text_in(client, "LANG EN", phone=PHONE)
    text_in(client, "help 2 people trapped at osiri", phone=PHONE)
    run_jobs(sms_app)
    [incident] = incidents()
    assert incident.trapped == 2 and incident.reference in inbox(fake_at, PHONE)[-1]


def test_thanks_gets_no_reply(client, fake_at, sms_app):
    assert converse(client, sms_app, fake_at, "asante sana") == []
    assert converse(client, sms_app, fake_at, "ok thanks") == []


@pytest.mark.parametrize("text", ["", "x" * 1000, "😀😀😀", "Habari 😀 ’yako’", "0712345678", "١٢٣", "??!!"])
def test_bad_input_gets_a_sensible_reply_or_none_and_is_kept(client, fake_at, sms_app, text):
    replies = converse(client, sms_app, fake_at, text)
    assert len(replies) <= 1
    stored = db.session.execute(db.select(InboundMessage)).scalar_one()
    assert stored.text == text and stored.handled_at is not None
    assert incidents() == []


def test_a_long_report_is_filed_whole(client, fake_at, sms_app):
    text = "shimo limeporomoka watu wawili wamekwama " + "maelezo " * 120
    [reply] = converse(client, sms_app, fake_at, text)
    [incident] = incidents()
    assert incident.trapped == 2 and incident.description == " ".join(text.split())[:2000]
    assert len(reply) <= 160


def test_alert_text_shows_the_registered_place_only_when_it_differs():
    incident = Incident(reference="MS-TEST", category="FLOOD", dead=0, injured=0, trapped=3, county="Migori",
                        site="Macalder", registered_place="Osiri, Migori", occurred="now")
    assert "Macalder, Migori (amesajiliwa: Osiri, Migori)" in alert_text("sw", incident)
    incident.registered_place = None
    assert "(amesajiliwa" not in alert_text("sw", incident)


def test_every_new_fixed_reply_is_one_gsm7_part_in_both_languages():
    from incidents import texts
    from prices import keywords as price_sms
    from tests.sms_checks import assert_sms_templates
    from tips import keywords as tip_sms
    from tips.drip import MSG_STOP

    assert_sms_templates([
        (tip_sms.MSG_TIPS_STOPPED, {}), (tip_sms.MSG_TIPS_STARTED, {}), (tip_sms.MSG_NO_WEEKLY_TIPS, {}),
        (price_sms.MSG_START_ALERTS, {}), (MSG_STOP, {}), (texts.REGISTERED_PLACE, {"place": "W" * 40}),
        (texts.OFFICERS_TOLD, {"county": "Taita Taveta"}), (texts.OFFICERS_TOLD_NO_COUNTY, {}),
        (texts.OFFICERS_WILL_SEE, {}),
    ])


@pytest.mark.parametrize("locale", ["sw", "en"])
def test_replies_with_the_longest_counts_and_county_stay_one_segment(locale):
    from incidents import texts
    from incidents.categories import CATEGORY_LABELS

    counts = {"dead": 500, "injured": 500, "trapped": 500}
    for category in CATEGORY_LABELS:
        reply = texts.sms_reply_text(locale, "MS-WWWW", category, counts, "Taita Taveta", alerted=True)
        raised = texts.follow_up_raised_text(locale, Incident(
            reference="MS-WWWW", category=category, county="Taita Taveta", urgent=True, **counts))
        for text in (reply, raised):
            assert len(text.encode("gsm03.38")) <= 160, text
            assert f"({translate(locale, CATEGORY_LABELS[category])})" in text
