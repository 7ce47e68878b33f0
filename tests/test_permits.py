"""Permits and groups: call-back requests (one unfinished per phone, county rule, audit,
officers told by SMS once), county contacts, the SMS keyword and erasure."""
import pytest

from core.policy import NotAllowed, OutOfScope
from models import AuditEntry, Message, Officer, db
from models.permit import CallbackRequest
from permits import callbacks, contacts, keywords, notify
from sms.keywords import Inbound
from tests.dashboard_helpers import make_miner, make_officers

MIGORI_PHONE = "+254711000001"


@pytest.fixture
def officers(app):
    rows = make_officers()
    rows["county_officer"].phone = "+254722000111"
    rows["other_county_officer"].phone = "+254722000222"
    rows["admin"].phone = "+254722000999"
    db.session.commit()
    return rows


def test_one_unfinished_request_per_phone(app, officers):
    first, outcome = callbacks.request_callback(MIGORI_PHONE, "Migori", topic="permit", channel="ussd")
    assert outcome == callbacks.CREATED and first.status == "open"
    again, outcome = callbacks.request_callback(MIGORI_PHONE, "Migori", topic="group", channel="sms")
    assert outcome == callbacks.EXISTS and again.id == first.id
    callbacks.change_status(officers["county_officer"], first.id, "called")
    _, outcome = callbacks.request_callback(MIGORI_PHONE, "Migori")
    assert outcome == callbacks.EXISTS  # called is not finished
    callbacks.change_status(officers["county_officer"], first.id, "done", "Explained the permit steps.")
    newer, outcome = callbacks.request_callback(MIGORI_PHONE, "Migori")
    assert outcome == callbacks.CREATED and newer.id != first.id
    assert db.session.execute(db.select(db.func.count()).select_from(CallbackRequest)).scalar_one() == 2


def test_the_database_refuses_a_second_open_request(app):
    db.session.add(CallbackRequest(phone=MIGORI_PHONE, county="Migori", topic="permit", channel="ussd",
                                   locale="sw", status="open"))
    db.session.commit()
    db.session.add(CallbackRequest(phone=MIGORI_PHONE, county="Migori", topic="permit", channel="sms",
                                   locale="sw", status="called"))
    with pytest.raises(Exception):
        db.session.commit()
    db.session.rollback()


def test_county_rule_role_and_audit(app, officers):
    request, _ = callbacks.request_callback(MIGORI_PHONE, "Migori")
    other = officers["other_county_officer"]
    listed = db.session.execute(callbacks.listing(other)).scalars().all()
    assert listed == []
    with pytest.raises(OutOfScope):
        callbacks.get(other, request.id)
    with pytest.raises(OutOfScope):
        callbacks.change_status(other, request.id, "called")
    with pytest.raises(NotAllowed):
        callbacks.change_status(officers["viewer"], request.id, "called")
    mine = officers["county_officer"]
    assert db.session.execute(callbacks.listing(mine)).scalars().all() == [request]
    assert callbacks.phone_for(mine, request) == MIGORI_PHONE
    assert callbacks.phone_for(officers["viewer"], request) == "+2547******01"
    with pytest.raises(callbacks.CallbackError) as bad:
        callbacks.change_status(mine, request.id, "done")
    assert bad.value.field == "note"
    with pytest.raises(callbacks.CallbackError) as bad:
        callbacks.change_status(mine, request.id, "gone")
    assert bad.value.field == "status"
    callbacks.change_status(mine, request.id, "called", "No answer the first time.")
    with pytest.raises(callbacks.CallbackError):
        callbacks.change_status(mine, request.id, "open")  # never backwards
    callbacks.change_status(mine, request.id, "done", "Told her to visit the county office on Monday.")
    entries = db.session.execute(db.select(AuditEntry).filter_by(action="callback_status")
                                 .order_by(AuditEntry.id)).scalars().all()
    assert [(e.officer_username, e.target, e.detail["from"], e.detail["to"]) for e in entries] == [
        ("otieno", f"CB{request.id}", "open", "called"), ("otieno", f"CB{request.id}", "called", "done")]
    assert all(MIGORI_PHONE not in str(e.detail) for e in entries)


def test_county_officers_are_told_once(app, officers):
    request, _ = callbacks.request_callback(MIGORI_PHONE, "Migori", topic="group")
    assert notify.tell_officers(request.id) == 1
    assert notify.tell_officers(request.id) == 0  # the job ran twice: one SMS
    assert notify.sweep_untold(older_than_seconds=0) == 0
    sent = db.session.execute(db.select(Message).filter_by(purpose=notify.PURPOSE)).scalars().all()
    assert [m.phone for m in sent] == ["+254722000111"]
    assert "0711 000001" in sent[0].text and "Migori" in sent[0].text and f"CB{request.id}" in sent[0].text
    # A county without officers: the admins are told.
    lonely, _ = callbacks.request_callback("+254711000009", "Turkana")
    assert notify.tell_officers(lonely.id) == 1
    assert db.session.execute(db.select(Message.phone).filter_by(purpose=notify.PURPOSE)
                              .order_by(Message.id.desc())).scalars().first() == "+254722000999"


