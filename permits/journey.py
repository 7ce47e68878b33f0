"""Permits and groups (More services 6 -> 3), open to anyone:

    menu: 1 Permit steps  2 Register a group  3 County office  4 Officer to call me
    steps: "n/N: <step>" with "1 Next 2 Officer to call me" (the last step: only 2)
    county office: the contact of the caller's county (a caller with no county picks one)
    officer to call me: county (when unknown) -> "an officer of <county> will call you on this
        number, agree?" -> 1 yes: the request is made (an effect) and the END screen says
        whether it was made or one was already open (one unfinished request per phone)

Steps come from content/permits.yaml, read once at start (permits/content.py); the county
offices' contacts from the `permit_contacts` snapshot (permits/contacts.py). No I/O here.
"""
from dataclasses import dataclass

from flows.catalog import MINING_COUNTIES
from flows.engine import MAIN, End, Menu, Option, Session, effect
from flows.main_menu import MenuEntry
from permits import texts
from permits.content import guides

MENU, STEP, OFFICE_COUNTY, OFFICE = "prm.menu", "prm.step", "prm.office_county", "prm.office"
CALL_COUNTY, CONFIRM, DONE = "prm.call_county", "prm.confirm", "prm.done"
SNAPSHOT = "permit_contacts"  # permits/contacts.py builds it

MENU_ENTRY = MenuEntry(3, texts.MENU_LABEL, MENU, menu="more")


def _lang(session):
    return "en" if session.locale == "en" else "sw"


@dataclass(frozen=True)
class CompactMenu(Menu):
    """A few short options on one line ("1 Next 2 Officer to call me"): the screen is left
    to the step the caller reads."""

    def lines(self, session):
        line = " ".join(super().lines(session))
        return [line] if line else []


# --- the guides -------------------------------------------------------------------------

def _start(code):
    def go(session: Session):
        session.data.update(prm_guide=code, prm_step=0, prm_topic=code)
        return STEP
    return go


def _current(session):
    guide = guides().get(session.data.get("prm_guide")) or guides()["permit"]
    steps = guide["steps"]
    index = max(0, min(int(session.data.get("prm_step", 0)), len(steps) - 1))
    return steps, index


def step_text(session: Session):
    steps, index = _current(session)
    return f"{index + 1}/{len(steps)}: {steps[index][_lang(session)]}"


def _next_step(session: Session):
    # Staying on the same state pushes nothing: back from any step goes to the menu.
    session.data["prm_step"] = int(session.data.get("prm_step", 0)) + 1
    return STEP


def step_options(session: Session):
    steps, index = _current(session)
    options = [Option(texts.OPT_NEXT, _next_step, key="1")] if index + 1 < len(steps) else []
    return options + [Option(texts.OPT_CALL, _to_call, key="2")]


# --- the county office ------------------------------------------------------------------

def _county(session):
    return session.data.get("prm_county") or session.caller.get("county")


def _to_office(session: Session):
    return OFFICE if _county(session) else OFFICE_COUNTY


def contact_for(session, county):
    """The county office's contact from the snapshot: {"phone", "office"} or None."""
    return (session.snapshot(SNAPSHOT).get("counties") or {}).get(county)


def office_text(session: Session):
    county = _county(session)
    contact = contact_for(session, county)
    if not contact:
        return session.t(texts.MSG_OFFICE_UNKNOWN, county=county)
    if contact.get("office"):
        return session.t(texts.MSG_OFFICE, county=county, office=contact["office"], phone=contact["phone"])
    return session.t(texts.MSG_OFFICE_PHONE, county=county, phone=contact["phone"])


# --- the call back ----------------------------------------------------------------------

def _to_call(session: Session):
    session.data.setdefault("prm_topic", "permit")
    return CONFIRM if _county(session) else CALL_COUNTY


def confirm_text(session: Session):
    return session.t(texts.MSG_CONFIRM, county=_county(session))


def _request(session: Session):
    """Entering the last screen: ask for the call (the handler says whether it was new)."""
    if session.data.get("prm_call"):
        return []
    return [effect("permit_callback", phone=session.phone, county=_county(session),
                   topic=session.data.get("prm_topic") or "permit", locale=session.locale, channel="ussd")]


def done_text(session: Session):
    msgid = texts.MSG_CALL_EXISTS if session.data.get("prm_call") == "exists" else texts.MSG_CALL_CREATED
    return session.t(msgid, county=_county(session))


def county_options(target):
    return [Option(county, target, value=county, literal=True) for county in MINING_COUNTIES]


STATES = [
    Menu(MENU, title=texts.MSG_MENU_TITLE, options=[
        Option(texts.OPT_PERMIT, _start("permit")),
        Option(texts.OPT_GROUP, _start("group")),
        Option(texts.OPT_OFFICE, _to_office),
        Option(texts.OPT_CALL, _to_call),
    ]),
    CompactMenu(STEP, title=step_text, options=step_options),
    Menu(OFFICE_COUNTY, title=texts.MSG_WHICH_COUNTY, options=county_options(OFFICE), save_as="prm_county"),
    Menu(OFFICE, title=office_text, options=[Option(texts.OPT_CALL, _to_call)]),
    Menu(CALL_COUNTY, title=texts.MSG_WHICH_COUNTY, options=county_options(CONFIRM), save_as="prm_county"),
    Menu(CONFIRM, title=confirm_text, options=[Option(texts.OPT_YES_CALL, DONE), Option(texts.OPT_NO, MAIN)]),
    End(DONE, body=done_text, on_enter=_request),
]
