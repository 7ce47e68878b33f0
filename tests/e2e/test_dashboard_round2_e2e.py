"""An officer on a phone-sized screen triages an incident, sends a broadcast and watches it
finish (a real RQ worker sends it to the real fake gateway while the page refreshes itself),
and opens the prices and tips pages. Screenshots of every page go to artifacts/screenshots/."""
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from models import Incident, IncidentStatusChange, Message, db, utcnow
from prices import publishing as prices
from tests.dashboard_helpers import make_officers
from tests.e2e.test_dashboard_e2e import open_menu_item
from tests.e2e.test_dashboard_e2e import sign_in as submit_sign_in
from tests.sms_support import (_fake_server, _live_servers, add_miner, fake_at, live_url,  # noqa: F401
                               run_jobs, sms_app)
from tips import catalogue

pytestmark = pytest.mark.e2e


def sign_in(page, live_server, username):
    submit_sign_in(page, live_server, username)
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()


@pytest.fixture
def seeded(app):
    make_officers()
    for n, (county, locale) in enumerate([("Migori", "sw"), ("Migori", "en"), ("Migori", "sw"),
                                          ("Kakamega", "sw")]):
        add_miner(f"+25471100001{n}", county=county, locale=locale, name=f"Miner {n}")
    now = utcnow()
    for n, (ref, category, county, urgent, days) in enumerate([
        ("MS-2A2A", "COLLAPSE", "Migori", True, 0), ("MS-3B3B", "MERCURY", "Migori", False, 9),
        ("MS-4C4C", "FLOOD", "Kakamega", True, 20), ("MS-5D5D", "CHILD", "Migori", False, 40),
        ("MS-6E6E", "VIOLENCE", "Migori", False, 3),
    ]):
        at = now - timedelta(days=days, hours=n)
        db.session.add(Incident(reference=ref, category=category, county=county, site="Macalder", channel="ussd",
                                reporter_phone="+254711000010", urgent=urgent, trapped=2 if urgent else 0,
                                injured=1, reported_at=at, created_at=at, updated_at=at, anonymous=ref == "MS-6E6E",
                                description="Shimo limeporomoka, watu wawili wamekwama."))
    db.session.commit()
    prices.ensure_default_markets()
    catalogue.load_file()


def test_county_officer_triages_an_urgent_incident(page, live_server, seeded, shoot):
    sign_in(page, live_server, "otieno")  # a Migori officer
    urgent = page.locator("#urgent-incidents")
    expect(urgent).to_contain_text("Open urgent incidents: 1")
    expect(page.locator("svg.chart")).to_have_count(3)  # incidents by week and county, registrations
    shoot("11-overview-urgent-first")

    open_menu_item(page, "Incidents")
    expect(page.locator(".incident-card")).to_have_count(4)  # Migori's only
    expect(page.locator(".incident-card").first).to_contain_text("MS-2A2A")  # open urgent first
    shoot("12-incidents")
    page.locator("details.filter-box > summary").click()  # filters fold away on a phone
    page.get_by_label("Status").select_option("open")
    page.get_by_label("Urgency").select_option("yes")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator(".incident-card")).to_have_count(1)
    shoot("12b-incidents-filtered")

    page.get_by_role("link", name=re.compile("MS-2A2A")).click()
    expect(page.get_by_role("heading", name=re.compile("MS-2A2A"))).to_be_visible()
    expect(page.locator("#reporter")).to_have_text("+2547******10")  # masked for a county officer
    shoot("13-incident")
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.locator(".flash-success")).to_contain_text("Acknowledged")
    page.get_by_label("New status").select_option("responding")
    page.get_by_label(re.compile("Note")).fill("Rescue team from Migori on the way")
    page.get_by_role("button", name="Save the status").click()
    expect(page.locator(".flash-success")).to_contain_text("Status changed to Responding")
    timeline = page.locator("ol.timeline")
    expect(timeline).to_contain_text("Rescue team from Migori on the way")
    expect(timeline).to_contain_text("SMS to +2547******10")  # the reporter's status SMS
    shoot("14-incident-status-changed")
    incident = db.session.execute(db.select(Incident).filter_by(reference="MS-2A2A")).scalar_one()
    db.session.refresh(incident)
    assert incident.status == "responding"
    changes = db.session.execute(db.select(IncidentStatusChange.new_status).order_by(IncidentStatusChange.id))
    assert changes.scalars().all() == ["acknowledged", "responding"]
    sms = db.session.execute(db.select(Message.text).filter_by(purpose="incident_status")).scalars().all()
    assert len(sms) == 2 and all("MS-2A2A" in text for text in sms)

    page.goto(f"{live_server}/dashboard/incidents/MS-6E6E")  # anonymous: never a number
    expect(page.locator("#reporter")).to_have_text("Anonymous")
    shoot("15-incident-anonymous")


