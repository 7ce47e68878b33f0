"""Finance and equipment (menu 6 -> 4), for registered miners:

    what interests you? 1 savings group 2 equipment loan 3 mercury-free equipment
        (2 -> which equipment? 1 retort 2 shaking table 3 crusher)
    -> consent: may an officer or partner contact you about it? 1 yes 2 no
    -> yes: END saved (the `finance_lead` effect stores or updates the lead)
       no: END nothing saved

A caller who is not registered is told so and offered registration: a lead is only worth
something with a name and a county an officer can act on. Nothing here reads the database:
the kinds are fixed, and the lead is written by the effect on the last hop.
"""
from core.i18n import N_
from finance.labels import EQUIPMENT, EQUIPMENT_LABELS, KIND_LABELS, KINDS, LOAN, interest_phrase
from flows.engine import End, Menu, Option, Session, effect
from flows.main_menu import MenuEntry

MENU, EQUIPMENT_MENU, CONSENT = "fin.menu", "fin.equipment", "fin.consent"
SAVED, DECLINED, REGISTER = "fin.saved", "fin.declined", "fin.register"
REGISTRATION = "reg.name"  # flows/registration.py: the first question

EFFECT = "finance_lead"


def entry_point(session: Session):
    return MENU if session.caller.get("registered") else REGISTER


MENU_ENTRY = MenuEntry(4, N_("Finance and equipment"), entry_point, menu="more")


def _choose_kind(kind):
    def go(session: Session):
        session.data["fin_kind"] = kind
        session.data.pop("fin_equipment", None)
        return EQUIPMENT_MENU if kind == LOAN else CONSENT

    return go


def _choose_equipment(equipment):
    def go(session: Session):
        session.data["fin_equipment"] = equipment
        return CONSENT

    return go


def _phrase(session: Session):
    return session.t(interest_phrase(session.data.get("fin_kind"), session.data.get("fin_equipment")))


def consent_title(session: Session):
    return session.t("May an officer or partner call or text you about %(what)s?", what=_phrase(session))


def saved_text(session: Session):
    return session.t("Saved: %(what)s. An officer will contact you. Asking again only updates it.",
                     what=_phrase(session))


def _save(session: Session):
    kind = session.data.get("fin_kind")
    if kind not in KINDS:
        return []
    return [effect(EFFECT, phone=session.phone, interest=kind,
                   equipment=session.data.get("fin_equipment") if kind == LOAN else None)]


STATES = [
    Menu(REGISTER, title=N_("Register first, so that an officer knows who to contact."),
         options=[Option(N_("Register"), REGISTRATION)]),
    Menu(MENU, title=N_("Finance and equipment. What interests you?"),
         options=[Option(KIND_LABELS[kind], _choose_kind(kind)) for kind in KINDS]),
    Menu(EQUIPMENT_MENU, title=N_("A loan for which equipment?"),
         options=[Option(EQUIPMENT_LABELS[item], _choose_equipment(item)) for item in EQUIPMENT]),
    Menu(CONSENT, title=consent_title, screen_key=lambda s: (s.data.get("fin_kind"), s.data.get("fin_equipment")),
         options=[Option(N_("Yes, contact me"), SAVED), Option(N_("No"), DECLINED)]),
    End(SAVED, body=saved_text, on_enter=_save),
    End(DECLINED, body=N_("Nothing saved. You can ask again at any time.")),
]
