"""SMS keyword TRAINING / MAFUNZO [n] (CONTRACT.md section 2): the upcoming sessions of the
sender's county, numbered; with a number, books that session (or the waiting list).

A repeated message (same AT id) is stored and handled once by the SMS core; booking is
idempotent besides (one booking per phone and session), so a second "MAFUNZO 2" answers
"you already have a seat" and takes nothing twice."""
from flask import current_app

from models import db
from models.miner import caller_snapshot
from sms import encoding
from training import service, texts

SEPARATOR = "; "


def _list_reply(locale, county, sessions):
    if not sessions:
        return texts.sms_text(locale, texts.SMS_NONE, county=county)
    entries = [texts.list_entry(n, s, locale, width=20) for n, s in enumerate(sessions, 1)]
    for count in range(len(entries), 0, -1):
        listed = SEPARATOR.join(entries[:count]) + ("..." if count < len(entries) else "")
        text = texts.sms_text(locale, texts.SMS_LIST, county=county, sessions=listed)
        if encoding.fits_one_sms(text):
            return text
    return texts.sms_text(locale, texts.SMS_LIST, county=county, sessions=entries[0][:20])


def training_keyword(message):
    locale = message.locale
    caller = caller_snapshot(message.phone, current_app.config["DEFAULT_LOCALE"])
    if not caller.get("registered"):
        return texts.sms_text(locale, texts.SMS_REGISTER)
    county = caller.get("county") or ""
    sessions = service.upcoming(county)
    words = message.args.split()
    number = words[0].strip(".,#") if words else ""
    if not number.isdigit():
        return _list_reply(locale, county, sessions)
    n = int(number)
    if not 1 <= n <= len(sessions):
        return texts.sms_text(locale, texts.SMS_NO_NUMBER, n=min(n, 999))
    outcome = service.book(sessions[n - 1]["id"], message.phone, via="sms")
    msgid = texts.SMS_RESULTS.get(outcome.result, texts.SMS_CANCELLED)
    return texts.sms_text(locale, msgid, **outcome.params(locale))
