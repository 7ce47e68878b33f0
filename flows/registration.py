"""Registration (menu 4 for a caller who is not registered yet).

    name -> county (paged, or Other + free text) -> site -> role -> gender
         -> consent (data + SMS, data only, or no) -> summary -> END thanks

Nine hops from dialling to done. Declining consent stores nothing. The journey is
resumable: a dropped session can carry on from where it stopped.
"""
from core.i18n import N_
from flows.catalog import GENDER_LABELS, GENDERS, MINING_COUNTIES, ROLE_LABELS, ROLES, county_code
from flows.engine import Ask, End, Invalid, Menu, Option, Session, effect, first_fitting, option_lines, text_room
from flows.main_menu import MenuEntry

NAME, COUNTY, COUNTY_OTHER, SITE = "reg.name", "reg.county", "reg.county_other", "reg.site"
ROLE, GENDER, CONSENT, CONFIRM = "reg.role", "reg.gender", "reg.consent", "reg.confirm"
DONE, DECLINED = "reg.done", "reg.declined"
ACCOUNT = "acct.menu"  # flows/account.py

NAME_MIN, NAME_MAX = 2, 40
SITE_MIN, SITE_MAX = 2, 40


def free_text(minimum, maximum, *, needs_letter=True):
    """A validator for names and places: trimmed, length-bounded, with at least one letter.

    Any character is kept as typed (including '*', accents, quotes): it is data, stored
    verbatim and escaped where it is shown.
    """

    def validate(raw, session):
        value = " ".join(raw.split())
        if len(value) < minimum:
            raise Invalid(N_("Too short. Try again."))
        if len(value) > maximum:
            raise Invalid(N_("At most %(max)s characters. Try again."), max=maximum)
        if needs_letter and not any(ch.isalpha() for ch in value):
            raise Invalid(N_("Please type letters, not only numbers."))
        return value

    return validate


def entry_point(session: Session):
    return ACCOUNT if session.caller.get("registered") else NAME


MENU_ENTRY = MenuEntry(4, N_("Register / My account"), entry_point)


def county_options(session):
    return [Option(name, SITE, value=name, literal=True) for name in MINING_COUNTIES] + [
        Option(N_("Other county"), COUNTY_OTHER, value=None)
    ]


def other_county(raw, session):
    value = free_text(2, 30)(raw, session)
    return county_code(value) or value


def summary(session: Session):
    """What will be stored, fitted with its options on one screen (long names are cut on
    the screen only)."""
    t, d = session.t, session.data

    def render(limit):
        return t(
            "Confirm:\n%(name)s\n%(county)s - %(site)s\n%(role)s, %(gender)s\nSMS: %(sms)s",
            name=_cut(d.get("name", ""), limit), county=d.get("county", ""), site=_cut(d.get("site", ""), limit),
            role=t(ROLE_LABELS.get(d.get("role"), "Other")), gender=t(GENDER_LABELS.get(d.get("gender"), "Other")),
            sms=t("Yes") if d.get("sms") else t("No"),
        )

    room = text_room(session, option_lines(session, CONFIRM_OPTIONS))
    return first_fitting([render(limit) for limit in (NAME_MAX, 30, 22, 16, 10)], room)


def _cut(text, limit):
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def register(session: Session):
    d = session.data
    return [effect(
        "register_miner", phone=session.phone, locale=session.locale, name=d["name"],
        county=d["county"], site=d["site"], role=d["role"], gender=d["gender"], sms=bool(d.get("sms")),
    )]


def thanks(session: Session):
    return session.t(
        "Thank you %(name)s, you are registered. Dial *384*12# to report an accident. Emergency: 999.",
        name=session.data.get("name", "").split(" ")[0][:20],
    )


def _restart(session: Session):
    session.data.clear()
    session.stack = []
    return NAME


CONFIRM_OPTIONS = [
    Option(N_("Confirm"), DONE),
    Option(N_("Start again"), _restart),
]

STATES = [
    Ask(NAME, prompt=N_("Registration\nEnter your name:"), validate=free_text(NAME_MIN, NAME_MAX),
        save_as="name", next=COUNTY, resumable=True),
    Menu(COUNTY, title=N_("Your county:"), options=county_options, save_as="county", resumable=True,
         screen_key=lambda session: None),  # the same counties for everyone
    Ask(COUNTY_OTHER, prompt=N_("Type your county:"), validate=other_county, save_as="county", next=SITE,
        resumable=True),
    Ask(SITE, prompt=N_("Name of your mine or site:"), validate=free_text(SITE_MIN, SITE_MAX),
        save_as="site", next=ROLE, resumable=True),
    Menu(ROLE, title=N_("Your work:"), save_as="role", resumable=True,
         options=[Option(label, GENDER, value=code) for code, label in ROLES]),
    Menu(GENDER, title=N_("You are:"), save_as="gender", resumable=True,
         options=[Option(label, CONSENT, value=code) for code, label in GENDERS]),
    Menu(CONSENT, save_as="sms", resumable=True,
         # Every field stored, and who sees it (CONTRACT.md section 4: only admins see numbers).
         title=N_("We keep name, phone, county, site, work, gender. Officers see them; only admins see "
                  "the phone. Agree?"),
         options=[
             Option(N_("Yes, with SMS"), CONFIRM, value=True),
             Option(N_("Yes, but no SMS"), CONFIRM, value=False),
             Option(N_("No"), DECLINED, value=None),
         ]),
    # Not kept in the back history: "Start again" clears the history and the answers.
    Menu(CONFIRM, title=summary, resumable=True, in_history=False, options=CONFIRM_OPTIONS),
    End(DONE, body=thanks, on_enter=register),
    End(DECLINED, body=N_("OK, we saved nothing. You can still report accidents and read tips. Asante.")),
]
