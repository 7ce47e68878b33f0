"""Issue 13, attacks on production mode: each test here is one of the tester's attacks.

- An anonymous report is never linked to its reporter: no page, export or API answer shows
  its receipt, status SMS, follow-ups or the replies to them next to the miner.
- Dashboard sessions end for good: sign-out, a new password and disabling end every session
  of the officer, cookies copied before included.
- The sign-in limits count atomically, and a username under attack is slowed down, not
  locked out.
- Production refuses unsafe settings; the simulator is off there; `next` is a local path.
- Erasure leaves nothing readable: follow-up texts, Redis keys, SQLite's free pages and log.
- Log masking catches numbers written with separators.
- /healthz fails when the database refuses writes, and a locked database spools a report
  at once instead of after 5 s.
"""
import io
import logging
import re
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from core import logs
from core.phones import mask
from dashboard import throttle
from incidents.filing import drain_spool
from incidents import actions, spool
from incidents import filing as service
from models import ApiToken, AuditEntry, Incident, IncidentFollowUp, InboundMessage, Message, Officer, db
from core.capability import Capability
from miners.erasure import erase
from models.message import ERASED_TEXT
from sms.inbound import handle_inbound
from tests.conftest import Phone
from tests.dashboard_helpers import OFFICERS, PASSWORD, csrf_token, make_officers, new_client, sign_in
from tests.incident_helpers import add_miner

NAME = "Amina Achieng"
NUMBER = "+254712345678"
FOLLOW_UP = "Mpigie mke wangu 0722 000 111 yuko shimoni"


@pytest.fixture
def notify_now(monkeypatch):
    """The alerts-and-receipt job runs as soon as it is queued; the SMS rows are real."""
    monkeypatch.setattr(service, "queue_notifications", lambda incident: service.notify_filed(incident.id))


def _sms(phone, text, at_id):
    handle_inbound({"from": phone, "to": "22384", "text": text, "id": at_id, "date": "2026-12-01 10:00:00",
                    "linkId": "", "networkCode": "63902"})


def anonymous_report(client, number):
    """A registered miner reports by USSD choosing "send, hide my number", asks for SMS
    updates, then texts more words; returns the incident."""
    phone = Phone(client, number)
    phone.dial()
    # report, collapse, nobody trapped, injured or dead, at the registered site, now
    for answer in ["1", "1", "1", "1", "1", "1"]:
        screen = phone.send(answer)
    assert "2 Tuma, ficha nambari yangu" in screen, screen
    phone.send("2")
    end = phone.send("1")  # yes, SMS updates
    assert end.startswith("END "), end
    incident = db.session.execute(db.select(Incident).filter_by(reporter_phone=number)).scalar_one()
    assert incident.anonymous and incident.notify_reporter
    _sms(number, FOLLOW_UP, "ATXid_follow_" + number[-4:])
    return incident


def _fill(rule, values):
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: str(values.get(m.group(1), 1)), rule.rule)


def test_no_page_export_or_api_answer_links_an_anonymous_report_to_its_miner(app, client, notify_now):
    officers = make_officers()
    miner = add_miner(NUMBER, name=NAME)
    incident = anonymous_report(client, NUMBER)
    _sms(NUMBER, "BEI Migori", "ATXid_price_1")  # an ordinary message: it does show on the miner page
    admin = db.session.execute(db.select(Officer).filter_by(username=OFFICERS["admin"][0])).scalar_one()
    actions.change_status(admin, incident, "acknowledged", "on our way")  # a status SMS to the reporter
    about = db.session.execute(db.select(Message).filter_by(incident_id=incident.id)).scalars().all()
    assert {m.purpose for m in about if m.phone == NUMBER} >= {"incident_receipt", "incident_status", "reply_help"}
    assert db.session.execute(db.select(InboundMessage.incident_id).filter_by(text=FOLLOW_UP)).scalar() == incident.id

    anonymous_marks = [incident.reference, "mke wangu"]
    identity_marks = [NAME, NUMBER, NUMBER[1:], mask(NUMBER), f"/dashboard/miners/{miner.id}"]
    values = {"miner_id": miner.id, "reference": incident.reference}
    tokens = {role: ApiToken.issue(officers[role]) for role in OFFICERS}
    db.session.commit()
    checked, links = [], []
    for role in OFFICERS:
        browser = new_client(app)
        assert sign_in(browser, OFFICERS[role][0]).status_code == 302
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or not rule.rule.startswith(("/dashboard", "/api/v1")) \
                    or rule.endpoint.endswith("static") or rule.rule.startswith("/dashboard/rq/"):
                continue
            url = _fill(rule, values)
            if url.startswith("/api/"):
                response = client.get(url, headers={"Authorization": f"Bearer {tokens[role]}"})
            else:
                response = browser.get(url)
            body = response.get_data(as_text=True)
            checked.append((role, url, response.status_code))
            if any(mark in body for mark in anonymous_marks) and any(mark in body for mark in identity_marks):
                links.append((role, url))
    assert not links, f"pages linking the anonymous report to its miner: {links}"
    seen = {url for role, url, status in checked if role == "admin" and status == 200}
    assert {f"/dashboard/miners/{miner.id}", "/dashboard/miners.csv", "/dashboard/incidents.csv",
            f"/dashboard/incidents/{incident.reference}", "/api/v1/incidents", "/api/v1/miners",
            f"/api/v1/incidents/{incident.reference}"} <= seen
    # Not vacuous: the miner's page lists their other messages, the incident's page its follow-up.
    page = new_client(app)
    sign_in(page, "ada")
    miner_page = page.get(f"/dashboard/miners/{miner.id}").get_data(as_text=True)
    assert "BEI Migori" in miner_page and NUMBER in miner_page
    # The admin saw a full number: that is on the record now.
    assert db.session.execute(db.select(AuditEntry).filter_by(action="miner_viewed", officer_username="ada",
                                                              target=f"miner {miner.id}")).first() is not None
    incident_page = page.get(f"/dashboard/incidents/{incident.reference}").get_data(as_text=True)
    assert "mke wangu" in incident_page and NUMBER not in incident_page and mask(NUMBER) not in incident_page


