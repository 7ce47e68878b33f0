"""Incident reports by SMS: `REPORT <text>` / `RIPOTI <text>`, any message with incident
words (the intake, sms.intake, sends them here whatever their first word), and follow-ups.

What a report says is read by `incidents.lexicon` (words per language as data): its
category (priority rules: mercury beats burn...), people dead, injured, trapped or missing
(animals never count), whether they are underground, and the place it names. A report is
filed at the place its text names; the reporter's registered place goes in the alert too.

Follow-ups within 30 minutes of the sender's report: words with no incident of their own
join it. Words about another category are a new report; words that add dead, trapped or
injured people raise the report and, when it becomes urgent or worse, alert the officers
again. An SMS that starts with one of the sender's references joins that report.
More than MAX_NEW_REPORTS_PER_HOUR reports in an hour from one phone are joined to its
latest one, except urgent ones: they are always filed.

Handlers are idempotent on AT's message id even though the SMS core deduplicates too: a
retried job answers the same and stores nothing twice.
"""
import logging

from flask import current_app

from incidents import lexicon, notify, texts
from incidents.categories import UNCLASSIFIED, is_urgent
# The cap on new reports per phone is shared with USSD (incidents/limits.py).
from incidents.limits import MAX_NEW_REPORTS_PER_HOUR, latest_incident as _latest_incident
from incidents.limits import too_many_reports as _too_many_reports
from incidents.reference import leading_reference, new_reference
from incidents.filing import add_follow_up, file_report, last_reference
from models.base import DATABASE_DOWN
from models import Incident, Miner, db, utcnow
from sms.keywords import Inbound

log = logging.getLogger(__name__)

SMS_REFERENCE_KEY = "incidents:sms:{at_id}"  # AT message id -> the reference it was given
SMS_REFERENCE_TTL = 2 * 24 * 3600  # AT retries for 12 hours at most

# The words are data (incidents/lexicon/*.yaml); the capability gives `lexicon.detect` and
# `lexicon.language_of` to the intake (sms.intake.decide asks whether a message is an incident).


def guess_category(text):
    """The category the text's words point to (priority rules applied), else UNCLASSIFIED."""
    return lexicon.read(text).category


def guess_counts(text):
    """{"dead": n, "injured": n, "trapped": n} read from the text (animals never count)."""
    return lexicon.read(text).counts


def guess_county(text):
    return lexicon.read(text).county


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


def report(message: Inbound):
    """A report: REPORT/RIPOTI <text>, or any message the intake found incident words in."""
    text = " ".join((message.args or "").split())
    if not text:
        return texts.render(message.locale, texts.SMS_HELP)
    reference, rest = leading_reference(text)
    if reference and rest:  # "RIPOTI MS-7K3Q wawili wameokolewa": more about their own report
        incident = _own_incident(message.phone, reference)
        if incident is not None:
            return _follow_up(message, incident, rest)
    evidence = message.extra.get("evidence") or lexicon.read(text)
    known = _existing_reference(message.at_id)
    if known:  # the same AT message again: same answer, nothing new
        return _reply(message, known, evidence)
    if not _said_report(message):
        # No REPORT keyword: words about the sender's report of the last 30 minutes join it,
        # unless they tell of another incident (then it is a new report, see _same_incident).
        recent = _recent_incident(message.phone)
        if recent is not None and _same_incident(recent, evidence):
            return _follow_up(message, recent, text, evidence)
    if _too_many_reports(message.phone) and not evidence.urgent:
        # A flood of reports from one phone stops paging officers; an urgent one never waits.
        incident = _latest_incident(message.phone)
        if incident is not None:
            log.warning("more than %s SMS reports in an hour from one phone: joined to %s",
                        MAX_NEW_REPORTS_PER_HOUR, incident.reference)
            return _follow_up(message, incident, text, evidence)
    reference = new_reference()
    if message.at_id:
        # Claim the reference for this message first, so that a retried job reuses it even
        # while the database is away.
        if not _redis().set(SMS_REFERENCE_KEY.format(at_id=message.at_id), reference, nx=True,
                            ex=SMS_REFERENCE_TTL):
            return _reply(message, _existing_reference(message.at_id), evidence)
    miner = _reporter(message.phone)
    registered = ", ".join(p for p in (miner.site, miner.county) if p) if miner else None
    if evidence.county:  # the text names the place: file it there (a rescue goes where the words say)
        county, site = evidence.county, evidence.site
        if site is None and miner and miner.county == county:  # only the county: the registered site is in it
            site = miner.site
    else:
        county, site = (miner.county, miner.site) if miner else (None, None)
    elsewhere = registered if evidence.county and miner and (site, county) != (miner.site, miner.county) else None
    incident, _ = file_report({
        "reference": reference, "phone": message.phone, "locale": message.locale, "channel": "sms",
        "category": evidence.category, **evidence.counts, "urgent": evidence.urgent,
        "county": county, "site": site, "registered_place": elsewhere,
        "occurred": "now", "description": text, "anonymous": False, "notify_reporter": True,
        "at_message_id": message.at_id,
    })
    reference = incident.reference if incident is not None else reference
    if incident is not None:
        message.extra["incident_id"] = incident.id
    return texts.sms_reply_text(message.locale, reference, evidence.category, evidence.counts, county,
                                alerted=evidence.urgent)


