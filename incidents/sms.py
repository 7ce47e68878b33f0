"""Incident reports by SMS: `REPORT <text>` / `RIPOTI <text>`, and follow-ups.

A report's category is guessed from its words in either language (the first category in
menu order wins a tie, so "watoto wamenaswa, shimo limeporomoka" is a collapse, not child
labour), else `UNCLASSIFIED`; counts such as "2 wamenaswa" or "dead 3" are read too, so
an SMS about people trapped alerts officers like a USSD report does.

Follow-ups: an SMS that starts with one of the sender's own references joins that report;
a plain SMS (no keyword) within 30 minutes of a report joins the latest one.

Handlers are idempotent on AT's message id even though the SMS core deduplicates too: a
retried job answers the same and stores nothing twice.
"""
import logging
import re

from anyascii import anyascii
from flask import current_app

from flows.catalog import MINING_COUNTIES
from incidents import texts
from incidents.categories import CATEGORIES, MAX_COUNT, UNCLASSIFIED
# The cap on new reports per phone is shared with USSD (incidents/limits.py).
from incidents.limits import MAX_NEW_REPORTS_PER_HOUR, latest_incident as _latest_incident
from incidents.limits import too_many_reports as _too_many_reports
from incidents.reference import leading_reference, new_reference
from incidents.service import DATABASE_DOWN, add_follow_up, file_report, last_reference
from models import Incident, Miner, db
from sms.keywords import Inbound, fallback, keyword

log = logging.getLogger(__name__)

SMS_REFERENCE_KEY = "incidents:sms:{at_id}"  # AT message id -> the reference it was given
SMS_REFERENCE_TTL = 2 * 24 * 3600  # AT retries for 12 hours at most

# Word beginnings per category, English and Swahili (domain.md section 5), ASCII lower case.
CATEGORY_WORDS = {
    "COLLAPSE": ("collaps", "cave", "caved", "landslid", "buried", "rubble", "poromok", "bomok", "titia",
                 "kifusi", "fukiwa", "fukia"),
    "FLOOD": ("flood", "water", "inrush", "maji", "mafuriko", "furik"),
    "AIR": ("bad air", "no air", "fume", "smoke", "gas", "suffocat", "oxygen", "carbon", "generator", "hewa", "moshi",
            "jenereta", "kosa hewa"),
    "BLAST": ("blast", "explo", "dynamite", "baruti", "mlipuko", "lipuk"),
    "FALL": ("fell", "fall", "rope", "ladder", "hoist", "windlass", "kamba", "ngazi"),
    "INJURY": ("injur", "hurt", "wound", "broken", "burn", "crusher", "jeraha", "jeruhi", "vunjika", "choma",
               "umia"),
    "CYANIDE": ("cyanide", "sianidi", "saianaidi"),
    "MERCURY": ("mercury", "amalgam", "zebaki"),
    "VIOLENCE": ("violen", "fight", "theft", "stole", "rob", "attack", "rape", "extort", "bribe", "vurugu",
                 "wizi", "iba", "shambul", "ugomvi", "hongo", "pigwa", "bakwa"),
    "CHILD": ("child", "kids", "underage", "school", "watoto", "mtoto", "shule"),
    "ENV": ("pollut", "river", "environment", "open pit", "uchafuzi", "mazingira", "shimo wazi"),
    "NEARMISS": ("near miss", "almost", "nearly", "nusura"),
}
_ORDER = {code: n for n, (code, _) in enumerate(CATEGORIES)}

# Who is hurt, and how many: "2 wamenaswa", "dead: 3", "watu wawili wamefariki".
HURT_WORDS = {
    "dead": ("dead", "died", "killed", "deaths", "kufa", "wamekufa", "amekufa", "fariki", "wamefariki",
             "amefariki", "wafu", "vifo", "maiti"),
    "injured": ("injured", "hurt", "wounded", "majeruhi", "wamejeruhiwa", "amejeruhiwa", "wameumia", "ameumia"),
    "trapped": ("trapped", "missing", "stuck", "buried", "wamenaswa", "amenaswa", "naswa", "wamefukiwa",
                "amefukiwa", "hawajulikani", "wamepotea", "amepotea", "wamekwama", "amekwama"),
}
NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "mmoja": 1, "moja": 1, "wawili": 2, "mbili": 2, "watatu": 3, "tatu": 3, "wanne": 4, "nne": 4,
    "watano": 5, "tano": 5, "sita": 6, "saba": 7, "wanane": 8, "nane": 8, "tisa": 9, "kumi": 10,
}
_FILLER = {"people", "persons", "person", "miners", "watu", "mtu", "wachimbaji", "are", "were", "have", "is",
           "na", "and", ":", "-"}


def _words(text):
    return re.findall(r"[a-z0-9]+", anyascii(text or "").lower())


def guess_category(text):
    """The category whose words the text uses most (menu order breaks ties), else UNCLASSIFIED."""
    words = _words(text)
    joined = " " + " ".join(words) + " "
    scores = {}
    for code, stems in CATEGORY_WORDS.items():
        score = 0
        for stem in stems:
            if " " in stem:
                score += joined.count(" " + stem)
            else:
                # Swahili puts subject and tense before the stem (li-me-poromoka), so a long
                # stem may sit inside the word; short ones only start it ("umia" is in "kutumia").
                score += sum(1 for word in words
                             if word.startswith(stem) or (len(stem) >= 5 and stem in word))
        if score:
            scores[code] = score
    if not scores:
        return UNCLASSIFIED
    return max(scores, key=lambda code: (scores[code], -_ORDER[code]))