# --- sessions ---------------------------------------------------------------------------

def _copy_session(source, app):
    copy = new_client(app)
    cookie = source.get_cookie("session")
    copy.set_cookie(cookie.key, cookie.value)
    return copy


def _signed_in(client):
    return client.get("/dashboard/").status_code == 200


def test_a_cookie_copied_before_sign_out_stops_working(app):
    make_officers()
    browser = new_client(app)
    sign_in(browser, "otieno")
    stolen = _copy_session(browser, app)
    other_device = new_client(app)
    sign_in(other_device, "otieno")
    assert _signed_in(stolen) and _signed_in(other_device)
    browser.post("/dashboard/logout", data={"csrf_token": csrf_token(browser.get("/dashboard/"))})
    assert not _signed_in(browser) and not _signed_in(stolen) and not _signed_in(other_device)
    assert _signed_in(new_client(app)) is False
    again = new_client(app)
    sign_in(again, "otieno")
    assert _signed_in(again)  # signing in again works


def test_a_new_password_ends_the_other_sessions_and_keeps_this_one(app):
    make_officers()
    here, elsewhere = new_client(app), new_client(app)
    sign_in(here, "otieno")
    sign_in(elsewhere, "otieno")
    page = here.get("/dashboard/account")
    response = here.post("/dashboard/account", data={"current": PASSWORD, "password":
                                                     "a brand new long secret", "confirm": "a brand new long secret",
                                                     "csrf_token": csrf_token(page)})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _signed_in(here) and not _signed_in(elsewhere)


def test_an_admin_setting_a_password_or_disabling_ends_the_officers_sessions(app):
    officers = make_officers()
    admin = new_client(app)
    sign_in(admin, "ada")
    victim = new_client(app)
    sign_in(victim, "otieno")
    page = admin.get("/dashboard/officers")
    admin.post(f"/dashboard/officers/{officers['county_officer'].id}/password",
               data={"password": "given in person 123", "csrf_token": csrf_token(page)})
    assert not _signed_in(victim)
    sign_in(victim, "otieno", "given in person 123")
    assert _signed_in(victim)
    admin.post(f"/dashboard/officers/{officers['county_officer'].id}/disable", data={"csrf_token": csrf_token(page)})
    assert not _signed_in(victim)


# --- the sign-in limits -------------------------------------------------------------------

def test_parallel_attempts_cannot_pass_the_address_limit(app):
    """The tester's race: 17 went through against 10 when every request checked the limit
    before any of them had counted."""
    app.extensions["redis"].flushdb()
    limit = int(app.config["LOGIN_RATE_LIMIT"].split()[0])
    results, start = [], threading.Barrier(30)

    def attempt(n):
        with app.app_context():
            start.wait()
            results.append(throttle.begin("10.0.0.7", f"user{n}").allowed)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(True) == limit and len(results) == 30


