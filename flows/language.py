"""Language (menu 5), open to anyone: remembered per phone number, even before registering."""
from core.i18n import LANGUAGE_NAMES, N_
from flows.engine import End, Menu, Option, Session, effect
from flows.main_menu import MenuEntry

CHOOSE, DONE = "lang.choose", "lang.done"


def _choose(locale):
    def go(session: Session):
        session.data["new_locale"] = locale
        return DONE

    return go


def switch(session: Session):
    """Show the confirmation in the new language at once; the effect stores the choice."""
    locale = session.data.pop("new_locale", session.locale)
    session.locale = locale
    session.caller["locale"] = locale
    return [effect("set_language", phone=session.phone, locale=locale)]


MENU_ENTRY = MenuEntry(5, N_("Language / Lugha"), CHOOSE)

STATES = [
    # Language names are shown in their own language, whatever the current one.
    Menu(CHOOSE, title=N_("Choose language:"), options=[
        Option(LANGUAGE_NAMES["sw"], _choose("sw"), literal=True),
        Option(LANGUAGE_NAMES["en"], _choose("en"), literal=True),
    ]),
    End(DONE, body=N_("Language saved: English. Dial *384*12# again for the menu."), on_enter=switch),
]
