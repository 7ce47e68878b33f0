"""The county mining office's contact, from officer data.

Rule: a county's contact is an ACTIVE officer of that county, with a phone, whom an admin
flagged as the county contact (`flask permits contact set USERNAME [--office TEXT]` or the
dashboard's call-backs page). Miners are given that officer's phone and the office named
with the flag. Several flagged in one county: the one flagged first. No flagged officer:
miners are told there is no contact yet and offered a call back (an officer's own phone
is never given out unless an admin flagged it).

The contacts reach the USSD journey as the `permit_contacts` snapshot (no query mid-session).
"""
from sqlalchemy import func

from core.policy import Invalid, require
from core.snapshot import Snapshot
from models import Officer, audit, db
from models.permit import CountyContact
from core.phones import dialled

OFFICE_MAX = 60
ACTION = "county_contacts"  # Officer.may: admins only


class ContactError(Invalid):
    """A contact that cannot be set; `field` names what was wrong."""

    def __init__(self, field, message):
        super().__init__(message, code=f"bad_{field}", field=field)


def _build():
    rows = db.session.execute(
        db.select(CountyContact, Officer).join(Officer, Officer.id == CountyContact.officer_id)
        .where(CountyContact.active.is_(True), Officer.disabled_at.is_(None), Officer.phone.is_not(None),
               Officer.county.is_not(None))
        .order_by(CountyContact.created_at, CountyContact.officer_id)
    ).all()
    counties = {}
    for contact, officer in rows:
        counties.setdefault(officer.county, {"phone": dialled(officer.phone), "office": contact.office or None})
    return {"counties": counties}


CONTACTS = Snapshot("permit_contacts", _build, empty={"counties": {}})


def contact_for(county):
    """The county's contact ({"phone", "office"}) for SMS replies and jobs, or None."""
    if not county:
        return None
    counties = CONTACTS.get()["counties"]
    return next((v for k, v in counties.items() if k.casefold() == county.casefold()), None)


def set_contact(officer, username, office=None, *, active=True):
    """Flag (or unflag) an officer as their county's contact: an officer action (core/policy),
    admins only (`officer` None: the CLI without --as, someone on the server). Audited, with
    the door. A contact is nationwide data, so no county rule applies beyond the role."""
    require(officer, ACTION)
    target = db.session.execute(db.select(Officer).filter_by(username=username)).scalar_one_or_none()
    if target is None:
        raise ContactError("username", f"no officer {username!r}")
    office = " ".join((office or "").split()) or None
    if office and (len(office) > OFFICE_MAX or "\x00" in office):
        raise ContactError("office", f"office must be at most {OFFICE_MAX} characters")
    if active and (not target.county or not target.phone):
        raise ContactError("username", "a county contact needs a county and a phone")
    row = db.session.get(CountyContact, target.id)
    if row is None and active:
        row = CountyContact(officer_id=target.id)
        db.session.add(row)
    if row is not None:
        row.active, row.office = active, office if active else row.office
    audit.record(officer, "permit_contact_set" if active else "permit_contact_unset", target=target.username,
                 detail={"county": target.county, "office": office}, commit=False)
    db.session.commit()
    CONTACTS.invalidate()
    return row


def refresh():
    """Cron: rebuild the snapshot, so that an officer disabled or given another phone or
    county in the officers' pages stops (or starts) being given to miners within minutes."""
    CONTACTS.invalidate()


def listing():
    return db.session.execute(
        db.select(CountyContact, Officer).join(Officer, Officer.id == CountyContact.officer_id)
        .where(CountyContact.active.is_(True)).order_by(func.lower(Officer.county), CountyContact.created_at)
    ).all()