def test_guessing_an_officers_password_slows_down_without_locking_them_out(app):
    make_officers()
    app.extensions["redis"].flushdb()
    app.config.update(LOGIN_DELAY_BASE_SECONDS=2.0, LOGIN_DELAY_MAX_SECONDS=2.0)
    try:
        limit = int(app.config["LOGIN_RATE_LIMIT"].split()[0])
        attacker = new_client(app)
        for n in range(limit):  # from many addresses: the per-address limit does not stop them
            attacker.environ_base["REMOTE_ADDR"] = f"10.9.0.{n + 1}"
            assert sign_in(attacker, "otieno", "guess").status_code == 401
        attacker.environ_base["REMOTE_ADDR"] = "10.9.1.1"
        assert sign_in(attacker, "otieno", "guess").status_code == 401  # the first slowed attempt goes on
        refused = sign_in(attacker, "otieno", "guess")  # too soon after it
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
        assert "Too many wrong passwords" in refused.get_data(as_text=True) or "nenosiri" in \
            refused.get_data(as_text=True)
        time.sleep(2.1)
        officer = new_client(app)  # the officer, a moment later, gets in: no lockout
        assert sign_in(officer, "otieno").status_code == 302
        assert sign_in(new_client(app), "otieno", "guess").status_code == 401  # and the count started over
    finally:
        app.config.update(LOGIN_DELAY_BASE_SECONDS=1.0, LOGIN_DELAY_MAX_SECONDS=60.0)


# --- production guards ---------------------------------------------------------------------

SAFE = {"ENV_NAME": "production", "SECRET_KEY": "Vq3-long_random_secret_key_for_tests_0123456789",
        "CALLBACK_TOKEN": "c4llback-t0ken-from-the-vault", "AT_API_KEY": "atsk_live_key",
        "AT_API_URL": "https://api.africastalking.com/version1"}


@pytest.mark.parametrize("unsafe, problem", [
    ({"CALLBACK_TOKEN": None}, "CALLBACK_TOKEN"),
    ({"CALLBACK_TOKEN": "short"}, "CALLBACK_TOKEN"),
    ({"SECRET_KEY": "x"}, "SECRET_KEY"),
    ({"SECRET_KEY": "dev-only-change-me"}, "SECRET_KEY"),
    ({"AT_API_KEY": "fake-key"}, "AT_FAKE_OK"),
    ({"AT_API_URL": "http://127.0.0.1:8999/version1"}, "AT_FAKE_OK"),
])
def test_production_refuses_to_start_with_unsafe_settings(app_for_backend, unsafe, problem):
    from app import create_app
    from config import UnsafeSettings

    settings = {k: app_for_backend.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "REDIS_URL", "INSTANCE_PATH")}
    with pytest.raises(UnsafeSettings, match=problem):
        create_app({**settings, **SAFE, **unsafe})


def test_production_with_safe_settings_starts_without_the_simulator(app_for_backend):
    from app import create_app

    settings = {k: app_for_backend.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "REDIS_URL", "INSTANCE_PATH")}
    production = create_app({**settings, **SAFE})
    assert not any(rule.rule.startswith("/simulator") for rule in production.url_map.iter_rules())
    assert production.test_client().get("/simulator/").status_code == 404
    rehearsal = create_app({**settings, **SAFE, "AT_API_KEY": "fake-key", "AT_FAKE_OK": True})
    assert rehearsal.test_client().get("/dashboard/login").status_code == 200
    # Development keeps its defaults: fake gateway, no token, the simulator.
    development = create_app({**settings, "ENV_NAME": "development", "SECRET_KEY": "dev-only-change-me"})
    assert development.test_client().get("/simulator/").status_code == 200


@pytest.mark.parametrize("target", ["/dashboard/\r\nSet-Cookie: x=1", "/dashboard/\nX", "/dashboard/\tX",
                                    "//evil.example/", "/\\evil.example/", "https://evil.example/",
                                    "javascript:alert(1)", "evil.example"])
def test_a_bad_next_is_ignored(app, target):
    make_officers()
    browser = new_client(app)
    assert browser.get("/dashboard/login", query_string={"next": target}).status_code == 200
    response = browser.post("/dashboard/login", query_string={"next": target},
                            data={"username": "otieno", "password": PASSWORD,
                                  "csrf_token": csrf_token(browser.get("/dashboard/login"))})
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard/"
    signed_in = browser.get("/dashboard/login", query_string={"next": target})
    assert signed_in.status_code == 302 and signed_in.headers["Location"] == "/dashboard/"
    good = browser.get("/dashboard/login", query_string={"next": "/dashboard/miners?q=a"})
    assert good.headers["Location"] == "/dashboard/miners?q=a"


# --- erasure --------------------------------------------------------------------------------

