"""Call-back requests: a miner asks an officer of their county to call them (permits and
groups), and officers follow the request up: open -> called -> done (with a note).

Every officer action is decided here, whatever the door (dashboard, API, CLI): the county
rule (an officer with a county sees and acts on that county only), the role (admins and
officers act; viewers read) and the audit entry. The doors parse and render.

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
from models import Miner, db, utcnow
from models import audit
from models.permit import ACTIVE_STATUSES, CALLBACK_STATUSES, CALLBACK_TOPICS, NOTE_MAX, CallbackRequest

log = logging.getLogger(__name__)

CREATED, EXISTS = "created", "exists"


class CallbackError(ValueError):
    """Bad input for a call-back action; `field` names what was wrong."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field


class NotAllowed(PermissionError):
    pass


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
    return officer is not None and officer.role in ("admin", "officer")


def scoped(query, officer):
    """The county rule in the query: an officer with a county sees that county only."""
    if officer.role != "admin" and officer.county:
        query = query.where(func.lower(CallbackRequest.county) == officer.county.casefold())
    return query


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
        if not officer.in_scope(county):
            raise NotAllowed("you may only see call-backs in your county")
        query = query.where(func.lower(CallbackRequest.county) == county.strip().casefold())
    order = db.case({"open": 0, "called": 1}, value=CallbackRequest.status, else_=2)
    return query.order_by(order, CallbackRequest.created_at, CallbackRequest.id)


def get_for(officer, request_id):
    """The request if this officer may see it; None when there is none, NotAllowed when it
    is another county's."""
    request = db.session.get(CallbackRequest, request_id)
    if request is None:
        return None
    if not officer.in_scope(request.county):
        raise NotAllowed("this call-back is outside your county")
    return request


def phone_for(officer, request):
    """The number as this officer may see it."""
    if may_act(officer) and officer.in_scope(request.county):
        return request.phone
    return mask(request.phone)


def change_status(officer, request, status, note=None):
    """An officer moves a request on (open -> called -> done; done needs a note). Audited."""
    if not may_act(officer):
        raise NotAllowed(f"the {officer.role} role may not change call-backs")
    if not officer.in_scope(request.county):
        raise NotAllowed("this call-back is outside your county")
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
    request.handled_by = officer.username
    request.updated_at = utcnow()
    audit.record(officer, "callback_status", target=reference(request),
                 detail={"from": old, "to": status, "note": note, "county": request.county}, commit=False)
    db.session.commit()
    log.info("call-back %s: %s -> %s by %s", reference(request), old, status, officer.username)
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
