"""This capability's SMS keywords (CONTRACT.md section 2) and the no-keyword help reply.

STOP/ACHA, START/ANZA, HELP/MSAADA, LANG/LUGHA, REG/SAJILI. Each handler returns the reply
in `message.locale` (the miner's language, else the keyword's); REPORT, TIP and PRICE are
registered by their own capabilities in the same router.
"""
from flask import current_app

from core.i18n import N_, translate
from flows.engine import Invalid
from flows.registration import NAME_MAX, NAME_MIN, free_text
from models import Miner, db
from models import miner as miners
from sms.keywords import Inbound, keyword, normalise_word

FALLBACK_HELP_KEY = "sms:fallback-help:{phone}"  # set for an hour after the help reply: no reply loops

STOPPED = N_("Madini Salama: SMS alerts stopped. Send START to get them again.")
STARTED = N_("SMS alerts started. Send STOP to stop them.")
NOT_REGISTERED = N_("You are not registered. Dial *384*12# and choose 4 to register.")
HELP = N_("Madini Salama: REPORT <what happened>, TIP, PRICE, LANG SW, STOP, START, REG <name>. "
          "Or dial *384*12#. Emergency: 999.")
LANGUAGE_SAVED = N_("Language saved: English. Dial *384*12# again for the menu.")
LANGUAGE_USAGE = N_("Send LANG EN for English or LANG SW for Kiswahili.")
REG_USAGE = N_("Send REG and your name, e.g. REG Amina Otieno.")
REG_NAME_SAVED = N_("Name saved: %(name)s. Dial *384*12# and choose 4 for your account.")
REG_CONTINUE = N_("Thank you %(name)s. To finish registering, dial *384*12# and choose 4.")
FALLBACK_HELP = N_("Madini Salama: send HELP for the keywords, or dial *384*12#. Emergency: 999.")

LANGUAGE_WORDS = {"EN": "en", "ENGLISH": "en", "KIINGEREZA": "en", "SW": "sw", "SWAHILI": "sw",
                  "KISWAHILI": "sw"}

# Every fixed reply and worst-case parameters, for the single-part GSM-7 test.
TEMPLATES = [
    (STOPPED, {}), (STARTED, {}), (NOT_REGISTERED, {}), (HELP, {}), (LANGUAGE_SAVED, {}),
    (LANGUAGE_USAGE, {}), (REG_USAGE, {}), (REG_NAME_SAVED, {"name": "W" * NAME_MAX}),
    (REG_CONTINUE, {"name": "W" * NAME_MAX}), (FALLBACK_HELP, {}),
]


@keyword("STOP", "ACHA")
def stop(message: Inbound):
    miners.set_sms(message.phone, False)
    return translate(message.locale, STOPPED)


@keyword("START", "ANZA")
def start(message: Inbound):
    if not miners.set_sms(message.phone, True):
        return translate(message.locale, NOT_REGISTERED)
    return translate(message.locale, STARTED)


@keyword("HELP", "MSAADA")
def help_(message: Inbound):
    return translate(message.locale, HELP)


@keyword("LANG", "LUGHA")
def language(message: Inbound):
    choice = LANGUAGE_WORDS.get(normalise_word(message.args.split(" ")[0]) if message.args else "")
    if choice is None:
        return translate(message.locale, LANGUAGE_USAGE)
    miners.set_language(message.phone, choice)
    message.locale = choice  # the confirmation is already in the new language
    return translate(choice, LANGUAGE_SAVED)


@keyword("REG", "SAJILI")
def register(message: Inbound):
    try:
        name = free_text(NAME_MIN, NAME_MAX)(message.args, None)
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


def fallback_help(message: Inbound):
    """The reply to a message no keyword or capability understood: at most one per number
    per hour, so two auto-responders can never talk to each other forever."""
    redis = current_app.extensions["redis"]
    if not redis.set(FALLBACK_HELP_KEY.format(phone=message.phone), "1", nx=True, ex=3600):
        return None
    return translate(message.locale, FALLBACK_HELP)
