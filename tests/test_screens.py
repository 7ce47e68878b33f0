"""Every screen of every journey, rendered with worst-case data, fits 160 characters and is
plain GSM-7, in Swahili and in English; the Swahili catalogue has no gaps."""
from pathlib import Path

import gsm0338  # noqa: F401  registers the "gsm03.38" codec
import pytest
from babel.messages.pofile import read_po

from core.i18n import LOCALES
from flows.engine import SCREEN_BUDGET, Session
from tests.journeys import OWNER, TESTDATA, WORST_FLOW, flow_with

# The worst case is each journey's own testdata (<capability>/testdata/journey.yaml): a state
# renders with its journey's data and caller; the menus the flow builds (main, resume, more)
# with everyone's data and the miners' caller (the longest name).
FLOW = WORST_FLOW
ALL_DATA = {key: value for t in TESTDATA.values() for key, value in (t.get("data") or {}).items()}
DEFAULT_CALLER = TESTDATA["miners"]["caller"]


def worst_data(state_id):
    owner = TESTDATA.get(OWNER.get(state_id), {})
    return dict(ALL_DATA, **(owner.get("data") or {}))


def worst_caller(state_id, locale):
    owner = TESTDATA.get(OWNER.get(state_id), {})
    return dict(owner.get("caller") or DEFAULT_CALLER, locale=locale)


def _content_catalogue():
    """The tip catalogue as screens see it, built from the content file (no database)."""
    from tips.catalogue import read_file

    topics, tips = read_file()
    by_topic = {}
    for tip in tips:
        by_topic.setdefault(tip["topic"], []).append(str(tip["id"]))
    return {
        "topics": [{"code": t["code"], "sw": t["sw"], "en": t["en"], "words_en": t["words"]["en"],
                    "words_sw": t["words"]["sw"]} for t in topics if by_topic.get(t["code"])],
        "tips": {str(t["id"]): {"topic": t["topic"], "sw": t["sw"], "en": t["en"]} for t in tips},
        "by_topic": by_topic,
        "order": [str(t["id"]) for t in tips],
    }


def new_session(state_id, locale, registered, **data):
    session = Session(phone="+254712345678", locale=locale, state=state_id, data=dict(worst_data(state_id), **data),
                      caller=worst_caller(state_id, locale) if registered else {"locale": locale})
    session.sources = FLOW.sources  # what the flow gives a session before a step (Session.snapshot)
    return session


def is_gsm7(text):
    try:
        text.encode("gsm03.38")
        return True
    except UnicodeEncodeError:
        return False


def all_pages(session):
    pages = FLOW.pages(session)
    return pages


ERRORS = [
    ("Invalid choice. Try again.", {}),
    ("At most %(max)s characters. Try again.", {"max": 40}),
    ("Please type letters, not only numbers.", {}),
]


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("state_id", sorted(FLOW.states))
@pytest.mark.parametrize("registered", [True, False], ids=["registered", "new-caller"])
def test_every_screen_fits_and_is_gsm7(state_id, locale, registered):
    session = new_session(state_id, locale, registered)
    for page_number, page in enumerate(all_pages(session)):
        assert len(page) <= SCREEN_BUDGET, f"{state_id} page {page_number} ({locale}): {len(page)} chars\n{page}"
        assert is_gsm7(page), f"{state_id} ({locale}) is not GSM-7: {page!r}"
        for msgid, params in ERRORS:
            session.page, session.error, session.error_params = page_number, msgid, params
            screen = FLOW.render(session).text
            assert len(screen) <= SCREEN_BUDGET, f"{state_id} with error ({locale}): {len(screen)}\n{screen}"
        session.error = None


def _longest_category(locale):
    from core.i18n import translate
    from incidents.categories import CATEGORY_LABELS

    return max(CATEGORY_LABELS, key=lambda code: len(translate(locale, CATEGORY_LABELS[code])))