def test_erasure_leaves_nothing_readable(app, client, redis, notify_now, monkeypatch):
    number, name = "+254712000777", "Zawadi Kerubo Nyamweya"
    add_miner(number, name=name)
    incident = anonymous_report(client, number)
    Phone(client, number).dial()  # an open USSD session, with the caller's details in it
    # what another capability declares, e.g. a snapshot cache
    registry = app.extensions["capabilities"]
    monkeypatch.setitem(app.extensions, "capabilities", registry.with_capability(
        Capability("speedcache", forget_keys=("test:speed-cache:{phone}",))))
    for key in ("prices:market:{phone}", "sms:fallback-help:{phone}", "incidents:rate:{phone}",
                "ussd:resume:{phone}", "test:speed-cache:{phone}"):
        redis.set(key.format(phone=number), name)
    admin, headers = _admin_token()
    assert "mke wangu" in client.get(f"/api/v1/incidents/{incident.reference}", headers=headers).get_data(
        as_text=True)

    assert erase(number)

    assert [key for key in redis.scan_iter() if number.encode() in key] == []
    texts = db.session.execute(db.select(IncidentFollowUp.text).filter_by(incident_id=incident.id)).scalars().all()
    assert texts == [ERASED_TEXT]
    body = client.get(f"/api/v1/incidents/{incident.reference}", headers=headers).get_data(as_text=True)
    assert "mke wangu" not in body and "0722" not in body and number not in body
    if db.engine.dialect.name == "sqlite":  # nothing left in free pages or the write-ahead log
        path = Path(db.engine.url.database)
        assert _in_database_files(path, "SQLite format 3")  # the check reads the files it should
        for secret in (name, "mke wangu"):
            assert not _in_database_files(path, secret), secret


def _in_database_files(path, secret):
    """Whether `secret` is in the SQLite file or its write-ahead log, read by ANOTHER process:
    opening and closing the database file in this one would drop every POSIX lock this
    process's SQLite connections hold on it (sqlite.org/howtocorrupt.html, 2.2), and a later
    process could then delete the log under them ("disk I/O error" in later tests)."""
    script = ("import sys, pathlib; p = pathlib.Path(sys.argv[1]); "
              "data = b''.join(f.read_bytes() for f in (p, pathlib.Path(str(p) + '-wal')) if f.exists()); "
              "sys.exit(1 if sys.argv[2].encode() in data else 0)")
    return subprocess.run([sys.executable, "-c", script, str(path), secret], timeout=60).returncode == 1


def _admin_token():
    officer = Officer(username="erasure-admin", role="admin")
    officer.set_password("a long password 1")
    db.session.add(officer)
    token = ApiToken.issue(officer)
    db.session.commit()
    return officer, {"Authorization": f"Bearer {token}"}


# --- logs -----------------------------------------------------------------------------------

@pytest.mark.parametrize("written", ["+254 712 345 678", "0712-345-678", "(0712) 345.678", "254712345678",
                                     "(+254) 712 345678", "0712.345.678", "+254-712-345-678"])
def test_log_masking_catches_numbers_with_separators(written):
    logs.install()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("test.exposure.masking")
    logger.addHandler(handler)
    try:
        logger.warning("call %s now; KES 6,850.50 for 2 g, ref MS-7K3Q on 2026-12-01 10:20", written)
    finally:
        logger.removeHandler(handler)
    line = stream.getvalue()
    assert "345" not in line and "+2547******78" in line
    assert "KES 6,850.50 for 2 g, ref MS-7K3Q on 2026-12-01 10:20" in line


# --- health and a locked database -------------------------------------------------------------

def test_healthz_writes_and_a_locked_database_spools_a_report_at_once(app, client):
    assert client.get("/healthz").status_code == 200
    if db.engine.dialect.name != "sqlite":
        return  # the lock below is SQLite's; PostgreSQL's write check runs above
    db.session.remove()
    locker = sqlite3.connect(db.engine.url.database, timeout=0)
    locker.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        health = client.get("/healthz")
        assert health.status_code == 503 and health.get_json()["database"] == "down"
        phone = Phone(client, "+254712000888")
        phone.dial()
        # report, collapse, nobody trapped, injured or dead (not urgent: filed on "send"), Migori, Osiri, now
        for answer in ["1", "1", "1", "1", "1", "1", "Osiri", "1"]:
            phone.send(answer)
        started = time.monotonic()
        end = phone.send("1")  # send: the insert meets the lock
        waited = time.monotonic() - started
    finally:
        locker.rollback()
        locker.close()
    assert end.startswith("END ") and "MS-" in end
    assert waited < 2.5, f"the hop waited {waited:.1f} s for the lock (5 s before)"
    assert drain_spool()["filed"] == 1
    assert client.get("/healthz").status_code == 200
