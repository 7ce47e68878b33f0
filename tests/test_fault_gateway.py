"""The fake AT gateway misbehaving part-way through a broadcast: HTTP 500, answers that
never come (read timeouts), and 405 InsufficientBalance - alone and all in one broadcast
sent by real RQ worker processes - with every recipient sent exactly once.

Already covered in tests/test_sms_broadcasts.py and tests/test_sms_gateway.py (in-process
worker): HTTP 500 retried in a broadcast, 405 pausing and resuming a broadcast, a timeout
on a single reply, a worker SIGKILLed mid-broadcast. New here: a read timeout inside a
broadcast (AT took the messages but its answer was lost: the rows must not be sent again),
the same without a delivery report (the documented limit: sent again only after the claim
timeout), and the three faults together with two worker processes, paused, topped up and
resumed.
"""
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from models import Broadcast, Message, Miner, Officer, db, utcnow
from models.message import SENDING
import broadcasts.lifecycle
import broadcasts.reconcile
from sms import gateway
from tests.sms_support import _fake_server, _live_servers, fake_at, live_url, run_jobs, sms_app  # noqa: F401

pytestmark = [pytest.mark.fault, pytest.mark.timeout(120)]

ROOT = Path(__file__).resolve().parent.parent
TEXTS = {"sw": "Tahadhari: mvua kubwa leo. Usiingie shimoni.", "en": "Alert: heavy rain today. Do not enter the pits."}


def phone(i):
    return f"+2547140{i:05d}"


def add_miners(total):
    now = utcnow()
    db.session.execute(db.insert(Miner), [
        {"phone": phone(i), "name": "M", "county": "Migori", "site": "S", "role": "digger", "gender": "woman",
         "locale": "en" if i % 3 == 0 else "sw", "consent_at": now, "sms_consent_at": now,
         "registered_via": "ussd", "is_test": False, "created_at": now, "updated_at": now} for i in range(total)])
    db.session.commit()


def fresh(broadcast_id):
    db.session.expire_all()
    return db.session.get(Broadcast, broadcast_id)


def sent_per_miner(fake_at, total):
    with fake_at.lock:
        counts = Counter({number: len(messages) for number, messages in fake_at.inbox.items()})
    return Counter({number: counts[number] for number in (phone(i) for i in range(total))})


def wait_for(predicate, seconds, what):
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {seconds} s waiting for {what}")
        time.sleep(0.05)


def test_lost_answers_in_a_broadcast_are_adopted_by_delivery_reports_not_sent_twice(fake_at, sms_app,
                                                                                      monkeypatch):
    monkeypatch.setattr(gateway, "TIMEOUT", (1, 0.3))
    sms_app.config["AT_BATCH_SIZE"] = 10
    total = 60
    add_miners(total)
    # Two requests are taken by AT but answered too late: the worker never learns the ids.
    fake_at.set_faults(timeouts=2, timeout_seconds=0.8, dlr=True, dlr_delay=0.05)
    broadcast = broadcasts.lifecycle.create(TEXTS, {}, urgent=True)
    run_jobs(sms_app)
    db.session.expire_all()
    in_doubt = db.session.execute(db.select(db.func.count()).select_from(Message).where(
        Message.broadcast_id == broadcast.id, Message.failure_reason.like("timeout%"))).scalar_one()
    assert in_doubt == 20, "two requests of 10 lost their answer"
    wait_for(lambda: fake_at.pending_reports() == 0, 30, "delivery reports")
    # What the watch job does after SMS_CLAIM_TIMEOUT_SECONDS, with no wait: nothing AT took
    # is released, because the delivery reports adopted every row in doubt.
    assert broadcasts.reconcile.reconcile(broadcast.id, stale_after=0) == 0
    run_jobs(sms_app)
    assert sent_per_miner(fake_at, total) == Counter({phone(i): 1 for i in range(total)})
    final = fresh(broadcast.id)
    counts = broadcasts.lifecycle.progress(final)
    assert final.status == "done" and counts["queued"] == 0
    assert counts["sent"] + counts["delivered"] == total
    assert db.session.execute(db.select(db.func.count()).select_from(Message).where(
        Message.status == SENDING)).scalar_one() == 0


