"""An officer on a phone-sized screen creates a training session, opens the list and the
session's page, and ticks the miner who came on the attendance checklist (one test per new
page: list, create, detail)."""
import re
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect

from models import TrainingBooking, db
from tests.dashboard_helpers import make_officers
from tests.e2e.test_dashboard_e2e import sign_in as submit_sign_in
from tests.sms_support import add_miner
from training import service, texts

pytestmark = pytest.mark.e2e


def _sign_in(page, live_server):
    make_officers()
    submit_sign_in(page, live_server, "otieno")
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()


def test_create_page(app, page, live_server):
    _sign_in(page, live_server)
    page.goto(f"{live_server}/dashboard/trainings/new")
    page.get_by_label("Title in Swahili").fill("Kuosha dhahabu bila zebaki")
    page.get_by_label("Title in English").fill("Mercury-free processing")
    page.get_by_label("Venue").fill("Osiri")
    start = (datetime.now(texts.NAIROBI) + timedelta(days=3)).strftime("%Y-%m-%dT09:00")
    page.get_by_label(re.compile("Starts")).fill(start)
    page.get_by_label("Seats").fill("25")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("heading", name="Kuosha dhahabu bila zebaki")).to_be_visible()


def test_list_page(app, page, live_server):
    _sign_in(page, live_server)
    service.create(None, {"topic": "first_aid", "title": {"sw": "Huduma ya kwanza", "en": "First aid"}, "county": "Migori",
                    "venue": "Osiri", "starts_at": (datetime.now(texts.NAIROBI) + timedelta(days=2)).isoformat(),
                    "seats": 10})
    page.goto(f"{live_server}/dashboard/trainings/")
    expect(page.get_by_role("link", name="Huduma ya kwanza")).to_be_visible()


def test_detail_page_attendance_checklist(app, page, live_server):
    _sign_in(page, live_server)
    session = service.create(None, {"topic": "first_aid", "title": {"sw": "Huduma ya kwanza", "en": "First aid"},
                              "county": "Migori", "venue": "Osiri",
                              "starts_at": (datetime.now(texts.NAIROBI) + timedelta(days=2)).isoformat(),
                              "seats": 10})
    add_miner("+254712600001", name="Akinyi Atieno", county="Migori")
    service.book(session.id, "+254712600001")
    page.goto(f"{live_server}/dashboard/trainings/{session.id}")
    page.get_by_label(re.compile("Akinyi Atieno")).check()
    page.get_by_role("button", name="Save attendance").click()
    expect(page.get_by_text("Attendance saved: 1 came.")).to_be_visible()
    db.session.expire_all()
    assert db.session.execute(db.select(TrainingBooking.status)).scalar_one() == "attended"
