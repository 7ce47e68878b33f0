"""Reporting an incident by USSD: what is stored, never lost, never doubled."""
import json
import re
from pathlib import Path

import pytest
from rq.registry import ScheduledJobRegistry

from core import jobs
from tests.journeys import FLOW
from incidents.filing import drain_spool, drain_spool_job
from incidents import journey as flow
from flows.engine import SCREEN_BUDGET, Session
from incidents import reference, spool
from incidents.filing import LAST_INCIDENT_KEY
from models import Incident, db
from miners.erasure import erase
from tests.conftest import Phone
from tests.incident_helpers import (DatabaseOutage, add_miner, add_officer, incidents, outbox,  # noqa: F401
                                    reference_in)
from tests.test_conversations import test_conversation as replay_golden
from ussd.store import RESUME_KEY, SESSION_KEY
from tests.sms_checks import queued_messages

GOLDEN = sorted((Path(__file__).parent / "conversations").glob("incident_*.txt"))


def _expectations(path):
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# expect:"):
            return dict(pair.strip().split("=", 1) for pair in line[len("# expect:"):].split(";"))
    raise AssertionError(f"{path.name} has no '# expect:' line")


@pytest.mark.parametrize("path", GOLDEN, ids=[p.stem for p in GOLDEN])
def test_golden_conversation_stores_what_the_caller_said(path, client, redis, outbox):
    replay_golden(path, client, redis)
    rows = incidents()
    assert len(rows) == 1, f"{path.name}: {len(rows)} incidents stored"
    incident = rows[0]
    last_end = [line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("END ")][-1]
    assert reference_in(last_end) == incident.reference
    assert incident.channel == "ussd" and incident.status == "new"
    for field, expected in _expectations(path).items():
        if field == "registered":
            assert (incident.miner_id is not None) == (expected == "True"), path.name
            continue
        assert str(getattr(incident, field)) == expected, f"{path.name}: {field}={getattr(incident, field)!r}"


def _report_collapse(phone):
    """The done-when path for a registered miner: report, collapse, one trapped, nobody
    injured, nobody dead, at my site now, send."""
    phone.dial()
    answers = ["1", "1", "2", "1", "1", "1", "1"]
    for answer in answers:
        screen = phone.send(answer)
    assert screen.startswith("END ")
    return screen


def test_done_when_collapse_in_swahili_alerts_migori_and_status_reaches_the_miner(client, redis):
    miner = add_miner("+254712345678", county="Migori", site="Osiri", locale="sw")
    add_officer("migori1", county="Migori", phone="+254722000001")
    add_officer("kakamega1", county="Kakamega", phone="+254722000002")
    add_officer("boss", role="admin", phone="+254722000009")
    _, token = add_officer("migori2", county="Migori")  # no phone: API only

    end = _report_collapse(Phone(client, miner.phone))
    ref = reference_in(end)
    assert end.startswith(f"END Ripoti {ref} imepokelewa.")

    alerts_queue, replies = jobs.queue(jobs.ALERTS), jobs.queue(jobs.REPLIES)
    [notify_job] = alerts_queue.get_jobs()  # the confirming hop only stored the report (urgent: alerts first)
    assert notify_job.func_name == "incidents.filing.notify_filed"
    notify_job.perform()  # as a worker would: alerts and receipt, each its own send job
    notify_job.delete()
    queued = [(m.phone, m.text, m.purpose) for m in queued_messages(alerts_queue)]
    alerts = [q for q in queued if q[2] == "incident_alert"]
    assert [a[0] for a in alerts] == ["+254722000001"]  # Migori only: not Kakamega, not the admin
    assert alerts[0][1] == (f"Madini Salama: DHARURA {ref}: Shimo limeporomoka. Waliofariki 0, majeruhi 0, "
                            f"wamekwama 1. Osiri, Migori. Sasa hivi. Piga 0712 345678.")
    assert ("+254712345678", "incident_receipt") in [(q[0], q[2]) for q in queued]

    listed = client.get("/api/v1/incidents", headers=token).get_json()
    assert [item["reference"] for item in listed["items"]] == [ref]
    assert listed["items"][0]["reporter"]["phone"] == "+2547******78"

    response = client.patch(f"/api/v1/incidents/{ref}", headers=token,
                            json={"status": "responding", "note": "Rescue team on the way"})
    assert response.status_code == 200, response.get_json()
    history = response.get_json()["status_history"]
    assert history[-1]["officer"] == "migori2" and history[-1]["to"] == "responding"
    status_sms = [m for m in queued_messages(replies) if m.purpose == "incident_status"]
    assert len(status_sms) == 1
    assert status_sms[0].phone == "+254712345678"
    assert status_sms[0].text == f"Madini Salama: maafisa wanashughulikia ripoti yako {ref}. Kaa salama, " \
                                 "kaa mbali na hatari."
    assert status_sms[0].locale == "sw"


