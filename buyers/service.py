"""The buyers directory: officers' actions (`get`, `create`, `update`, `delete`, the officer
first: the role, the county rule and the audit entry inside each, whichever door they came
through: dashboard, API, CLI; refusals are core.policy's), the snapshot miners' screens read,
the SMS job and the "report a buyer" filing.

A bad field is a BuyerError (core.policy.FieldInvalid, code `invalid_<field>`, message
"field: reason"); a licence number another buyer has is a Duplicate (409). A buyer of another
county is not found, as if it did not exist.
"""
import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError

from buyers import rules, texts
from core import jobs
from core.phones import mask
from core.policy import FieldInvalid, NotFound, county_clause, in_scope, require, require_scope, username
from core.snapshot import Snapshot
from models import Buyer, audit, db

log = logging.getLogger(__name__)

ACTION = "buyers"  # Officer.may: admins, and officers (in their county)


class BuyerError(FieldInvalid):
    """A field of a buyer that is not accepted (rules.BuyerInvalid as an officer action's refusal)."""

    def __init__(self, field, reason, *, code=None, status=None):
        super().__init__(field, reason, code=code or f"invalid_{field}", status=status)


class Duplicate(BuyerError):
    def __init__(self):
        super().__init__("licence_number", "another buyer already has this licence number",
                         code="duplicate_licence_number", status=409)


def _clean(fields, partial=False):
    try:
        return rules.clean(fields, partial=partial)
    except rules.BuyerInvalid as exc:
        raise BuyerError(exc.field, exc.message) from None


# --- reading ------------------------------------------------------------------------

def scoped(query, officer):
    """Only the officer's county when they have one (admins see all)."""
    return query.where(county_clause(officer, Buyer.county))


def listing(officer, *, county=None, status=None, on=None):
    """A SELECT of the buyers this officer sees; `status` "listed" (in force), "expired",
    "expiring" (in force, ends within 30 days)."""
    on = on or rules.today()
    query = scoped(db.select(Buyer), officer)
    if county:
        query = query.where(func.lower(Buyer.county) == county.casefold())
    if status == "listed":
        query = query.where(Buyer.licence_expires >= on)
    elif status == "expired":
        query = query.where(Buyer.licence_expires < on)
    elif status == "expiring":
        query = query.where(Buyer.licence_expires >= on,
                            Buyer.licence_expires <= on + timedelta(days=rules.EXPIRING_DAYS))
    order = Buyer.licence_expires if status == "expiring" else Buyer.county
    return query.order_by(order, Buyer.name, Buyer.id)


def expiring(officer, on=None):
    return db.session.execute(listing(officer, status="expiring", on=on)).scalars().all()


def get(officer, buyer_id):
    """The buyer, or NotFound (none, or outside the officer's county: never say which)."""
    buyer = db.session.get(Buyer, buyer_id) if isinstance(buyer_id, int) and 0 < buyer_id < 2**31 else None
    if buyer is None or not in_scope(officer, buyer.county):
        raise NotFound("no such buyer")
    return buyer


def serialise(buyer, on=None):
    on = on or rules.today()
    return {
        "id": buyer.id, "name": buyer.name, "licence_number": buyer.licence_number,
        "licence_expires": buyer.licence_expires.isoformat(), "county": buyer.county, "market": buyer.market,
        "phone": buyer.phone,  # a business line the directory publishes to miners: shown in full
        "listed": rules.is_listed(buyer.licence_expires, on),
        "expiring": rules.is_expiring(buyer.licence_expires, on),
        "created_at": buyer.created_at.isoformat() if buyer.created_at else None,
        "created_by": buyer.created_by,
        "updated_at": buyer.updated_at.isoformat() if buyer.updated_at else None,
    }


# --- officers' changes ----------------------------------------------------------------

def _may_change(officer, county):
    require(officer, ACTION)
    require_scope(officer, county)


def _audit_detail(buyer):
    return {"name": buyer.name, "licence_number": buyer.licence_number,
            "licence_expires": buyer.licence_expires.isoformat(), "county": buyer.county,
            "market": buyer.market, "phone": mask(buyer.phone)}


def _licence_taken(number, except_id=None):
    query = db.select(Buyer.id).where(Buyer.licence_number == number)
    if except_id is not None:
        query = query.where(Buyer.id != except_id)
    return db.session.execute(query).first() is not None


def create(officer, fields, *, by=None):
    """Add a buyer from raw fields (validated here; BuyerError names the field). `by` names
    who did it when there is no officer (a setup script)."""
    require(officer, ACTION)
    clean = _clean(fields)
    _may_change(officer, clean["county"])
    if _licence_taken(clean["licence_number"]):
        raise Duplicate()
    buyer = Buyer(**clean, created_by=by or username(officer))
    db.session.add(buyer)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Duplicate() from None
    audit.record(officer, "buyer_added", target=f"buyer {buyer.id}", detail=_audit_detail(buyer),
                 username=by, commit=False)
    db.session.commit()
    changed()
    log.info("buyer %s added in %s by %s", buyer.id, buyer.county, by or username(officer))
    return buyer


def update(officer, buyer_id, fields, *, by=None):
    """Change some fields of a buyer (both the old and the new county must be the officer's)."""
    require(officer, ACTION)
    buyer = get(officer, buyer_id)
    clean = _clean(fields, partial=True)
    _may_change(officer, buyer.county)
    if "county" in clean:
        _may_change(officer, clean["county"])
    if "licence_number" in clean and _licence_taken(clean["licence_number"], buyer.id):
        raise Duplicate()
    before = _audit_detail(buyer)
    for name, value in clean.items():
        setattr(buyer, name, value)
    after = _audit_detail(buyer)
    changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if not changes:
        db.session.rollback()
        return buyer
    audit.record(officer, "buyer_edited", target=f"buyer {buyer.id}", detail={"changes": changes},
                 username=by, commit=False)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Duplicate() from None
    changed()
    return buyer


