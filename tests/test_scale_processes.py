"""At scale, as production runs: two web processes (the Procfile's granian) and two RQ
worker processes (the Procfile's worker line) sharing one PostgreSQL (a private schema in
the machine's `test` database, via DATABASE_URL with options=-csearch_path%3D...) and one
Redis, with the fake AT gateway. At the same time:

- two officers' broadcasts created through the API, one on each web process;
- the weekly tip drip started twice (two cron ticks, run by both workers at once);
- miners reporting incidents by USSD, each hop landing on either web process, with AT
  retrying some confirm hops;
- miners reporting by SMS through /sms/inbound on either web process, AT retrying some.

Then: every broadcast recipient and every drip recipient got exactly one SMS of each,
every report is stored exactly once (unique references, one per caller and per AT id),
every inbound SMS is handled once and answered once, and nothing is left queued.

Needs PostgreSQL (SQLite is one file on one machine: not what runs at scale); skipped with
the reason when it does not answer. Bounded: everything waits at most DEADLINE seconds.
"""
import json
import re
import threading
import time
import uuid
from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import requests

from bench.stack import Stack, postgres_base

pytestmark = [pytest.mark.fault, pytest.mark.scale, pytest.mark.timeout(300)]

DEADLINE = 150  # seconds for all the work to be done once it is submitted
MINERS = 900  # the fake's phone list (/?format=json) shows at most 1000 numbers
USSD_CALLERS = 24
SMS_REPORTERS = 24
USSD_ANSWERS = ["1", "2", "1", "4", "3", "1", "1", "Osiri", "1"]  # report: flood, 3 injured ... the summary
REFERENCE = re.compile(r"\bMS-[0-9A-Z-]+\b")
TEXTS_A = {"sw": "Tahadhari Migori: mvua kubwa leo.", "en": "Migori alert: heavy rain today."}
TEXTS_B = {"sw": "Mkutano wa usalama Jumamosi saa nne.", "en": "Safety meeting on Saturday at 10."}


@pytest.fixture(scope="module")
def stack():
    if postgres_base() is None:
        pytest.skip("PostgreSQL does not answer at TEST_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/"
                    "test): the multi-process scale test needs it")
    today = datetime.now(ZoneInfo("Africa/Nairobi")).weekday()
    env = {"AT_MAX_RPS": "0", "AT_BATCH_SIZE": "50", "SMS_RETRY_BASE_SECONDS": "1", "SMS_SEND_FROM": "00:00",
           "SMS_SEND_UNTIL": "23:59:59", "TIP_DRIP_WEEKDAY": str(today), "TIP_DRIP_HOUR": "0"}
    with Stack(database="postgresql", env=env, log=print) as stack:
        stack.start_fakeat("--no-dlr")
        yield stack


def seed(stack):
    from models import ApiToken, Miner, Officer, db, utcnow
    from tips.catalogue import load_file

    app = stack.app()
    with app.app_context():
        load_file()
        now = utcnow()
        db.session.execute(db.insert(Miner), [
            {"phone": f"+2547150{i:05d}", "name": f"Miner {i}", "county": "Migori" if i % 2 else "Kakamega",
             "site": "Osiri", "role": "digger", "gender": "woman", "locale": "en" if i % 3 == 0 else "sw",
             "consent_at": now, "sms_consent_at": now, "registered_via": "ussd", "is_test": False,
             "created_at": now, "updated_at": now} for i in range(MINERS)])
        officer = Officer(username="admin-scale", role="admin")
        officer.set_password("x" * 12)
        db.session.add(officer)
        db.session.flush()
        token = ApiToken.issue(officer)
        db.session.commit()
    return app, token


def ussd_caller(webs, number, results, errors):
    http = requests.Session()
    session_id = f"ATUid_scale_{uuid.uuid4().hex}"
    typed = []
    try:
        for hop, answer in enumerate([None, *USSD_ANSWERS, "1"]):
            if answer is not None:
                typed.append(answer)
            form = {"sessionId": session_id, "phoneNumber": number, "serviceCode": "*384*12#",
                    "networkCode": "63902", "text": "*".join(typed)}
            web = webs[hop % 2]  # hops land on either web process
            response = http.post(web.url + "/ussd", data=form, timeout=10)
            assert response.status_code == 200, response.text
            if hop % 4 == 3 or answer == "1" and hop == len(USSD_ANSWERS) + 1:
                # AT retries a hop on the other process: the same screen, nothing done twice.
                again = http.post(webs[(hop + 1) % 2].url + "/ussd", data=form, timeout=10)
                assert again.text == response.text, (again.text, response.text)
        assert response.text.startswith("END ") and REFERENCE.search(response.text), response.text
        results[number] = REFERENCE.search(response.text).group()
    except Exception as exc:  # reported by the test, not lost in a thread
        errors.append(f"USSD {number[:7]}...: {exc!r}")


def sms_reporter(webs, number, at_id, index, errors):
    form = {"from": number, "to": "22384", "text": f"RIPOTI mafuriko shimoni Osiri namba {index}", "id": at_id,
            "date": "2026-11-24 12:00:00", "linkId": "", "networkCode": "63902"}
    try:
        for attempt in range(2 if index % 3 == 0 else 1):  # AT retries every third callback
            response = requests.post(webs[(index + attempt) % 2].url + "/sms/inbound", data=form, timeout=10)
            assert response.status_code == 200, response.text
    except Exception as exc:
        errors.append(f"SMS {index}: {exc!r}")


