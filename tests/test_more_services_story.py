"""Issue 16's "done when", as one story from the phone simulator (the real /ussd behind it):
a miner in Migori books a mercury-free training in Swahili, is reminded the day before (the
fake gateway's inbox), and appears as attended once the officer ticks them; the same miner
finds two licensed buyers with today's reference price, and asks for a permit call back that
the Migori officer sees in the dashboard (and an officer of another county does not)."""
from datetime import datetime, timedelta

import pytest

from core.i18n import NAIROBI
from models import db
from models.permit import CallbackRequest
from models.training import TrainingBooking
from prices import publishing as prices
from tests.buyers_setup import migori_buyers
from tests.dashboard_helpers import csrf_token, make_officers, new_client, sign_in
from tests.sms_support import _fake_server, _live_servers, add_miner, fake_at, live_url, run_jobs, sms_app  # noqa: F401
from training import service as training

MINER = "+254712477001"


def _day(days, hour):
    day = datetime.now(NAIROBI).date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=NAIROBI)


class Simulator:
    """The simulator page's phone: each key press is a POST to /simulator/ussd."""

    def __init__(self, browser, phone):
        self.browser, self.phone = browser, phone
        self.token = csrf_token(browser.get("/simulator/"))
        self.state = {"session_id": "", "text": ""}

    def _post(self, action, entry=""):
        response = self.browser.post("/simulator/ussd", headers={"Accept": "application/json"}, data={
            "csrf_token": self.token, "phone": self.phone, "action": action, "input": entry, **self.state})
        assert response.status_code == 200, response.get_data(as_text=True)
        reply = response.get_json()
        assert reply["error"] is None, reply
        self.state = {"session_id": reply["session_id"], "text": reply["text"]}
        return reply["screen"], reply["ended"]

    def dial(self):
        return self._post("dial", "*384*12#")[0]

    def press(self, entry):
        return self._post("send", entry)[0]


@pytest.fixture
def officers(app):
    rows = make_officers()
    rows["county_officer"].phone = "+254722477111"  # otieno, Migori
    db.session.commit()
    return rows


def test_a_migori_miner_trains_finds_buyers_and_asks_for_a_permit_call_back(app, officers, fake_at):
    admin = new_client(app)
    sign_in(admin, "ada")
    add_miner(MINER, name="Akinyi Atieno", county="Migori", site="Osiri", locale="sw", gender="woman")
    session = training.create(officers["county_officer"], {
        "topic": "mercury_free", "title": {"sw": "Kuosha dhahabu bila zebaki", "en": "Mercury-free processing"},
        "county": "Migori", "venue": "Osiri", "starts_at": _day(1, 9).isoformat(), "seats": 30})
    prices.ensure_default_markets()
    prices.publish(None, prices.market_named("Migori"), "9850", "0.9", source="test", by="test")
    migori_buyers()  # two licensed in Migori, one expired, one in Kakamega
    phone = Simulator(admin, MINER)

    # 1. A mercury-free training, booked in Swahili: 6 More services, 1 Training, the session, book.
    assert phone.dial().startswith("Madini Salama. Karibu Akinyi")
    assert "1 Mafunzo" in phone.press("6")
    listing = phone.press("1")
    assert listing.startswith("Mafunzo Migori:") and "Kuosha dhahabu bila" in listing
    assert "1 Hifadhi nafasi" in phone.press("1")
    assert phone.press("1").startswith("Nafasi imehifadhiwa: Kuosha dhahabu bila zebaki")
    # The day before (10:00 Nairobi), the cron job's reminder reaches the fake gateway, once.
    assert training.send_reminders(now=_day(0, 10)) == 1
    assert training.send_reminders(now=_day(0, 10)) == 0
    run_jobs(app)
    reminders = [m["text"] for m in fake_at.messages(MINER)]
    assert len(reminders) == 1 and "Kumbusho: Kuosha dhahabu bila zebaki kesho saa 09:00, Osiri" in reminders[0]
    # The Migori officer ticks them on the attendance checklist.
    otieno = new_client(app)
    sign_in(otieno, "otieno")
    page = otieno.get(f"/dashboard/trainings/{session.id}")
    assert "Akinyi Atieno" in page.get_data(as_text=True)
    booking = db.session.execute(db.select(TrainingBooking)).scalar_one()
    assert otieno.post(f"/dashboard/trainings/{session.id}/attendance",
                       data={"csrf_token": csrf_token(page), "booking": str(booking.id)}).status_code == 302
    db.session.expire_all()
    assert db.session.get(TrainingBooking, booking.id).status == "attended"

    # 2. Licensed buyers: two in Migori, with today's reference price for 1 g at 90%.
    phone.dial()
    phone.press("6")
    buyers = phone.press("2")
    assert buyers.startswith("Migori: Bei elekezi 1g 90% leo: KES 9,850")
    assert "Akinyi Minerals" in buyers and "Otieno Gold Traders" in buyers
    assert "Ouma" not in buyers and "Kakamega" not in buyers

    # 3. A permit call back, seen by the Migori officer and not by Kakamega's.
    phone.dial()
    phone.press("6")
    assert "4 Afisa anipigie" in phone.press("3")
    assert "1 Ndiyo, nipigie" in phone.press("4")
    assert phone.press("1").startswith("Asante. Afisa wa Migori atakupigia")
    request = db.session.execute(db.select(CallbackRequest)).scalar_one()
    assert (request.phone, request.county, request.status) == (MINER, "Migori", "open")
    assert f"CB{request.id}" in otieno.get("/dashboard/callbacks/").get_data(as_text=True)
    kakamega = new_client(app)
    sign_in(kakamega, "wanjiku")
    assert f"CB{request.id}" not in kakamega.get("/dashboard/callbacks/").get_data(as_text=True)