def _to_summary(phone):
    phone.dial()
    # flood, nobody trapped, 3 injured, nobody dead, Migori, Osiri, now
    for answer in ["1", "2", "1", "4", "3", "1", "1", "Osiri", "1"]:
        screen = phone.send(answer)
    assert "1 Tuma" in screen
    return screen


def test_repeated_confirm_hop_returns_the_same_end_and_files_once(client, redis, outbox):
    phone = Phone(client, "+254712000301")
    _to_summary(phone)
    before_confirm = redis.get(SESSION_KEY.format(sid=phone.session_id, phone=phone.number))
    end = phone.send("1")
    assert phone.repeat() == end
    assert len(incidents()) == 1

    # A fresh hop carrying the same report (the session record was lost after the commit and
    # the gateway retried): the same reference comes back and nothing new is stored.
    redis.set(SESSION_KEY.format(sid=phone.session_id, phone=phone.number), before_confirm)
    assert phone.repeat() == end
    rows = incidents()
    assert len(rows) == 1 and rows[0].reference == reference_in(end)
    assert len([m for m in outbox if m["purpose"] == "incident_receipt"]) == 1


def test_database_down_then_up_loses_nothing_and_files_exactly_once(app, client, redis, outbox):
    add_officer("migori1", county="Migori", phone="+254722000001")
    phone = Phone(client, "+254712000302")
    with DatabaseOutage(app):
        _to_summary(phone)  # the first hop could not look the caller up: served as unregistered
        end = phone.send("1")
        assert end.startswith("END Ripoti ") and "imepokelewa" in end
        ref = reference_in(end)
        assert phone.repeat() == end
        # filed early (urgent: 3 injured in a flood) on the "when" hop, then updated on the
        # summary and on Send: three items, one report
        assert redis.llen(spool.SPOOL_KEY) == 3
        assert ScheduledJobRegistry(queue=jobs.queue(jobs.DEFAULT)).count == 1  # the drain job waits
        result = drain_spool()  # the database is still down: nothing moves
        assert result["database_down"] and result["left"] == 3
    assert incidents() == []
    result = drain_spool_job()
    assert (result["filed"], result["already_filed"], result["left"]) == (1, 2, 0)
    rows = incidents()
    assert len(rows) == 1 and rows[0].reference == ref and rows[0].injured == 3 and rows[0].urgent
    assert [m["phone"] for m in outbox if m["purpose"] == "incident_alert"] == ["+254722000001"]
    assert drain_spool()["filed"] == 0 and len(incidents()) == 1


def test_spooled_twice_while_down_is_filed_once(app, client, redis, outbox):
    phone = Phone(client, "+254712000303")
    with DatabaseOutage(app):
        _to_summary(phone)
        before_confirm = redis.get(SESSION_KEY.format(sid=phone.session_id, phone=phone.number))
        end = phone.send("1")
        redis.set(SESSION_KEY.format(sid=phone.session_id, phone=phone.number), before_confirm)
        assert phone.repeat() == end  # the retried hop spools the same reference again
        assert redis.llen(spool.SPOOL_KEY) == 4  # early filing, summary, Send, Send again
    result = drain_spool()
    assert (result["filed"], result["already_filed"], result["left"]) == (1, 3, 0)
    assert [i.reference for i in incidents()] == [reference_in(end)]
    assert len([m for m in outbox if m["purpose"] == "incident_receipt"]) == 1


