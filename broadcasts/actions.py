"""Officers' broadcast actions, with their policy and audit, whatever the door (dashboard, API,
CLI): create, cancel, resume, and which broadcasts an officer sees.

The county rule, in one place: an officer limited to a county broadcasts only to that
county (filled in when the audience names none, refused when it names another), lists only
their own broadcasts, and may open (and cancel or resume) a broadcast that is their own or
whose audience is their county alone. `officer` None is the command line without `--as`.
"""
from broadcasts import audience as audiences
from broadcasts import lifecycle, reconcile
from broadcasts.audience import BroadcastError
from core.policy import Invalid, NotFound, OutOfScope, require, scope_county
from models import Broadcast, audit, db

MAX_ID = 2**31 - 1  # ids beyond a 32-bit integer cannot exist (and the database refuses them)


def scoped_audience(officer, audience):
    """The audience an officer may send to (cleaned audience in, cleaned audience out)."""
    limited = scope_county(officer)
    if limited is None:
        return audience
    counties = audience.get("county") or []
    if not counties:
        return {**audience, "county": [limited]}
    if any(c.casefold() != limited.casefold() for c in counties):
        raise OutOfScope(f"you may only broadcast to {limited}", code="out_of_scope")
    return audience


def prepare(officer, texts, audience):
    """(texts, audience) cleaned and scoped for this officer; Invalid names what to fix."""
    require(officer, "broadcasts")
    try:
        return audiences.clean_texts(texts), scoped_audience(officer, audiences.clean_audience(audience))
    except BroadcastError as exc:
        raise Invalid(str(exc), code="invalid_broadcast") from None


def preview(officer, texts, audience):
    """What sending would do (recipients, parts, cost), for the audience this officer may reach."""
    texts, audience = prepare(officer, texts, audience)
    return audiences.preview(texts, audience)


def create(officer, texts, audience, *, urgent=False, send_at=None, about=None):
    """Store and schedule a broadcast, and record it; returns (broadcast, preview). `about`
    (a dict) tells in the audit entry what a capability sent it for, e.g. {"training": 12}."""
    if not isinstance(urgent, bool):
        raise Invalid("urgent must be true or false", code="invalid_broadcast", field="urgent")
    texts, audience = prepare(officer, texts, audience)
    shown = audiences.preview(texts, audience)
    broadcast = lifecycle.create(texts, audience, urgent=urgent, send_at=send_at,
                                 officer_id=officer.id if officer is not None else None)
    audit.record(officer, "broadcast_created", target=f"broadcast {broadcast.id}",
                 detail={"audience": broadcast.audience, "urgent": broadcast.urgent,
                         "send_at": broadcast.send_at.isoformat() if broadcast.send_at else None,
                         "recipients": shown["recipients"], "cost_kes": shown["cost_kes"],
                         "languages": sorted(broadcast.texts), **(about or {})})
    return broadcast, shown


def visible_query(officer):
    """The broadcasts an officer lists, newest first (a county officer's own)."""
    query = db.select(Broadcast).order_by(Broadcast.id.desc())
    if scope_county(officer) is not None:
        query = query.where(Broadcast.officer_id == officer.id)
    return query


def may_see(officer, broadcast):
    limited = scope_county(officer)
    if limited is None or broadcast.officer_id == officer.id:
        return True
    counties = broadcast.audience.get("county") or []
    return bool(counties) and all(c.casefold() == limited.casefold() for c in counties)


def get(officer, broadcast_id):
    """One broadcast as the database has it now; NotFound, or OutOfScope for another county's."""
    broadcast = db.session.get(Broadcast, broadcast_id, populate_existing=True) if 0 < broadcast_id <= MAX_ID \
        else None
    if broadcast is None:
        raise NotFound(f"no broadcast {broadcast_id}")
    if not may_see(officer, broadcast):
        raise OutOfScope(f"broadcast {broadcast_id} is another county's")
    return broadcast


def cancel(officer, broadcast_id):
    """Stop a broadcast (nothing more is sent; what was sent stays sent). A broadcast already
    over is returned as it is, and nothing is recorded."""
    require(officer, "broadcasts")
    broadcast = get(officer, broadcast_id)
    if broadcast.status in (Broadcast.DONE, Broadcast.CANCELLED):
        return broadcast
    broadcast = lifecycle.cancel(broadcast.id)
    audit.record(officer, "broadcast_cancelled", target=f"broadcast {broadcast.id}")
    return broadcast


def resume(officer, broadcast_id):
    """Carry on after a pause (AT balance topped up) or a crash, with whoever is left. A
    broadcast already over is returned as it is, and nothing is recorded."""
    require(officer, "broadcasts")
    broadcast = get(officer, broadcast_id)
    if broadcast.status in (Broadcast.DONE, Broadcast.CANCELLED):
        return broadcast
    was = broadcast.status
    broadcast = reconcile.resume(broadcast.id)
    audit.record(officer, "broadcast_resumed", target=f"broadcast {broadcast.id}",
                 detail={"from": was, "to": broadcast.status})
    return broadcast
