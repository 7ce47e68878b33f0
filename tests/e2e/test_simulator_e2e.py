"""The phone simulator in a real browser: dial *384*12#, register with the keypad and the
answer box, and check the miner was stored; then the same without JavaScript."""
import re

import pytest
from playwright.sync_api import expect

from models import Miner, db

pytestmark = pytest.mark.e2e


def press(page, keys):
    for key in keys:
        page.locator(f".keypad .key[data-key='{key}']").click()


def screen(page):
    return page.locator("#sim-screen")


def test_dial_through_registration(page, live_server, app, shoot):
    page.goto(f"{live_server}/simulator/?phone=%2B254733000222")
    shoot("11-simulator")
    page.locator("#sim-call").click()  # the code is already typed: *384*12#
    expect(screen(page)).to_contain_text("Madini Salama")
    shoot("12-simulator-menu")

    press(page, "4")
    page.locator("#sim-call").click()
    expect(screen(page)).to_contain_text("jina", ignore_case=True)
    answers = [("Zawadi Achieng", "Kaunti"), ("1", "mgodi"), ("Macalder", None), ("1", None), ("1", None),
               ("1", "Thibitisha")]
    for answer, expected in answers:
        before = screen(page).inner_text()
        page.locator("#sim-input").fill(answer)
        page.locator("#sim-call").click()
        expect(screen(page)).not_to_have_text(before)
        if expected:
            expect(screen(page)).to_contain_text(expected, ignore_case=True)
    shoot("13-simulator-confirm")
    page.locator("#sim-input").fill("1")
    page.locator("#sim-call").click()
    expect(screen(page)).to_contain_text("Asante Zawadi")
    expect(page.locator("#sim-call")).to_have_text(re.compile("Call|Piga"))  # the session ended
    shoot("14-simulator-registered")

    db.session.remove()  # read what the server thread committed
    miner = db.session.execute(db.select(Miner).filter_by(phone="+254733000222")).scalar_one()
    assert (miner.name, miner.county, miner.site) == ("Zawadi Achieng", "Migori", "Macalder")


def test_simulator_without_javascript(browser, live_server, app, screenshot_dir):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        page.goto(f"{live_server}/simulator/")
        expect(page.locator(".keypad")).to_be_hidden()  # the keypad needs JavaScript
        page.locator("#sim-call").click()
        expect(screen(page)).to_contain_text("Madini Salama")
        page.locator("#sim-input").fill("5")
        page.locator("#sim-call").click()
        expect(screen(page)).to_contain_text("English")
        page.screenshot(path=str(screenshot_dir / "15-simulator-no-js.png"), full_page=True)
        page.locator("#sim-hangup").click()
        expect(screen(page)).to_have_text(re.compile("ended|imekatika"))
    finally:
        context.close()
