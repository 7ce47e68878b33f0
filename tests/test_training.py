"""Training sessions (issue 16 item 1): the "done when" story end to end, and the rules
(seats, waiting list, duplicates, past/cancelled, reminders once, county rule, erasure)."""
from datetime import datetime, timedelta

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
    assert phone.send("6") == "CON Huduma zaidi\n1 Mafunzo\n0 Rudi 00 Mwanzo"
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
    session = service.create(_body(seats=1), None, username="test")
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
    session = service.create(_body(seats=5), None, username="test")
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
    session = service.create(_body(), None, username="test")
    add_miner("+254712400001", county="Migori")
    assert service.book(session.id, "+254712400009").result == "unregistered"
    service.update(session, {"status": "cancelled"}, None, username="test")
    assert service.book(session.id, "+254712400001").result == "cancelled"
    past = service.create(_body(), None, username="test")
    db.session.execute(db.update(TrainingSession).filter_by(id=past.id).values(
        starts_at=datetime.now(NAIROBI) - timedelta(hours=1)))
    db.session.commit()
    assert service.book(past.id, "+254712400001").result == "past"



def test_sms_keyword_replies(app):
    from sms.keywords import Inbound
    from training.sms import training_keyword

    service.create(_body(), None, username="test")
    service.create(_body(starts_at=_day(3).isoformat(), title={"sw": "Huduma ya kwanza", "en": "First aid"},
                         topic="first_aid"), None, username="test")
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
    session = service.create(_body(), officers["county_officer"])
    broadcast = service.invite(session, officers["county_officer"])
    stored = db.session.get(Broadcast, broadcast.id)
    assert stored.audience == {"county": ["Migori"]}
    assert "Tuma MAFUNZO kwa 22384" in stored.texts["sw"] and "Book: SMS TRAINING to 22384" in stored.texts["en"]


def test_erasure_frees_the_seat_and_forgets_the_phone(app, redis):
    from models.erasure import erase

    session = service.create(_body(seats=1), None, username="test")
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
    other = service.create(_body(county="Kakamega"), None, username="test")
    assert browser.get(f"/dashboard/trainings/{other.id}").status_code == 403
    overview = browser.get("/dashboard/").get_data(as_text=True)
    assert "Upcoming trainings" in overview
