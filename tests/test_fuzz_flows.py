"""Property tests on the flow engine: any input sequence, from any state, in either
language, gives a CON/END screen of at most 160 characters, never an apology for an
internal error, and a session that round-trips through JSON at every step."""
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.i18n import LOCALES, translate
from tests.journeys import FLOW
from flows.engine import MAIN, MSG_FAILED, SCREEN_BUDGET, Reply, Session
from flows.main_menu import RESUME
from tests.fuzzing import USSD_INPUT, fuzz_settings

APOLOGIES = {translate(locale, MSG_FAILED) for locale in LOCALES}
NAMES_40 = ["Wanjiku Wambui Nyambura Chepkoech Atieno", "W" * 40, "Zawadi *Njeri* O'Brien <b>&amp;</b> Kamau"]
SITES_40 = ["Rosterman Shaft Number Three Lower Level", "M" * 40, "Macalder*Nyatike Gold Mine Site, Block 7"]
COUNTIES = ["Taita Taveta", "Elgeyo-Marakwet County Highlands Area"[:30], "Uasin Gishu"]


def caller(registered, name, site, county, locale):
    if not registered:
        return {"registered": False, "locale": locale}
    return {"registered": True, "name": name, "county": county, "site": site, "role": "processor",
            "gender": "undisclosed", "locale": locale, "sms": True}


sessions = st.builds(
    lambda registered, name, site, county, locale: Session(
        phone="+254712345678", locale=locale, caller=caller(registered, name, site, county, locale)),
    st.booleans(), st.sampled_from(NAMES_40), st.sampled_from(SITES_40), st.sampled_from(COUNTIES),
    st.sampled_from(LOCALES),
)


def worst_case_data(name, site, county):
    """Long answers, plus what any path into a journey's later states carries (the incident's
    category, the market being looked at), so that a state is tested as a caller reaches it."""
    return {"name": name, "county": county, "site": site, "role": "processor", "gender": "undisclosed",
            "sms": True, "new_site": site, "new_locale": "en", "category": "COLLAPSE", "market_id": 1,
            "fin_kind": "mercury_free"}


def check(reply, session):
    assert isinstance(reply, Reply)
    assert reply.wire.startswith(("CON ", "END "))
    assert 0 < len(reply.text) <= SCREEN_BUDGET, (session.state, session.locale, len(reply.text), reply.text)
    assert reply.text not in APOLOGIES, f"the flow failed in state {session.state}"
    assert not reply.text.startswith((" ", "\n"))
    as_json = json.loads(json.dumps(session.to_dict()))
    assert Session.from_dict(as_json).to_dict() == session.to_dict()
    return Session.from_dict(as_json)  # carry on from the round-tripped session, as Redis would


@fuzz_settings
@given(session=sessions, inputs=st.lists(USSD_INPUT, max_size=30))
def test_any_inputs_from_the_main_menu(session, inputs):
    reply = FLOW.start(session)
    session = check(reply, session)
    for raw in inputs:
        if reply.end:
            break
        reply = FLOW.advance(session, raw)
        session = check(reply, session)


@fuzz_settings
@given(session=sessions, state=st.sampled_from(sorted(set(FLOW.states) - {RESUME})),
       name=st.sampled_from(NAMES_40), site=st.sampled_from(SITES_40), county=st.sampled_from(COUNTIES),
       page=st.integers(0, 5), inputs=st.lists(USSD_INPUT, max_size=12))
def test_any_inputs_in_any_state_with_worst_case_data(session, state, name, site, county, page, inputs):
    session.data = worst_case_data(name, site, county)
    session.state, session.page, session.stack = state, page, [MAIN]
    reply = FLOW.render(session)
    session = check(reply, session)
    for raw in inputs:
        if reply.end:
            break
        reply = FLOW.advance(session, raw)
        session = check(reply, session)


@fuzz_settings
@given(session=sessions, inputs=st.lists(USSD_INPUT, max_size=8), state=st.sampled_from(sorted(FLOW.states)))
def test_resume_offer_with_any_snapshot(session, inputs, state):
    session.data["resume"] = {"state": state, "stack": [MAIN],
                              "data": worst_case_data(NAMES_40[0], SITES_40[0], COUNTIES[0])}
    reply = FLOW.jump(session, RESUME)
    session = check(reply, session)
    for raw in inputs:
        if reply.end:
            break
        reply = FLOW.advance(session, raw)
        session = check(reply, session)


@pytest.mark.parametrize("locale", LOCALES)
def test_every_state_renders_within_budget_with_worst_case_data(locale):
    for state in FLOW.states:
        for name, site, county in zip(NAMES_40, SITES_40, COUNTIES):
            session = Session(phone="+254712345678", locale=locale,
                              caller=caller(True, name, site, county, locale))
            session.data, session.state = worst_case_data(name, site, county), state
            for page in range(len(FLOW.pages(session))):
                session.page = page
                check(FLOW.render(session), session)
