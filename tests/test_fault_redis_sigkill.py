"""Redis killed with SIGKILL (issue 13): nothing acknowledged is lost.

The sequence the tester ran in production mode, one test per step, on an embedded
redis-server of the test's own (core.redis.ensure_embedded: the one `bin/run` starts, with
its append-only file) and the real callbacks, RQ jobs and fake gateway:

1. an inbound SMS is a database row before its 200 (Redis is only the nudge);
2. kill -9 of that Redis keeps what it had answered (the append-only file): the queued work
   runs after the restart;
3. a Redis that comes back empty (no append-only file, a new server) loses nothing either:
   the inbound sweep of the cron process files both REPORT SMS;
4. an urgent USSD report whose alert job was lost gets its officer alert from the alert
   sweep (alerted_at set); a message whose send job was lost is sent by the queued sweep;
5. the cron process runs each sweep, once each, every minute;
and the neighbouring outage: an officer's status change while Redis is down answers 200
(its SMS row is durable) and the queued sweep sends it once Redis is back.
"""
import os
import re
import signal
import time
import uuid

import pytest

from core.redis import ensure_embedded, stop_embedded
from incidents.filing import drain_spool
from incidents import notify
from models import Incident, InboundMessage, Message, db
from sms import inbound, outbound
from tests.conftest import Phone
from tests.incident_helpers import add_officer
from tests.sms_support import ALL_DAY, _fake_server, run_jobs  # noqa: F401

pytestmark = [pytest.mark.fault, pytest.mark.timeout(120)]

REFERENCE = re.compile(r"\bMS-[0-9A-Z-]+\b")
OFFICER = "+254722000001"
REPORTS = [("+254713100001", "RIPOTI mafuriko shimoni Osiri watu wawili wamenaswa"),
           ("+254713100002", "REPORT pit collapse at Macalder, one dead")]
URGENT_USSD = ["1", "2", "3", "1", "1", "1", "Osiri", "1", "1"]  # flood, 2 trapped, none hurt or dead, Migori, Osiri, now, send


class EmbeddedRedis:
    """The embedded redis-server (core.redis) in a directory of the test's own."""

    def __init__(self, directory):
        self.directory, self.url = directory, None

    def start(self):
        self.url = ensure_embedded(self.directory, stop_on_exit=False)
        return self.url

    def kill(self):
        """SIGKILL: no shutdown, no save; only what is already on disk survives."""
        pid = int((self.directory / "redis.pid").read_text())
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.02)
        raise RuntimeError("redis-server survived SIGKILL")

    def stop(self):
        stop_embedded(self.directory)


@pytest.fixture
def embedded(tmp_path):
    server = EmbeddedRedis(tmp_path / "redis")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def durable_app(app, embedded, _fake_server, tmp_path):
    """The app on the test database, its Redis the embedded one above, sending to the fake AT."""
    from app import create_app

    gateway, served = _fake_server
    gateway.reset()
    gateway.callback_url = None
    gateway.set_faults(dlr=False)
    keys = ("TESTING", "SQLALCHEMY_DATABASE_URI", "DEFAULT_LOCALE", "CALLBACK_TOKEN", "SNAPSHOT_REFRESH_SECONDS")
    faulty = create_app({**{k: app.config[k] for k in keys}, "REDIS_URL": embedded.url,
                         "INSTANCE_PATH": str(tmp_path / "instance"), "AT_API_URL": served.url + "/version1",
                         "AT_MAX_RPS": 0, "SMS_RETRY_BASE_SECONDS": 0, "SMS_MAX_ATTEMPTS": 4,
                         "SMS_QUIET_HOURS": ALL_DAY, "AT_SENDER_ID": None})
    faulty.gateway = gateway
    with faulty.app_context():
        yield faulty
        db.session.remove()
        db.engine.dispose()
    gateway.reset()


def post_sms(client, phone, text, at_id=None):
    return client.post("/sms/inbound", data={
        "from": phone, "to": "22384", "text": text, "date": "2026-12-01 10:00:00",
        "id": at_id or f"ATInbound_{uuid.uuid4().hex}", "linkId": "", "networkCode": "63902"})


def accept_reports(client):
    for phone, text in REPORTS:
        assert post_sms(client, phone, text).status_code == 200


def assert_both_reports_filed(gateway):
    db.session.expire_all()
    filed = db.session.execute(db.select(Incident).where(Incident.channel == "sms")).scalars().all()
    assert sorted(i.reporter_phone for i in filed) == sorted(phone for phone, _ in REPORTS)
    assert all(row.handled_at for row in db.session.execute(db.select(InboundMessage)).scalars())
    for phone, _ in REPORTS:
        [reply] = gateway.messages(phone)  # one reply each, carrying the reference stored
        assert next(i.reference for i in filed if i.reporter_phone == phone) in reply["text"]


