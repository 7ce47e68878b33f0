"""SMS texts for incidents: translated, GSM-7 only and one segment (160 septets) always.

Data typed by people (a site name) may hold characters outside GSM-7, which would turn
the whole SMS into UCS-2 (70 characters a segment); they are transliterated, and the
longest field is shortened until the message fits one segment.

Every SMS starts "Madini Salama:" so that the reader knows who writes (the sender ID may be
a bare shortcode).
"""
from anyascii import anyascii

from core.i18n import N_, translate, translate_plural
from core.phones import dialled
from incidents.categories import CATEGORY_LABELS, OCCURRED_LABELS
from sms.encoding import CODEC, fit_one_sms

SEGMENT = 160

PREFIX = "Madini Salama:"
# The officers' alert carries the reporter's number to call back (%(callback)s), unless the
# report is anonymous.
ALERT = N_("Madini Salama: URGENT %(ref)s: %(category)s. Dead %(dead)s, injured %(injured)s, "
           "trapped %(trapped)s. %(place)s. %(when)s.%(callback)s")
ALERT_CALLBACK = N_(" Call %(phone)s.")
ALERT_HIDDEN = N_(" Number hidden.")
RECEIPT = N_("Madini Salama: report %(ref)s received (%(category)s). Officers will follow up. "
             "To add details, SMS %(ref)s and your words. Emergency: 999/112.")
SMS_REPLY = N_("Madini Salama: report %(ref)s received (%(category)s)%(counts)s. %(officers)s To add details "
               "SMS %(ref)s and your words. Emergency 999")
# Without the emergency number, and with shorter words on how to add details, so that it keeps
# the "Madini Salama:" every SMS starts with (issue 14).
SMS_REPLY_SHORT = N_("Madini Salama: report %(ref)s received (%(category)s)%(counts)s. %(officers)s More: SMS "
                     "%(ref)s + words.")
# The parts of an SMS reply that say what was understood (issue 12).
OFFICERS_TOLD = N_("Officers in %(county)s have been told.")
OFFICERS_TOLD_NO_COUNTY = N_("Officers have been told.")
OFFICERS_WILL_SEE = N_("Officers will follow up.")
FOLLOW_UP_RAISED = N_("Madini Salama: report %(ref)s updated (%(category)s)%(counts)s. %(officers)s Thank you.")
REGISTERED_PLACE = N_("registered: %(place)s")
SMS_HELP = N_("To report, SMS REPORT and what happened, e.g. REPORT pit collapse at Osiri, 2 trapped. "
              "Emergency: 999/112.")
FOLLOW_UP_ADDED = N_("Madini Salama: added to report %(ref)s. Thank you.")
STATUS_TEXTS = {
    "new": N_("Madini Salama: your report %(ref)s is open again. Officers will follow up."),
    "acknowledged": N_("Madini Salama: an officer has seen your report %(ref)s and will follow up."),
    "responding": N_("Madini Salama: officers are acting on your report %(ref)s. Stay safe, keep away "
                     "from danger."),
    "resolved": N_("Madini Salama: your report %(ref)s is resolved. Thank you for reporting."),
    "rejected": N_("Madini Salama: your report %(ref)s was closed without action. To tell us more, SMS "
                   "REPORT and your words."),
}


def septets(text):
    """Length in GSM-7 septets; raises UnicodeEncodeError when the text is not GSM-7."""
    return len(text.encode(CODEC))


def gsm_safe(value, limit=None):
    """People's words made GSM-7 safe (transliterated to ASCII, control characters out)."""
    text = " ".join(anyascii(value or "").split())
    text = "".join(ch for ch in text if ch not in "`^{}[]~|\\")  # GSM-7 escapes cost 2 septets each
    if limit is not None and len(text) > limit:
        text = text[: max(1, limit - 1)].rstrip() + "."
    return text


def render(locale, msgid, shrink=(), **params):
    """The translated SMS in one GSM-7 segment: the `shrink` parameters (people's data first,
    then labels) are shortened until it fits; the template's own words are never cut."""
    text = translate(locale, msgid, **params)
    for name in shrink:
        while septets(text) > SEGMENT and len(params[name]) > 4:
            params[name] = params[name][:-4].rstrip() + "."
            text = translate(locale, msgid, **params)
    if septets(text) > SEGMENT:  # the catalogue tests make this unreachable; never send two segments
        text = text[:SEGMENT]
    return text


