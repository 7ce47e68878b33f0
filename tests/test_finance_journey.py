"""The finance journey (menu 6 -> 4) on the engine: every screen fits one page of 160
characters in both languages, a registered caller's choices end in one `finance_lead`
effect, a refusal stores nothing, and an unregistered caller is told to register."""
import pytest

from miners import journey as registration
from flows.engine import SCREEN_BUDGET, Session
from sms.encoding import analyse
from tests.journeys import FLOW  # the app's flow, built from its capabilities

CALLER = {"registered": 1, "name": "Akinyi Odhiambo", "county": "Migori"}
MORE_SERVICES, FINANCE = "6", "4"  # CONTRACT.md section 1: main menu 6, then 4


def walk(locale, inputs, caller=CALLER):
    """From the main menu: 6 (more services), 4 (finance), then `inputs`."""
    session = Session(phone="+254711000001", locale=locale, caller=dict(caller))
    replies = [FLOW.start(session)]
    for raw in [MORE_SERVICES, FINANCE, *inputs]:
        replies.append(FLOW.advance(session, raw))
    return session, replies


def check(reply):
    assert len(reply.text) <= SCREEN_BUDGET, reply.text
    assert analyse(reply.text).encoding == "GSM-7", reply.text


@pytest.mark.parametrize("locale", ["sw", "en"])
@pytest.mark.parametrize("inputs, effect", [
    (["1", "1"], {"interest": "savings_group", "equipment": None}),
    (["2", "1", "1"], {"interest": "equipment_loan", "equipment": "retort"}),
    (["2", "2", "1"], {"interest": "equipment_loan", "equipment": "shaking_table"}),
    (["2", "3", "1"], {"interest": "equipment_loan", "equipment": "crusher"}),
    (["3", "1"], {"interest": "mercury_free", "equipment": None}),
])
def test_consenting_saves_one_lead(locale, inputs, effect):
    session, replies = walk(locale, inputs)
    for reply in replies:
        check(reply)
    assert replies[-1].end
    assert replies[-1].effects == [{"type": "finance_lead", "phone": "+254711000001", **effect}]
    assert all(not r.effects for r in replies[:-1])


@pytest.mark.parametrize("locale", ["sw", "en"])
def test_refusing_saves_nothing(locale):
    _session, replies = walk(locale, ["2", "3", "2"])
    for reply in replies:
        check(reply)
    assert replies[-1].end and replies[-1].effects == []


@pytest.mark.parametrize("locale", ["sw", "en"])
def test_unregistered_caller_is_told_to_register(locale):
    session, replies = walk(locale, ["1"], caller={})
    check(replies[2])
    assert ("Jisajili" if locale == "sw" else "Register") in replies[2].text
    assert session.state == registration.NAME


@pytest.mark.parametrize("locale", ["sw", "en"])
def test_more_services_lists_finance_as_4(locale):
    _session, replies = walk(locale, [])
    check(replies[1])
    assert ("4 Mikopo na vifaa" if locale == "sw" else "4 Finance and equipment") in replies[1].text.split("\n")
    assert replies[2].text.startswith("Mikopo na vifaa." if locale == "sw" else "Finance and equipment.")


def test_invalid_choice_repeats_the_screen_with_an_error():
    _session, replies = walk("en", ["7"])
    check(replies[-1])
    assert replies[-1].text.startswith("Invalid choice") and "Savings group" in replies[-1].text