def guess_counts(text):
    """{"dead": n, "injured": n, "trapped": n} read from the text (a hurt word alone counts 1)."""
    words = [str(NUMBER_WORDS.get(w, w)) for w in _words(text)]
    counts = {"dead": 0, "injured": 0, "trapped": 0}
    kinds = {word: kind for kind, group in HURT_WORDS.items() for word in group}
    for i, word in enumerate(words):
        kind = kinds.get(word)
        if kind is None:
            continue
        number = None
        j = i - 1  # a number before the word, fillers skipped: "2 people trapped"
        while j >= 0 and words[j] in _FILLER:
            j -= 1
        if j >= 0 and words[j].isdigit():
            number = int(words[j])
        elif i + 1 < len(words) and words[i + 1].isdigit():  # or right after it: "dead 3"
            number = int(words[i + 1])
        counts[kind] = max(counts[kind], min(MAX_COUNT, number if number is not None else 1))
    return counts


def guess_county(text):
    wanted = " " + " ".join(_words(text)) + " "
    for county in MINING_COUNTIES:
        if " " + county.lower() + " " in wanted:
            return county
    return None


def _redis():
    return current_app.extensions["redis"]


def _existing_reference(at_id):
    if not at_id:
        return None
    value = _redis().get(SMS_REFERENCE_KEY.format(at_id=at_id))
    if value:
        return value.decode() if isinstance(value, bytes) else value
    try:
        return db.session.execute(
            db.select(Incident.reference).filter_by(at_message_id=at_id)
        ).scalar_one_or_none()
    except DATABASE_DOWN:
        db.session.rollback()
        return None  # the Redis claim above is what guards retries while the database is away


def _reporter(phone):
    """The registered miner behind a phone, or None (also when the database is away)."""
    try:
        return db.session.execute(db.select(Miner).filter_by(phone=phone)).scalar_one_or_none()
    except DATABASE_DOWN:
        db.session.rollback()
        return None


def _own_incident(phone, reference):
    return db.session.execute(
        db.select(Incident).filter_by(reference=reference, reporter_phone=phone)
    ).scalar_one_or_none()


@keyword("REPORT", "RIPOTI")
def report(message: Inbound):
    text = " ".join((message.args or "").split())
    if not text:
        return texts.render(message.locale, texts.SMS_HELP)
    reference, rest = leading_reference(text)
    if reference and rest:  # "RIPOTI MS-7K3Q wawili wameokolewa": more about their own report
        incident = _own_incident(message.phone, reference)
        if incident is not None:
            return _follow_up(message, incident, rest)
    category = guess_category(text)
    known = _existing_reference(message.at_id)
    if known:  # the same AT message again: same answer, nothing new
        return texts.sms_reply_text(message.locale, known, category)
    if _too_many_reports(message.phone):
        incident = _latest_incident(message.phone)
        if incident is not None:
            log.warning("more than %s SMS reports in an hour from one phone: joined to %s",
                        MAX_NEW_REPORTS_PER_HOUR, incident.reference)
            return _follow_up(message, incident, text)
    reference = new_reference()
    if message.at_id:
        # Claim the reference for this message first, so that a retried job reuses it even
        # while the database is away.
        if not _redis().set(SMS_REFERENCE_KEY.format(at_id=message.at_id), reference, nx=True,
                            ex=SMS_REFERENCE_TTL):
            return texts.sms_reply_text(message.locale, _existing_reference(message.at_id), category)
    miner = _reporter(message.phone)
    counts = guess_counts(text)
    incident, _ = file_report({
        "reference": reference, "phone": message.phone, "locale": message.locale, "channel": "sms",
        "category": category, **counts,
        "county": miner.county if miner else guess_county(text), "site": miner.site if miner else None,
        "occurred": "now", "description": text, "anonymous": False, "notify_reporter": True,
        "at_message_id": message.at_id,
    })
    reference = incident.reference if incident is not None else reference
    return texts.sms_reply_text(message.locale, reference, category)


def _follow_up(message, incident, text):
    _, created = add_follow_up(incident, text, at_message_id=message.at_id)
    if created:
        log.info("follow-up added to incident %s", incident.reference)
    return texts.render(message.locale, texts.FOLLOW_UP_ADDED, ref=incident.reference)


@fallback
def follow_up(message: Inbound):
    """No keyword: more words about the sender's report, or None to let others answer."""
    text = " ".join((message.text or "").split())
    if not text:
        return None
    reference, rest = leading_reference(text)
    if reference:
        incident = _own_incident(message.phone, reference)
        if incident is not None:
            return _follow_up(message, incident, rest or text)
    recent = last_reference(message.phone)
    if recent:
        incident = _own_incident(message.phone, recent)
        if incident is not None:
            return _follow_up(message, incident, text)
    return None


__all__ = ["report", "follow_up", "guess_category", "guess_counts", "guess_county"]