def report_urgent_by_ussd(client, number="+254712300001"):
    phone = Phone(client, number)
    phone.dial()
    for answer in URGENT_USSD:
        screen = phone.send(answer)
    assert screen.startswith("END ") and REFERENCE.search(screen), screen
    [incident] = db.session.execute(db.select(Incident).where(Incident.channel == "ussd")).scalars().all()
    assert incident.urgent
    return incident.reference


def urgent_incident(reference):
    db.session.expire_all()
    return db.session.execute(db.select(Incident).filter_by(reference=reference)).scalar_one()


# --- 1. durable before acknowledged ---------------------------------------------------------

def test_step1_an_inbound_sms_is_a_database_row_before_its_200(durable_app):
    response = post_sms(durable_app.test_client(), REPORTS[0][0], REPORTS[0][1], at_id="ATdurable1")
    assert response.status_code == 200
    row = db.session.execute(db.select(InboundMessage).filter_by(at_id="ATdurable1")).scalar_one()
    assert (row.phone, row.text, row.handled_at) == (REPORTS[0][0], REPORTS[0][1], None)  # no worker ran yet


def test_step1_redis_down_at_the_callback_still_answers_200_and_loses_nothing(durable_app, embedded):
    client = durable_app.test_client()
    embedded.kill()
    accept_reports(client)  # before: 503, and AT kept the message only while it kept retrying
    embedded.start()
    assert inbound.sweep(older_than_seconds=0)["queued"] == len(REPORTS)
    run_jobs(durable_app)
    assert_both_reports_filed(durable_app.gateway)


def test_step1_database_down_at_the_callback_keeps_the_sms_on_disk(durable_app):
    from tests.incident_helpers import DatabaseOutage

    client = durable_app.test_client()
    with DatabaseOutage(durable_app):
        accept_reports(client)
        assert post_sms(client, REPORTS[0][0], REPORTS[0][1], at_id="ATtwice").status_code == 200
        assert post_sms(client, REPORTS[0][0], REPORTS[0][1], at_id="ATtwice").status_code == 200  # AT retried
        assert len(list(inbound.spool_dir().glob("*.json"))) == len(REPORTS) + 2
    assert inbound.sweep()["spooled"] == len(REPORTS) + 2
    assert not list(inbound.spool_dir().glob("*.json"))
    assert inbound.sweep()["spooled"] == 0  # drained exactly once
    run_jobs(durable_app)
    rows = db.session.execute(db.select(InboundMessage)).scalars().all()
    assert len(rows) == len(REPORTS) + 1 and all(row.handled_at for row in rows)  # ATtwice stored once
    assert len(durable_app.gateway.messages(REPORTS[0][0])) == 2  # its report and ATtwice, once each


# --- 2. kill -9 of the embedded Redis: its append-only file keeps the queued work -------------

def test_step2_the_embedded_redis_keeps_an_append_only_file(durable_app):
    from core.redis import persistence_problem

    assert persistence_problem(durable_app.extensions["redis"]) is None
    assert durable_app.extensions["redis"].info("persistence")["aof_enabled"] == 1


def test_step2_queued_work_survives_sigkill_of_the_embedded_redis(durable_app, embedded):
    client = durable_app.test_client()
    accept_reports(client)
    redis = durable_app.extensions["redis"]
    assert redis.llen(inbound.PENDING_KEY) == len(REPORTS)
    time.sleep(1.2)  # appendfsync everysec: what Redis answered a second ago is on disk
    embedded.kill()
    embedded.start()
    assert redis.llen(inbound.PENDING_KEY) == len(REPORTS)  # the nudges and the drain job are back
    run_jobs(durable_app)
    assert_both_reports_filed(durable_app.gateway)


# --- 3. a Redis that comes back empty: the inbound sweep -----------------------------------------

def test_step3_after_sigkill_and_an_empty_redis_the_sweep_files_both_reports(durable_app, embedded):
    client = durable_app.test_client()
    accept_reports(client)
    embedded.kill()
    embedded.start()
    durable_app.extensions["redis"].flushall()  # what a Redis without its append-only file comes back with
    run_jobs(durable_app)
    assert not db.session.execute(db.select(Incident)).scalars().all()  # nothing held them any more
    result = inbound.sweep(older_than_seconds=0)
    assert result == {"spooled": 0, "unhandled": len(REPORTS), "queued": len(REPORTS)}
    assert inbound.sweep(older_than_seconds=0)["queued"] == 0  # handed over once, not every minute
    run_jobs(durable_app)
    assert_both_reports_filed(durable_app.gateway)
    assert inbound.sweep(older_than_seconds=0)["unhandled"] == 0


def test_step3_the_sweep_leaves_recent_messages_to_their_own_jobs(durable_app):
    accept_reports(durable_app.test_client())
    assert inbound.sweep() == {"spooled": 0, "unhandled": 0, "queued": 0}  # younger than SWEEP_AFTER_SECONDS
    run_jobs(durable_app)
    assert_both_reports_filed(durable_app.gateway)