def test_database_down_mid_session_keeps_the_miner_link(app, client, redis, outbox):
    add_miner("+254712000304", county="Kakamega", site="Rosterman")
    phone = Phone(client, "+254712000304")
    phone.dial()
    for answer in ["1", "1", "3", "1", "1", "1"]:  # collapse, two trapped, at my site now: filed early
        phone.send(answer)
    assert len(incidents()) == 1
    with DatabaseOutage(app):
        end = phone.send("1")  # Send: the update waits in the spool
    assert drain_spool()["already_filed"] == 1
    incident = incidents()[0]
    assert incident.reference == reference_in(end) and incident.miner_id is not None
    assert (incident.county, incident.site, incident.trapped) == ("Kakamega", "Rosterman", 2)


def test_redis_and_database_both_down_spools_to_a_file(app, client, redis, outbox, monkeypatch):
    payload = {"reference": "MS-FILE", "phone": "+254712000305", "locale": "en", "channel": "ussd",
               "category": "FLOOD", "dead": 1, "county": "Siaya", "site": "Bondo"}

    class NoRedis:
        def rpush(self, *args):
            raise ConnectionError("redis down")

    with monkeypatch.context() as patch:
        patch.setattr(spool, "_redis", lambda: NoRedis())
        with DatabaseOutage(app):
            from incidents.filing import file_report

            assert file_report(payload) == (None, False)
    files = list(spool.spool_dir().glob("*.json"))
    assert len(files) == 1 and json.loads(files[0].read_text())["reference"] == "MS-FILE"
    # Both are back: the next report stored asks for a drain of the local files.
    assert ScheduledJobRegistry(queue=jobs.queue(jobs.DEFAULT)).count == 0
    file_report({**payload, "reference": "MS-NEXT", "phone": "+254712000311"})
    assert ScheduledJobRegistry(queue=jobs.queue(jobs.DEFAULT)).count == 1
    result = drain_spool()
    assert result["filed"] == 1 and not list(spool.spool_dir().glob("*.json"))
    assert [i.reference for i in incidents()] == ["MS-NEXT", "MS-FILE"]


def test_dropped_report_resumes_where_it_stopped(client, redis, outbox):
    phone = Phone(client, "+254712000306")
    phone.dial()
    for answer in ["1", "1", "1", "1", "3"]:  # collapse, nobody trapped or injured, two dead
        phone.send(answer)
    redis.delete(SESSION_KEY.format(sid=phone.session_id, phone=phone.number))
    assert phone.dial().startswith("CON Ripoti yako haijatumwa.\n9 Endelea\n1 Ripoti tukio")
    assert phone.send("9").startswith("CON Kaunti gani?")
    for answer in ["4", "Lolgorian", "1"]:
        phone.send(answer)
    end = phone.send("1")
    rows = incidents()
    assert len(rows) == 1 and rows[0].dead == 2 and rows[0].county == "Narok"
    assert rows[0].reference == reference_in(end)
    assert redis.get(RESUME_KEY.format(phone=phone.number)) is None


def test_reference_clash_is_never_a_lost_report(client, redis, outbox, monkeypatch):
    """The caller drew a reference another report already has: the report is filed under a
    fresh one, and that is the one the END screen gives (and SMS follow-ups join)."""
    import random

    monkeypatch.setattr(reference, "_random", random.Random(7))
    taken = reference.new_reference()
    monkeypatch.setattr(reference, "_random", random.Random(7))  # the caller will draw the same one
    db.session.add(Incident(reference=taken, category="ENV", channel="sms", reporter_phone="+254700000001"))
    db.session.commit()

    phone = Phone(client, "+254712000307")
    _to_summary(phone)
    end = phone.send("1")
    assert end.startswith("END Ripoti ") and taken not in end
    ref = reference_in(end)
    assert [i.reference for i in incidents()] == [taken, ref]
    assert incidents()[1].reporter_phone == phone.number
    assert phone.repeat() == end  # AT retries the hop: same screen, nothing filed twice
    assert len(incidents()) == 2
    assert redis.get(LAST_INCIDENT_KEY.format(phone=phone.number)).decode() == ref
    assert [m["text"] for m in outbox if m["purpose"] == "incident_receipt"] and ref in outbox[-1]["text"]


