"""The main menu and the "continue where you stopped" offer.

Menu numbers are fixed by the contract (posters and radio spots print them):
1 report, 2 tips, 3 prices, 4 register/account, 5 language. A journey joins the menu by
declaring a `MenuEntry` in its own module; numbers whose journey has not landed are not
shown, and the others keep their numbers.
"""
from dataclasses import dataclass

from core.i18n import N_
from flows.engine import MAIN, Menu, Next, Option, Session


@dataclass(frozen=True)
class MenuEntry:
    number: int
    label: str  # msgid
    next: Next


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


def _resume(session: Session):
    """Put back the journey the caller dropped; the ussd layer left it in data['resume']."""
    snapshot = session.data.pop("resume", None) or {}
    session.data = dict(snapshot.get("data", {}))
    session.stack = list(snapshot.get("stack", []))
    return snapshot.get("state", MAIN)


def _fresh_start(session: Session):
    session.data.pop("resume", None)
    return MAIN


RESUME_STATES = [
    Menu(
        id=RESUME,
        title=N_("You did not finish last time. Continue where you stopped?"),
        nav=False,
        in_history=False,
        options=[
            Option(N_("Continue"), _resume),
            Option(N_("Main menu"), _fresh_start),
        ],
    ),
]
