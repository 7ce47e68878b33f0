"""A miner's own journeys: registration and My account (menu 4), and the language (menu 5).

Registration (menu 4 for a caller who is not registered yet):

    name -> county (paged, or Other + free text) -> site -> role -> gender
         -> consent (data + SMS, data only, or no) -> summary -> END thanks

Nine hops from dialling to done. Declining consent stores nothing. The journey is
resumable: a dropped session can carry on from where it stopped.

My account (menu 4 for a registered caller): see profile, change language, change site,
stop or start SMS, delete my data.

Language (menu 5), open to anyone: remembered per phone number, even before registering.
Choosing a language goes on to the main menu, already in that language: the caller sees at
once that it worked and carries on (no need to dial again).

Every change is an effect (miners/effects.py); nothing here reads or writes storage.
"""
from core.i18n import LANGUAGE_NAMES, N_
from flows.catalog import GENDER_LABELS, GENDERS, ROLE_LABELS, ROLES
from flows.engine import MAIN, Ask, End, Menu, Option, Say, Session, effect, first_fitting, option_lines, text_room
from flows.main_menu import MenuEntry
from flows.widgets import SITE_MAX, SITE_MIN, county_picker, free_text

NAME, COUNTY, COUNTY_OTHER, SITE = "reg.name", "reg.county", "reg.county_other", "reg.site"
ROLE, GENDER, CONSENT, CONFIRM = "reg.role", "reg.gender", "reg.consent", "reg.confirm"
DONE, DECLINED = "reg.done", "reg.declined"
ACCOUNT = "acct.menu"

NAME_MIN, NAME_MAX = 2, 40


# --- registration -------------------------------------------------------------------------

def entry_point(session: Session):
    return ACCOUNT if session.caller.get("registered") else NAME


MENU_ENTRY = MenuEntry(4, N_("Register / My account"), entry_point)


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

REGISTRATION_STATES = [
    Ask(NAME, prompt=N_("Registration\nEnter your name:"), validate=free_text(NAME_MIN, NAME_MAX),
        save_as="name", next=COUNTY, resumable=True),
    *county_picker(COUNTY, COUNTY_OTHER, SITE, title=N_("Your county:"),
                   screen_key=lambda session: None),  # the same counties for everyone
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


# --- my account ---------------------------------------------------------------------------

MENU, PROFILE, NEW_SITE, SITE_SAVED = ACCOUNT, "acct.profile", "acct.site", "acct.site_saved"
TRAININGS_ATTENDED = "trn.attended"  # training/journey.py (shown only to a caller who attended one)
SMS_STOPPED, SMS_STARTED = "acct.sms_stopped", "acct.sms_started"
DELETE, DELETED = "acct.delete", "acct.deleted"


def profile(session: Session):
    t, c = session.t, session.caller
    return t(
        "Name: %(name)s\nPhone: %(phone)s\nCounty: %(county)s\nSite: %(site)s\nRole: %(role)s\n"
        "Gender: %(gender)s\nSMS alerts: %(sms)s",
        name=c.get("name", ""), phone=session.phone, county=c.get("county", ""), site=c.get("site", ""),
        role=t(ROLE_LABELS.get(c.get("role"), "Other")), gender=t(GENDER_LABELS.get(c.get("gender"), "Other")),
        sms=t("Yes") if c.get("sms") else t("No"),
    )


def menu_options(session: Session):
    sms_option = (
        Option(N_("Stop SMS alerts"), SMS_STOPPED) if session.caller.get("sms")
        else Option(N_("Start SMS alerts"), SMS_STARTED)
    )
    options = [
        Option(N_("My details"), PROFILE),
        Option(N_("Change language"), CHOOSE_LANGUAGE),
        Option(N_("Change site"), NEW_SITE),
        sms_option,
        Option(N_("Delete my data"), DELETE),
    ]
    # Sessions attended (the training capability's caller detail, read on the first hop):
    # offered once there is one, after the fixed numbers.
    if (session.caller.get("training") or {}).get("a"):
        options.append(Option(N_("My trainings"), TRAININGS_ATTENDED))
    return options


def _set_sms(enabled):
    def apply(session: Session):
        session.caller["sms"] = enabled
        return [effect("set_sms", phone=session.phone, enabled=enabled)]

    return apply


def _save_site(session: Session):
    session.caller["site"] = session.data["new_site"]
    return [effect("update_site", phone=session.phone, site=session.data["new_site"])]


def _delete(session: Session):
    session.caller = {"locale": session.locale}  # the language choice is kept (miners/erasure.py)
    return [effect("delete_miner", phone=session.phone)]


ACCOUNT_STATES = [
    Menu(MENU, title=N_("My account"), options=menu_options),
    Say(PROFILE, body=profile),
    Ask(NEW_SITE, prompt=N_("New name of your mine or site:"), validate=free_text(SITE_MIN, SITE_MAX),
        save_as="new_site", next=SITE_SAVED),
    End(SITE_SAVED, body=lambda s: s.t("Site saved: %(site)s", site=s.data.get("new_site", "")),
        on_enter=_save_site),
    End(SMS_STOPPED, body=N_("SMS alerts stopped. Send START by SMS or use this menu to start them again."),
        on_enter=_set_sms(False)),
    End(SMS_STARTED, body=N_("SMS alerts started. Send STOP to stop them."), on_enter=_set_sms(True)),
    Menu(DELETE, title=N_("Delete your registration and data? This cannot be undone."), options=[
        Option(N_("Yes, delete"), DELETED),
        Option(N_("No, keep"), MENU),
    ]),
    End(DELETED, body=N_("Your data has been deleted. You can still report accidents. Asante."),
        on_enter=_delete),
]


# --- language -----------------------------------------------------------------------------

CHOOSE_LANGUAGE = "lang.choose"


def _choose(locale):
    def go(session: Session):
        session.locale = locale
        session.caller["locale"] = locale
        session.emit(effect("set_language", phone=session.phone, locale=locale))
        return MAIN

    return go


LANGUAGE_ENTRY = MenuEntry(5, N_("Language / Lugha"), CHOOSE_LANGUAGE)

LANGUAGE_STATES = [
    # Language names are shown in their own language, whatever the current one.
    Menu(CHOOSE_LANGUAGE, title=N_("Choose language:"), options=[
        Option(LANGUAGE_NAMES["sw"], _choose("sw"), literal=True),
        Option(LANGUAGE_NAMES["en"], _choose("en"), literal=True),
    ]),
]


# Menu 4 (register, or My account) and menu 5 (language).
MENU_ENTRIES = (MENU_ENTRY, LANGUAGE_ENTRY)
STATES = REGISTRATION_STATES + ACCOUNT_STATES + LANGUAGE_STATES
