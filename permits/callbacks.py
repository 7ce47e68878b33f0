"""Call-back requests: a miner asks an officer of their county to call them (permits and
groups), and officers follow the request up: open -> called -> done (with a note).

Every officer action is decided here, whatever the door (dashboard, API, CLI), the officer
first: the county rule (an officer with a county sees and acts on that county only), the role
(`callbacks`: admins and officers act; viewers read) with core/policy.py, and the audit entry
(which records the door). Refusals are core.policy's: NotFound, OutOfScope, NotAllowed, and
CallbackError (Invalid, code `bad_<field>`). The doors parse and render.

Phones are personal data. The miner asked to be called on this number (the USSD screen
says so and asks them to agree; the SMS keyword is their own message), so the officers who
may act on the request (admins, and officers in its county) see the whole number; viewers
see it masked; logs mask it.
"""
import logging

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError

from core import jobs
from core.phones import mask
from core.policy import Invalid, NotFound, county_clause, in_scope, may, require, require_scope, username
from models import Miner, db, utcnow
from models import audit
from models.permit import ACTIVE_STATUSES, CALLBACK_STATUSES, CALLBACK_TOPICS, NOTE_MAX, CallbackRequest

log = logging.getLogger(__name__)

CREATED, EXISTS = "created", "exists"


ACTION = "callbacks"  # Officer.may: admins, and officers (in their county)
MAX_ID = 2**31 - 1
OUTSIDE = "this call-back is outside your county"


class CallbackError(Invalid):
    """Bad input for a call-back action; `field` names what was wrong (API: 400 `bad_<field>`)."""

    def __init__(self, field, message):
        super().__init__(message, code=f"bad_{field}"[:40], field=field)


def reference(request):
    return f"CB{request.id}"


# --- the miner's side -------------------------------------------------------------------

def active_request(phone):
    return db.session.execute(
        db.select(CallbackRequest).where(CallbackRequest.phone == phone,
                                         CallbackRequest.status.in_(ACTIVE_STATUSES))
    ).scalar_one_or_none()


def request_callback(phone, county, *, topic="permit", locale="sw", channel="ussd"):
    """(the request, CREATED or EXISTS). One unfinished request per phone: a second ask
    returns the one already open (the partial unique index settles a race)."""
    if topic not in CALLBACK_TOPICS:
        raise CallbackError("topic", f"topic must be one of {', '.join(CALLBACK_TOPICS)}")
    existing = active_request(phone)
    if existing is not None:
        return existing, EXISTS
    miner_id = db.session.execute(db.select(Miner.id).filter_by(phone=phone)).scalar_one_or_none()
    request = CallbackRequest(phone=phone, miner_id=miner_id, county=county, topic=topic, locale=locale,
                              channel=channel, status="open")
    db.session.add(request)
    try:
        db.session.commit()
    except IntegrityError:  # another hop or SMS of the same phone made one just now
        db.session.rollback()
        existing = active_request(phone)
        if existing is None:
            raise
        return existing, EXISTS
    log.info("call-back %s asked from %s in %s (%s)", reference(request), mask(phone), county, channel)
    tell_officers_later(request.id)
    return request, CREATED


def tell_officers_later(request_id):
    """Queue the job that texts the county's officers (the cron sweep catches a lost one)."""
    try:
        from permits import notify

        jobs.queue(jobs.REPLIES).enqueue(notify.tell_officers, request_id, result_ttl=0, failure_ttl=86400,
                                         description="permits: tell the county officers of a call-back")
    except Exception as exc:  # Redis down: the request is stored; the sweep tells them
        log.warning("call-back %s: officers' SMS not queued yet (%s)", request_id, type(exc).__name__)


def ussd_effect(phone, county, topic, locale, channel="ussd"):
    """The journey's `permit_callback` effect: what the END screen says."""
    _request, outcome = request_callback(phone, county, topic=topic, locale=locale, channel=channel)
    return {"prm_call": outcome}


# --- the officers' side -----------------------------------------------------------------

def may_act(officer):
    return may(officer, ACTION)


def scoped(query, officer):
    """The county rule in the query: an officer with a county sees that county only."""
    return query.where(county_clause(officer, CallbackRequest.county))


