"""Training sessions (issue 16 item 1): the "done when" story end to end, and the rules
(seats, waiting list, duplicates, past/cancelled, reminders once, county rule, erasure)."""
from datetime import datetime, timedelta, timezone

import pytest

from models import AuditEntry, Message, db
from models.officer import ApiToken
from models.training import TrainingBooking, TrainingSession
from training import service, texts
from tests.conftest import Phone
from tests.dashboard_helpers import csrf_token, make_officers, new_client, sign_in
from tests.sms_support import _fake_server, _live_servers, add_miner, fake_at, live_url, run_jobs, sms_app  # noqa: F401

NAIROBI = texts.NAIROBI


def _day(days, hour=9):
    today = datetime.now(NAIROBI).date() + timedelta(days=days)
    return datetime(today.year, today.month, today.day, hour, 0, tzinfo=NAIROBI)


def _body(**changes):
    body = {"topic": "mercury_free", "title": {"sw": "Kuosha dhahabu bila zebaki", "en": "Mercury-free processing"},
            "county": "Migori", "venue": "Osiri", "starts_at": _day(2).isoformat(), "seats": 30}
    body.update(changes)
    return body


def _token(officer):
    token = ApiToken.issue(officer)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_done_when_a_migori_miner_books_in_swahili_is_reminded_and_ticked_attended(app, client, fake_at):
    officers = make_officers()
    headers = _token(officers["county_officer"])
    created = client.post("/api/v1/trainings", json=_body(), headers=headers)
    assert created.status_code == 201, created.get_json()
    training_id = created.get_json()["id"]
    phone = Phone(client, "+254712400001")
    add_miner(phone.number, name="Akinyi Atieno", county="Migori", locale="sw")

    assert phone.dial().startswith("CON Madini Salama. Karibu Akinyi")
    assert phone.send("6").startswith("CON Huduma zaidi\n1 Mafunzo\n")
    listing = phone.send("1")
    assert listing.startswith("CON Mafunzo Migori:\n1 ") and "Kuosha dhahabu bila" in listing
    detail = phone.send("1")
    assert "Kuosha dhahabu bila zebaki" in detail and "Osiri" in detail and "Nafasi zilizobaki: 30" in detail
    assert "1 Hifadhi nafasi" in detail
    done = phone.send("1")
    assert done.startswith("END Nafasi imehifadhiwa: Kuosha dhahabu bila zebaki") and "kesho" not in done
    assert len(done) - 4 <= 160
    assert db.session.execute(db.select(TrainingBooking.status)).scalars().all() == ["booked"]

    # The day before, in sending hours: the cron job queues the reminder, once.
    day_before = _day(1, hour=10).astimezone(NAIROBI)
    assert service.send_reminders(now=day_before) == 1
    assert service.send_reminders(now=day_before) == 0
    run_jobs(app)
    inbox = [m["text"] for m in fake_at.messages(phone.number)]
    assert inbox == ["Madini Salama: Kumbusho: Kuosha dhahabu bila zebaki kesho saa 09:00, Osiri. Hutakuja? "
                     "Piga *384*12# kisha 6, 1."]

    # The Migori officer ticks them on the phone-sized checklist.
    browser = new_client(app)
    sign_in(browser, "otieno")
    page = browser.get(f"/dashboard/trainings/{training_id}")
    assert page.status_code == 200 and "Akinyi Atieno" in page.get_data(as_text=True)
    booking_id = db.session.execute(db.select(TrainingBooking.id)).scalar_one()
    saved = browser.post(f"/dashboard/trainings/{training_id}/attendance",
                         data={"csrf_token": csrf_token(page), "booking": str(booking_id)})
    assert saved.status_code == 302
    attendees = client.get(f"/api/v1/trainings/{training_id}/attendees", headers=headers).get_json()
    assert attendees == {"items": [{"phone": "+2547******01", "name": "Akinyi Atieno", "status": "attended"}],
                         "total": 1}
    assert db.session.execute(db.select(AuditEntry.action).filter(AuditEntry.action.like("training_%"))
                              .order_by(AuditEntry.id)).scalars().all() == ["training_created",
                                                                            "training_attendance"]
    # My account shows the session attended (the caller detail, read on the first hop).
    phone.dial()
    account = phone.send("4")
    assert "6 Mafunzo yangu" in account
    assert phone.send("6").startswith("CON Mafunzo uliyohudhuria:\n") 


