"""Broadcasts end to end: audience, languages, hours, scheduling, cancel, 405 pause/resume,
retries, exactly-once after a worker is SIGKILLed, the API and the CLI."""
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from core import jobs
from models import ApiToken, Broadcast, Message, Miner, Officer, db, utcnow
import broadcasts.audience
import broadcasts.hours
import broadcasts.lifecycle
import broadcasts.reconcile
from core.i18n import NAIROBI
from tests.sms_support import _fake_server, _live_servers, add_miner, fake_at, live_url, run_jobs, sms_app  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
TEXTS = {"sw": "Tahadhari: mvua kubwa leo. Usiingie shimoni.", "en": "Alert: heavy rain today. Do not enter the pits."}


def phone(i):
    return f"+2547130{i:05d}"


def fresh(broadcast):
    db.session.expire_all()
    return db.session.get(Broadcast, broadcast.id)


def gateway_counts(fake_at):
    with fake_at.lock:
        return Counter({number: len(messages) for number, messages in fake_at.inbox.items()})


def send_now(sms_app, texts=TEXTS, audience=None, urgent=True):
    broadcast = broadcasts.lifecycle.create(texts, audience or {}, urgent=urgent)
    run_jobs(sms_app)
    return fresh(broadcast)


def test_each_miner_gets_the_text_in_their_language(fake_at, sms_app):
    add_miner(phone(1), locale="sw")
    add_miner(phone(2), locale="en")
    broadcast = send_now(sms_app)
    assert broadcast.status == "done"
    assert [m["text"] for m in fake_at.messages(phone(1))] == [TEXTS["sw"]]
    assert [m["text"] for m in fake_at.messages(phone(2))] == [TEXTS["en"]]
    counts = broadcasts.lifecycle.progress(broadcast)
    assert (counts["total"], counts["sent"], counts["queued"], counts["done"]) == (2, 2, 0, 2)


def test_missing_language_falls_back_to_the_default_locale(fake_at, sms_app):
    add_miner(phone(1), locale="sw")
    add_miner(phone(2), locale="en")
    send_now(sms_app, texts={"sw": "Habari za usalama"})
    assert fake_at.messages(phone(2))[0]["text"] == "Habari za usalama"
    rows = db.session.execute(db.select(Message.locale)).scalars().all()
    assert rows == ["sw", "sw"]  # the language of the text actually sent


def test_audience_filters_and_exclusions(fake_at, sms_app):
    add_miner(phone(1), county="Migori", site="Osiri", role="digger", gender="woman", locale="sw")
    add_miner(phone(2), county="Migori", site="Macalder", role="buyer", gender="man", locale="en")
    add_miner(phone(3), county="Kakamega", site="Ikolomani", role="digger", gender="woman", created_days_ago=30)
    add_miner(phone(4), county="Migori", opted_out=True)
    add_miner(phone(5), county="Migori", sms=False)
    unreachable = add_miner(phone(6), county="Migori")
    unreachable.unreachable_at = utcnow()
    db.session.commit()

    def audience(**filters):
        shown = broadcasts.audience.preview(TEXTS, broadcasts.audience.clean_audience(filters))
        return shown["recipients"]

    assert audience() == 3
    assert audience(county="migori") == 2
    assert audience(county=["Migori", "Kakamega"], role="digger") == 2
    assert audience(site="Macalder") == 1
    assert audience(gender="woman") == 2
    assert audience(language="en") == 1
    assert audience(registered_before=(datetime.now(NAIROBI) - timedelta(days=10)).date().isoformat()) == 1
    assert audience(registered_after=(datetime.now(NAIROBI) - timedelta(days=10)).date().isoformat()) == 2
    assert broadcasts.audience.preview(TEXTS, {"county": ["Migori"]})["excluded"] == 3
    broadcast = send_now(sms_app, audience={"county": "Migori"})
    assert set(gateway_counts(fake_at)) == {phone(1), phone(2)}
    assert broadcasts.lifecycle.progress(broadcast)["opted_out"] == 3


def test_bad_input_is_refused_with_a_reason():
    for texts, audience, words in [
        ({}, {}, "at least one language"), ({"fr": "x"}, {}, "unknown language"),
        (TEXTS, {"planet": "Mars"}, "unknown audience filter"), (TEXTS, {"language": "fr"}, "audience.language"),
        (TEXTS, {"registered_after": "yesterday"}, "date"), ({"sw": "x" * 1000}, {}, "at most 6"),
    ]:
        with pytest.raises(broadcasts.audience.BroadcastError, match=words):
            broadcasts.audience.clean_texts(texts)
            broadcasts.audience.clean_audience(audience)


