"""Incident reports by SMS (REPORT/RIPOTI), follow-up threading, idempotency."""
import pytest

from core import jobs
from incidents.filing import drain_spool
from incidents import keywords as incident_sms
from incidents import spool
from incidents.categories import UNCLASSIFIED
from incidents.filing import LAST_INCIDENT_KEY
from models import IncidentFollowUp, db
from sms import keywords
from sms.keywords import Inbound
from tests.incident_helpers import DatabaseOutage, add_miner, add_officer, incidents, outbox  # noqa: F401
from tests.incident_helpers import reference_in
from tests.sms_checks import queued_messages


def inbound(text, phone="+254712000401", at_id="ATXid_1", locale=None):
    word, implied, args = keywords.router().match(text)
    return Inbound(phone=phone, text=text, keyword=word, args=args, locale=locale or implied or "sw", at_id=at_id)


def send(message):
    route = keywords.router().routes.get(message.keyword) if message.keyword else None
    if route:
        return route.handler(message)
    for handler in keywords.router().fallbacks:
        reply = handler(message)
        if reply is not None:
            return reply
    return None


@pytest.mark.parametrize("text, category", [
    ("shimo limeporomoka Osiri", "COLLAPSE"),
    ("pit collapse at Masara", "COLLAPSE"),
    ("maji yamejaa shimoni", "FLOOD"),
    ("flood in shaft 3", "FLOOD"),
    ("moshi wa jenereta shimoni", "AIR"),
    ("bad air, two fainted", "AIR"),
    ("baruti imelipuka", "BLAST"),
    ("kamba imekatika mtu ameanguka", "FALL"),
    ("wanatumia zebaki karibu na nyumba", "MERCURY"),
    ("burning mercury amalgam at home", "MERCURY"),
    ("sianidi imemwagika", "CYANIDE"),
    ("watoto wanafanya kazi mgodini", "CHILD"),
    ("children working in the pits", "CHILD"),
    ("wizi na vurugu usiku", "VIOLENCE"),
    ("uchafuzi wa mto na mazingira", "ENV"),
    ("watoto wamenaswa, shimo limeporomoka", "COLLAPSE"),  # a tie goes to the deadlier category
    ("habari yako", UNCLASSIFIED),
])
def test_category_is_guessed_from_words_in_either_language(text, category):
    assert incident_sms.guess_category(text) == category


@pytest.mark.parametrize("text, counts", [
    ("shimo limeporomoka, watu wawili wamenaswa", {"dead": 0, "injured": 0, "trapped": 2}),
    ("collapse: 3 dead and 4 injured", {"dead": 3, "injured": 4, "trapped": 0}),
    ("mafuriko, majeruhi 5", {"dead": 0, "injured": 5, "trapped": 0}),
    ("mtu amenaswa", {"dead": 0, "injured": 0, "trapped": 1}),
    ("zebaki inatumika", {"dead": 0, "injured": 0, "trapped": 0}),
])
def test_counts_are_read_from_the_text(text, counts):
    assert incident_sms.guess_counts(text) == counts


def test_ripoti_files_an_incident_and_replies_in_swahili(client, outbox):
    add_officer("migori1", county="Migori", phone="+254722000001")
    reply = send(inbound("RIPOTI shimo limeporomoka Masara Migori, watu wawili wamenaswa"))
    ref = reference_in(reply)
    assert reply == (f"Madini Salama: ripoti {ref} imepokelewa (Shimo limeporomoka), 2 wamekwama. Maafisa wa "
                     f"Migori wamearifiwa. Zaidi: tuma {ref} na maneno.")
    [incident] = incidents()
    assert (incident.reference, incident.channel, incident.category) == (ref, "sms", "COLLAPSE")
    assert (incident.trapped, incident.urgent, incident.county, incident.locale) == (2, True, "Migori", "sw")
    assert incident.description == "shimo limeporomoka Masara Migori, watu wawili wamenaswa"
    assert incident.at_message_id == "ATXid_1"
    assert [(m["phone"], m["purpose"], m["queue"]) for m in outbox] == [
        ("+254722000001", "incident_alert", "alerts")]  # the SMS reply is the receipt


def test_report_in_english_replies_in_english_and_uses_the_miners_site(client, outbox):
    add_miner("+254712000402", county="Kakamega", site="Rosterman", locale="en")
    reply = send(inbound("report flood in our shaft, 3 injured", phone="+254712000402", locale="en"))
    ref = reference_in(reply)
    assert reply.startswith(f"Madini Salama: report {ref} received (Flooding), 3 injured. Officers in Kakamega "
                            "have been told.")
    [incident] = incidents()
    assert (incident.county, incident.site, incident.injured, incident.urgent) == ("Kakamega", "Rosterman", 3, True)
    assert incident.miner_id is not None