def test_full_session_waiting_list_and_freed_seat_goes_to_the_first_waiting_by_sms(app, client, fake_at):
    session = service.create(None, _body(seats=1))
    for n in range(1, 4):
        add_miner(f"+25471240000{n}", county="Migori")
    assert service.book(session.id, "+254712400001").result == "booked"
    second = service.book(session.id, "+254712400002")
    third = service.book(session.id, "+254712400003")
    assert (second.result, second.position, third.position) == ("waiting", 1, 2)
    assert service.book(session.id, "+254712400001").result == "already"
    assert service.book(session.id, "+254712400002").result == "already_waiting"
    assert service.cancel_booking(session.id, "+254712400001").result == "freed"
    run_jobs(app)
    statuses = dict(db.session.execute(db.select(TrainingBooking.phone, TrainingBooking.status)).all())
    assert statuses == {"+254712400001": "cancelled", "+254712400002": "booked", "+254712400003": "waiting"}
    db.session.refresh(session)
    assert session.booked == 1
    [promoted] = fake_at.messages("+254712400002")
    assert promoted["text"].startswith("Madini Salama: Umepata nafasi: Kuosha dhahabu bila zebaki, Osiri")
    assert fake_at.messages("+254712400003") == []


def test_never_double_booked_even_when_the_same_phone_races(app):
    session = service.create(None, _body(seats=5))
    add_miner("+254712400001", county="Migori")
    # A second request from the same phone already holds the row: the claim loses, the seat
    # taken in this transaction is given back.
    db.session.add(TrainingBooking(session_id=session.id, phone="+254712400001", status="booked", via="sms"))
    db.session.execute(db.update(TrainingSession).values(booked=1))
    db.session.commit()
    outcome = service.book(session.id, "+254712400001")
    assert outcome.result == "already"
    db.session.refresh(session)
    assert session.booked == 1
    assert db.session.execute(db.select(db.func.count()).select_from(TrainingBooking)).scalar_one() == 1


def test_past_cancelled_and_unregistered_get_a_clear_line(app, client):
    session = service.create(None, _body())
    add_miner("+254712400001", county="Migori")
    assert service.book(session.id, "+254712400009").result == "unregistered"
    service.cancel(None, session.id)
    assert service.book(session.id, "+254712400001").result == "cancelled"
    past = service.create(None, _body())
    db.session.execute(db.update(TrainingSession).filter_by(id=past.id).values(
        starts_at=datetime.now(NAIROBI) - timedelta(hours=1)))
    db.session.commit()
    assert service.book(past.id, "+254712400001").result == "past"



def test_sms_keyword_replies(app):
    from sms.keywords import Inbound
    from training.keywords import training_keyword

    service.create(None, _body())
    service.create(None, _body(starts_at=_day(3).isoformat(), title={"sw": "Huduma ya kwanza", "en": "First aid"},
                         topic="first_aid"))
    add_miner("+254712400001", county="Migori", locale="sw")
    listing = training_keyword(Inbound("+254712400001", "MAFUNZO", "MAFUNZO", "", "sw"))
    assert listing.startswith("Madini Salama: Mafunzo Migori: 1 ") and "; 2 " in listing
    booked = training_keyword(Inbound("+254712400001", "MAFUNZO 2", "MAFUNZO", "2", "sw"))
    assert booked.startswith("Madini Salama: Nafasi imehifadhiwa: Huduma ya kwanza, Osiri")
    again = training_keyword(Inbound("+254712400001", "MAFUNZO 2", "MAFUNZO", "2", "sw"))
    assert again.startswith("Madini Salama: Tayari una nafasi: Huduma ya kwanza")
    assert training_keyword(Inbound("+254712400001", "TRAINING 7", "TRAINING", "7", "en")) == \
        "Madini Salama: No training number 7. Send TRAINING to see the list."
    assert training_keyword(Inbound("+254712400002", "TRAINING", "TRAINING", "", "en")).startswith(
        "Madini Salama: Register first")