def test_preview_encoding_parts_and_cost(sms_app):
    for i in range(3):
        add_miner(phone(i), locale="sw")
    add_miner(phone(9), locale="en")
    shown = broadcasts.audience.preview({"sw": "Habari “leo” – sawa", "en": "Emoji 😀 " + "x" * 70}, {})
    sw, en = shown["languages"]["sw"], shown["languages"]["en"]
    assert (sw["recipients"], sw["encoding"], sw["segments"], sw["text"]) == (3, "GSM-7", 1, 'Habari "leo" - sawa')
    assert (en["recipients"], en["encoding"], en["segments"]) == (1, "UCS-2", 2)
    assert any("UCS-2" in w for w in en["warnings"])
    assert shown["cost_kes"] == pytest.approx(3 * 0.8 + 2 * 0.8)
    long_one = broadcasts.audience.preview({"sw": "x" * 150}, {})["languages"]["sw"]
    assert any("opt-out" in w for w in long_one["warnings"])


def test_stop_excludes_and_start_includes_again(client, fake_at, sms_app):
    add_miner(phone(1))
    add_miner(phone(2))

    def text_in(text):
        client.post("/sms/inbound", data={"from": phone(1), "to": "22384", "text": text, "id": uuid.uuid4().hex})
        run_jobs(sms_app)

    text_in("STOP")
    send_now(sms_app, texts={"sw": "Ujumbe wa kwanza"})
    assert [m["text"] for m in fake_at.messages(phone(1))] == [
        "Madini Salama: SMS zote zimesimamishwa, hata tahadhari za usalama. Kuzipata tena tuma ANZA kwa 22384."]
    assert [m["text"] for m in fake_at.messages(phone(2))] == ["Ujumbe wa kwanza"]
    text_in("ANZA")
    send_now(sms_app, texts={"sw": "Ujumbe wa pili"})
    assert fake_at.messages(phone(1))[-1]["text"] == "Ujumbe wa pili"


def test_opt_out_between_planning_and_sending_is_skipped(fake_at, sms_app):
    add_miner(phone(1))
    late = add_miner(phone(2))
    broadcast = broadcasts.lifecycle.create({"sw": "Habari"}, {}, urgent=True)
    run_jobs(sms_app, max_jobs=1)  # only the start job: rows planned, batches queued
    assert fresh(broadcast).total == 2
    late.sms_opt_out_at = utcnow()
    db.session.commit()
    run_jobs(sms_app)
    counts = broadcasts.lifecycle.progress(fresh(broadcast))
    assert (counts["sent"], counts["skipped"], counts["opted_out"]) == (1, 1, 1)
    assert phone(2) not in gateway_counts(fake_at)


def test_ordinary_broadcast_waits_for_sending_hours(fake_at, sms_app):
    add_miner(phone(1))
    later = datetime.now(NAIROBI) + timedelta(hours=2)
    sms_app.config["SMS_QUIET_HOURS"] = (later.strftime("%H:%M"), (later + timedelta(hours=1)).strftime("%H:%M"))
    ordinary = send_now(sms_app, urgent=False)
    assert ordinary.status == "waiting" and fake_at.stats()["accepted"] == 0
    registry = jobs.queue(jobs.BULK).scheduled_job_registry
    scheduled = [registry.get_scheduled_time(job_id) for job_id in registry.get_job_ids()]
    expected = broadcasts.hours.next_sending_start()
    assert any(abs((when.replace(tzinfo=expected.tzinfo) - expected).total_seconds()) < 1 for when in scheduled)
    urgent = send_now(sms_app, texts={"sw": "Dharura"}, urgent=True)  # safety alerts go at any hour
    assert urgent.status == "done" and fake_at.messages(phone(1))[0]["text"] == "Dharura"


def test_send_at_is_scheduled_with_rq(fake_at, sms_app):
    add_miner(phone(1))
    when = utcnow() + timedelta(hours=5)
    broadcast = broadcasts.lifecycle.create(TEXTS, {}, send_at=when)
    run_jobs(sms_app)
    assert fresh(broadcast).status == "scheduled" and fake_at.stats()["accepted"] == 0
    registry = jobs.queue(jobs.BULK).scheduled_job_registry
    assert len(registry.get_job_ids()) == 1