def category_label(locale, code):
    return translate(locale, CATEGORY_LABELS.get(code, CATEGORY_LABELS["UNCLASSIFIED"]))



def alert_text(locale, incident):
    site = gsm_safe(incident.site, 40)
    county = gsm_safe(incident.county, 20)
    place = ", ".join(p for p in (site, county) if p) or "-"
    if getattr(incident, "registered_place", None):  # the text named another place than the reporter's
        place += " (" + translate(locale, REGISTERED_PLACE, place=gsm_safe(incident.registered_place, 40)) + ")"
    if incident.anonymous:
        callback = translate(locale, ALERT_HIDDEN)
    elif incident.reporter_phone:
        callback = translate(locale, ALERT_CALLBACK, phone=dialled(incident.reporter_phone))
    else:  # erased at the reporter's request
        callback = ""
    return render(
        locale, ALERT, shrink=("place", "category"), ref=incident.reference,
        category=category_label(locale, incident.category),
        dead=incident.dead, injured=incident.injured, trapped=incident.trapped, place=place,
        when=translate(locale, OCCURRED_LABELS.get(incident.occurred, OCCURRED_LABELS["now"])), callback=callback,
    )


def receipt_text(locale, incident):
    return render(locale, RECEIPT, shrink=("category",), ref=incident.reference,
                  category=category_label(locale, incident.category))


def _count_part(locale, role, n):
    """'3 trapped' / '3 wamekwama', '1 amekwama' (Swahili agrees with one or many)."""
    if role == "trapped":
        return translate_plural(locale, "%(num)s trapped", "%(num)s trapped", n)
    if role == "dead":
        return translate_plural(locale, "%(num)s dead", "%(num)s dead", n)
    return translate_plural(locale, "%(num)s injured", "%(num)s injured", n)


def understood(locale, counts=None, county=None, alerted=False):
    """(counts, officers) parts of a reply, richest first: ', 3 trapped, 2 dead' and
    'Officers in Migori have been told.'"""
    counts = counts or {}
    parts = [_count_part(locale, role, counts[role]) for role in ("trapped", "dead", "injured") if counts.get(role)]
    said = ", " + ", ".join(parts) if parts else ""
    if not alerted:
        return said, translate(locale, OFFICERS_WILL_SEE)
    if county:
        return said, translate(locale, OFFICERS_TOLD, county=gsm_safe(county, 20))
    return said, translate(locale, OFFICERS_TOLD_NO_COUNTY)


def _fit(locale, msgids, counts, county, alerted, **params):
    """The richest version of a reply that fits one segment: the county named, in each
    template (longest first), then without the county; the category label and the template's own
    words are never cut (the counts are, as a last resort)."""
    said, officers = understood(locale, counts, county, alerted)
    parts = [officers]
    if alerted and county:
        parts.append(translate(locale, OFFICERS_TOLD_NO_COUNTY))
    # "officers in Migori" matters more than the emergency number
    richest_first = (translate(locale, msgid, counts=said, officers=officers_part, **params)
                     for officers_part in parts for msgid in msgids)
    return fit_one_sms(richest_first, otherwise=lambda: render(locale, msgids[-1], shrink=("counts", "officers"),
                                                               counts=said, officers=parts[-1], **params))


def sms_reply_text(locale, reference, category, counts=None, county=None, alerted=False):
    """The reply to an SMS report: what was understood (category, counts, who was told) and
    how to add details, in one segment (the emergency number when it still fits)."""
    return _fit(locale, (SMS_REPLY, SMS_REPLY_SHORT), counts, county, alerted, ref=reference,
                category=category_label(locale, category))


def follow_up_raised_text(locale, incident):
    """The reply when a follow-up added dead or trapped people (or a category) to a report."""
    return _fit(locale, (FOLLOW_UP_RAISED,), {"dead": incident.dead, "injured": incident.injured,
                                           "trapped": incident.trapped}, incident.county, incident.urgent,
                ref=incident.reference, category=category_label(locale, incident.category))


def status_text(locale, reference, status):
    return render(locale, STATUS_TEXTS[status], ref=reference)