def _said_report(message):
    return message.extra.get("decision") is None or message.extra["decision"].keyword is not None


def _reply(message, reference, evidence):
    county = evidence.county
    if county is None:
        miner = _reporter(message.phone)
        county = miner.county if miner else None
    return texts.sms_reply_text(message.locale, reference, evidence.category, evidence.counts, county,
                                alerted=evidence.urgent)


def _recent_incident(phone):
    recent = last_reference(phone)
    if not recent:
        return None
    try:
        return _own_incident(phone, recent)
    except DATABASE_DOWN:
        db.session.rollback()
        return None


def _same_incident(incident, evidence):
    """Are these words more about `incident`? Not when they name another category: that is
    another incident. More dead or trapped people still join it (and raise it)."""
    category = evidence.category
    return category in (UNCLASSIFIED, incident.category) or incident.category == UNCLASSIFIED


def _follow_up(message, incident, text, evidence=None):
    """Attach the words to the report; when they add dead, trapped or injured people (or
    say what happened to an unclassified one) the report is raised and, when that makes it
    urgent or worse, the officers are alerted again. Nothing is attached silently."""
    message.extra["incident_id"] = incident.id  # the message and its reply belong to the incident
    _, created = add_follow_up(incident, text, at_message_id=message.at_id)
    if created:
        log.info("follow-up added to incident %s", incident.reference)
    evidence = evidence if evidence is not None else lexicon.read(text)
    if created and _raise(incident, evidence):
        return texts.follow_up_raised_text(message.locale, incident)
    if incident.urgent and (evidence.dead or evidence.trapped or evidence.injured):
        return texts.follow_up_raised_text(message.locale, incident)  # a retried message: same answer
    return texts.render(message.locale, texts.FOLLOW_UP_ADDED, ref=incident.reference)


def _raise(incident, evidence):
    """Raise the report's counts and category from a follow-up; True when it changed. The
    officers are alerted again when it became urgent or more people are dead or trapped."""
    was_urgent, before = incident.urgent, (incident.dead, incident.trapped)
    changed = False
    for role, count in evidence.counts.items():
        if count > getattr(incident, role):
            setattr(incident, role, count)
            changed = True
    if incident.category == UNCLASSIFIED and evidence.category != UNCLASSIFIED:
        incident.category = evidence.category
        changed = True
    if not changed:
        return False
    incident.urgent = incident.urgent or evidence.urgent or is_urgent(
        incident.category, incident.dead, incident.injured, incident.trapped)
    incident.updated_at = utcnow()
    db.session.commit()
    if incident.urgent and (not was_urgent or (incident.dead, incident.trapped) > before):
        log.warning("incident %s raised by a follow-up: officers alerted again", incident.reference)
        notify.alert_officers(incident)
    return True


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
    incident = _recent_incident(message.phone)
    if incident is not None:
        return _follow_up(message, incident, text)
    return None


__all__ = ["report", "follow_up", "guess_category", "guess_counts", "guess_county"]