def test_cancel_stops_what_is_not_sent(fake_at, sms_app):
    for i in range(5):
        add_miner(phone(i))
    broadcast = broadcasts.lifecycle.create({"sw": "Habari"}, {}, urgent=True)
    run_jobs(sms_app, max_jobs=1)
    broadcasts.lifecycle.cancel(broadcast.id)
    run_jobs(sms_app)
    counts = broadcasts.lifecycle.progress(fresh(broadcast))
    assert fresh(broadcast).status == "cancelled" and counts["cancelled"] == 5 and counts["sent"] == 0
    assert fake_at.stats()["accepted"] == 0


def test_http_500_during_a_broadcast_is_retried_once_each(fake_at, sms_app):
    sms_app.config["AT_BATCH_SIZE"] = 10
    for i in range(35):
        add_miner(phone(i))
    fake_at.set_faults(http_500=3)
    broadcast = send_now(sms_app)
    assert broadcast.status == "done"
    assert gateway_counts(fake_at) == Counter({phone(i): 1 for i in range(35)})


def test_invalid_and_blacklisted_numbers_in_a_broadcast(fake_at, sms_app):
    for i in range(4):
        add_miner(phone(i))
    fake_at.set_faults(number_status={phone(1): 403, phone(2): 406})
    broadcast = send_now(sms_app)
    counts = broadcasts.lifecycle.progress(broadcast)
    assert (counts["sent"], counts["failed"], broadcast.status) == (2, 2, "done")
    miners = {m.phone: m for m in db.session.execute(db.select(Miner)).scalars()}
    assert miners[phone(1)].unreachable_at is not None and miners[phone(2)].sms_opt_out_at is not None


def test_insufficient_balance_pauses_tells_admins_and_resumes(fake_at, sms_app, caplog):
    sms_app.config["AT_BATCH_SIZE"] = 10
    admin = Officer(username="admin1", role="admin", phone="+254722000001", locale="sw")
    admin.set_password("x" * 10)
    db.session.add(admin)
    db.session.commit()
    for i in range(60):
        add_miner(phone(i))
    fake_at.set_faults(balance_after=25)
    broadcast = send_now(sms_app)
    assert broadcast.status == "paused" and "InsufficientBalance" in broadcast.pause_reason
    counts = broadcasts.lifecycle.progress(broadcast)
    assert counts["sent"] == 25 and counts["queued"] == 35 and counts["failed"] == 0
    assert "Resume with: flask --app app broadcast resume" in caplog.text
    alert = db.session.execute(db.select(Message).filter_by(purpose="admin_alert")).scalar_one()
    assert alert.phone == "+254722000001" and alert.text.startswith("Madini Salama: SMS zimesimama")

    fake_at.set_faults(balance_after=None)  # topped up
    broadcasts.reconcile.resume(broadcast.id)
    run_jobs(sms_app)
    assert fresh(broadcast).status == "done"
    # Everyone exactly once. (The admins' SMS met the same empty balance: with test backoff of
    # 0 s it gave up before the top-up; the error log line is the channel that always works.)
    assert gateway_counts(fake_at) == Counter({phone(i): 1 for i in range(60)})