# --- 4. the urgent USSD report's officer alert ------------------------------------------------

def test_step4_an_urgent_ussd_alert_lost_with_redis_is_sent_by_the_alert_sweep(durable_app, embedded):
    add_officer("migori1", county="Migori", phone=OFFICER)
    reference = report_urgent_by_ussd(durable_app.test_client())
    embedded.kill()
    embedded.start()
    durable_app.extensions["redis"].flushall()  # its alerts job is gone
    run_jobs(durable_app)
    assert urgent_incident(reference).alerted_at is None and not durable_app.gateway.messages(OFFICER)
    assert notify.sweep_unalerted() == 0  # stored less than a minute ago: its own job may still run
    assert notify.sweep_unalerted(older_than_seconds=0) == 1
    assert notify.sweep_unalerted(older_than_seconds=0) == 0
    run_jobs(durable_app)
    assert urgent_incident(reference).alerted_at is not None
    [alert] = durable_app.gateway.messages(OFFICER)
    assert reference in alert["text"]


def test_step4_an_alert_whose_send_job_was_lost_is_sent_once_by_the_queued_sweep(durable_app, embedded):
    add_officer("migori1", county="Migori", phone=OFFICER)
    reference = report_urgent_by_ussd(durable_app.test_client())
    run_jobs(durable_app, max_jobs=1)  # the alerts job ran: the alert is a row, its send job queued
    assert urgent_incident(reference).alerted_at is not None
    embedded.kill()
    embedded.start()
    durable_app.extensions["redis"].flushall()  # the send job is gone
    run_jobs(durable_app)
    assert not durable_app.gateway.messages(OFFICER)
    assert outbound.sweep_stuck() == 0  # queued a moment ago: its job may still be on its way
    assert outbound.sweep_stuck(older_than_seconds=0) == 2  # the officer's alert and the reporter's receipt
    assert outbound.sweep_stuck(older_than_seconds=0) == 0  # once, not every minute
    assert {job.origin for job in _queued_jobs(durable_app)} == {"alerts"}
    run_jobs(durable_app)
    [alert] = durable_app.gateway.messages(OFFICER)
    assert reference in alert["text"]
    assert outbound.sweep_stuck(older_than_seconds=0) == 0


def _queued_jobs(app):
    from core import jobs

    return [job for name in jobs.ORDER for job in jobs.queue(name).get_jobs()]


# --- 5. the cron process runs every sweep -------------------------------------------------------

def test_step5_the_cron_process_runs_each_sweep_every_minute_once():
    import importlib
    from collections import Counter

    from rq import cron

    import cron_config
    from incidents import spool

    saved = list(cron._job_data_registry)
    cron._job_data_registry.clear()
    try:
        importlib.reload(cron_config)  # what `rq cron cron_config` registers, from a clean slate
        jobs = list(cron._job_data_registry)
    finally:
        cron._job_data_registry[:] = saved
    registered = Counter(job["func"] for job in jobs)
    every_minute = {job["func"] for job in jobs if job["cron"] == "* * * * *"}
    for sweep in (inbound.sweep, notify.sweep_unalerted, outbound.sweep_stuck, drain_spool):
        assert registered[sweep] == 1, sweep.__name__
        assert sweep in every_minute, sweep.__name__


# --- a status change while Redis is down ---------------------------------------------------------

def test_a_status_change_while_redis_is_down_answers_200_and_its_sms_follows(durable_app, embedded):
    from incidents.filing import file_report

    _, token = add_officer("migori2", county="Migori")
    incident, _ = file_report({"reference": "MS-DUR1", "phone": "+254712300009", "locale": "sw", "channel": "ussd",
                               "category": "INJURY", "injured": 1, "county": "Migori", "site": "Osiri"})
    run_jobs(durable_app)
    receipts = len(durable_app.gateway.messages("+254712300009"))
    embedded.kill()
    response = durable_app.test_client().patch("/api/v1/incidents/MS-DUR1", headers=token,
                                               json={"status": "responding", "note": "On the way"})
    assert response.status_code == 200, response.get_data(as_text=True)  # before: 500, though committed
    assert response.get_json()["status"] == "responding"
    db.session.expire_all()
    [status_sms] = db.session.execute(db.select(Message).filter_by(purpose="incident_status")).scalars().all()
    assert status_sms.status == "queued"  # durable; no job could be queued
    embedded.start()
    durable_app.extensions["redis"].flushall()
    assert outbound.sweep_stuck(older_than_seconds=0) == 1
    run_jobs(durable_app)
    texts = [m["text"] for m in durable_app.gateway.messages("+254712300009")][receipts:]
    assert len(texts) == 1 and "MS-DUR1" in texts[0]
