"""The database unavailable while incidents are confirmed, through the real callbacks and a
real RQ worker: USSD confirm hops and SMS reports (POST /sms/inbound, kept on disk before
its 200 while the database is down), AT retrying both. Once the database is back and the
workers and the cron sweeps run what is due, every report is stored exactly once, under the reference its
reporter was given, and every SMS reporter gets exactly one reply.

(tests/test_incident_ussd.py and tests/test_incident_sms.py cover the pieces: the spool,
one USSD report, the SMS handler called directly. This is the whole path, many at once.)
"""
import re
import uuid
from collections import Counter

import pytest
from rq.job import Job
from rq.registry import ScheduledJobRegistry

from core import jobs
from incidents import spool
from sms import inbound as inbound_sms
from models import Incident, InboundMessage, db
from tests.conftest import Phone
from tests.incident_helpers import DatabaseOutage, add_officer
from tests.sms_support import _fake_server, _live_servers, fake_at, live_url, run_jobs, sms_app  # noqa: F401

pytestmark = [pytest.mark.fault, pytest.mark.timeout(120)]

REFERENCE = re.compile(r"\bMS-[0-9A-Z-]+\b")
USSD_ANSWERS = ["1", "2", "1", "4", "3", "1", "1", "Osiri", "1"]  # flood, 3 injured, Migori, Osiri ... summary
SMS_REPORTS = [
    "RIPOTI mafuriko shimoni Osiri watu wawili wamenaswa",
    "REPORT pit collapse at Macalder, one dead",
    "RIPOTI moshi wa jenereta shimoni, watu watatu wamezimia",
]


def run_everything_due(app, rounds=6):
    """What the workers do once the database is back: scheduled jobs (the spool drain in 10 s,
    retries with backoff) are run now instead of waiting for their time."""
    connection = app.extensions["redis"]
    for _ in range(rounds):
        moved = 0
        for name in jobs.ORDER:
            queue = jobs.queue(name)
            registry = ScheduledJobRegistry(queue=queue)
            for job_id in registry.get_job_ids():
                registry.remove(job_id)
                queue.enqueue_job(Job.fetch(job_id, connection=connection))
                moved += 1
        run_jobs(app)
        if not moved:
            break


def post_inbound(client, phone, text, at_id):
    return client.post("/sms/inbound", data={"from": phone, "to": "22384", "text": text, "id": at_id,
                                             "date": "2026-11-24 12:00:00", "linkId": "", "networkCode": "63902"})


def test_reports_confirmed_by_ussd_and_sms_while_the_database_is_down_are_stored_once(app, client, sms_app,
                                                                                        fake_at):
    add_officer("migori1", county="Migori", phone="+254722000001")
    ussd_phones = [Phone(client, f"+25471200{i:04d}") for i in range(3)]
    sms_senders = [(f"+25471300{i:04d}", text, f"ATInbound_{uuid.uuid4().hex}") for i, text in enumerate(SMS_REPORTS)]
    shown = {}
    with DatabaseOutage(app):
        for phone in ussd_phones:
            phone.dial()
            for answer in USSD_ANSWERS:
                assert phone.send(answer).startswith("CON ")
            end = phone.send("1")
            assert end.startswith("END ") and REFERENCE.search(end), end
            assert phone.repeat() == end  # AT retries the confirm hop: the same reference
            shown[phone.number] = REFERENCE.search(end).group()
        for number, text, at_id in sms_senders:
            assert post_inbound(client, number, text, at_id).status_code == 200
        run_jobs(sms_app)  # a worker picks the SMS up while the database is still down
        number, text, at_id = sms_senders[0]
        assert post_inbound(client, number, text, at_id).status_code == 200  # AT retries one
        run_jobs(sms_app)
    # Inbound SMS the database could not take were acknowledged and kept on disk: the cron
    # process's inbound sweep (every minute) files them and hands them to the workers.
    assert inbound_sms.sweep()["spooled"] == len(sms_senders) + 1  # and AT's retry: stored once
    run_everything_due(sms_app)

    db.session.expire_all()
    stored = db.session.execute(db.select(Incident)).scalars().all()
    assert len(stored) == len(ussd_phones) + len(sms_senders), [i.reference for i in stored]
    assert len({i.reference for i in stored}) == len(stored)
    by_reference = {i.reference: i for i in stored}
    for number, reference in shown.items():
        assert by_reference[reference].channel == "ussd"
    sms_rows = [i for i in stored if i.channel == "sms"]
    assert sorted(i.at_message_id for i in sms_rows) == sorted(at_id for _, _, at_id in sms_senders)
    inbound = db.session.execute(db.select(InboundMessage)).scalars().all()
    assert len(inbound) == len(sms_senders) and all(row.handled_at for row in inbound)
    # Each SMS reporter got exactly one reply, carrying the reference that was stored.
    for number, _, at_id in sms_senders:
        replies = fake_at.messages(number)
        assert len(replies) == 1, (number, replies)
        reference = next(i.reference for i in sms_rows if i.at_message_id == at_id)
        assert reference in replies[0]["text"]
    assert spool.pending() == 0
    # The county officer is alerted once per urgent report in Migori, none forgotten or doubled.
    urgent_in_migori = [i for i in stored if i.urgent and i.county == "Migori"]
    alerts = fake_at.messages("+254722000001")
    assert urgent_in_migori and len(alerts) == len(urgent_in_migori)
    assert Counter(REFERENCE.search(m["text"]).group() for m in alerts) == Counter(
        i.reference for i in urgent_in_migori)
