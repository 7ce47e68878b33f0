"""Officers' alerts ahead of chatter (issue 13): their own queue, taken first by every worker,
a reserved share of the AT rate cap, and exactly one alert per officer per incident."""
import threading
import time
from datetime import datetime

import pytest

from core import jobs
from incidents import filing as service
from incidents import notify
from models import Incident, InboundMessage, Message, db
from sms import ratelimit
from tests.conftest import Phone
from tests.incident_helpers import add_officer
from tests.sms_support import _fake_server, _live_servers, fake_at, live_url, sms_app  # noqa: F401

OFFICER = "+254722000001"
FLOODER = "+254711900001"
URGENT_USSD = ["1", "2", "3", "1", "1", "1", "Osiri", "1", "1"]  # flood, 2 trapped, none hurt or dead, Migori, Osiri, now, send
FLOOD = 300
ALERT_WITHIN_SECONDS = 2.0


def post_sms(client, phone, text, at_id):
    response = client.post("/sms/inbound", data={
        "from": phone, "to": "22384", "text": text, "date": "2026-12-01 10:00:00", "id": at_id, "linkId": "",
        "networkCode": "63902"})
    assert response.status_code == 200


def test_the_worker_line_takes_alerts_before_anything_else():
    from pathlib import Path

    procfile = (Path(__file__).resolve().parent.parent / "Procfile").read_text()
    worker = next(line for line in procfile.splitlines() if line.startswith("worker:"))
    assert worker.split()[-4:] == list(jobs.ORDER) == ["alerts", "replies", "bulk", "default"]


def test_alerts_keep_a_share_of_the_rate_cap(sms_app, redis):
    """5 requests a second: other traffic gets 4 of them, the 5th stays free for an alert."""
    for _ in range(4):
        assert ratelimit.acquire(rps=5, max_wait=0.5) < 0.5
    with pytest.raises(ratelimit.RateLimitTimeout):
        ratelimit.acquire(rps=5, max_wait=0.01)  # the others' share is used up
    assert ratelimit.acquire(rps=5, priority=True, max_wait=0.01) == 0.0  # an alert goes at once
    with pytest.raises(ratelimit.RateLimitTimeout):
        ratelimit.acquire(rps=5, priority=True, max_wait=0.01)  # the cap itself still holds
    assert ratelimit.others_rps(10) == 8 and ratelimit.others_rps(2) == 1 and ratelimit.others_rps(1) == 1


def test_an_urgent_ussd_report_queues_its_alerts_and_receipt_on_the_alerts_queue(client, redis):
    add_officer("migori1", county="Migori", phone=OFFICER)
    phone = Phone(client, "+254712400001")
    phone.dial()
    for answer in URGENT_USSD:
        phone.send(answer)
    [job] = jobs.queue(jobs.ALERTS).get_jobs()
    assert jobs.queue(jobs.REPLIES).count == 0
    job.perform()
    job.delete()
    purposes = sorted(db.session.get(Message, j.args[0]).purpose for j in jobs.queue(jobs.ALERTS).get_jobs())
    assert purposes == ["incident_alert", "incident_receipt"]


def test_the_filing_job_and_the_sweep_racing_alert_each_officer_once(app, redis, monkeypatch):
    """The alert sweep picked an incident up while its own job was running: whichever commits
    first queues the alerts; the other finds the incident claimed and does nothing."""
    add_officer("migori1", county="Migori", phone=OFFICER)
    add_officer("migori2", county="Migori", phone="+254722000002")
    monkeypatch.setattr(service, "queue_notifications", lambda incident: None)  # the job "is running"
    incident, _ = service.file_report({"reference": "MS-RACE", "phone": "+254712400002", "locale": "sw",
                                       "channel": "ussd", "category": "COLLAPSE", "trapped": 2, "county": "Migori"})
    seen_by_sweep = db.session.get(Incident, incident.id)
    assert seen_by_sweep.alerted_at is None
    with app.app_context():  # the filing job, in another worker, with its own session
        assert notify.incident_filed(db.session.get(Incident, incident.id)) == 3
    assert notify.incident_filed(seen_by_sweep) == 0  # it still thinks the incident is not alerted
    alerts = db.session.execute(db.select(Message.phone).filter_by(purpose="incident_alert")).scalars().all()
    assert sorted(alerts) == [OFFICER, "+254722000002"]
    assert notify.sweep_unalerted(older_than_seconds=0) == 0


