"""My account (menu 4 for a registered caller): see profile, change language, change site,
stop or start SMS, delete my data."""
from core.i18n import N_
from flows import language
from flows.catalog import GENDER_LABELS, ROLE_LABELS
from flows.engine import Ask, End, Menu, Option, Say, Session, effect
from flows.registration import SITE_MAX, SITE_MIN, free_text

MENU, PROFILE, SITE, SITE_SAVED = "acct.menu", "acct.profile", "acct.site", "acct.site_saved"
SMS_STOPPED, SMS_STARTED = "acct.sms_stopped", "acct.sms_started"
DELETE, DELETED = "acct.delete", "acct.deleted"
TRAININGS_ATTENDED = "trn.attended"  # training/journey.py


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
        Option(N_("Change language"), language.CHOOSE),
        Option(N_("Change site"), SITE),
        sms_option,
        Option(N_("Delete my data"), DELETE),
    ]
    # Sessions attended (training capability): known from the caller detail read on the
    # first hop, offered once there is one, after the fixed numbers.
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
    session.caller = {"locale": session.locale}  # the language choice is kept (models/erasure.py)
    return [effect("delete_miner", phone=session.phone)]


STATES = [
    Menu(MENU, title=N_("My account"), options=menu_options),
    Say(PROFILE, body=profile),
    Ask(SITE, prompt=N_("New name of your mine or site:"), validate=free_text(SITE_MIN, SITE_MAX),
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