def delete(officer, buyer_id, *, by=None):
    """Remove a buyer from the directory (miners no longer see it)."""
    require(officer, ACTION)
    buyer = get(officer, buyer_id)
    _may_change(officer, buyer.county)
    audit.record(officer, "buyer_deleted", target=f"buyer {buyer.id}", detail=_audit_detail(buyer),
                 username=by, commit=False)
    db.session.delete(buyer)
    db.session.commit()
    changed()


# --- what miners see: the snapshot ----------------------------------------------------

def _entry(buyer):
    return {"id": buyer.id, "name": buyer.name, "licence": buyer.licence_number,
            "expires": buyer.licence_expires.isoformat(), "county": buyer.county, "market": buyer.market,
            "phone": buyer.phone}


def _build():
    """Buyers in force today (journeys also drop those that expire before the next rebuild)."""
    rows = db.session.execute(
        db.select(Buyer).where(Buyer.licence_expires >= rules.today()).order_by(Buyer.county, Buyer.name, Buyer.id)
    ).scalars().all()
    return {"buyers": [_entry(b) for b in rows]}


SNAPSHOT = Snapshot("buyers", _build, empty={"buyers": []})


def changed():
    """After a committed change: screens see it on their next hop."""
    try:
        SNAPSHOT.invalidate()
    except Exception as exc:  # Redis down: the change is stored; the snapshot catches up
        log.warning("buyers snapshot not refreshed (%s)", type(exc).__name__)


def refresh_daily():
    """Cron (just after midnight, Nairobi): rebuild so that licences that ended yesterday
    leave the stored snapshot too (journeys already hide them by date)."""
    SNAPSHOT.invalidate()
    return len(SNAPSHOT.get()["buyers"])


def _prices_board():
    from prices import board

    return board.BOARD.get()


# --- miners' requests (USSD effects, SMS keyword) ---------------------------------------

def send_details(phone, buyer_id, locale):
    """The job behind "1 Send me by SMS": one SMS with the buyer's details and the guide price."""
    from sms import outbound

    on = rules.today()
    buyer = texts.find(SNAPSHOT.get(), buyer_id, on)
    if buyer is None:
        log.info("buyer %s no longer listed: details not sent", buyer_id)
        return None
    guide = texts.guide_price(_prices_board(), buyer["county"])
    text = texts.details_sms(buyer, guide, locale, on)
    outbound.queue_sms(phone, text, locale=locale, purpose="buyer_details", queue=jobs.REPLIES)
    return buyer_id


def queue_details(phone, buyer_id, locale):
    """The `buyer_sms` effect: the last hop only queues the job (no database work)."""
    jobs.queue(jobs.REPLIES).enqueue(send_details, phone, buyer_id, locale, job_timeout=60,
                                     description=f"buyer {buyer_id}: details by SMS to {mask(phone)}")


def county_reply(phone, words, locale):
    """The BUYER / MNUNUZI [county] reply (one SMS)."""
    from models import Miner

    on = rules.today()
    words = " ".join((words or "").split())
    if words:
        county = rules.find_county(words)
        if county is None:
            from sms import encoding

            shown = "".join(ch for ch in words[:20] if encoding.septets(ch) == 1)
            from core.i18n import translate

            return translate(locale, texts.MSG_SMS_UNKNOWN, name=shown)
    else:
        registered = db.session.execute(db.select(Miner.county).filter_by(phone=phone)).scalar_one_or_none()
        county = rules.find_county(registered or "")
        if county is None:
            from core.i18n import translate

            return translate(locale, texts.MSG_SMS_WHICH)
    buyers = texts.listed(SNAPSHOT.get(), county, on)
    return texts.county_sms(buyers, county, texts.guide_price(_prices_board(), county), locale, on)


def file_report(phone, locale, county, problem, buyer_name, buyer_id=None):
    """The `buyer_report` effect: a report in the incidents inbox, category MARKET (never
    urgent: no officer is paged), with the buyer named. Returns {"buy_ref": reference}."""
    from incidents import filing as incidents
    from incidents.categories import MARKET
    from incidents.reference import new_reference

    buyer = db.session.get(Buyer, buyer_id) if buyer_id else None
    description = texts.report_description(
        buyer.name if buyer else buyer_name, buyer.licence_number if buyer else None,
        buyer.market if buyer else None, problem)
    reference = new_reference()
    incident, _created = incidents.file_report({
        "reference": reference, "category": MARKET, "county": (buyer.county if buyer else county) or None,
        "site": buyer.market if buyer else None, "description": description, "channel": "ussd",
        "phone": phone, "locale": locale, "occurred": "earlier", "urgent": False,
    }, lock_wait=current_app.config.get("SQLITE_HOP_LOCK_WAIT_SECONDS"))
    return {"buy_ref": incident.reference if incident is not None else reference}


# --- the overview panel -----------------------------------------------------------------

def panel(officer, county):
    """Buyers listed (licence in force) and licences ending within 30 days, in scope."""
    on = rules.today()
    base = scoped(db.select(func.count(Buyer.id)), officer)
    if county:
        base = base.where(func.lower(Buyer.county) == county.casefold())
    listed = db.session.execute(base.where(Buyer.licence_expires >= on)).scalar_one()
    soon = db.session.execute(base.where(Buyer.licence_expires >= on, Buyer.licence_expires
                                         <= on + timedelta(days=rules.EXPIRING_DAYS))).scalar_one()
    return {"listed": listed, "expiring": soon}