def listing(officer, *, status=None, county=None):
    """The requests this officer may see, open ones first, oldest first (who waits longest)."""
    query = scoped(db.select(CallbackRequest), officer)
    if status:
        statuses = [status] if isinstance(status, str) else list(status)
        bad = [s for s in statuses if s not in CALLBACK_STATUSES]
        if bad:
            raise CallbackError("status", f"status must be among: {', '.join(CALLBACK_STATUSES)}")
        query = query.where(CallbackRequest.status.in_(statuses))
    if county:
        require_scope(officer, county, "you may only see call-backs in your county")
        query = query.where(func.lower(CallbackRequest.county) == county.strip().casefold())
    order = db.case({"open": 0, "called": 1}, value=CallbackRequest.status, else_=2)
    return query.order_by(order, CallbackRequest.created_at, CallbackRequest.id)


def get(officer, request_id):
    """The request if this officer may see it; NotFound when there is none, OutOfScope when
    it is another county's."""
    request = db.session.get(CallbackRequest, request_id) if isinstance(request_id, int) \
        and 0 < request_id <= MAX_ID else None
    if request is None:
        raise NotFound("no call-back with this id")
    require_scope(officer, request.county, OUTSIDE)
    return request


def phone_for(officer, request):
    """The number as this officer may see it."""
    if may_act(officer) and in_scope(officer, request.county):
        return request.phone
    return mask(request.phone)


def change_status(officer, request_id, status, note=None):
    """An officer moves a request on (open -> called -> done; done needs a note). Audited."""
    require(officer, ACTION)
    request = get(officer, request_id)
    if status not in CALLBACK_STATUSES:
        raise CallbackError("status", f"status must be one of {', '.join(CALLBACK_STATUSES)}")
    note = (note or "").strip() or None
    if note is not None and len(note) > NOTE_MAX:
        raise CallbackError("note", f"note must be at most {NOTE_MAX} characters")
    if "\x00" in (note or ""):
        raise CallbackError("note", "note holds a character that is not allowed")
    old = request.status
    if CALLBACK_STATUSES.index(status) < CALLBACK_STATUSES.index(old):
        raise CallbackError("status", f"a call-back that is {old} cannot go back to {status}")
    if status == old and note is None:
        raise CallbackError("status", f"the call-back is already {old}")
    if status == "done" and note is None and not request.note:
        raise CallbackError("note", "say in a note what came of the call")
    request.status = status
    if note is not None:
        request.note = note
    request.handled_by = username(officer)
    request.updated_at = utcnow()
    audit.record(officer, "callback_status", target=reference(request),
                 detail={"from": old, "to": status, "note": note, "county": request.county}, commit=False)
    db.session.commit()
    log.info("call-back %s: %s -> %s by %s", reference(request), old, status, username(officer))
    return request


def serialise(request, officer):
    return {
        "id": request.id, "reference": reference(request), "phone": phone_for(officer, request),
        "county": request.county, "topic": request.topic, "channel": request.channel, "locale": request.locale,
        "registered": request.miner_id is not None, "status": request.status, "note": request.note,
        "handled_by": request.handled_by,
        "created_at": _iso(request.created_at), "updated_at": _iso(request.updated_at),
    }


def _iso(value):
    from datetime import timezone

    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z") if value else None


def open_count(county=None):
    query = db.select(func.count()).select_from(CallbackRequest).where(CallbackRequest.status == "open")
    if county:
        query = query.where(func.lower(CallbackRequest.county) == county.casefold())
    return db.session.execute(query).scalar_one()


# --- erasure ----------------------------------------------------------------------------

def forget_phone(phone, miner_id=None):
    """A miner asked to be forgotten: their call-back requests go (an open one too: nobody
    should call a number that asked to be forgotten), and the officers' SMS that carried
    the number forget it. Audit entries name the request, never the number."""
    from models.message import ERASED_TEXT, Message
    from core.phones import dialled
    from permits.notify import PURPOSE

    condition = CallbackRequest.phone == phone
    if miner_id is not None:
        condition = condition | (CallbackRequest.miner_id == miner_id)
    db.session.execute(db.delete(CallbackRequest).where(condition).execution_options(synchronize_session=False))
    db.session.execute(
        db.update(Message).where(Message.purpose == PURPOSE, Message.text.contains(dialled(phone)))
        .values(text=ERASED_TEXT).execution_options(synchronize_session=False))