def test_unclassified_report_still_gets_a_reference(client, outbox):
    reply = send(inbound("RIPOTI tafadhali nipigieni simu"))
    assert incidents()[0].category == UNCLASSIFIED
    assert "(Tukio lingine)" in reply and reference_in(reply) == incidents()[0].reference


def test_keyword_without_text_explains_how_to_report(client, outbox):
    assert send(inbound("ripoti")).startswith("Kuripoti, tuma SMS RIPOTI na kilichotokea")
    assert send(inbound("REPORT", locale="en")).startswith("To report, SMS REPORT and what happened")
    assert incidents() == []


def test_the_same_at_message_twice_files_once_and_answers_the_same(client, outbox):
    first = send(inbound("RIPOTI baruti imelipuka, mtu mmoja amefariki", at_id="ATXid_dup"))
    second = send(inbound("RIPOTI baruti imelipuka, mtu mmoja amefariki", at_id="ATXid_dup"))
    assert first == second
    assert len(incidents()) == 1 and incidents()[0].dead == 1


def test_plain_sms_within_30_minutes_is_a_follow_up(client, redis, outbox):
    phone = "+254712000403"
    ref = reference_in(send(inbound("RIPOTI maji yamejaa shimoni", phone=phone, at_id="AT1")))
    reply = send(inbound("Wawili wameokolewa, mmoja bado yuko ndani", phone=phone, at_id="AT2"))
    # One still inside is one trapped: the report is raised (and now urgent), not just added to.
    assert reply == f"Madini Salama: ripoti {ref} imesasishwa (Mafuriko), 1 amekwama. Maafisa wamearifiwa. Asante."
    assert send(inbound("Wawili wameokolewa, mmoja bado yuko ndani", phone=phone, at_id="AT2")) == reply
    assert redis.ttl(LAST_INCIDENT_KEY.format(phone=phone)) > 29 * 60
    redis.delete(LAST_INCIDENT_KEY.format(phone=phone))  # 30 minutes later
    assert send(inbound("hello again", phone=phone, at_id="AT3")) is None  # left to the general help
    # Starting with the reference still works later on, for the reporter's own incident only.
    assert send(inbound(f"{ref.lower()} ambulance imefika", phone=phone, at_id="AT4")).endswith("Asante.")
    assert send(inbound(f"{ref} I saw it too", phone="+254712000499", at_id="AT5")) is None
    [incident] = incidents()
    assert [(f.text, f.at_message_id) for f in incident.follow_ups] == [
        ("Wawili wameokolewa, mmoja bado yuko ndani", "AT2"), ("ambulance imefika", "AT4")]
    assert (incident.trapped, incident.urgent) == (1, True)


def test_report_keyword_with_own_reference_adds_to_that_report(client, outbox):
    phone = "+254712000404"
    ref = reference_in(send(inbound("REPORT pit collapse Osiri", phone=phone, at_id="AT1", locale="en")))
    reply = send(inbound(f"REPORT {ref} two more people missing", phone=phone, at_id="AT2", locale="en"))
    assert reply == (f"Madini Salama: report {ref} updated (Pit or tunnel collapse), 2 trapped. Officers in Migori "
                     "have been told. Thank you.")
    assert len(incidents()) == 1 and (incidents()[0].trapped, incidents()[0].urgent) == (2, True)
    assert send(inbound(f"REPORT {ref} the police came", phone=phone, at_id="AT3", locale="en")) == (
        f"Madini Salama: added to report {ref}. Thank you.")
    assert db.session.execute(db.select(IncidentFollowUp.text)).scalars().all() == [
        "two more people missing", "the police came"]


def test_sms_report_with_the_database_down_is_spooled_and_keeps_its_reference(app, client, redis, outbox):
    add_officer("migori1", county="Migori", phone="+254722000001")
    message = inbound("RIPOTI mafuriko Osiri Migori watu watatu wamenaswa", phone="+254712000405", at_id="ATdown")
    with DatabaseOutage(app):
        first = send(message)
        assert send(message) == first  # AT (or the job) retries while the database is away
    ref = reference_in(first)
    assert incidents() == [] and redis.llen(spool.SPOOL_KEY) == 1
    assert drain_spool()["filed"] == 1
    [incident] = incidents()
    assert (incident.reference, incident.trapped, incident.at_message_id) == (ref, 3, "ATdown")
    assert send(message) == first and len(incidents()) == 1
    assert [m["phone"] for m in outbox] == ["+254722000001"]


