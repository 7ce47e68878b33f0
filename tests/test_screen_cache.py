"""Rendered screens remembered per state, language, page and what they show (flows/engine.py):
a hop that shows a screen seen before does no translation or paging work, and a screen that
shows data (a name) is rendered again when the data differs."""
from tests.journeys import FLOW
from flows import engine
from flows.engine import MAIN, Ask, Flow, Menu, Option, Session


def counting_flow():
    calls = []

    def greeting(session):
        calls.append(session.caller.get("name"))
        return f"Hello {session.caller.get('name') or 'you'}"

    def options(session):
        calls.append("options")
        return [Option("Yes", MAIN), Option("No", MAIN)]

    flow = Flow([
        Menu(MAIN, title=greeting, options=[Option("Ask", "ask")], nav=False,
             screen_key=lambda session: session.caller.get("name")),
        Ask("ask", prompt="Your name:"),
        Menu("unkeyed", title="Pick:", options=options),
    ])
    return flow, calls


def test_a_screen_with_a_key_is_rendered_once_per_language_and_key():
    flow, calls = counting_flow()
    amina = [flow.start(Session(phone="+254700000001", locale="en", caller={"name": "Amina"})).text
             for _ in range(3)]
    assert calls == ["Amina"] and amina[0].startswith("Hello Amina")
    assert len(set(amina)) == 1
    baraka = flow.start(Session(phone="+254700000002", locale="en", caller={"name": "Baraka"})).text
    assert baraka.startswith("Hello Baraka") and calls == ["Amina", "Baraka"]
    flow.start(Session(phone="+254700000003", locale="sw", caller={"name": "Amina"}))
    assert calls == ["Amina", "Baraka", "Amina"]  # another language: its own screen


def test_fixed_screens_are_remembered_and_function_screens_without_a_key_are_not():
    flow, calls = counting_flow()
    assert "ask" in flow.static and "unkeyed" not in flow.static and MAIN not in flow.static
    session = Session(phone="+254700000001", locale="en", state="unkeyed")
    for _ in range(2):
        flow.render(session)
    assert calls.count("options") >= 2  # rendered every time: its options may depend on the session


def test_an_error_line_and_the_page_still_apply_to_a_remembered_screen():
    session = Session(phone="+254700000001", locale="en", state="reg.county")
    first = FLOW.render(session).text
    assert FLOW.advance(session, "98").text != first  # page 2 of the counties
    session.page = 0
    invalid = FLOW.advance(session, "77").text
    assert invalid.startswith("Invalid choice") and invalid.endswith(first.rsplit("\n", 1)[-1])
    assert FLOW.render(Session(phone="+254700000002", locale="en", state="reg.county")).text == first


def test_the_memory_is_bounded(monkeypatch):
    monkeypatch.setattr(engine, "REMEMBERED_PAGES", 5)
    flow, calls = counting_flow()
    for n in range(20):
        flow.start(Session(phone="+254700000001", locale="en", caller={"name": f"Name{n}"}))
    assert len(flow._remembered_pages) <= 5


def test_the_real_menus_most_hops_show_are_remembered():
    assert {"main", "reg.county", "reg.name", "inc.category", "lang.choose"} - FLOW.static - {
        state_id for state_id, state in FLOW.states.items() if state.screen_key} == set()
