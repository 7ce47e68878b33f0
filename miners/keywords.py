"""The miners' SMS keywords (CONTRACT.md section 2): STOP/ACHA, START/ANZA, HELP/MSAADA,
LANG/LUGHA, REG/SAJILI. Each handler returns the reply in `message.locale` (the miner's
language, else the message's); REPORT, TIP and PRICE are their own capabilities' keywords in
the same router.

One STOP confirmation (a STOP while already stopped gets none); HELP shares the hourly help
reply and the reply budget of sms/replies.py (the transport's, for every keyword).
"""
from flask import current_app

from core.i18n import N_, translate
from flows.engine import Invalid
from flows.widgets import free_text
from miners.journey import NAME_MAX, NAME_MIN
from models import Miner, db
from models import miner as miners
from sms.keywords import Inbound, normalise_word
from sms.replies import FALLBACK_HELP, help_reply

STOPPED = N_("Madini Salama: all SMS stopped, safety alerts too. To get them again send START to "
             "%(shortcode)s.")
STARTED = N_("SMS alerts started. Send STOP to stop them.")
NOT_REGISTERED = N_("You are not registered. Dial *384*12# and choose 4 to register.")
HELP = N_("Madini Salama: REPORT what happened. PRICE <market>. TIP: safety tip. PRICE STOP or TIP STOP ends "
          "those. STOP ends all SMS. LANG SW. Emergency 999")
LANGUAGE_SAVED = N_("Language saved: English. Dial *384*12# again for the menu.")
LANGUAGE_USAGE = N_("Send LANG EN for English or LANG SW for Kiswahili.")
REG_USAGE = N_("Send REG and your name, e.g. REG Amina Otieno.")
REG_NAME_SAVED = N_("Name saved: %(name)s. Dial *384*12# and choose 4 for your account.")
REG_CONTINUE = N_("Thank you %(name)s. To finish registering, dial *384*12# and choose 4.")

LANGUAGE_WORDS = {"EN": "en", "ENGLISH": "en", "KIINGEREZA": "en", "SW": "sw", "SWAHILI": "sw",
                  "KISWAHILI": "sw"}

# Every fixed reply and worst-case parameters, for the single-part GSM-7 test.
TEMPLATES = [
    (STOPPED, {"shortcode": "1234567"}), (STARTED, {}), (NOT_REGISTERED, {}), (HELP, {}), (LANGUAGE_SAVED, {}),
    (LANGUAGE_USAGE, {}), (REG_USAGE, {}), (REG_NAME_SAVED, {"name": "W" * NAME_MAX}),
    (REG_CONTINUE, {"name": "W" * NAME_MAX}), (FALLBACK_HELP, {}),
]


STOP_CONFIRMED_KEY = "sms:stop-confirmed:{phone}"  # one STOP confirmation for a number no miner has
STOP_CONFIRMED_SECONDS = 90 * 24 * 3600


def _redis():
    return current_app.extensions["redis"]


def stop(message: Inbound):
    """The whole message STOP: no more SMS of any kind; confirmed once, never again while stopped."""
    was_stopped = db.session.execute(
        db.select(Miner.sms_opt_out_at).filter_by(phone=message.phone)).scalar_one_or_none() is not None
    miners.set_sms(message.phone, False)
    if was_stopped or not _redis().set(STOP_CONFIRMED_KEY.format(phone=message.phone), 1, nx=True,
                                       ex=STOP_CONFIRMED_SECONDS):
        return None
    return translate(message.locale, STOPPED, shortcode=current_app.config["AT_SHORTCODE"])


def start(message: Inbound):
    _redis().delete(STOP_CONFIRMED_KEY.format(phone=message.phone))
    if not miners.set_sms(message.phone, True):
        return translate(message.locale, NOT_REGISTERED)
    return translate(message.locale, STARTED)


def help_(message: Inbound):
    return help_reply(message, HELP)


def language(message: Inbound):
    choice = LANGUAGE_WORDS.get(normalise_word(message.args.split(" ")[0]) if message.args else "")
    if choice is None:
        return translate(message.locale, LANGUAGE_USAGE)
    miners.set_language(message.phone, choice)
    message.locale = choice  # the confirmation is already in the new language
    return translate(choice, LANGUAGE_SAVED)


def register(message: Inbound):
    try:
        name = free_text(NAME_MIN, NAME_MAX)(message.extra.get("raw_args", message.args), None)
    except Invalid:
        return translate(message.locale, REG_USAGE)
    miner = db.session.execute(db.select(Miner).filter_by(phone=message.phone)).scalar_one_or_none()
    if miner is not None:
        miner.name = name
        db.session.commit()
        return translate(message.locale, REG_NAME_SAVED, name=name)
    # Not registered yet: the rest (county, site, consent...) is asked on USSD, in the
    # language this person just texted in.
    miners.set_language(message.phone, message.locale)
    return translate(message.locale, REG_CONTINUE, name=name.split(" ")[0][:20])
