"""The call-backs page on a phone-sized screen: a Migori officer sees the Migori miner's
request (not Kakamega's), marks it called then done with a note; the overview counts it."""
import re

import pytest
from playwright.sync_api import expect

from models import db
from permits import callbacks
from tests.dashboard_helpers import make_officers
from tests.e2e.test_dashboard_e2e import open_menu_item
from tests.e2e.test_dashboard_e2e import sign_in as submit_sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def seeded(app):
    make_officers()
    callbacks.request_callback("+254711000001", "Migori", topic="permit")
    callbacks.request_callback("+254711000002", "Kakamega", topic="group")
    db.session.commit()


def test_county_officer_follows_up_a_call_back(page, live_server, seeded, shoot):
    submit_sign_in(page, live_server, "otieno")  # a Migori officer
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    expect(page.locator("section.callbacks")).to_contain_text("Open call-backs: 1")
    open_menu_item(page, "Call-backs")
    cards = page.locator(".callback-card")
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("Migori")
    expect(cards.first.locator(".phone")).to_have_text("+254711000001")
    shoot("40-callbacks")
    cards.first.get_by_role("button", name="Save").click()  # "Called" is chosen first
    expect(page.locator(".flash-success")).to_contain_text("Called")
    cards.first.get_by_label("Status").select_option("done")
    cards.first.get_by_label(re.compile("Note")).fill("Explained the permit steps; she will visit the office.")
    cards.first.get_by_role("button", name="Save").click()
    expect(page.locator(".flash-success")).to_contain_text("Done")
    expect(page.locator(".callback-card")).to_have_count(0)  # the list shows open or called ones
    shoot("41-callbacks-done")