def test_erasing_a_miner_keeps_their_reports_without_their_number(client, redis, outbox):
    add_miner("+254712000308")
    _report_collapse(Phone(client, "+254712000308"))
    assert redis.get(LAST_INCIDENT_KEY.format(phone="+254712000308"))
    assert erase("+254712000308")
    incident = incidents()[0]
    assert incident.reporter_phone is None and incident.miner_id is None and incident.category == "COLLAPSE"
    assert redis.get(LAST_INCIDENT_KEY.format(phone="+254712000308")) is None


# --- every screen fits, in both languages, with the longest data -------------------

LONG_SITE = "Shaft " + "W" * 34  # 40 characters: the longest site a caller can type
LONG_COUNTY = "X" * 30


@pytest.mark.parametrize("locale", ["sw", "en"])
def test_every_incident_screen_fits_160_characters(locale):
    caller = {"registered": True, "county": "Taita Taveta", "site": LONG_SITE, "locale": locale}
    data = {"category": "FALL", "dead": 0, "injured": 0, "trapped": 500,
            "county": LONG_COUNTY, "site": LONG_SITE, "occurred": "earlier", "reference": "MS-WWWW",
            "description": "W" * flow.DESCRIPTION_MAX, "anonymous": True}
    states = [s for s in FLOW.states if s.startswith("inc.")]
    assert len(states) == 16
    for state in states:
        for counts in ((0, 0, 0), (500, 0, 0), (0, 500, 0), (0, 0, 500), (500, 500, 500)):
            for category in ("CHILD", "COLLAPSE", "FALL", "NEARMISS"):
                session = Session(phone="+254712345678", locale=locale, state=state, caller=dict(caller),
                                  data={**data, **dict(zip(("trapped", "injured", "dead"), counts)),
                                        "category": category})
                for page in FLOW.pages(session):
                    assert len(page) <= SCREEN_BUDGET, (state, page)
                session.error = "Type the number of people, e.g. 2."
                assert len(FLOW.render(session).text) <= SCREEN_BUDGET, state


def test_report_screens_are_resumable_until_confirmed():
    for state_id, state in FLOW.states.items():
        if state_id.startswith("inc."):
            assert state.resumable == (state_id != flow.DONE), state_id


def test_direct_dial_goes_straight_to_the_categories(client, redis):
    screen = Phone(client, "+254712000309").dial("1")
    assert screen.startswith("CON Nini kimetokea?\n1 Shimo limeporomoka")
    assert re.search(r"98 Zaidi", screen)