def _subprocess_worker(sms_app, fake_at, tmp_path, burst=False):
    env = {**os.environ, "DATABASE_URL": sms_app.config["SQLALCHEMY_DATABASE_URI"],
           "REDIS_URL": sms_app.config["REDIS_URL"], "INSTANCE_PATH": str(tmp_path),
           "AT_API_URL": sms_app.config["AT_API_URL"], "AT_MAX_RPS": "0",
           "AT_BATCH_SIZE": str(sms_app.config["AT_BATCH_SIZE"]), "SMS_RETRY_BASE_SECONDS": "0",
           "PYTHONPATH": str(ROOT)}
    command = [str(Path(sys.executable).parent / "rq"), "worker", "--url", sms_app.config["REDIS_URL"],
               "--worker-class", "worker.AppSimpleWorker", "--quiet", "bulk", "replies"]
    if burst:
        command.insert(2, "--burst")
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.mark.fault
def test_worker_killed_mid_broadcast_then_restarted_sends_everyone_exactly_once(fake_at, sms_app, tmp_path):
    sms_app.config["AT_BATCH_SIZE"] = 20
    total = 400
    now = utcnow()
    db.session.execute(db.insert(Miner), [
        {"phone": phone(i), "name": "M", "county": "Migori", "site": "S", "role": "digger", "gender": "woman",
         "locale": "en" if i % 4 == 0 else "sw", "consent_at": now, "sms_consent_at": now,
         "registered_via": "ussd", "is_test": False, "created_at": now, "updated_at": now} for i in range(total)])
    db.session.commit()
    # Slow answers, so the kill lands while requests are in flight; reports adopt what AT took.
    fake_at.set_faults(latency_ms=40, dlr=True, dlr_delay=0.05)
    broadcast = broadcasts.lifecycle.create(TEXTS, {}, urgent=True)
    worker = _subprocess_worker(sms_app, fake_at, tmp_path)
    try:
        deadline = time.monotonic() + 60
        while fake_at.stats()["accepted"] < 120 and time.monotonic() < deadline:
            time.sleep(0.005)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    accepted_at_kill = fake_at.stats()["accepted"]
    assert 0 < accepted_at_kill < total, "the worker must die mid-broadcast"
    # Delivery reports for requests AT accepted before the kill arrive (in production the
    # claim timeout, 300 s, leaves them minutes to do so).
    deadline = time.monotonic() + 60
    while fake_at.pending_reports() and time.monotonic() < deadline:
        time.sleep(0.05)
    fake_at.set_faults(latency_ms=0)

    db.session.expire_all()
    # Rows AT took whose answer the worker never recorded, found by their delivery report.
    adopted = db.session.execute(db.select(db.func.count()).select_from(Message).where(
        Message.at_message_id.is_not(None), Message.at_status_code.is_(None))).scalar_one()
    # Restart: a new worker, and reconciliation (the watch job does this every claim timeout).
    known = db.session.execute(db.select(db.func.count()).select_from(Message).where(
        Message.at_message_id.is_not(None))).scalar_one()
    assert known == accepted_at_kill, (known, adopted, accepted_at_kill)  # nothing AT took is in doubt
    broadcasts.reconcile.reconcile(broadcast.id, stale_after=0)
    restarted = _subprocess_worker(sms_app, fake_at, tmp_path, burst=True)
    assert restarted.wait(timeout=90) == 0
    run_jobs(sms_app)  # anything the burst worker left (none expected)

    counts = gateway_counts(fake_at)
    assert len(counts) == total, f"missed {total - len(counts)} recipient(s)"
    assert max(counts.values()) == 1, f"sent twice: {[n for n, c in counts.items() if c > 1][:5]}"
    broadcast = fresh(broadcast)
    assert broadcast.status == "done"
    progress = broadcasts.lifecycle.progress(broadcast)
    assert progress["sent"] + progress["delivered"] == total and progress["queued"] == 0


# --- API ----------------------------------------------------------------------------------

def officer_token(role="officer", county=None, username=None):
    officer = Officer(username=username or f"{role}-{uuid.uuid4().hex[:6]}", role=role, county=county)
    officer.set_password("x" * 10)
    db.session.add(officer)
    token = ApiToken.issue(officer)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_api_create_and_follow_a_broadcast(client, fake_at, sms_app):
    add_miner(phone(1), locale="sw")
    add_miner(phone(2), locale="en", county="Kakamega")
    headers = officer_token("admin")
    response = client.post("/api/v1/broadcasts", headers=headers,
                           json={"text": TEXTS, "audience": {}, "send_at": None, "urgent": True})
    assert response.status_code == 202
    body = response.get_json()
    assert body["id"] and body["status"] == "scheduled" and body["preview"]["recipients"] == 2
    run_jobs(sms_app)
    progress = client.get(f"/api/v1/broadcasts/{body['id']}", headers=headers).get_json()
    assert progress["status"] == "done"
    assert {k: progress["counts"][k] for k in ("queued", "sent", "delivered", "failed", "opted_out")} == {
        "queued": 0, "sent": 2, "delivered": 0, "failed": 0, "opted_out": 0}
    listing = client.get("/api/v1/broadcasts", headers=headers).get_json()
    assert listing["total"] == 1 and listing["items"][0]["id"] == body["id"]
    preview = client.post("/api/v1/broadcasts/preview", headers=headers, json={"text": {"sw": "Habari"}})
    assert preview.status_code == 200 and preview.get_json()["recipients"] == 2


def test_api_auth_scope_and_validation(client, sms_app):
    assert client.post("/api/v1/broadcasts", json={"text": TEXTS}).status_code == 401
    viewer = officer_token("viewer")
    assert client.post("/api/v1/broadcasts", headers=viewer, json={"text": TEXTS}).status_code == 403
    county_officer = officer_token("officer", county="Migori")
    response = client.post("/api/v1/broadcasts", headers=county_officer,
                           json={"text": TEXTS, "audience": {"county": "Kakamega"}})
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "out_of_scope"
    response = client.post("/api/v1/broadcasts", headers=county_officer, json={"text": TEXTS, "audience": {}})
    assert response.status_code == 202 and response.get_json()["audience"] == {"county": ["Migori"]}
    bad = client.post("/api/v1/broadcasts", headers=county_officer, json={"text": {"sw": ""}})
    assert bad.status_code == 400 and "at least one language" in bad.get_json()["error"]["message"]
    assert client.post("/api/v1/broadcasts", headers=county_officer, data="nope").status_code == 400
    assert client.get("/api/v1/broadcasts/999", headers=county_officer).status_code == 404
    cancelled = client.post(f"/api/v1/broadcasts/{response.get_json()['id']}/cancel", headers=county_officer)
    assert cancelled.get_json()["status"] == "cancelled"