def test_county_rule_and_field_errors_in_the_api(app, client):
    officers = make_officers()
    migori = _token(officers["county_officer"])
    kakamega = _token(officers["other_county_officer"])
    viewer = _token(officers["viewer"])
    assert client.post("/api/v1/trainings", json=_body(), headers=viewer).status_code == 403
    refused = client.post("/api/v1/trainings", json=_body(), headers=kakamega)
    assert refused.status_code == 403
    for change, field in ((dict(seats=0), "seats"), (dict(topic="magic"), "topic"), (dict(county="Atlantis"), "county"),
                          (dict(starts_at="tomorrow"), "starts_at"), (dict(venue="x" * 40), "venue"),
                          (dict(title={"sw": ""}), "title")):
        answer = client.post("/api/v1/trainings", json=_body(**change), headers=migori)
        assert answer.status_code == 400 and answer.get_json()["error"]["message"].startswith(field), change
    created = client.post("/api/v1/trainings", json=_body(), headers=migori).get_json()
    assert client.get(f"/api/v1/trainings/{created['id']}", headers=kakamega).status_code == 403
    assert client.get("/api/v1/trainings", headers=kakamega).get_json()["total"] == 0
    assert client.post(f"/api/v1/trainings/{created['id']}/attendance", json={"phones": ["nope"]},
                       headers=migori).status_code == 400
    cancelled = client.patch(f"/api/v1/trainings/{created['id']}", json={"status": "cancelled"}, headers=migori)
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"


def test_invitation_is_a_broadcast_that_says_how_to_book(app, client):
    from models import Broadcast

    officers = make_officers()
    session = service.create(officers["county_officer"], _body())
    broadcast = service.invite(officers["county_officer"], session.id)
    stored = db.session.get(Broadcast, broadcast.id)
    assert stored.audience == {"county": ["Migori"]}
    assert "Tuma MAFUNZO kwa 22384" in stored.texts["sw"] and "Book: SMS TRAINING to 22384" in stored.texts["en"]


def test_erasure_frees_the_seat_and_forgets_the_phone(app, redis):
    from miners.erasure import erase

    session = service.create(None, _body(seats=1))
    add_miner("+254712400001", county="Migori")
    add_miner("+254712400002", county="Migori")
    service.book(session.id, "+254712400001")
    service.book(session.id, "+254712400002")
    assert redis.exists(service.CALLER_KEY.format(phone="+254712400001"))
    erase("+254712400001")
    phones = dict(db.session.execute(db.select(TrainingBooking.phone, TrainingBooking.status)).all())
    assert "+254712400001" not in phones and phones["+254712400002"] == "booked"
    assert not redis.exists(service.CALLER_KEY.format(phone="+254712400001"))


def test_every_training_sms_is_one_gsm7_part_with_the_longest_data():
    from tests.sms_checks import template_problems

    worst = {"title": "W" * texts.TITLE_MAX, "venue": "V" * texts.VENUE_MAX, "when": "30/12 23:59", "time": "23:59",
             "n": 999, "county": "Taita Taveta", "seats": texts.SEATS_MAX, "shortcode": "22384",
             "sessions": "1 30/12 " + "W" * 20}
    problems = []
    for msgid in (texts.SMS_NONE, texts.SMS_REGISTER, texts.SMS_BOOKED, texts.SMS_WAITING, texts.SMS_ALREADY,
                  texts.SMS_ALREADY_WAITING, texts.SMS_PAST, texts.SMS_CANCELLED, texts.SMS_NO_NUMBER,
                  texts.SMS_PROMOTED, texts.SMS_REMINDER, texts.SMS_SESSION_CANCELLED, texts.SMS_LIST):
        problems += template_problems(msgid, worst)
    # The invitation is a broadcast (several parts allowed); it still fits one with the longest data.
    problems += template_problems(texts.SMS_INVITE, worst)
    assert problems == []