def test_a_batch_pauses_for_an_alert_and_each_message_is_still_answered_once(fake_at, sms_app, redis):
    from sms import inbound, outbound
    from tests.sms_support import run_jobs

    fields = [{"from": f"+25471190010{n}", "to": "22384", "text": "HELP", "id": f"ATpause{n}", "date": "",
               "linkId": "", "networkCode": "63902"} for n in range(5)]
    outbound.queue_sms(OFFICER, "DHARURA", locale="sw", purpose="incident_alert", queue=jobs.ALERTS)
    assert inbound.handle_batch(fields) == 1  # one message, then the alert's turn
    rest = jobs.queue(jobs.REPLIES).get_jobs()[0]  # at the head, before the first message's reply
    assert rest.func_name == "sms.inbound.handle_batch" and [f["id"] for f in rest.args[0]] == [
        f"ATpause{n}" for n in range(1, 5)]
    run_jobs(sms_app)
    assert [len(fake_at.messages(f["from"])) for f in fields] == [1] * 5
    assert len(fake_at.messages(OFFICER)) == 1


def test_a_flood_from_one_phone_does_not_delay_an_urgent_alert(client, fake_at, sms_app, redis):
    """300 HELP from one phone, then an urgent USSD report from another while a real RQ worker
    is in the middle of the flood (handling it, answering it under the AT rate cap of 10
    requests a second): the officer's alert is accepted by the gateway within 2 s of the
    confirming hop."""
    from rq import SimpleWorker

    sms_app.config["AT_MAX_RPS"] = 10
    add_officer("migori1", county="Migori", phone=OFFICER)
    for n in range(FLOOD):
        post_sms(client, FLOODER, "HELP", f"ATflood{n}")
    worker = SimpleWorker([jobs.queue(name) for name in jobs.ORDER], connection=redis)
    outcome = {}

    def reporter():
        with sms_app.app_context():
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:  # the worker is in the middle of the flood
                handled = db.session.execute(db.select(db.func.count()).select_from(InboundMessage)
                                             .where(InboundMessage.handled_at.is_not(None))).scalar_one()
                db.session.rollback()
                if handled >= 20:
                    break
                time.sleep(0.02)
            phone = Phone(sms_app.test_client(), "+254712400003")
            phone.dial()
            for answer in URGENT_USSD[:-1]:
                phone.send(answer)
            outcome["confirmed_at"] = time.time()
            phone.send(URGENT_USSD[-1])
            while time.monotonic() < deadline and not fake_at.messages(OFFICER):
                if time.time() - outcome["confirmed_at"] > ALERT_WITHIN_SECONDS + 5:
                    break  # late enough to fail: no need to wait for the whole flood
                time.sleep(0.02)
        worker._stop_requested = True  # the worker stops after its current job

    thread = threading.Thread(target=reporter, daemon=True)
    thread.start()
    worker.work(burst=True, logging_level="WARNING")
    thread.join(timeout=30)
    officer_messages = fake_at.messages(OFFICER)
    assert len(officer_messages) == 1, [m["text"] for m in officer_messages]
    [alert] = officer_messages
    delay = datetime.fromisoformat(alert["at"]).timestamp() - outcome["confirmed_at"]
    assert delay < ALERT_WITHIN_SECONDS, f"the alert reached the gateway {delay:.1f} s after the report"
