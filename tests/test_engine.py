"""The flow engine on its own: paging, reserved keys, errors, history, JSON sessions."""
import json

import pytest

from tests.journeys import FLOW
from flows.engine import (
    End, Flow, Invalid, Menu, Option, Session, Ask, paginate, SCREEN_BUDGET,
)


def test_paginate_keeps_every_page_within_budget_and_loses_nothing():
    options = [f"{n} County number {n}" for n in range(1, 41)]
    pages = paginate("Choose:", options, "0 Back 00 Home", "98 More")
    assert len(pages) > 1
    assert all(len(p) <= SCREEN_BUDGET for p in pages)
    shown = [line for p in pages for line in p.split("\n") if line.startswith(tuple("123456789")) and line != "98 More"]
    assert shown == options
    assert all(p.endswith("98 More\n0 Back 00 Home") for p in pages[:-1])
    assert pages[-1].endswith("0 Back 00 Home") and "98 More" not in pages[-1]


def test_paginate_puts_a_short_option_list_on_every_page_of_a_long_text():
    """A caller who hangs up on page 1 of a long screen has seen every choice (a summary
    with "1 Send" on page 2 only was a report never sent)."""
    text = " ".join(f"word{n}" for n in range(60))
    pages = paginate(text, ["1 Yes", "2 No"], "0 Back", "98 More")
    assert len(pages) > 1 and all(len(p) <= SCREEN_BUDGET for p in pages)
    assert all("1 Yes\n2 No\n98 More\n0 Back" in p for p in pages[:-1])
    assert pages[-1].endswith("1 Yes\n2 No\n0 Back")
    shown = " ".join(line for p in pages for line in p.split("\n")
                     if line not in ("1 Yes", "2 No", "98 More", "0 Back"))
    assert shown == text  # the text, in order, nothing lost


def test_paginate_puts_options_after_the_text_when_they_leave_too_little_room():
    options = [f"{n} A rather long option label" for n in range(1, 5)]
    pages = paginate(" ".join(["word"] * 60), options, "0 Back", "98 More")
    assert "\n".join(options) in pages[-1]
    assert all(options[0] not in p for p in pages[:-1])


def test_paginate_cuts_an_unbreakable_word_rather_than_looping():
    pages = paginate("x" * 500, [], None, "98 More")
    assert "".join(p.replace("\n98 More", "") for p in pages) == "x" * 500
    assert all(len(p) <= SCREEN_BUDGET for p in pages)


def _toy_flow(on_enter=None):
    def shout(raw, session):
        if raw != raw.upper():
            raise Invalid("Capitals please.")
        return raw

    return Flow([
        Menu("main", title="Toy", nav=False, options=[Option("Ask", "ask"), Option("Quiz", "quiz")]),
        Ask("ask", prompt="Say it:", validate=shout, save_as="said", next="done"),
        Menu("quiz", title="Pick", options=[Option("A", "done", value="a")], save_as="pick", in_history=False),
        End("done", body="Bye", on_enter=on_enter),
    ])


def test_back_home_and_errors():
    flow = _toy_flow()
    session = Session(phone="+254700000000", locale="en")
    assert flow.start(session).text.startswith("Toy")
    assert flow.advance(session, "1").text.startswith("Say it:")
    assert flow.advance(session, "quiet").text.startswith("Capitals please.\nSay it:")
    assert flow.advance(session, "0").text.startswith("Toy")
    flow.advance(session, "1")
    assert flow.advance(session, "00").text.startswith("Toy") and session.stack == []
    reply = flow.advance(session, "1")
    reply = flow.advance(session, "LOUD")
    assert reply.end and reply.text == "Bye" and session.data["said"] == "LOUD"


def test_effects_come_back_as_data():
    flow = _toy_flow(on_enter=lambda s: [{"type": "note", "said": s.data.get("said")}])
    session = Session(phone="+254700000000", locale="en")
    flow.start(session)
    flow.advance(session, "1")
    assert flow.advance(session, "HI").effects == [{"type": "note", "said": "HI"}]


def test_a_bug_in_a_journey_ends_politely_instead_of_raising():
    def explode(session):
        raise ZeroDivisionError

    flow = _toy_flow(on_enter=explode)
    session = Session(phone="+254700000000", locale="sw")
    flow.start(session)
    flow.advance(session, "2")
    reply = flow.advance(session, "1")
    assert reply.end and reply.text == "Samahani, kuna hitilafu. Tafadhali piga tena."


@pytest.mark.parametrize("junk", ["", " ", "999", "-1", "1.5", "١", "\x00", "*", "98", "0" * 300])
def test_any_input_on_any_real_state_gives_a_screen(junk):
    for state_id in FLOW.states:
        session = Session(phone="+254700000000", locale="sw", state=state_id,
                          data={"name": "A", "county": "Migori", "site": "S", "role": "digger",
                                "gender": "woman", "sms": True, "new_site": "S"},
                          caller={"registered": True, "name": "A", "locale": "sw"})
        reply = FLOW.advance(session, junk)
        assert reply.text and len(reply.text) <= SCREEN_BUDGET
        assert Session.from_dict(json.loads(json.dumps(session.to_dict()))) == session
