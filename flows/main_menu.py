"""The main menu and the "continue where you stopped" offer.

Menu numbers are fixed by the contract (posters and radio spots print them):
1 report, 2 tips, 3 prices, 4 register/account, 5 language, 6 more services. A journey joins
the menu by declaring a `MenuEntry` in its own module; numbers whose journey has not landed are
not shown, and the others keep their numbers. Entries with `menu="more"` go on the "More
services" sub-menu (CONTRACT.md section 1: 1 training, 2 buyers, 3 permits, 4 finance), which
main menu 6 opens; while no journey declares one, neither 6 nor the sub-menu exists.
"""
from dataclasses import dataclass

from core.i18n import N_
from flows.engine import MAIN, Menu, Next, Option, Session


@dataclass(frozen=True)
class MenuEntry:
    number: int
    label: str  # msgid
    next: Next
    menu: str = "main"  # "main", or "more" for the "More services" sub-menu (main menu 6)


MENUS = ("main", "more")
MORE = "more"  # the sub-menu's state id
MORE_NUMBER = 6
MSG_MORE_SERVICES = N_("More services")


def more_entry():
    """Main menu 6, which opens the sub-menu."""
    return MenuEntry(MORE_NUMBER, MSG_MORE_SERVICES, MORE)


def more_menu(entries):
    """The "More services" sub-menu: the entries declared with menu="more", by number."""
    return Menu(
        id=MORE,
        title=MSG_MORE_SERVICES,
        options=[Option(e.label, e.next, key=str(e.number)) for e in sorted(entries, key=lambda e: e.number)],
    )


def greeting(session: Session):
    name = session.caller.get("name")
    if name:
        return session.t("Madini Salama. Welcome %(name)s", name=name.split(" ")[0][:20])
    return session.t("Madini Salama. Welcome")


def main_menu(entries):
    return Menu(
        id=MAIN,
        title=greeting,
        screen_key=lambda session: session.caller.get("name"),  # what greeting() shows
        nav=False,
        options=[Option(e.label, e.next, key=str(e.number)) for e in sorted(entries, key=lambda e: e.number)],
    )


RESUME = "resume"
CONTINUE_KEY = "9"  # not a main-menu number (those are fixed by the contract)


def _snapshot(session: Session):
    return session.data.get("resume") or {}


def resume_title(session: Session):
    """What is waiting: an unsent report says so (a report already with the officers says that)."""
    snapshot = _snapshot(session)
    if snapshot.get("state", "").startswith("inc."):
        reference = snapshot.get("data", {}).get("filed")
        if reference:
            return session.t("Report %(ref)s is with the officers.", ref=reference)
        return session.t("Your report was not sent.")
    return session.t("You did not finish last time.")


def _resume(session: Session):
    """Put back the journey the caller dropped; the ussd layer left it in data['resume']."""
    snapshot = session.data.pop("resume", None) or {}
    session.data = dict(snapshot.get("data", {}))
    session.stack = list(snapshot.get("stack", []))
    return snapshot.get("state", MAIN)


def _instead(entry):
    """A main-menu choice made on the resume offer: the dropped journey is let go."""
    def go(session: Session):
        session.data.pop("resume", None)
        return entry.next(session) if callable(entry.next) else entry.next

    return go


def resume_states(entries):
    """The offer made on dialling again after a drop: the main menu, with "9 Continue" on top.

    Every main-menu number works here as on the main menu (a caller who dialled for prices
    presses 3 as always) and 00 gives the plain main menu; 9 picks up where they stopped.
    """
    ordered = sorted(entries, key=lambda e: e.number)
    return [
        Menu(
            id=RESUME,
            title=resume_title,
            nav=False,
            in_history=False,
            options=[Option(N_("Continue"), _resume, key=CONTINUE_KEY)]
            + [Option(e.label, _instead(e), key=str(e.number)) for e in ordered],
        ),
    ]
