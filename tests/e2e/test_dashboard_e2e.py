"""An officer on a phone-sized screen: signs in, finds a miner, opens the admin pages, signs out."""
import re

import pytest
from playwright.sync_api import expect

from tests.dashboard_helpers import PASSWORD, make_miner, make_officers

pytestmark = pytest.mark.e2e


@pytest.fixture
def seeded(app):
    make_officers()
    for n, (name, county, site) in enumerate([
        ("Akinyi Odhiambo", "Migori", "Macalder"), ("Barasa Wekesa", "Kakamega", "Rosterman"),
        ("Chebet Kiprono", "Migori", "Osiri"), ("Nafula Wanyama", "Vihiga", "Kisasi"),
    ]):
        make_miner(f"+25471100000{n}", name, county, site, days_ago=n * 9)


def sign_in(page, live_server, username):
    page.goto(f"{live_server}/dashboard/")
    expect(page).to_have_url(re.compile(r"/dashboard/login"))
    page.get_by_label(re.compile("Username|Jina la mtumiaji")).fill(username)
    page.get_by_label(re.compile("Password|Nenosiri")).fill(PASSWORD)
    page.locator("form button[type=submit]").first.click()


def open_menu_item(page, label):
    page.locator("details.menu > summary").click()
    page.locator("details.menu nav").get_by_role("link", name=label).click()


def test_sign_in_and_browse_miners(page, live_server, seeded, shoot):
    page.goto(f"{live_server}/dashboard/login")
    shoot("01-sign-in")
    sign_in(page, live_server, "ada")  # an admin, English
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    expect(page.locator("svg.chart").last).to_be_visible()  # registrations (incident charts come first)
    shoot("02-overview")

    open_menu_item(page, "Miners")
    expect(page.get_by_role("heading", name=re.compile("Miners"))).to_be_visible()
    expect(page.locator(".row-card")).to_have_count(4)
    shoot("03-miners")

    page.get_by_label("Name or site").fill("osiri")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".row-card")).to_have_count(1)
    page.get_by_role("link", name="Chebet Kiprono").click()
    expect(page.get_by_role("heading", name="Chebet Kiprono")).to_be_visible()
    expect(page.locator("dd.phone")).to_have_text("+254711000002")  # admins see full numbers
    expect(page.get_by_text("No messages.")).to_be_visible()
    shoot("04-miner")

    open_menu_item(page, "Officers")
    expect(page.get_by_role("heading", name="Add an officer")).to_be_visible()
    page.locator("details.confirm summary", has_text="Disable").first.click()
    expect(page.get_by_role("button", name="Yes, disable")).to_be_visible()
    shoot("05-officers")
    open_menu_item(page, "Audit log")
    # Newest first: the admin's look at a miner's page (full number) is recorded too.
    expect(page.locator(".row-card").first).to_contain_text("miner_viewed")
    expect(page.locator(".row-card", has_text="sign_in").first).to_be_visible()
    shoot("06-audit-log")
    open_menu_item(page, "Queues")
    expect(page.get_by_role("heading", name="Workers")).to_be_visible()
    shoot("07-queues")
    page.get_by_role("link", name=re.compile("RQ dashboard")).click()
    expect(page).to_have_url(re.compile(r"/dashboard/rq/"))
    shoot("07b-rq-dashboard")

    page.goto(f"{live_server}/dashboard/")
    page.get_by_role("link", name=re.compile("^ada ")).click()
    expect(page.get_by_role("heading", name="Change your password")).to_be_visible()
    shoot("07c-my-account")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/dashboard/login"))


def test_county_officer_sees_masked_numbers_in_swahili(page, live_server, seeded, shoot):
    sign_in(page, live_server, "otieno")  # a Migori officer, English profile
    page.get_by_label("Language").select_option("sw")
    page.get_by_role("button", name="Change").click()
    expect(page.get_by_role("heading", name=re.compile("Muhtasari"))).to_be_visible()
    shoot("08-overview-sw-county")
    page.goto(f"{live_server}/dashboard/miners")
    expect(page.locator(".row-card")).to_have_count(2)  # only Migori
    expect(page.locator(".row-card .phone").first).to_have_text(re.compile(r"^\+2547\*{6}\d\d$"))
    shoot("09-miners-sw-county")
    page.locator("details.menu > summary").click()
    expect(page.locator("details.menu nav")).not_to_contain_text("Maafisa")  # no admin pages
    shoot("10-menu-open")
    page.goto(f"{live_server}/dashboard/officers")  # typed by hand: refused, with a way back
    expect(page.get_by_role("heading", name="403")).to_be_visible()
    expect(page.get_by_role("link", name="Rudi kwenye muhtasari")).to_be_visible()
    shoot("10b-forbidden")
