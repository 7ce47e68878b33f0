"""SMS keyword PERMIT / LESENI (CONTRACT.md section 2): the first steps to an artisanal
mining permit (or to registering a group: PERMIT GROUP / LESENI KIKUNDI), the county
office's phone when there is one, and the offer of a call back: PERMIT CALL / LESENI PIGA
[county] asks an officer of the miner's county to call (a registered miner's county, else
the county named; one unfinished request per phone).
"""
from core.i18n import translate
from flows.catalog import county_code
from models import Miner, db
from permits import callbacks, texts
from permits.contacts import contact_for
from permits.content import guides
from sms import encoding
from sms.keywords import Inbound

CALL_WORDS = {"CALL", "PIGA", "PIGIWA", "NIPIGIE"}
GROUP_WORDS = {"GROUP", "KIKUNDI", "CHAMA", "COOPERATIVE", "USHIRIKA"}


def steps_reply(locale, guide_code, county):
    steps = guides()[guide_code]["sms"]["en" if locale == "en" else "sw"]
    contact = contact_for(county)
    if contact:
        text = translate(locale, texts.SMS_STEPS_OFFICE, steps=steps, phone=contact["phone"])
        if encoding.fits_one_sms(text):
            return text
    return translate(locale, texts.SMS_STEPS, steps=steps)


def permit_keyword(message: Inbound):
    words = message.args.upper().split()
    county = db.session.execute(db.select(Miner.county).filter_by(phone=message.phone)).scalar_one_or_none()
    if words and words[0] in CALL_WORDS:
        rest = [w for w in message.args.split()[1:] if w.upper() not in GROUP_WORDS]
        named = county_code(" ".join(rest)) if rest else None
        county = named or county
        if not county:
            return translate(message.locale, texts.SMS_CALL_WHICH_COUNTY)
        topic = "group" if any(w in GROUP_WORDS for w in words[1:]) else "permit"
        _request, outcome = callbacks.request_callback(message.phone, county, topic=topic, locale=message.locale,
                                                       channel="sms")
        msgid = texts.SMS_CALL_EXISTS if outcome == callbacks.EXISTS else texts.SMS_CALL_CREATED
        return translate(message.locale, msgid, county=county)
    guide = "group" if words and words[0] in GROUP_WORDS else "permit"
    return steps_reply(message.locale, guide, county)