def test_dashboard_pages_for_a_county_officer(app):
    make_officers()
    browser = new_client(app)
    sign_in(browser, "otieno")
    form = browser.get("/dashboard/trainings/new")
    assert form.status_code == 200
    start = _day(3).strftime("%Y-%m-%dT09:00")
    bad = browser.post("/dashboard/trainings/new", data={
        "csrf_token": csrf_token(form), "topic": "first_aid", "title_sw": "Huduma ya kwanza", "title_en": "First aid",
        "county": "Migori", "venue": "Osiri", "starts_at": "not a date", "seats": "10"})
    assert bad.status_code == 400 and "must be a date and time" in bad.get_data(as_text=True)
    created = browser.post("/dashboard/trainings/new", data={
        "csrf_token": csrf_token(form), "topic": "first_aid", "title_sw": "Huduma ya kwanza", "title_en": "First aid",
        "county": "Migori", "venue": "Osiri", "starts_at": start, "seats": "10"})
    assert created.status_code == 302
    listing = browser.get("/dashboard/trainings/").get_data(as_text=True)
    assert "Huduma ya kwanza" in listing
    other = service.create(None, _body(county="Kakamega"))
    assert browser.get(f"/dashboard/trainings/{other.id}").status_code == 403
    overview = browser.get("/dashboard/").get_data(as_text=True)
    assert "Upcoming trainings" in overview


def test_training_is_declared_as_a_capability(app, client):
    """What CAPABILITY declares reaches the app through the registry (and only through it)."""
    import training
    from miners.erasure import key_patterns
    from tests.journeys import REGISTRY

    registry = app.extensions["capabilities"]
    assert "training" in registry.names and training.CAPABILITY in registry
    assert {"training_book", "training_cancel"} <= set(registry.effects)
    assert registry.keyword_router.routes["MAFUNZO"].command == "TRAINING"
    assert registry.snapshot("trainings") is training.snapshot.SNAPSHOT
    assert service.forget_bookings in registry.erasure
    with app.test_request_context():
        assert service.CALLER_KEY in key_patterns()
    # What `rq cron cron_config` registers, from a clean slate: the reminder job, every 15 minutes.
    import importlib

    from rq import cron

    cron_config = importlib.import_module("cron_config")
    saved = list(cron._job_data_registry)
    cron._job_data_registry.clear()
    try:
        importlib.reload(cron_config)
        scheduled = [(job["name"], job["cron"]) for job in cron._job_data_registry
                     if job["func"] is service.reminders_job]
    finally:
        cron._job_data_registry[:] = saved
    assert scheduled == [("training-reminders", "*/15 * * * *")]
    assert "training" in {command.name for command in registry.commands}
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    assert {"/api/v1/trainings", "/api/v1/trainings/<int:training_id>/attendance", "/dashboard/trainings/"} <= rules
    documented = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"/api/v1/trainings", "/api/v1/trainings/{training_id}", "/api/v1/trainings/{training_id}/attendance",
            "/api/v1/trainings/{training_id}/attendees", "/api/v1/trainings/{training_id}/invite"} <= set(documented)
    # Main menu 6 ("More services") opens the sub-menu whose 1 is the training journey.
    more = REGISTRY.flow.states["more"]
    assert ("1", texts.MSG_MENU_LABEL) in [(o.key, o.label) for o in more.options]


