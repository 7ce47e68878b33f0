"""One test walks every registered journey with its testdata (`<capability>/testdata/journey.yaml`,
the worst case: the longest caller, the longest and most snapshot entries) and checks every
screen in both languages, for a registered and a new caller: at most 160 characters, GSM-7,
every choice of a short list on the first page, and an END screen whole on one page.

The testdata format (one YAML file beside the journey):

    caller:    {registered: true, name: ..., county: ..., ...}   # the caller snapshot
    data:      {...}                                            # session data screens read
    snapshots: {<snapshot name>: <what it holds>}               # as Snapshot.build returns it
"""
import gsm0338  # noqa: F401  registers the "gsm03.38" codec
import pytest

from core.i18n import LOCALES
from flows import journey_menu_entries
from flows.engine import MSG_FAILED, SCREEN_BUDGET, End, Menu, Session
from tests.journeys import JOURNEYS, flow_with
from tests.journeys import testdata as _testdata

ERROR = "Invalid choice. Try again."


def test_every_registered_journey_is_walked():
    assert {c.name for c in JOURNEYS} >= {"miners", "incidents", "tips", "prices"}


def _flow_with(testdata):
    """The app's flow, its snapshots holding the testdata (the others as the registry has them)."""
    return flow_with(testdata.get("snapshots"))


def _fits(page):
    page.encode("gsm03.38")
    return len(page) <= SCREEN_BUDGET


@pytest.mark.parametrize("registered", [True, False], ids=["registered", "new-caller"])
@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("capability", JOURNEYS, ids=lambda c: c.name)
def test_every_screen_of_every_journey_fits_with_its_worst_case_data(capability, locale, registered):
    testdata = _testdata(capability)
    flow = _flow_with(testdata)
    caller = dict(testdata.get("caller") or {}, locale=locale) if registered else {"locale": locale}
    for state in capability.journey.STATES:
        session = Session(phone="+254712345678", locale=locale, state=state.id, caller=dict(caller),
                          data=dict(testdata.get("data") or {}))
        pages = flow.pages(session)
        for page in pages:
            assert _fits(page), f"{state.id} ({locale}): {len(page)} characters\n{page}"
        if isinstance(state, End):
            assert len(pages) == 1, f"END screen {state.id} ({locale}) needs paging"
        if isinstance(state, Menu):
            options = state.lines(session)
            nav = [session.t("0 Back 00 Home")] if state.nav else []
            if len("\n".join(options + nav)) <= SCREEN_BUDGET:  # a short list: all on page 1
                first = pages[0].split("\n")
                assert all(line in first for line in options), f"{state.id} ({locale}): choices past page 1"
        session.error = ERROR
        shown = flow.render(session).text
        assert _fits(shown), f"{state.id} with an error line ({locale}): {len(shown)}\n{shown}"


@pytest.mark.parametrize("capability", JOURNEYS, ids=lambda c: c.name)
def test_every_journey_is_reached_from_its_menu_and_walks_without_failing(capability):
    """From the main menu (or menu 6), every choice of every screen, depth first, a few levels:
    no step fails (a `next` naming nothing would end the session with the apology)."""
    testdata = _testdata(capability)
    flow = _flow_with(testdata)
    for entry in journey_menu_entries(capability.journey):
        _walk_from(flow, testdata, [entry.number] if entry.menu == "main" else [6, entry.number])


def _walk_from(flow, testdata, path):
    for locale in LOCALES:
        seen = set()

        def walk(keys, depth):
            session = Session(phone="+254712345678", locale=locale,
                              caller=dict(testdata.get("caller") or {}, locale=locale),
                              data=dict(testdata.get("data") or {}))
            reply = flow.start(session)
            for key in keys:
                reply = flow.advance(session, str(key))
            assert reply.text != session.t(MSG_FAILED), (keys, reply.text)
            assert _fits(reply.text), (keys, reply.text)
            if reply.end or depth == 0 or (session.state, session.page) in seen:
                return
            seen.add((session.state, session.page))
            state = flow.state(session)
            if isinstance(state, Menu):
                for number, _option in state.numbered(session)[:12]:
                    walk(keys + [number], depth - 1)

        walk(path, 4)
