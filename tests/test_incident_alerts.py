"""Who is told what: urgent alerts by county, receipts, status SMS, and SMS sizes."""
import pytest

from core.i18n import translate
from incidents import texts
from incidents.categories import CATEGORY_LABELS, STATUSES, is_urgent
from incidents.actions import change_status
from incidents.filing import file_report
from models import Incident
from models.miner import set_language
from tests.incident_helpers import add_miner, add_officer, incidents, outbox  # noqa: F401

_n = iter(range(1000))


def report(**fields):
    payload = {"reference": f"MS-{next(_n):04d}".replace("0", "A").replace("1", "B"), "phone": "+254712000501",
               "locale": "sw", "channel": "ussd", "category": "COLLAPSE", "county": "Migori", "site": "Osiri",
               **fields}
    incident, created = file_report(payload)
    assert created
    return incident


@pytest.fixture
def officers():
    return {
        "migori": add_officer("migori1", county="Migori", phone="+254722000001", locale="sw")[0],
        "migori_en": add_officer("migori2", county="migori", phone="+254722000002", locale="en")[0],
        "migori_no_phone": add_officer("migori3", county="Migori")[0],
        "migori_disabled": add_officer("migori4", county="Migori", phone="+254722000004", disabled=True)[0],
        "kakamega": add_officer("kakamega1", county="Kakamega", phone="+254722000005")[0],
        "admin": add_officer("admin1", role="admin", phone="+254722000009", locale="en")[0],
        "admin_no_phone": add_officer("admin2", role="admin")[0],
    }


def alerts(outbox):
    return sorted((m["phone"], m["locale"]) for m in outbox if m["purpose"] == "incident_alert")


@pytest.mark.parametrize("category, dead, injured, trapped, urgent", [
    ("COLLAPSE", 0, 0, 1, True), ("ENV", 1, 0, 0, True), ("FLOOD", 0, 2, 0, True), ("AIR", 0, 1, 0, True),
    ("BLAST", 0, 1, 0, True), ("FALL", 0, 1, 0, False), ("INJURY", 0, 3, 0, False), ("COLLAPSE", 0, 0, 0, False),
    ("CHILD", 0, 0, 0, False),
])
def test_urgency_rule(category, dead, injured, trapped, urgent):
    assert is_urgent(category, dead, injured, trapped) is urgent


def test_urgent_incident_alerts_every_officer_with_a_phone_in_its_county(client, outbox, officers):
    incident = report(trapped=2)
    assert alerts(outbox) == [("+254722000001", "sw"), ("+254722000002", "en")]
    assert all(m["queue"] == "alerts" for m in outbox)
    sw = next(m["text"] for m in outbox if m["phone"] == "+254722000001")
    en = next(m["text"] for m in outbox if m["phone"] == "+254722000002")
    # The reporter's number, as a Kenyan officer dials it, to call back.
    assert sw == (f"Madini Salama: DHARURA {incident.reference}: Shimo limeporomoka. Waliofariki 0, majeruhi 0, "
                  "wamekwama 2. Osiri, Migori. Sasa hivi. Piga 0712 000501.")
    assert en == (f"Madini Salama: URGENT {incident.reference}: Pit or tunnel collapse. Dead 0, injured 0, "
                  "trapped 2. Osiri, Migori. Now. Call 0712 000501.")
    assert incidents()[0].alerted_at is not None


def test_anonymous_report_alerts_without_the_number(client, outbox, officers):
    incident = report(trapped=2, anonymous=True, notify_reporter=False)
    texts_sent = [m["text"] for m in outbox if m["purpose"] == "incident_alert"]
    assert len(texts_sent) == 2 and all("0712" not in t and "712000501" not in t for t in texts_sent)
    assert any(t.endswith("Nambari imefichwa.") for t in texts_sent)
    assert any(t.endswith("Number hidden.") for t in texts_sent)
    assert incident.anonymous


def test_urgent_incident_in_a_county_without_officers_alerts_the_admins(client, outbox, officers):
    report(county="Turkana", site="Lodwar", dead=1, category="BLAST")
    assert alerts(outbox) == [("+254722000009", "en")]


def test_urgent_sms_report_without_county_alerts_the_admins(client, outbox, officers):
    report(county=None, site=None, channel="sms", trapped=1)
    assert alerts(outbox) == [("+254722000009", "en")]


def test_ordinary_incident_alerts_nobody_but_receipts_the_reporter(client, outbox, officers):
    incident = report(category="MERCURY")
    assert alerts(outbox) == []
    [receipt] = outbox
    assert receipt["phone"] == "+254712000501" and receipt["purpose"] == "incident_receipt"
    assert receipt["text"] == (f"Madini Salama: ripoti {incident.reference} imepokelewa (Zebaki). Maafisa "
                               f"wataifuatilia. Maelezo zaidi: tuma {incident.reference} na maneno yako. "
                               "Dharura 999/112.")


def test_anonymous_reporter_gets_a_receipt_only_when_they_asked_for_sms(client, outbox, officers):
    report(category="VIOLENCE", anonymous=True, notify_reporter=False)
    assert outbox == []
    report(category="VIOLENCE", anonymous=True, notify_reporter=True)
    assert [m["purpose"] for m in outbox] == ["incident_receipt"]


