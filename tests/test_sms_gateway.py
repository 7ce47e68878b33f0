"""Outbound SMS against the real fake gateway over HTTP: every status code path, retries,
the SDK pointed at AT_API_URL, the fake's wire format, the shared rate limit."""
import time

import pytest
import requests

from models import Message, Miner, Officer, db
from sms import gateway, ratelimit
from sms.outbound import queue_sms
from tests.sms_support import _fake_server, _live_servers, add_miner, fake_at, live_url, run_jobs, sms_app  # noqa: F401

PHONE = "+254711000001"


def only_message():
    db.session.expire_all()
    return db.session.execute(db.select(Message)).scalar_one()


def test_fake_answers_like_africas_talking(fake_at):
    response = requests.post(fake_at.url + "/version1/messaging", headers={"apiKey": "k", "Accept": "application/json"},
                             data={"username": "sandbox", "to": "+254711000001,+254711000002", "message": "Habari",
                                   "bulkSMSMode": 1})
    assert response.status_code == 201
    assert response.headers["Content-Type"] == "application/json"
    recipients = response.json()["SMSMessageData"]["Recipients"]
    assert [r["number"] for r in recipients] == ["+254711000001", "+254711000002"]
    assert all(r["statusCode"] == 101 and r["messageId"].startswith("ATXid_") and r["cost"] == "KES 0.8000"
               for r in recipients)
    assert requests.post(fake_at.url + "/version1/messaging", data={"to": "+1"}).status_code == 401
    inbox = requests.get(fake_at.url + "/inbox/+254711000001", headers={"Accept": "application/json"}).json()
    assert inbox["messages"][0]["text"] == "Habari"
    page = requests.get(fake_at.url + "/inbox/+254711000001")
    assert page.headers["Content-Type"].startswith("text/html") and "Habari" in page.text


def test_reply_is_a_durable_row_sent_through_the_sdk(fake_at, sms_app):
    queue_sms(PHONE, "Asante “sana” – kesho…", locale="sw", purpose="test_reply")
    message = only_message()
    assert (message.status, message.encoding, message.segments) == ("queued", "GSM-7", 1)
    assert message.text == 'Asante "sana" - kesho...'
    run_jobs(sms_app)
    message = only_message()
    assert message.status == "sent" and message.at_message_id.startswith("ATXid_")
    assert message.cost == "KES 0.8000" and message.at_status_code == 101 and message.attempts == 1
    assert [m["text"] for m in fake_at.messages(PHONE)] == ['Asante "sana" - kesho...']


@pytest.mark.parametrize("code, status, miner_field", [
    (403, "failed", "unreachable_at"), (404, "failed", "unreachable_at"), (406, "failed", "sms_opt_out_at"),
    (401, "failed", None), (402, "failed", None), (409, "failed", None),
])
def test_permanent_status_codes(fake_at, sms_app, code, status, miner_field):
    miner = add_miner(PHONE)
    fake_at.set_faults(number_status={PHONE: code})
    queue_sms(PHONE, "Habari", locale="sw", purpose="test", miner_id=miner.id)
    run_jobs(sms_app)
    message = only_message()
    assert message.status == status and message.attempts == 1  # never retried
    assert message.at_status_code == code and message.failure_reason.startswith(str(code))
    db.session.expire_all()
    miner = db.session.get(Miner, miner.id)
    for field in ("unreachable_at", "sms_opt_out_at"):
        assert (getattr(miner, field) is not None) == (field == miner_field)
    assert fake_at.messages(PHONE) == []


@pytest.mark.parametrize("code", [500, 501, 502, 407])
def test_retryable_status_codes_retry_then_give_up_with_the_reason(fake_at, sms_app, code):
    fake_at.set_faults(number_status={PHONE: code})
    queue_sms(PHONE, "Habari", locale="sw", purpose="test")
    run_jobs(sms_app)
    message = only_message()
    assert message.status == "failed" and message.attempts == sms_app.config["SMS_MAX_ATTEMPTS"]
    assert message.failure_reason.startswith("gave up after retries") and str(code) in message.failure_reason


def test_http_500_then_success_delivers_exactly_once(fake_at, sms_app):
    fake_at.set_faults(http_500=2)
    queue_sms(PHONE, "Habari", locale="sw", purpose="test")
    run_jobs(sms_app)
    message = only_message()
    assert message.status == "sent" and message.attempts == 3
    assert len(fake_at.messages(PHONE)) == 1
    assert fake_at.stats()["requests"] == 3


