"""Language (menu 5), open to anyone: remembered per phone number, even before registering.

Choosing a language goes on to the main menu, already in that language: the caller sees at
once that it worked and carries on (no need to dial again).
"""
from core.i18n import LANGUAGE_NAMES, N_
from flows.engine import MAIN, Menu, Option, Session, effect
from flows.main_menu import MenuEntry

CHOOSE = "lang.choose"


def _choose(locale):
    def go(session: Session):
        session.locale = locale
        session.caller["locale"] = locale
        session.emit(effect("set_language", phone=session.phone, locale=locale))
        return MAIN

    return go


MENU_ENTRY = MenuEntry(5, N_("Language / Lugha"), CHOOSE)

STATES = [
    # Language names are shown in their own language, whatever the current one.
    Menu(CHOOSE, title=N_("Choose language:"), options=[
        Option(LANGUAGE_NAMES["sw"], _choose("sw"), literal=True),
        Option(LANGUAGE_NAMES["en"], _choose("en"), literal=True),
    ]),
]
