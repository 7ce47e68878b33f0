"""Officers' incident actions, with their policy and audit, whatever the door (dashboard, API,
CLI): find an incident in the officer's county, change its status (the reporter is told by
SMS), look up who reported it (admins, with a reason that is kept).

The county rule, in one place: an officer limited to a county sees and changes only that
county's incidents; `get` loads the incident and whether it is in scope in one query.
`officer` None is the command line without `--as`.
"""
import logging

from core.policy import Invalid, NotFound, OutOfScope, Refused, county_clause, require, username
from incidents import notify
from incidents.categories import STATUSES
from models import Incident, IncidentStatusChange, ReporterReveal, audit, db, utcnow

log = logging.getLogger(__name__)

NOTE_MAX = 1000
# Why an admin needs an anonymous reporter's number: said in a few words, kept for ever.
REVEAL_REASON_MIN, REVEAL_REASON_MAX = 10, 500


class StatusError(Invalid):
    code = "bad_status"


class Unchanged(Refused):
    """The status is already that, and there is no note to record."""

    status, code = 409, "unchanged"


class RevealRefused(Refused):
    def __init__(self, code, message):
        super().__init__(message, code=code, status=400 if code == "reason_required" else 410)


def get(officer, reference):
    """The incident with this reference (any case, spaces around) in the officer's county:
    NotFound, or OutOfScope when it is another county's. One query."""
    if isinstance(reference, Incident):
        incident, in_scope = reference, officer is None or officer.in_scope(reference.county)
    else:
        row = db.session.execute(
            db.select(Incident, county_clause(officer, Incident.county).label("in_scope"))
            .where(Incident.reference == (reference or "").strip().upper())
        ).one_or_none()
        if row is None:
            raise NotFound("no incident with this reference")
        incident, in_scope = row
    if not in_scope:
        raise OutOfScope("this incident is outside your county")
    return incident


def change_status(officer, reference, new_status, note=None):
    """An officer changes an incident's status, with an optional note: the incident's own
    trail and the audit log record it, and the reporter is told by SMS when they can be.
    Returns the incident."""
    require(officer, "incidents")
    incident = get(officer, reference)
    if new_status not in STATUSES:
        raise StatusError(f"status must be one of: {', '.join(STATUSES)}", field="status")
    if note is not None and not isinstance(note, str):
        raise Invalid("note must be text", code="bad_note", field="note")
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise Invalid(f"note must be at most {NOTE_MAX} characters", code="bad_note", field="note")
    old_status = incident.status
    if new_status == old_status and not note:
        raise Unchanged(f"the incident is already {new_status}; add a note to record something")
    db.session.add(IncidentStatusChange(
        incident=incident, officer_id=getattr(officer, "id", None), officer_username=username(officer),
        old_status=old_status, new_status=new_status, note=note or None,
    ))
    incident.status = new_status
    incident.updated_at = utcnow()
    audit.record(officer, "incident_status", target=incident.reference, commit=False,
                 detail={"from": old_status, "to": new_status, "note": bool(note)})
    db.session.commit()
    log.info("incident %s: %s -> %s by %s", incident.reference, old_status, new_status, username(officer))
    if new_status != old_status:
        notify.status_changed(incident, new_status)
    return incident


def reveal_reporter(officer, reference, reason):
    """An admin looks at who reported (anonymous or not), giving a reason that is recorded
    with the incident and in the audit log. Returns (incident, the reporter's number);
    raises RevealRefused when the reason is missing or the number was erased."""
    require(officer, "reveal_reporter")
    incident = get(officer, reference)
    reason = (reason if isinstance(reason, str) else "").strip()
    if not REVEAL_REASON_MIN <= len(reason) <= REVEAL_REASON_MAX:
        raise RevealRefused("reason_required", f"say why you need the number ({REVEAL_REASON_MIN} to "
                                               f"{REVEAL_REASON_MAX} characters)")
    if not incident.reporter_phone:
        raise RevealRefused("erased", "the reporter's number was erased at their request")
    db.session.add(ReporterReveal(incident_id=incident.id, officer_id=getattr(officer, "id", None),
                                  officer_username=username(officer), reason=reason))
    audit.record(officer, "incident_reporter_revealed", target=incident.reference, detail={"reason": reason},
                 commit=False)
    db.session.commit()
    log.warning("%s looked at the reporter's number of incident %s", username(officer), incident.reference)
    return incident, incident.reporter_phone
