"""The finance pages in a real browser on a phone-sized screen: the leads page (counts per
county and kind, CSV link, SMS to leads with its preview) and the impact summary (its
print layout has no menus)."""
import re

import pytest
from playwright.sync_api import expect

from finance import service
from tests.dashboard_helpers import make_miner, make_officers
from tests.e2e.test_dashboard_e2e import open_menu_item, sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def seeded(app):
    make_officers()
    make_miner("+254711000001", "Akinyi Odhiambo", "Migori", "Macalder")
    make_miner("+254711000002", "Atieno Ouma", "Migori", "Osiri")
    make_miner("+254711000003", "Barasa Wekesa", "Kakamega", "Rosterman")
    service.record_lead("+254711000001", "savings_group")
    service.record_lead("+254711000002", "equipment_loan", "retort")
    service.record_lead("+254711000003", "savings_group")


def test_leads_page_and_sms_to_leads(page, live_server, seeded, shoot):
    sign_in(page, live_server, "otieno")  # the Migori officer
    open_menu_item(page, "Finance leads")
    expect(page.get_by_role("heading", name=re.compile("Finance and equipment leads"))).to_be_visible()
    expect(page.locator("#lead-counts tbody tr")).to_have_count(1)  # Migori only
    expect(page.locator("#lead-list .row-card")).to_have_count(2)
    shoot("finance-01-leads")
    page.get_by_label("Kind").select_option("savings_group")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#lead-list .row-card")).to_have_count(1)
    expect(page.locator("#leads-csv")).to_have_attribute("href", re.compile("leads.csv"))
    page.locator("#leads-broadcast").click()
    expect(page.locator("#leads-audience")).to_contain_text("Recipients: 1")
    page.get_by_label("Message in Kiswahili").fill("Mkutano wa kikundi cha akiba Jumamosi")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#leads-preview")).to_be_visible()
    shoot("finance-02-sms-to-leads")
    page.locator("#leads-send").click()
    expect(page.get_by_text(re.compile("Broadcast \\d+ created"))).to_be_visible()


def test_impact_summary_prints_without_menus(page, live_server, seeded, shoot):
    sign_in(page, live_server, "ada")
    page.goto(f"{live_server}/dashboard/finance/impact?start=2026-01-01")
    expect(page.get_by_role("heading", name=re.compile("Impact summary"))).to_be_visible()
    expect(page.locator("#impact-registrations")).to_have_text("3")
    expect(page.locator("#impact-genders svg")).to_be_visible()
    shoot("finance-03-impact")
    page.emulate_media(media="print")
    expect(page.locator(".topbar")).to_be_hidden()
    expect(page.locator("#impact-filters")).to_be_hidden()
    expect(page.locator("#impact-genders")).to_be_visible()
    shoot("finance-04-impact-print")
