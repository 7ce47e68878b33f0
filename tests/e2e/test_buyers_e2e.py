"""The buyers pages in a phone-sized browser: the list, adding a buyer (a malformed licence
number refused under its field first), and the licences expiring soon."""
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from buyers import rules, service
from tests.dashboard_helpers import make_officers
from tests.e2e.test_dashboard_e2e import sign_in as submit_sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def seeded(app):
    make_officers()
    on = rules.today()
    for name, number, days, county in [("Otieno Gold Traders", "MDL/2024/0153", 200, "Migori"),
                                       ("Akinyi Minerals", "MDL/2025/0007", 12, "Migori"),
                                       ("Kakamega Buyer", "MDL/2024/0500", 300, "Kakamega")]:
        service.create(None, {"name": name, "licence_number": number,
                              "licence_expires": (on + timedelta(days=days)).isoformat(), "county": county,
                              "market": "Osiri", "phone": "0712345001"}, by="test")


def test_buyers_list(page, live_server, seeded, shoot):
    submit_sign_in(page, live_server, "otieno")  # the Migori officer
    page.goto(f"{live_server}/dashboard/buyers/")
    expect(page.get_by_role("heading", name="Licensed gold buyers")).to_be_visible()
    expect(page.locator("tbody tr")).to_have_count(2)  # Migori's only
    expect(page.get_by_text("Kakamega Buyer")).to_have_count(0)
    shoot("40-buyers")


def test_add_a_buyer(page, live_server, seeded, shoot):
    submit_sign_in(page, live_server, "otieno")
    page.goto(f"{live_server}/dashboard/buyers/new")
    page.get_by_label("Name").fill("Ouma Traders")
    page.get_by_label("Licence number").fill("??")
    page.get_by_label("Licence valid until").fill((rules.today() + timedelta(days=90)).isoformat())
    page.get_by_label("Market").fill("Macalder")
    page.get_by_label("Phone").fill("0722 345 678")
    page.get_by_role("button", name="Add the buyer").click()
    expect(page.locator(".has-error")).to_contain_text("Licence number")
    shoot("41-buyer-form-error")
    page.get_by_label("Licence number").fill("mdl/2026/0042")
    page.get_by_role("button", name="Add the buyer").click()
    expect(page.locator(".flash-success")).to_contain_text("Ouma Traders")
    expect(page.get_by_text("MDL/2026/0042")).to_be_visible()


def test_expiring_licences(page, live_server, seeded, shoot):
    submit_sign_in(page, live_server, "otieno")
    page.goto(f"{live_server}/dashboard/buyers/expiring")
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody")).to_contain_text("Akinyi Minerals")
    shoot("42-buyers-expiring")