# Screens a caller confirms on: the whole screen fits one page (nothing to read on page 2).
CONFIRM_STATES = ("inc.confirm", "reg.confirm", "reg.consent", "acct.delete")


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("state_id", sorted(s for s, state in FLOW.states.items() if type(state).__name__ == "Menu"))
@pytest.mark.parametrize("registered", [True, False], ids=["registered", "new-caller"])
def test_every_choice_is_on_the_first_page(state_id, locale, registered):
    """With the longest data, every screen offering a short list of choices shows all of them
    on its first page, also with an error line (a caller who hangs up there has seen "1 Send");
    only long lists (counties, markets) are spread over pages."""
    session = new_session(state_id, locale, registered, category=_longest_category(locale))
    state = FLOW.states[state_id]
    options = state.lines(session)
    nav = [session.t("0 Back 00 Home")] if state.nav else []
    if len("\n".join(options + nav)) > SCREEN_BUDGET:
        pytest.skip("a long list: spread over pages by design")
    first = FLOW.pages(session)[0].split("\n")
    assert all(line in first for line in options), f"{state_id} ({locale}): choices not all on page 1\n{first}"
    if state_id in CONFIRM_STATES:
        assert len(FLOW.pages(session)) == 1, f"{state_id} ({locale}) needs 98 to read"
    for msgid, params in ERRORS:
        session.error, session.error_params = msgid, params
        shown = FLOW.render(session).text.split("\n")
        assert all(line in shown for line in options), f"{state_id} ({locale}) with an error: {shown}"


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("snapshot", [
    {"state": "inc.confirm", "data": {"filed": "MS-WWWW"}}, {"state": "inc.site", "data": {}},
    {"state": "reg.site", "data": {}},
], ids=["report-filed-early", "report-not-sent", "registration"])
def test_resume_offer_is_one_page_with_every_main_menu_entry(locale, snapshot):
    """What is waiting, "9 Continue" and every main-menu number, 6 More services included, on
    one screen."""
    session = Session(phone="+254712345678", locale=locale, state="resume", data={"resume": snapshot},
                      caller={"locale": locale})
    [page] = FLOW.pages(session)
    lines = page.split("\n")
    assert lines[1] == "9 " + session.t("Continue")
    assert [line.split(" ")[0] for line in lines[2:]] == ["1", "2", "3", "4", "5", "6"], page
    assert lines[-1] == "6 " + session.t("More services") and len(page) <= SCREEN_BUDGET, page


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("anonymous", [True, False])
def test_incident_end_screen_fits_for_every_category(locale, anonymous):
    from incidents.categories import CATEGORY_LABELS

    for category in CATEGORY_LABELS:
        session = new_session("inc.done", locale, False, category=category, anonymous=anonymous)
        pages = FLOW.pages(session)
        assert len(pages) == 1 and len(pages[0]) <= SCREEN_BUDGET and is_gsm7(pages[0]), (category, pages)


@pytest.mark.parametrize("locale", LOCALES)
def test_every_tip_screen_fits(locale):
    """Each tip on its USSD screen: every page within 160 characters (long tips page with 98)."""
    catalogue = _content_catalogue()
    shipped = flow_with({"tips": catalogue})
    for topic, ids in catalogue["by_topic"].items():
        for index, tip_id in enumerate(ids):
            session = new_session("tips.show", locale, False, tip_topic=topic, tip_index=index, tips_sent=[tip_id])
            for page in shipped.pages(session):
                assert len(page) <= SCREEN_BUDGET and is_gsm7(page), f"{tip_id} ({locale}): {page!r}"


def test_end_screens_fit_on_one_page():
    for state_id, state in FLOW.states.items():
        if type(state).__name__ != "End":
            continue
        for locale in LOCALES:
            session = new_session(state_id, locale, True)
            assert len(FLOW.pages(session)) == 1, f"END screen {state_id} ({locale}) needs paging"


def test_swahili_catalogue_is_complete():
    path = Path(__file__).parent.parent / "locales" / "sw" / "LC_MESSAGES" / "messages.po"
    with open(path, "rb") as handle:
        catalogue = read_po(handle, locale="sw")
    missing = [m.id for m in catalogue if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)))]
    fuzzy = [m.id for m in catalogue if m.id and m.fuzzy]
    assert not missing, f"English msgids without a Swahili translation: {missing}"
    assert not fuzzy, f"fuzzy (unchecked) Swahili translations: {fuzzy}"
    not_gsm = [m.id for m in catalogue if m.id and isinstance(m.string, str) and not is_gsm7(m.string)]
    assert not not_gsm, f"Swahili strings that are not GSM-7: {not_gsm}"


def test_catalogue_covers_every_marked_string(tmp_path):
    """`bin/i18n update` has been run: every string marked in the code is in the Swahili
    catalogue (so none is shown in English to a Swahili caller)."""
    import os
    import subprocess

    from babel.messages.pofile import read_po as read

    root = Path(__file__).parent.parent
    if not (root / ".venv" / "bin" / "pybabel").exists():
        pytest.skip("pybabel is not installed in .venv (run bin/setup)")
    pot = tmp_path / "messages.pot"
    subprocess.run([str(root / "bin" / "i18n"), "extract"], cwd=root, check=True,
                   env={**os.environ, "POT": str(pot)})
    with open(pot, "rb") as handle:
        marked = {m.id for m in read(handle) if m.id}
    with open(root / "locales" / "sw" / "LC_MESSAGES" / "messages.po", "rb") as handle:
        translated = {m.id for m in read(handle, locale="sw") if m.id}
    assert not marked - translated, f"run bin/i18n update and translate: {sorted(marked - translated)}"
