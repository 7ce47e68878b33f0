"""Every USSD journey, one per module, assembled into one flow.

A journey module declares `STATES` and, when it has a main-menu number, `MENU_ENTRY`.
To add a journey: write its module and list it in JOURNEYS.
"""
from flows import account, incident, language, prices, registration, tips
from flows.engine import Flow, Reply, Session
from flows.main_menu import main_menu, resume_states

JOURNEYS = (incident, tips, prices, registration, account, language)

MENU_ENTRIES = [j.MENU_ENTRY for j in JOURNEYS if hasattr(j, "MENU_ENTRY")]
FLOW = Flow(
    [main_menu(MENU_ENTRIES)],
    resume_states(MENU_ENTRIES),
    *(j.STATES for j in JOURNEYS),
)

__all__ = ["FLOW", "Reply", "Session"]