def test_timeout_is_retried(fake_at, sms_app, monkeypatch):
    monkeypatch.setattr(gateway, "TIMEOUT", (1, 0.3))
    fake_at.set_faults(timeouts=1, timeout_seconds=0.6)
    queue_sms(PHONE, "Habari", locale="sw", purpose="test")
    run_jobs(sms_app)
    message = only_message()
    assert message.status == "sent" and message.attempts == 2


def test_connection_refused_is_retried_then_gives_up(fake_at, sms_app):
    sms_app.config["AT_API_URL"] = "http://127.0.0.1:9/version1"
    queue_sms(PHONE, "Habari", locale="sw", purpose="test")
    run_jobs(sms_app)
    message = only_message()
    assert message.status == "failed" and "could not connect" in message.failure_reason


def test_insufficient_balance_retries_and_tells_the_admins_once(fake_at, sms_app, caplog):
    admin = Officer(username="boss", role="admin", phone="+254722000009", locale="en")
    admin.set_password("x" * 10)
    db.session.add(admin)
    db.session.commit()
    fake_at.set_faults(balance_after=0)
    queue_sms(PHONE, "Habari", locale="sw", purpose="test")
    queue_sms("+254711000002", "Habari", locale="sw", purpose="test")
    run_jobs(sms_app)
    db.session.expire_all()
    rows = db.session.execute(db.select(Message).order_by(Message.id)).scalars().all()
    assert [r.status for r in rows[:2]] == ["failed", "failed"]
    assert all("405 InsufficientBalance" in r.failure_reason for r in rows[:2])
    alerts = [r for r in rows if r.purpose == "admin_alert"]
    assert len(alerts) == 1 and alerts[0].phone == "+254722000009"  # once, not per message
    assert "balance" in alerts[0].text and "balance is too low" in caplog.text


def test_an_invalid_number_fails_without_a_request(fake_at, sms_app):
    queue_sms("0711000001", "Habari", locale="sw", purpose="test")  # not E.164: the SDK refuses it
    run_jobs(sms_app)
    message = only_message()
    assert message.status == "failed" and "invalid recipient" in message.failure_reason
    assert "0711000001" not in message.failure_reason  # stored and logged masked
    assert fake_at.stats()["requests"] == 0


def test_rate_limit_is_shared_and_caps_requests_per_second(sms_app, redis):
    waits = []
    start = time.monotonic()
    for _ in range(7):
        ratelimit.acquire(rps=3, sleep=lambda s: (waits.append(s), time.sleep(s)))
    elapsed = time.monotonic() - start
    assert 1.8 <= elapsed < 4, elapsed  # 3 at once, 3 a second later, the 7th after 2 s
    assert waits
    assert ratelimit.acquire(rps=0) == 0.0


def test_fake_gateway_command_line_faults_and_admin_endpoints(tmp_path):
    import json
    import subprocess
    import sys

    fake = subprocess.Popen(
        [sys.executable, "-m", "fakeat", "--port", "0", "--fail-500", "1", "--no-dlr", "--quiet",
         "--number-status", "+254711000009=406"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        base = json.loads(fake.stdout.readline())["fakeat"]
        send = {"username": "u", "to": "+254711000001,+254711000009", "message": "Habari"}
        assert requests.post(base + "/version1/messaging", data=send, headers={"apiKey": "k"}).status_code == 500
        codes = [r["statusCode"] for r in requests.post(base + "/version1/messaging", data=send,
                                                        headers={"apiKey": "k"}).json()["SMSMessageData"]["Recipients"]]
        assert codes == [101, 406]
        assert requests.post(base + "/admin/faults", json={"balance_after": 1}).json()["balance_after"] == 1
        recipients = requests.post(base + "/version1/messaging", data=send, headers={"apiKey": "k"}).json()
        assert [r["statusCode"] for r in recipients["SMSMessageData"]["Recipients"]] == [405, 406]
        assert requests.post(base + "/admin/faults", json={"nonsense": 1}).status_code == 400
        stats = requests.get(base + "/admin/stats").json()
        assert (stats["requests"], stats["accepted"]) == (3, 1)
        requests.post(base + "/admin/reset")
        assert requests.get(base + "/admin/stats").json()["accepted"] == 0
    finally:
        fake.terminate()
        fake.wait(timeout=10)