def query(app, sql, **params):
    from sqlalchemy import text

    from models import db

    with app.app_context():
        return db.session.execute(text(sql), params).all()


def test_two_web_and_two_worker_processes_share_postgresql_and_redis(stack):
    from rq import Queue
    from redis import Redis

    app, token = seed(stack)
    webs = [stack.start_web("granian-wsgi", 1), stack.start_web("granian-wsgi", 1)]
    stack.start_workers(2)
    headers = {"Authorization": f"Bearer {token}"}
    ussd_numbers = [f"+2547160{i:05d}" for i in range(USSD_CALLERS)]
    sms_senders = [(f"+2547170{i:05d}", f"ATInbound_scale_{uuid.uuid4().hex}") for i in range(SMS_REPORTERS)]
    results, errors, threads = {}, [], []

    started = time.monotonic()
    broadcast_ids = []
    for web, texts, audience in ((webs[0], TEXTS_A, {"county": "Migori"}), (webs[1], TEXTS_B, {})):
        response = requests.post(web.url + "/api/v1/broadcasts", headers=headers, timeout=30,
                                 json={"text": texts, "audience": audience, "send_at": None, "urgent": True})
        assert response.status_code == 202, response.text
        broadcast_ids.append(response.json()["id"])
    redis = Redis.from_url(stack.redis_url)
    from tips.drip import weekly_drip_job

    for _ in range(2):  # two cron ticks (or two cron processes): the drip must still be once a miner
        Queue("default", connection=redis).enqueue(weekly_drip_job, job_timeout=600)
    for number in ussd_numbers:
        threads.append(threading.Thread(target=ussd_caller, args=(webs, number, results, errors)))
    for index, (number, at_id) in enumerate(sms_senders):
        threads.append(threading.Thread(target=sms_reporter, args=(webs, number, at_id, index, errors)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors[:5]
    assert len(results) == USSD_CALLERS

    def open_work():
        (queued,), = query(app, "SELECT count(*) FROM sms_messages WHERE status IN ('queued', 'sending')")
        (unhandled,), = query(app, "SELECT count(*) FROM sms_inbound WHERE handled_at IS NULL")
        (inbound,), = query(app, "SELECT count(*) FROM sms_inbound")
        statuses = [row[0] for row in query(app, "SELECT status FROM broadcasts")]
        (drip,), = query(app, "SELECT count(*) FROM tip_deliveries WHERE drip_week IS NOT NULL")
        return {"queued": queued, "unhandled": unhandled, "inbound": inbound, "broadcasts": statuses, "drip": drip}

    state = {}
    while time.monotonic() - started < DEADLINE:
        state = open_work()
        if (state["queued"] == 0 and state["unhandled"] == 0 and state["inbound"] == SMS_REPORTERS
                and state["broadcasts"] == ["done", "done"] and state["drip"] == MINERS):
            break
        time.sleep(0.5)
    else:
        raise AssertionError(f"not done after {DEADLINE} s: {state}; logs: {json.dumps(stack.logs(1500))[:6000]}")
    elapsed = time.monotonic() - started

    # Incidents: one per USSD caller under the reference they were shown, one per AT message.
    rows = query(app, "SELECT reference, channel, at_message_id FROM incidents")
    references = Counter(row.reference for row in rows)
    assert len(rows) == USSD_CALLERS + SMS_REPORTERS and max(references.values()) == 1
    assert sorted(row.reference for row in rows if row.channel == "ussd") == sorted(results.values())
    assert sorted(row.at_message_id for row in rows if row.channel == "sms") == sorted(a for _, a in sms_senders)

    # Every SMS sent exactly once per reason: per miner, one of each broadcast they are in and
    # one weekly tip; per SMS reporter, one reply; no row of a broadcast twice.
    (doubled,), = query(app, "SELECT count(*) FROM (SELECT broadcast_id, miner_id FROM sms_messages WHERE "
                             "broadcast_id IS NOT NULL GROUP BY 1, 2 HAVING count(*) > 1) AS d")
    assert doubled == 0
    listing = stack.fakeat("/?format=json")
    inbox = {row["number"]: row["messages"] for row in listing["phones"]}
    assert len(inbox) == listing["numbers"], "every number the gateway texted is in the listing"
    for i in range(MINERS):
        number = f"+2547150{i:05d}"
        expected = (2 if i % 2 else 1) + 1  # Migori: both broadcasts; everyone: the weekly tip
        assert inbox.get(number) == expected, (number, inbox.get(number), expected)
    for number, _ in sms_senders:
        assert inbox.get(number) == 1, (number, inbox.get(number))
    (sent,), = query(app, "SELECT count(*) FROM sms_messages WHERE status = 'sent'")
    stats = stack.fakeat("/admin/stats")
    assert stats["accepted"] == sent, (stats, sent)
    (failed,), = query(app, "SELECT count(*) FROM sms_messages WHERE status = 'failed'")
    assert failed == 0
    print(f"scale: {MINERS} miners x 2 broadcasts + drip, {USSD_CALLERS} USSD + {SMS_REPORTERS} SMS reports, "
          f"{stats['accepted']} SMS accepted, all done in {elapsed:.1f} s")