def test_anonymous_report_during_an_outage_never_logs_the_number(app, client, redis, outbox, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    phone = Phone(client, "+254712000310")
    with DatabaseOutage(app):
        phone.dial()
        for answer in ["1", "1", "2", "1", "1", "1", "Osiri", "1", "2"]:
            phone.send(answer)
        end = phone.send("2")  # anonymous, no SMS
    assert drain_spool()["filed"] == 1
    [incident] = incidents()
    assert incident.reference == reference_in(end) and incident.anonymous and not incident.notify_reporter
    logged = "\n".join(record.getMessage() + (record.exc_text or "") for record in caplog.records)
    assert "spooled" in logged and "caller lookup failed" in logged  # the outage really was logged
    assert "712000310" not in logged and "+2547******10" not in logged


def test_registered_miner_can_report_from_another_place(client, redis, outbox):
    add_miner("+254712000312", county="Migori", site="Osiri", locale="en")
    phone = Phone(client, "+254712000312")
    phone.dial()
    for answer in ["1", "2", "1", "1", "1"]:  # flood, nobody trapped, injured or dead
        screen = phone.send(answer)
    assert screen.startswith("CON At Osiri (Migori)?\n1 Yes, now")
    assert phone.send("4").startswith("CON Which county?\n1 Migori")
    assert phone.send("2") == "CON Name of the mine, site or village:\n0 Back 00 Home"
    phone.send("Shinyalu *pit 4")
    summary = phone.send("2")
    assert summary.startswith("CON Flooding\nNobody hurt\nShinyalu *pit 4, Kakamega\nEarlier today\n1 Send")
    phone.send("1")
    [incident] = incidents()
    assert (incident.county, incident.site, incident.occurred) == ("Kakamega", "Shinyalu *pit 4", "today")
    assert incident.miner_id is not None and incident.locale == "en"


def test_a_spooled_report_that_can_never_be_filed_is_moved_aside(client, redis, outbox):
    spool.put({"reference": "MS-BAD2", "phone": "+254712000313", "channel": "ussd", "category": "FLOOD",
               "reported_at": "not a date"})
    spool.put({"reference": "MS-GUD2", "phone": "+254712000313", "channel": "ussd", "category": "FLOOD"})
    result = drain_spool()
    assert (result["filed"], result["failed"], result["left"]) == (1, 1, 0)
    assert [i.reference for i in incidents()] == ["MS-GUD2"]
    assert json.loads(redis.lindex(spool.FAILED_KEY, 0))["reference"] == "MS-BAD2"


# --- filing early, updating, the hourly cap ------------------------------------------

def _alerts(outbox):
    return [m for m in outbox if m["purpose"] == "incident_alert"]


def _run_alert_again_jobs():
    """Perform what queue_alert_again queued on the alerts queue (as a worker would); returns
    how many ran."""
    ran = 0
    for job in jobs.queue(jobs.ALERTS).get_jobs():
        if job.func_name == "incidents.filing.alert_again":
            job.perform()
            job.delete()
            ran += 1
    return ran


def test_urgent_report_is_filed_and_alerted_before_send_and_later_answers_update_it(client, redis, outbox):
    add_officer("migori1", county="Migori", phone="+254722000001")
    phone = Phone(client, "+254712000320")
    phone.dial()
    for answer in ["1", "1", "3", "1", "1", "1", "Osiri"]:  # collapse, two trapped, Migori, Osiri
        screen = phone.send(answer)
    assert screen.startswith("CON Ilitokea lini?")
    [incident] = incidents()  # filed as soon as the place was known, before "when" and Send
    assert (incident.trapped, incident.urgent, incident.occurred) == (2, True, "now")
    [alert] = _alerts(outbox)
    assert alert["phone"] == "+254722000001" and "Piga 0712 000320." in alert["text"]

    phone.send("2")  # earlier today: the summary updates the same report
    phone.send("3")
    phone.send("Watu wawili chini ya shimo la pili")
    end = phone.send("1")
    [incident] = incidents()
    db.session.refresh(incident)
    assert incident.reference == reference_in(end)
    assert (incident.occurred, incident.description) == ("today", "Watu wawili chini ya shimo la pili")
    assert len(_alerts(outbox)) == 1 and _run_alert_again_jobs() == 0  # nothing new for the officers


def test_more_trapped_after_early_filing_alerts_again(client, redis, outbox):
    add_officer("migori1", county="Migori", phone="+254722000001")
    phone = Phone(client, "+254712000321")
    phone.dial()
    for answer in ["1", "1", "2", "1", "1", "1", "Osiri", "1"]:  # one trapped: filed, summary shown
        phone.send(answer)
    assert len(_alerts(outbox)) == 1
    for _ in range(6):  # back to the trapped question: summary, when, site, county, dead, injured
        screen = phone.send("0")
    assert screen.startswith("CON Kuna waliokwama"), screen
    for answer in ["4", "5", "1", "1", "1", "Osiri", "1"]:  # five trapped now
        phone.send(answer)
    [incident] = incidents()
    db.session.refresh(incident)
    assert incident.trapped == 5
    assert _run_alert_again_jobs() == 1
    alerts = _alerts(outbox)
    assert len(alerts) == 2 and "wamekwama 5" in alerts[-1]["text"]


def test_hide_my_number_after_early_filing_is_honoured_at_once(client, redis, outbox):
    phone = Phone(client, "+254712000322")
    phone.dial()
    for answer in ["1", "1", "2", "1", "1", "1", "Osiri", "1"]:
        phone.send(answer)
    [incident] = incidents()
    assert not incident.anonymous
    assert phone.send("2").startswith("CON Maafisa hawataona nambari yako")  # then the caller drops
    db.session.refresh(incident)
    assert incident.anonymous and not incident.notify_reporter


def test_a_non_urgent_report_is_filed_only_on_send(client, redis, outbox):
    phone = Phone(client, "+254712000323")
    phone.dial()
    for answer in ["1", "12", "1", "Osiri", "1"]:  # danger, nobody hurt
        phone.send(answer)
    assert incidents() == []
    phone.send("1")
    assert len(incidents()) == 1


def _urgent_report(phone, trapped_choice="2", extra=()):
    phone.dial()
    for answer in ["1", "1", trapped_choice, *extra, "1", "1", "1", "Osiri", "1"]:
        phone.send(answer)
    return phone.send("1")


def test_ussd_reports_over_the_hourly_cap_join_the_latest_and_never_page_officers_again(client, redis, outbox):
    from incidents.limits import MAX_NEW_REPORTS_PER_HOUR
    from models import IncidentFollowUp

    add_officer("migori1", county="Migori", phone="+254722000001")
    phone = Phone(client, "+254712000324")
    for _ in range(MAX_NEW_REPORTS_PER_HOUR):
        _urgent_report(phone)
    assert len(incidents()) == MAX_NEW_REPORTS_PER_HOUR
    assert len(_alerts(outbox)) == MAX_NEW_REPORTS_PER_HOUR

    end = _urgent_report(phone)  # one more, same people: folded, no new alert
    latest = incidents()[-1]
    assert len(incidents()) == MAX_NEW_REPORTS_PER_HOUR and reference_in(end) == latest.reference
    follow_ups = db.session.execute(db.select(IncidentFollowUp).filter_by(incident_id=latest.id)).scalars().all()
    assert len(follow_ups) == 1 and "trapped 1" in follow_ups[0].text
    assert len(_alerts(outbox)) == MAX_NEW_REPORTS_PER_HOUR and _run_alert_again_jobs() == 0

    _urgent_report(phone, "4", extra=["7"])  # more people trapped: the latest report is raised
    db.session.refresh(latest)
    assert len(incidents()) == MAX_NEW_REPORTS_PER_HOUR and latest.trapped == 7
    assert _run_alert_again_jobs() == 1
    assert "wamekwama 7" in _alerts(outbox)[-1]["text"]


def test_the_cap_is_shared_with_sms(client, redis, outbox):
    """SMS and USSD count new reports of a phone together (one cap function)."""
    from incidents import limits

    phone = "+254712000325"
    for _ in range(limits.MAX_NEW_REPORTS_PER_HOUR):
        assert not limits.too_many_reports(phone)
    assert limits.too_many_reports(phone)
    assert redis.get(limits.REPORT_RATE_KEY.format(phone=phone)) is not None


def test_resume_offer_takes_main_menu_numbers_and_00(client, redis, outbox):
    phone = Phone(client, "+254712000326")
    phone.dial()
    for answer in ["1", "12", "1"]:  # a report, not urgent, dropped at the site question
        phone.send(answer)
    redis.delete(SESSION_KEY.format(sid=phone.session_id, phone=phone.number))
    assert phone.dial().startswith("CON Ripoti yako haijatumwa.\n9 Endelea\n1 Ripoti tukio")
    assert phone.send("3").startswith("CON Chagua soko:")  # gold prices, as from the main menu
    assert redis.get(RESUME_KEY.format(phone=phone.number)) is None  # let go
    phone.send("1")
    for answer in ["1", "12", "1"]:
        phone.send(answer)
    redis.delete(SESSION_KEY.format(sid=phone.session_id, phone=phone.number))
    phone.dial()
    assert phone.send("00").startswith("CON Madini Salama. Karibu\n1 Ripoti tukio")