def test_compose_a_broadcast_and_watch_it_finish(app, page, live_server, seeded, fake_at, shoot):
    sign_in(page, live_server, "otieno")
    open_menu_item(page, "Broadcasts")
    shoot("16-broadcasts-empty")
    page.get_by_role("link", name="New broadcast").click()
    sw = page.get_by_label("Message in Kiswahili")
    sw.fill("Tahadhari: mvua kubwa leo. Msiingie mashimoni.")
    expect(page.locator("#counter-sw")).to_have_text("Characters: 46 · GSM-7 · SMS parts: 1")  # live, in the page
    page.get_by_label("Message in English").fill("Alert: heavy rain today \u2014 keep out of the pits.")
    expect(page.locator("#counter-en")).to_contain_text("GSM-7 · SMS parts: 1")  # the dash is made plain
    expect(page.locator("#estimate")).to_contain_text("Recipients: 3")  # Migori's, from the server
    page.get_by_text("More filters").click()
    page.get_by_label("Language of the miners").select_option("en")
    expect(page.locator("#estimate")).to_contain_text("Recipients: 1")
    page.get_by_label("Language of the miners").select_option("")
    expect(page.locator("#estimate")).to_contain_text("Recipients: 3")
    page.get_by_label(re.compile("Urgent safety alert")).check()
    shoot("17-broadcast-compose")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#estimate")).to_contain_text("estimated cost KES 2.40")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Confirm the broadcast")).to_be_visible()
    shoot("18-broadcast-confirm")
    page.get_by_role("button", name="Send to 3 miners").click()
    expect(page.get_by_role("heading", name=re.compile(r"Broadcast \d+"))).to_be_visible()
    expect(page.locator("meta[http-equiv=refresh]")).to_have_count(1)
    shoot("19-broadcast-progress")

    run_jobs(app)  # a real RQ worker in burst mode sends it to the fake gateway
    # The page reloads itself (meta refresh, no script) and shows the finished broadcast.
    expect(page.locator("#broadcast-status")).to_have_text("Finished", timeout=20_000)
    expect(page.locator("meta[http-equiv=refresh]")).to_have_count(0)
    expect(page.locator("#counts")).to_contain_text("3")
    shoot("20-broadcast-finished")
    received = {m["text"] for n in ("+254711000010", "+254711000011", "+254711000012")
                for m in fake_at.messages(n)}
    assert received == {"Tahadhari: mvua kubwa leo. Msiingie mashimoni.",
                        "Alert: heavy rain today - keep out of the pits."}
    assert fake_at.messages("+254711000013") == []  # Kakamega
    open_menu_item(page, "Broadcasts")
    expect(page.locator(".row-card")).to_have_count(1)
    shoot("21-broadcasts")


def test_prices_and_tips_pages(page, live_server, seeded, shoot):
    sign_in(page, live_server, "ada")
    open_menu_item(page, "Prices")
    page.get_by_label("Market").select_option(label="Migori")
    page.get_by_label("Price, KES per gram").fill("9,850")
    page.get_by_label("Purity").fill("90%")
    page.get_by_role("button", name="Publish and alert subscribers").click()
    expect(page.locator(".flash-success")).to_contain_text("Price for Migori published")
    expect(page.locator(".row-card", has_text="Migori")).to_contain_text("KES 9,850 per gram at 90%")
    shoot("22-prices")
    page.get_by_role("link", name="Migori").first.click()
    expect(page.locator("table.compact tbody tr")).to_have_count(1)
    shoot("23-price-history")

    open_menu_item(page, "Tips")
    expect(page.locator("li.tip").first).to_be_visible()
    shoot("24-tips")
    page.get_by_role("link", name="Add a tip").click()
    page.get_by_label("Tip in Kiswahili").fill("Vaa kofia ngumu kila unaposhuka shimoni.")
    expect(page.locator("#counter-sw")).to_contain_text("GSM-7 · SMS parts: 1")
    page.get_by_label("Tip in English").fill("Wear a hard hat every time you go down the pit.")
    shoot("25-tip-form")
    page.get_by_role("button", name="Add the tip").click()
    expect(page.locator(".flash-success")).to_contain_text("added")
    tip = page.locator("li.tip", has_text="Wear a hard hat every time")
    tip.get_by_role("button", name="Retire").click()
    expect(page.locator(".flash-success")).to_contain_text("retired")
    expect(page.locator("li.tip.retired", has_text="Wear a hard hat every time")).to_be_visible()
    shoot("26-tips-retired")
