"""Deploying and running: shipped content at `db upgrade`, `flask doctor`, the AT balance."""
import time
import uuid

import pytest
from flask import current_app
from rq import Worker
from rq.cron_scheduler_registry import get_registry_key

from app import create_app
from core import jobs
from models import Officer, Tip, db
from ops import balance as at_balance
from ops import content, doctor
import broadcasts.audience
from sms.keywords import Inbound, match
from tests.conftest import Phone
from tests.dashboard_helpers import csrf_token, make_miner, make_officers, new_client, sign_in
from tests.sms_checks import queued_messages
from tests.sms_support import _fake_server, _live_servers, fake_at, live_url, sms_app  # noqa: F401
from tips import catalogue as tips_catalogue
from tips.keywords import tip_keyword


# --- shipped content with the schema ------------------------------------------------------

@pytest.fixture
def fresh_app(tmp_path, redis_url):
    """An app on a brand-new SQLite database, nothing run on it yet."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'fresh.db'}",
                      "REDIS_URL": redis_url, "INSTANCE_PATH": str(tmp_path / "instance"),
                      "SNAPSHOT_REFRESH_SECONDS": 0, "AT_API_URL": "http://127.0.0.1:9/version1"})
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_a_fresh_database_after_only_db_upgrade_serves_tips(fresh_app):
    result = fresh_app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "tips 76 added" in result.output
    with fresh_app.app_context():
        fresh_app.extensions["redis"].flushdb()  # nothing left from other tests' sessions
        phone = Phone(fresh_app.test_client(), number=f"+2547{uuid.uuid4().int % 10**8:08d}")
        phone.dial()
        screen = phone.send("2")
        assert screen.startswith("CON") and "Bado hakuna ushauri" not in screen
        first_topic = tips_catalogue.read_file()[0][0]
        assert f"1 {first_topic['sw']}" in screen  # the shipped topics are listed
        word, _, args = match("USHAURI")
        reply = tip_keyword(Inbound(phone="+254711000777", text="USHAURI", keyword=word, args=args, locale="sw"))
        assert reply in {tip.text_sw for tip in db.session.execute(db.select(Tip)).scalars()}
        assert doctor.check_content().status == doctor.OK


def test_release_is_idempotent_and_keeps_officers_edits(fresh_app):
    runner = fresh_app.test_cli_runner()
    assert runner.invoke(args=["release"]).exit_code == 0
    with fresh_app.app_context():
        tip = db.session.execute(db.select(Tip).order_by(Tip.id)).scalars().first()
        tip.text_en = "An officer's own wording."
        other = db.session.execute(db.select(Tip).order_by(Tip.id.desc())).scalars().first()
        tips_catalogue.set_retired(other.id, True)
        gone = db.session.execute(db.select(Tip).order_by(Tip.id).offset(5)).scalars().first()
        gone_id = gone.id
        db.session.delete(gone)
        db.session.commit()
        tip_id, retired_id = tip.id, other.id
        assert content.missing() == {"tips": 1}
    result = runner.invoke(args=["release"])
    assert result.exit_code == 0 and "tips 1 added" in result.output
    with fresh_app.app_context():
        assert db.session.get(Tip, tip_id).text_en == "An officer's own wording."
        assert db.session.get(Tip, retired_id).retired_at is not None
        assert db.session.get(Tip, gone_id) is not None
        assert content.missing() == {}


def test_doctor_fails_on_missing_content_and_the_cli_exits_non_zero(app, runner):
    check = doctor.check_content()
    assert check.status == doctor.FAIL and "76 tips" in check.detail and "release" in check.fix
    result = runner.invoke(args=["doctor", "--offline"])
    assert result.exit_code == 1
    assert "FAIL content" in result.output and "OK   redis" in result.output


# --- doctor -------------------------------------------------------------------------------

def test_config_check_fails_on_the_default_secret_key_in_production(app):
    good = {"ENV_NAME": "production", "SECRET_KEY": "x" * 64, "CALLBACK_TOKEN": "t" * 32, "AT_USERNAME": "madini",
            "AT_API_KEY": "real-key", "AT_SENDER_ID": "MADINI"}
    assert doctor.check_config(good).status == doctor.OK
    check = doctor.check_config({**good, "SECRET_KEY": "dev-only-change-me"})
    assert check.status == doctor.FAIL and "SECRET_KEY" in check.detail and "secrets.token_hex" in check.fix
    assert doctor.check_config({**good, "CALLBACK_TOKEN": None}).status == doctor.FAIL
    assert doctor.check_config({**good, "AT_API_KEY": "fake-key"}).status == doctor.FAIL
    # The same defaults in development are only a warning.
    assert doctor.check_config({**good, "ENV_NAME": "development", "SECRET_KEY": "dev-only-change-me"}).status \
        == doctor.WARN


def test_workers_check_names_the_queue_nobody_serves(app, redis):
    check = doctor.check_workers()
    assert check.status == doctor.FAIL and "replies" in check.detail
    worker = Worker([jobs.queue(name, redis) for name in (jobs.REPLIES, jobs.BULK)], connection=redis,
                    name=f"w-{uuid.uuid4().hex[:6]}")
    worker.register_birth()
    worker.heartbeat()
    try:
        check = doctor.check_workers()
        assert check.status == doctor.FAIL and "default" in check.detail and "replies" not in check.detail
        both = Worker([jobs.queue(jobs.DEFAULT, redis), jobs.queue(jobs.ALERTS, redis)], connection=redis,
                      name=f"w-{uuid.uuid4().hex[:6]}")
        both.register_birth()
        both.heartbeat()
        assert doctor.check_workers().status == doctor.OK
        both.register_death()
    finally:
        worker.register_death()


def test_cron_check_needs_a_recent_heartbeat(app, redis):
    assert doctor.check_cron().status == doctor.FAIL
    redis.zadd(get_registry_key(), {"cron-old": time.time() - 3600})
    check = doctor.check_cron()
    assert check.status == doctor.FAIL and "60 minutes ago" in check.detail
    redis.zadd(get_registry_key(), {"cron-now": time.time()})
    assert doctor.check_cron().status == doctor.OK


def test_queue_check_warns_on_old_jobs(app, redis):
    assert doctor.check_queues().status == doctor.OK
    job = jobs.queue(jobs.REPLIES, redis).enqueue(time.sleep, 0)
    job.enqueued_at = job.enqueued_at.__class__.fromtimestamp(time.time() - 120, job.enqueued_at.tzinfo)
    job.save()
    check = doctor.check_queues()
    assert check.status == doctor.WARN and "replies 1 waiting (oldest 12" in check.detail


def test_county_without_an_officer_is_named(app):
    make_miner("+254711000101", "Akinyi", "Migori", "Osiri")
    make_miner("+254711000102", "Baraka", "Kakamega", "Ikolomani")
    officer = Officer(username="otieno", role="officer", county="Migori", phone="+254722000001")
    officer.set_password("a long password")
    db.session.add(officer)
    db.session.commit()
    check = doctor.check_counties()
    assert check.status == doctor.FAIL and "Kakamega" in check.detail and "Migori" not in check.detail
    admin = Officer(username="ada", role="admin", phone="+254722000002")
    admin.set_password("a long password")
    db.session.add(admin)
    db.session.commit()
    check = doctor.check_counties()
    assert check.status == doctor.WARN and "admins (ada)" in check.detail
    other = Officer(username="wanjiku", role="officer", county="kakamega", phone="+254722000003")
    other.set_password("a long password")
    db.session.add(other)
    db.session.commit()
    assert doctor.check_counties().status == doctor.OK


# --- the Africa's Talking balance ---------------------------------------------------------

def test_balance_check_reads_the_fake_gateway_like_at(fake_at):
    fake_at.set_faults(balance=20000.0)
    check = doctor.check_balance()
    assert check.status == doctor.OK and check.detail == "KES 20,000.00"
    fake_at.set_faults(balance=120.5)
    check = doctor.check_balance()
    assert check.status == doctor.WARN and "KES 120.50" in check.detail and "top up" in check.fix
    fake_at.set_faults(balance=0)
    assert doctor.check_balance().status == doctor.FAIL


def test_balance_check_fails_when_at_cannot_be_asked(app, monkeypatch):
    monkeypatch.setitem(app.config, "AT_API_URL", "http://127.0.0.1:9/version1")  # nothing listens
    monkeypatch.setitem(app.config, "AT_API_KEY", "a-real-key")
    check = doctor.check_balance()
    assert check.status == doctor.FAIL and "AT_API_KEY" in check.fix
    # No key and no fake gateway (a shell next to bin/run): said, not failed.
    monkeypatch.setitem(app.config, "AT_API_KEY", "fake-key")
    monkeypatch.setitem(app.config, "AT_API_URL", "https://api.sandbox.africastalking.com/version1")
    assert doctor.check_balance().status == doctor.WARN


def test_low_balance_texts_the_admins_once_until_topped_up(fake_at, redis):
    admin = Officer(username="ada", role="admin", phone="+254722000009", locale="sw")
    admin.set_password("a long password")
    db.session.add(admin)
    db.session.commit()
    fake_at.set_faults(balance=100.0)
    assert at_balance.check_balance_job() == {"balance": 100.0, "alerted": 1}
    assert at_balance.check_balance_job()["alerted"] == 0  # told once
    [message] = [m for m in queued_messages(jobs.queue(jobs.REPLIES, redis)) if m.purpose == "admin_alert"]
    assert message.phone == "+254722000009" and "100" in message.text and len(message.text) <= 160
    fake_at.set_faults(balance=5000.0)
    assert at_balance.check_balance_job()["alerted"] == 0
    fake_at.set_faults(balance=50.0)
    assert at_balance.check_balance_job()["alerted"] == 1  # fell again after a top-up


def test_preview_shows_when_the_balance_is_short(fake_at):
    for n in range(3):
        make_miner(f"+25471100020{n}", "Miner", "Migori", "Osiri")
    texts = {"sw": "Tahadhari: mvua kubwa leo.", "en": "Alert: heavy rain today."}
    fake_at.set_faults(balance=1.0)
    shown = broadcasts.audience.preview(texts, {"county": ["Migori"]})
    assert shown["balance_kes"] == 1.0 and shown["cost_kes"] > 1.0 and shown["balance_short"] is True
    make_officers()
    fake_at_app = current_app._get_current_object()
    client = new_client(fake_at_app)
    sign_in(client, "ada")
    page = client.post("/dashboard/broadcasts/new", data={
        "csrf_token": csrf_token(client.get("/dashboard/broadcasts/new")), "text_sw": texts["sw"],
        "text_en": texts["en"], "county": "Migori", "step": "confirm"}).get_data(as_text=True)
    assert 'id="balance-short"' in page and "KES 1.00" in page
    redis = fake_at_app.extensions["redis"]
    fake_at.set_faults(balance=50000.0)
    redis.delete(at_balance.KEY)
    assert broadcasts.audience.preview(texts, {"county": ["Migori"]})["balance_short"] is False


def test_admins_see_the_checks_on_the_overview(app):
    make_officers()
    make_miner("+254711000301", "Akinyi", "Migori", "Osiri")
    admin = new_client(app)
    sign_in(admin, "ada")
    page = admin.get("/dashboard/").get_data(as_text=True)
    assert 'id="service-checks"' in page and "No worker is running" in page and "FAIL workers" in page
    officer = new_client(app)
    sign_in(officer, "otieno")
    assert 'id="service-checks"' not in officer.get("/dashboard/").get_data(as_text=True)


def test_low_balance_sms_is_one_gsm7_part_in_both_languages():
    from tests.sms_checks import assert_sms_templates

    assert_sms_templates([(at_balance.LOW_BALANCE_ALERT, {"balance": "1234567", "limit": "1234567"})])


class FakeSMTP:
    sent = []

    def __init__(self, host, port, timeout):
        self.host, self.port = host, port

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def starttls(self):
        self.tls = True

    def login(self, user, password):
        self.user = (user, password)

    def send_message(self, message):
        FakeSMTP.sent.append((self.host, self.port, self.user, message))


def test_low_balance_is_emailed_when_smtp_is_configured(fake_at, monkeypatch):
    monkeypatch.setattr(at_balance.smtplib, "SMTP", FakeSMTP)
    FakeSMTP.sent.clear()
    monkeypatch.setitem(current_app.config, "SMTP_URL", "smtp://ops%40example.org:p%40ss@mail.example.org:587")
    monkeypatch.setitem(current_app.config, "ALERT_EMAILS", "ops@example.org, duty@example.org")
    fake_at.set_faults(balance=42.0)
    assert at_balance.check_balance_job() == {"balance": 42.0, "alerted": 2}  # no admin phone: email only
    [(host, port, user, message)] = FakeSMTP.sent
    assert (host, port, user) == ("mail.example.org", 587, ("ops@example.org", "p@ss"))
    assert message["To"] == "ops@example.org, duty@example.org" and "42.00" in message["Subject"]