# --- CLI ----------------------------------------------------------------------------------

def test_cli_send_previews_confirms_and_follows_to_the_end(runner, fake_at, sms_app, monkeypatch):
    add_miner(phone(1), locale="sw")
    add_miner(phone(2), locale="en")
    add_miner(phone(3), county="Kakamega")
    refused = runner.invoke(args=["broadcast", "send", "--sw", "Habari", "--county", "Migori"], input="n\n")
    assert "2 recipient(s)" in refused.output and "not sent" in refused.output
    assert db.session.execute(db.select(db.func.count()).select_from(Broadcast)).scalar_one() == 0

    from broadcasts import cli

    # A worker runs between two polls of the progress bar.
    monkeypatch.setattr(cli.time, "sleep", lambda seconds: run_jobs(sms_app))
    result = runner.invoke(args=["broadcast", "send", "--sw", "Habari leo", "--en", "Hello today",
                                 "--county", "Migori", "--urgent"], input="y\n")
    assert result.exit_code == 0, result.output
    assert "[sw] 1 recipient(s), GSM-7, 1 part(s)" in result.output and "Send it?" in result.output
    assert ": done" in result.output and "sent 2" in result.output
    assert fake_at.messages(phone(2))[0]["text"] == "Hello today"
    broadcast_id = db.session.execute(db.select(Broadcast.id)).scalar_one()
    status = runner.invoke(args=["broadcast", "status", str(broadcast_id)])
    assert f"broadcast {broadcast_id}: done" in status.output
    assert "nothing to send" in runner.invoke(
        args=["broadcast", "send", "--sw", "x", "--county", "Turkana", "--yes"]).output


def test_cli_scheduled_cancel_and_resume(runner, fake_at, sms_app):
    add_miner(phone(1))
    result = runner.invoke(args=["broadcast", "send", "--sw", "Kesho", "--at", "2099-01-01 08:00", "--yes"])
    assert result.exit_code == 0 and "broadcast status" in result.output
    broadcast_id = db.session.execute(db.select(Broadcast.id)).scalar_one()
    assert "cancelled" in runner.invoke(args=["broadcast", "cancel", str(broadcast_id)]).output
    assert "no broadcast 999" in runner.invoke(args=["broadcast", "resume", "999"]).output
    assert runner.invoke(args=["broadcast", "send", "--sw", "x", "--at", "soon", "--yes"]).exit_code != 0


def test_watch_requeues_only_when_a_broadcast_stopped_moving(fake_at, sms_app):
    for i in range(12):
        add_miner(phone(i))
    sms_app.config["AT_BATCH_SIZE"] = 2  # 10 recipients per batch job
    broadcast = broadcasts.lifecycle.create({"sw": "Habari"}, {}, urgent=True)
    run_jobs(sms_app, max_jobs=1)  # planned; its two batch jobs are lost (as with a dead worker)
    bulk = jobs.queue(jobs.BULK)
    bulk.empty()
    assert broadcasts.reconcile.watch(broadcast.id) == 12  # first look: nothing known to move, requeue all
    run_jobs(sms_app, max_jobs=1)  # one batch (10) goes out
    bulk.empty()
    assert broadcasts.reconcile.watch(broadcast.id) == 0  # it moved since: only stale claims would be redone
    assert broadcasts.reconcile.watch(broadcast.id) == 2  # no movement since the last look: requeue
    run_jobs(sms_app)
    assert fresh(broadcast).status == "done"
    assert gateway_counts(fake_at) == Counter({phone(i): 1 for i in range(12)})


def test_a_reply_left_sending_by_a_dead_worker_is_sent_when_its_job_runs_again(fake_at, sms_app):
    from sms.outbound import queue_sms, send_message

    job = queue_sms(phone(1), "Habari", locale="sw", purpose="test")
    message = db.session.execute(db.select(Message)).scalar_one()
    message.status, message.claimed_at = "sending", utcnow() - timedelta(hours=1)
    db.session.commit()
    send_message(*job.args)
    db.session.expire_all()
    assert db.session.get(Message, message.id).status == "sent"
    assert len(fake_at.messages(phone(1))) == 1