def test_officer_sms_fits_one_sms_in_both_languages(app, officers):
    from sms import encoding

    request = CallbackRequest(id=99999, phone="+254711000001", county="Taita Taveta", topic="group",
                              channel="ussd", locale="sw", status="open")
    for locale in ("sw", "en"):
        assert encoding.fits_one_sms(notify.officer_text(locale, request)), locale


def test_county_contact_rule(app, officers):
    assert contacts.contact_for("Migori") is None
    with pytest.raises(contacts.ContactError) as bad:
        contacts.set_contact(officers["admin"], "vera")  # no county, no phone
    assert bad.value.field == "username"
    with pytest.raises(NotAllowed):
        contacts.set_contact(officers["county_officer"], "otieno")
    contacts.set_contact(officers["admin"], "otieno", "Migori town, county offices")
    assert contacts.contact_for("migori") == {"phone": "0722 000111", "office": "Migori town, county offices"}
    assert db.session.execute(db.select(AuditEntry.action).filter_by(target="otieno")).scalar_one() == \
        "permit_contact_set"
    contacts.set_contact(None, "otieno", active=False)
    assert contacts.contact_for("Migori") is None


def _sms(text, phone=MIGORI_PHONE, locale="sw"):
    word, _, args = text.partition(" ")
    return keywords.permit_keyword(Inbound(phone=phone, text=text, keyword=word.upper(), args=args, locale=locale))


def test_sms_keyword_steps_and_call_back(app, officers):
    make_miner(MIGORI_PHONE, "Akinyi Odhiambo", "Migori", "Osiri")
    reply = _sms("LESENI")
    assert reply.startswith("Madini Salama: Leseni: 1) Jiunge") and "LESENI PIGA" in reply
    contacts.set_contact(officers["admin"], "otieno")
    assert "0722 000111" in _sms("LESENI")
    assert "KIKUNDI" in _sms("LESENI KIKUNDI") or "Kikundi" in _sms("LESENI KIKUNDI")
    english = _sms("PERMIT", locale="en")
    assert "PERMIT CALL" in english
    created = _sms("LESENI PIGA")
    assert "Migori" in created
    again = _sms("LESENI PIGA")
    assert again != created and "Migori" in again
    assert db.session.execute(db.select(db.func.count()).select_from(CallbackRequest)).scalar_one() == 1
    # Not registered: the county is named, or asked for.
    assert "PERMIT CALL Migori" in _sms("PERMIT CALL", phone="+254711000005", locale="en")
    assert "Kakamega" in _sms("PERMIT CALL kakamega", phone="+254711000005", locale="en")
    assert db.session.execute(db.select(CallbackRequest.county).filter_by(phone="+254711000005")).scalar_one() == \
        "Kakamega"


def test_every_sms_reply_fits_one_sms(app, officers):
    from core.i18n import translate
    from permits import texts
    from sms import encoding

    officers["county_officer"].county = "Taita Taveta"
    db.session.commit()
    contacts.set_contact(officers["admin"], "otieno", "x" * contacts.OFFICE_MAX)
    for locale in ("sw", "en"):
        for guide in ("permit", "group"):
            text = keywords.steps_reply(locale, guide, "Taita Taveta")
            assert encoding.fits_one_sms(text), text
        for msgid in (texts.SMS_CALL_CREATED, texts.SMS_CALL_EXISTS):
            assert encoding.fits_one_sms(translate(locale, msgid, county="Taita Taveta"))
        assert encoding.fits_one_sms(translate(locale, texts.SMS_CALL_WHICH_COUNTY))


def test_erasure_forgets_the_phone(app, officers):
    from miners import erasure

    make_miner(MIGORI_PHONE, "Akinyi Odhiambo", "Migori", "Osiri")
    request, _ = callbacks.request_callback(MIGORI_PHONE, "Migori")
    notify.tell_officers(request.id)
    callbacks.request_callback("+254711000002", "Migori")
    erasure.erase(MIGORI_PHONE)
    assert db.session.execute(db.select(CallbackRequest.phone)).scalars().all() == ["+254711000002"]
    texts_sent = db.session.execute(db.select(Message.text).filter_by(purpose=notify.PURPOSE)).scalars().all()
    assert texts_sent and all("0711 000001" not in t for t in texts_sent)


def test_the_capability_declares_its_parts():
    from tests.journeys import REGISTRY

    permits = next(c for c in REGISTRY if c.name == "permits")
    assert set(permits.effects) == {"permit_callback"}
    assert [(k.english, k.swahili) for k in permits.keywords] == [("PERMIT", "LESENI")]
    assert {c.name for c in permits.cron} == {"permits-callback-sweep", "permits-contacts-refresh"}
    assert [s.name for s in permits.snapshots] == ["permit_contacts"]
    assert permits.journey.MENU_ENTRY.menu == "more" and permits.journey.MENU_ENTRY.number == 3


def test_contacts_refresh_follows_a_disabled_officer(app, officers):
    contacts.set_contact(officers["admin"], "otieno")
    assert contacts.contact_for("Migori") is not None
    officers["county_officer"].disabled_at = db.func.now()
    db.session.commit()
    contacts.refresh()  # the cron job
    assert contacts.contact_for("Migori") is None