def test_status_change_reaches_the_reporter_in_their_language(client, outbox, officers):
    add_miner("+254712000502", locale="sw")
    sw_incident = report(phone="+254712000502", category="MERCURY")
    set_language("+254712000503", "en")  # unregistered, chose English
    en_incident = report(phone="+254712000503", category="MERCURY", locale="en")
    outbox.clear()
    change_status(officers["migori"], sw_incident, "acknowledged", "seen")
    change_status(officers["migori"], en_incident, "resolved", "done")
    assert [(m["phone"], m["locale"], m["text"]) for m in outbox] == [
        ("+254712000502", "sw",
         f"Madini Salama: afisa ameona ripoti yako {sw_incident.reference} na ataifuatilia."),
        ("+254712000503", "en",
         f"Madini Salama: your report {en_incident.reference} is resolved. Thank you for reporting."),
    ]
    assert all(m["purpose"] == "incident_status" and m["queue"] == "replies" for m in outbox)


def test_miner_who_switched_language_gets_the_new_one(client, outbox, officers):
    add_miner("+254712000504", locale="sw")
    incident = report(phone="+254712000504", category="ENV")
    set_language("+254712000504", "en")
    outbox.clear()
    change_status(officers["migori"], incident, "rejected")
    assert outbox[0]["locale"] == "en" and outbox[0]["text"].startswith("Madini Salama: your report")


def test_status_sms_for_anonymous_reports_only_on_opt_in(client, outbox, officers):
    silent = report(category="CHILD", anonymous=True, notify_reporter=False)
    asked = report(category="CHILD", anonymous=True, notify_reporter=True, phone="+254712000505")
    outbox.clear()
    change_status(officers["migori"], silent, "responding")
    change_status(officers["migori"], asked, "responding")
    assert [m["phone"] for m in outbox] == ["+254712000505"]


def test_same_status_with_a_note_is_audited_but_not_texted(client, outbox, officers):
    incident = report(category="ENV")
    outbox.clear()
    change_status(officers["migori"], incident, "new", "called the site, no answer")
    assert outbox == []
    assert [(c.old_status, c.new_status, c.note) for c in incident.status_changes] == [
        ("new", "new", "called the site, no answer")]


# --- SMS sizes -------------------------------------------------------------------------

def _worst_incident(category, locale="sw"):
    return Incident(reference="MS-WWWW", category=category, dead=500, injured=500, trapped=500,
                    county="Taita Taveta Kaunti ndefu sana", site="Mgodi wa Ñyakach — “kona” ☃ " + "W" * 60,
                    occurred="earlier", locale=locale, channel="ussd", reporter_phone="+254712345678",
                    anonymous=False)


@pytest.mark.parametrize("locale", ["sw", "en"])
def test_every_sms_is_one_gsm7_segment_with_the_longest_data(locale):
    import gsm0338  # noqa: F401 - the gsm03.38 codec

    rendered = []
    for category in CATEGORY_LABELS:
        incident = _worst_incident(category, locale)
        rendered += [texts.alert_text(locale, incident), texts.receipt_text(locale, incident),
                     texts.sms_reply_text(locale, "MS-WWWW", category)]
    rendered += [texts.status_text(locale, "MS-WWWW", status) for status in STATUSES]
    rendered += [texts.render(locale, texts.SMS_HELP), texts.render(locale, texts.FOLLOW_UP_ADDED, ref="MS-WWWW")]
    for text in rendered:
        assert len(text.encode("gsm03.38")) <= 160, text
    # Nothing is cut to fit: every message still ends with its template's own last words
    # and carries the full category label.
    endings = {translate(locale, m).rsplit(")s", 1)[-1] for m in (texts.RECEIPT, texts.SMS_REPLY,
                                                                   texts.ALERT_CALLBACK)}
    for category in CATEGORY_LABELS:
        incident = _worst_incident(category, locale)
        label = translate(locale, CATEGORY_LABELS[category])
        for text in (texts.receipt_text(locale, incident), texts.sms_reply_text(locale, "MS-WWWW", category)):
            assert f"({label})" in text and any(text.endswith(end) for end in endings), text
        alert = texts.alert_text(locale, incident)
        assert f": {label}. " in alert
        assert alert.endswith(translate(locale, texts.ALERT_CALLBACK, phone="0712 345678")), alert
    # The site is kept (shortened), never dropped, and its odd characters are transliterated.
    alert = texts.alert_text(locale, _worst_incident("COLLAPSE", locale))
    assert "Mgodi wa Nyakach" in alert and "MS-WWWW" in alert


@pytest.mark.parametrize("locale", ["sw", "en"])
def test_sms_templates_are_translated_and_gsm7_in_the_catalogue(locale):
    import gsm0338  # noqa: F401

    templates = [texts.ALERT, texts.RECEIPT, texts.SMS_REPLY, texts.SMS_HELP, texts.FOLLOW_UP_ADDED,
                 *texts.STATUS_TEXTS.values()]
    for msgid in templates:
        text = translate(locale, msgid)
        text.encode("gsm03.38")  # raises on any character outside GSM-7
        if locale == "sw":
            assert text != msgid, f"no Swahili for {msgid!r}"
    # Every SMS says who writes. (SMS_HELP, the keyword help, belongs to the SMS intake.)
    for msgid in [m for m in templates if m is not texts.SMS_HELP]:
        assert translate(locale, msgid).startswith(texts.PREFIX + " "), msgid