def test_sms_report_is_filed_once_when_storing_fails_after_the_reference_was_claimed(app, client, redis, outbox,
                                                                                     monkeypatch):
    from incidents import filing as service

    real_store = service.store_report
    outage = DatabaseOutage(app)

    def store_while_down(payload, *args, **kwargs):
        with outage:
            return real_store(payload, *args, **kwargs)

    message = inbound("RIPOTI mafuriko Osiri watu watatu wamenaswa", phone="+254712000406", at_id="ATlate")
    monkeypatch.setattr(service, "store_report", store_while_down)
    first = send(message)
    assert redis.llen(spool.SPOOL_KEY) == 1 and incidents() == []
    second = send(message)  # the same AT message again while the report waits in the spool
    assert reference_in(second) == reference_in(first) and redis.llen(spool.SPOOL_KEY) == 1
    monkeypatch.setattr(service, "store_report", real_store)
    assert drain_spool()["filed"] == 1
    [incident] = incidents()
    assert incident.reference == reference_in(first) and incident.at_message_id == "ATlate"


def test_alert_really_goes_on_the_alerts_queue(client, redis):
    """No capture here: the alert is a real RQ job on `alerts`, the queue workers take first."""
    add_officer("migori1", county="Migori", phone="+254722000001", locale="en")
    reply = send(inbound("RIPOTI shimo limeporomoka Migori, mtu mmoja amefariki", at_id="ATrq"))
    ref = reference_in(reply)
    queue = jobs.queue(jobs.ALERTS)
    [notify_job] = queue.get_jobs()  # the report is stored; a job works out who is told what
    assert notify_job.func_name == "incidents.filing.notify_filed"
    notify_job.perform()  # as a worker would
    notify_job.delete()
    [job] = queue.get_jobs()
    assert job.origin == "alerts" and job.func_name == "sms.outbound.send_message"
    [message] = queued_messages(queue)
    assert message.phone == "+254722000001"
    assert message.text.startswith(f"Madini Salama: URGENT {ref}: Pit or tunnel collapse. Dead 1, injured 0, "
                                   "trapped 0.")
    assert message.purpose == "incident_alert" and message.locale == "en"
    assert jobs.queue(jobs.BULK).count == 0


def test_a_flood_of_reports_from_one_phone_stops_paging_officers_but_never_holds_an_urgent_one(client, outbox):
    add_officer("migori1", county="Migori", phone="+254722000001")
    phone = "+254712000407"
    for n in range(incident_sms.MAX_NEW_REPORTS_PER_HOUR):
        send(inbound(f"RIPOTI Migori wanachoma zebaki nyumbani {n + 1}", phone=phone, at_id=f"AT{n}"))
    assert len(incidents()) == incident_sms.MAX_NEW_REPORTS_PER_HOUR
    reply = send(inbound("RIPOTI Migori wanachoma zebaki tena", phone=phone, at_id="ATmore"))
    latest = incidents()[-1]
    assert reply == f"Madini Salama: imeongezwa kwenye ripoti {latest.reference}. Asante."
    assert len(incidents()) == incident_sms.MAX_NEW_REPORTS_PER_HOUR
    assert [f.text for f in latest.follow_ups] == ["Migori wanachoma zebaki tena"]
    assert not [m for m in outbox if m["purpose"] == "incident_alert"]
    # The case: a collapse with 5 dead and 3 trapped from the same phone is filed and
    # alerted, never attached to the mercury report.
    reply = send(inbound("RIPOTI shimo limeporomoka Migori watu 5 wamekufa 3 wamekwama", phone=phone, at_id="ATurgent"))
    collapse = incidents()[-1]
    assert len(incidents()) == incident_sms.MAX_NEW_REPORTS_PER_HOUR + 1
    assert (collapse.category, collapse.dead, collapse.trapped, collapse.urgent) == ("COLLAPSE", 5, 3, True)
    assert reference_in(reply) == collapse.reference
    assert [m["phone"] for m in outbox if m["purpose"] == "incident_alert"] == ["+254722000001"]
    # Another phone is not affected.
    send(inbound("RIPOTI Migori zebaki inatumika shuleni", phone="+254712000408", at_id="ATother"))
    assert len(incidents()) == incident_sms.MAX_NEW_REPORTS_PER_HOUR + 2