def test_lost_answers_without_delivery_reports_wait_for_the_claim_timeout_before_sending_again(fake_at, sms_app,
                                                                                               monkeypatch):
    """The limit of exactly-once, pinned down: when AT took a request but its answer was lost
    and no delivery report ever comes, nothing tells us AT has it. Those rows stay "sending"
    (never re-sent early, while a report may still come) until SMS_CLAIM_TIMEOUT_SECONDS have
    passed; then the watch sends them again - at least once rather than never."""
    monkeypatch.setattr(gateway, "TIMEOUT", (1, 0.3))
    sms_app.config["AT_BATCH_SIZE"] = 10
    total = 30
    add_miners(total)
    fake_at.set_faults(timeouts=1, timeout_seconds=0.8, dlr=False)
    broadcast = broadcasts.lifecycle.create(TEXTS, {}, urgent=True)
    run_jobs(sms_app)
    assert broadcasts.reconcile.reconcile(broadcast.id) == 0  # within the claim timeout: left alone
    run_jobs(sms_app)
    assert fresh(broadcast.id).status == "sending"
    counts = sent_per_miner(fake_at, total)
    assert sum(counts.values()) == total and max(counts.values()) == 1
    in_doubt = broadcasts.lifecycle.progress(fresh(broadcast.id))["queued"]
    assert in_doubt == 10
    assert broadcasts.reconcile.reconcile(broadcast.id, stale_after=0) == in_doubt  # the claim timed out
    run_jobs(sms_app)
    assert fresh(broadcast.id).status == "done"
    counts = sent_per_miner(fake_at, total)
    assert sorted(Counter(counts.values()).items()) == [(1, total - in_doubt), (2, in_doubt)]


def _worker(sms_app, tmp_path, index):
    env = {**os.environ, "DATABASE_URL": sms_app.config["SQLALCHEMY_DATABASE_URI"],
           "REDIS_URL": sms_app.config["REDIS_URL"], "INSTANCE_PATH": str(tmp_path),
           "AT_API_URL": sms_app.config["AT_API_URL"], "AT_MAX_RPS": "0",
           "AT_BATCH_SIZE": str(sms_app.config["AT_BATCH_SIZE"]), "SMS_RETRY_BASE_SECONDS": "0",
           "SMS_MAX_ATTEMPTS": "6", "AT_READ_TIMEOUT_SECONDS": "0.5", "SMS_SEND_FROM": "00:00",
           "SMS_SEND_UNTIL": "23:59:59", "PYTHONPATH": str(ROOT)}
    log = open(tmp_path / f"worker{index}.log", "w")
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "rq"), "worker", "--with-scheduler", "--url", sms_app.config["REDIS_URL"],
         "--worker-class", "worker.AppSimpleWorker", "bulk", "replies", "default"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def test_500s_timeouts_and_an_empty_balance_in_one_broadcast_with_two_worker_processes(fake_at, sms_app, tmp_path):
    sms_app.config["AT_BATCH_SIZE"] = 20
    total = 400
    add_miners(total)
    admin = Officer(username="admin1", role="admin", phone="+254722000001", locale="sw")
    admin.set_password("x" * 10)
    db.session.add(admin)
    db.session.commit()
    fake_at.set_faults(http_500=3, timeouts=2, timeout_seconds=1.5, balance_after=180, dlr=True, dlr_delay=0.05,
                       latency_ms=5)
    workers = [_worker(sms_app, tmp_path, i) for i in range(2)]
    try:
        broadcast = broadcasts.lifecycle.create(TEXTS, {}, urgent=True)
        wait_for(lambda: fresh(broadcast.id).status == "paused", 60, "the 405 to pause the broadcast")
        paused = fresh(broadcast.id)
        assert "InsufficientBalance" in paused.pause_reason
        wait_for(lambda: fake_at.pending_reports() == 0, 30, "delivery reports")
        time.sleep(1.0)  # batches already claimed when the pause came finish their request
        before = broadcasts.lifecycle.progress(fresh(broadcast.id))
        assert 0 < before["sent"] + before["delivered"] < total and before["failed"] == 0
        assert fake_at.stats()["status_codes"].get("405", 0) > 0
        # Topped up: the officer resumes; the worker processes carry on.
        fake_at.set_faults(balance_after=None)
        broadcasts.reconcile.resume(broadcast.id)
        wait_for(lambda: fresh(broadcast.id).status == "done", 60, "the broadcast to finish")
        wait_for(lambda: fake_at.pending_reports() == 0, 30, "delivery reports")
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker.kill()
    logs = "".join((tmp_path / f"worker{i}.log").read_text() for i in range(2))
    assert "InternalServerError" in logs or "refused the request" in logs, "the 500s were seen"
    assert "timeout waiting for AT" in logs, "the lost answers were seen"
    assert sent_per_miner(fake_at, total) == Counter({phone(i): 1 for i in range(total)})
    final = fresh(broadcast.id)
    counts = broadcasts.lifecycle.progress(final)
    assert counts["sent"] + counts["delivered"] == total and counts["queued"] == 0 and counts["failed"] == 0
    assert db.session.execute(db.select(db.func.count()).select_from(Message).where(
        Message.broadcast_id == broadcast.id)).scalar_one() == total