def test_every_booking_outcome_fits_one_screen_with_the_worst_case_testdata():
    """The walk of every journey (tests/test_journeys.py) shows the END screen with one outcome;
    here every outcome, with the same worst-case data, in both languages."""
    from pathlib import Path

    import yaml

    from flows import build_flow
    from flows.engine import SCREEN_BUDGET, Session
    from tests.journeys import REGISTRY

    testdata = yaml.safe_load((Path(__file__).parent.parent / "training/testdata/journey.yaml").read_text("utf-8"))
    sources = {s.name: s.current for s in REGISTRY.snapshots}
    sources["trainings"] = lambda: testdata["snapshots"]["trainings"]
    flow = build_flow(REGISTRY.journeys, sources=sources)
    for locale in ("sw", "en"):
        for result in texts.USSD_RESULTS:
            for state in ("trn.book", "trn.cancel"):
                session = Session(phone="+254712345678", locale=locale, state=state,
                                  caller=dict(testdata["caller"], locale=locale),
                                  data=dict(testdata["data"], trn_result=result))
                [page] = flow.pages(session)
                page.encode("gsm03.38")
                assert len(page) <= SCREEN_BUDGET, (locale, result, page)


def test_impact_summary_counts_sessions_held_seats_booked_and_miners_who_came(app):
    """training.impact_summary(start, end, county): sessions held in [start, end) (not
    cancelled, already started), and on those the seats booked, the miners who attended (once
    each) and the women among them."""
    import training

    now = datetime.now(NAIROBI)
    start, end = now - timedelta(days=30), now + timedelta(days=30)
    add_miner("+254712400001", county="Migori", gender="woman")
    add_miner("+254712400002", county="Migori", gender="man")
    add_miner("+254712400003", county="Migori", gender="woman")
    add_miner("+254712400004", county="Kakamega", gender="woman")
    add_miner("+254712400005", county="Migori", gender="woman")

    def held(days_ago, county="Migori", bookers=(), came=(), cancelled=False, seats=30):
        """A session booked while upcoming, then moved into the past (`came` ticked attended)."""
        session = service.create(None, _body(county=county, seats=seats))
        for phone in bookers:
            service.book(session.id, phone)
        if cancelled:
            service.cancel(None, session.id)
        db.session.execute(db.update(TrainingSession).filter_by(id=session.id).values(
            starts_at=now - timedelta(days=days_ago)))
        db.session.commit()
        if came:
            service.set_attendance(None, session.id, list(came))
        return session

    first = held(10, bookers=["+254712400001", "+254712400002", "+254712400003"],
                 came=["+254712400001", "+254712400002"])
    held(5, bookers=["+254712400001", "+254712400005"], came=["+254712400001"], seats=1)  # 005 waits: no seat
    held(3, county="Kakamega", bookers=["+254712400004"], came=["+254712400004"])
    held(4, bookers=["+254712400003"], cancelled=True)  # cancelled: not held
    held(40, bookers=["+254712400005"], came=["+254712400005"])  # before the range
    upcoming = service.create(None, _body())  # in the range, not held yet
    service.book(upcoming.id, "+254712400005")

    assert training.impact_summary(start, end, "Migori") == {"held": 2, "booked": 4, "attended": 2,
                                                             "attended_women": 1}
    assert training.impact_summary(start, end, "migori") == training.impact_summary(start, end, "Migori")
    assert training.impact_summary(start, end, None) == {"held": 3, "booked": 5, "attended": 3,
                                                         "attended_women": 2}
    assert training.impact_summary(start, end, "Turkana") == {"held": 0, "booked": 0, "attended": 0,
                                                              "attended_women": 0}
    # UTC datetimes, end excluded: a range ending exactly at the first session's start leaves it out.
    first_start = db.session.get(TrainingSession, first.id).starts_at
    utc = first_start.astimezone(timezone.utc)
    assert training.impact_summary(utc, utc + timedelta(days=1), "Migori")["held"] == 1
    assert training.impact_summary(utc - timedelta(days=1), utc, "Migori")["held"] == 0
    # An erased miner's attendance still counts (the row keeps its status, not the phone).
    from miners.erasure import erase

    with app.test_request_context():
        erase("+254712400002")
    db.session.commit()
    assert training.impact_summary(start, end, "Migori")["attended"] == 2
