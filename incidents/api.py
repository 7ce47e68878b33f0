"""Incidents in the officers' API (CONTRACT.md section 3).

    GET   /api/v1/incidents                      ?status=&category=&county=&since=&urgent=&page=&per_page=
    GET   /api/v1/incidents/<ref>                one incident with its follow-ups and status trail
    PATCH /api/v1/incidents/<ref>                {"status": "...", "note": "..."}
    POST  /api/v1/incidents/<ref>/reporter       admin only, {"reason": "..."}: an anonymous
                                                 reporter's number; the reason is recorded

County officers see and change only their county's incidents. Reporter numbers: none for
anonymous reports (whatever the role), masked unless the officer is an admin. The county
rule and the audit entries of status changes and look-ups are incidents.actions' (the same
for the dashboard and the CLI); this module parses and renders.

The capability's own API blueprint (Capability.api, mounted at /api/v1); its operations keep
the OpenAPI ids they had when they lived in api/ (`operationId: api_...`).
"""
import logging
from datetime import datetime, time, timezone

from flask import Blueprint, g, jsonify, request
from sqlalchemy.orm import selectinload

from api.auth import requires
from api.components import NULLABLE_STRING, TIME, register_schema
from api.errors import ApiError, paged
from core.phones import mask
from incidents import actions
from incidents.categories import CATEGORY_CODES, STATUSES
from models import Incident, ReporterReveal, db

# Mounted at /api/v1 by the registry (core/capability.py), with the API's errors.
bp = Blueprint("incidents_api", __name__)

log = logging.getLogger(__name__)


# --- OpenAPI schemas (#/components/schemas/...) of these routes ---------------------------

INCIDENT_STATUSES = ["new", "acknowledged", "responding", "resolved", "rejected"]

register_schema("Incident", {
    "type": "object",
    "required": ["reference", "status", "category", "urgent", "people", "county", "site", "occurred",
                 "description", "channel", "reporter", "reported_at", "updated_at", "follow_up_count"],
    "properties": {
        "reference": {"type": "string", "example": "MS-7K3Q"},
        "status": {"type": "string", "enum": INCIDENT_STATUSES},
        "category": {"type": "string", "example": "COLLAPSE"},
        "urgent": {"type": "boolean"},
        "people": {"type": "object", "required": ["dead", "injured", "trapped_or_missing"],
                   "properties": {"dead": {"type": "integer", "minimum": 0},
                                  "injured": {"type": "integer", "minimum": 0},
                                  "trapped_or_missing": {"type": "integer", "minimum": 0}}},
        "county": NULLABLE_STRING, "site": NULLABLE_STRING,
        "occurred": {"type": "string", "enum": ["now", "today", "earlier"]},
        "description": NULLABLE_STRING,
        "channel": {"type": "string", "enum": ["ussd", "sms"]},
        "reporter": {
            "type": "object", "required": ["anonymous", "phone", "registered", "locale", "gets_sms_updates"],
            "properties": {
                "anonymous": {"type": "boolean"},
                "phone": {"type": "string", "nullable": True,
                          "description": "never for anonymous reports; masked unless the officer is an admin"},
                "registered": {"type": "boolean"}, "locale": {"type": "string"},
                "gets_sms_updates": {"type": "boolean"}}},
        "reported_at": TIME, "updated_at": TIME,
        "follow_up_count": {"type": "integer", "minimum": 0},
        "follow_ups": {"type": "array", "items": {
            "type": "object", "required": ["text", "channel", "created_at"],
            "properties": {"text": {"type": "string"}, "channel": {"type": "string"}, "created_at": TIME}}},
        "status_history": {"type": "array", "items": {
            "type": "object", "required": ["officer", "from", "to", "note", "at"],
            "properties": {"officer": {"type": "string"}, "from": {"type": "string"}, "to": {"type": "string"},
                           "note": NULLABLE_STRING, "at": TIME}}},
        "reporter_looked_up": {"type": "array", "description": "admins only: who looked at the number, and why",
                               "items": {"type": "object", "properties": {
                                   "officer": {"type": "string"}, "reason": {"type": "string"}, "at": TIME}}},
    },
})


def _iso(value):
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z") if value else None


def reporter_view(incident, officer):
    """What this officer may know about who reported."""
    if incident.anonymous:
        phone = None
    elif not incident.reporter_phone:
        phone = None  # erased at the reporter's request
    else:
        phone = incident.reporter_phone if officer.sees_full_numbers else mask(incident.reporter_phone)
    return {"anonymous": incident.anonymous, "phone": phone, "registered": incident.miner_id is not None,
            "locale": incident.locale, "gets_sms_updates": bool(incident.reporter_phone and incident.notify_reporter)}


def serialise(incident, officer, detail=False):
    data = {
        "reference": incident.reference, "status": incident.status, "category": incident.category,
        "urgent": incident.urgent,
        "people": {"dead": incident.dead, "injured": incident.injured, "trapped_or_missing": incident.trapped},
        "county": incident.county, "site": incident.site, "occurred": incident.occurred,
        "description": incident.description, "channel": incident.channel,
        "reporter": reporter_view(incident, officer),
        "reported_at": _iso(incident.reported_at), "updated_at": _iso(incident.updated_at),
        "follow_up_count": len(incident.follow_ups),
    }
    if detail:
        data["follow_ups"] = [
            {"text": f.text, "channel": f.channel, "created_at": _iso(f.created_at)} for f in incident.follow_ups
        ]
        data["status_history"] = [
            {"officer": c.officer_username, "from": c.old_status, "to": c.new_status, "note": c.note,
             "at": _iso(c.created_at)} for c in incident.status_changes
        ]
    return data


def _since(value):
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(400, "bad_since", "since must be an ISO 8601 date or time, e.g. 2026-11-24") from None
    if len(value) == 10:  # a date: from its start
        parsed = datetime.combine(parsed.date(), time.min)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _choices(name, allowed, transform=str):
    raw = request.args.get(name)
    if not raw:
        return None
    values = [transform(v.strip()) for v in raw.split(",") if v.strip()]
    bad = [v for v in values if v not in allowed]
    if bad:
        raise ApiError(400, f"bad_{name}", f"{name} must be among: {', '.join(allowed)}")
    return values


@bp.get("/incidents")
@requires("read")
def list_incidents():
    """Incidents, newest first.
    ---
    get:
      operationId: api_list_incidents_get
      description: >
        A county officer sees only their county's incidents (asking for another county is 403).
        Reporter numbers: never for anonymous reports; masked unless the officer is an admin.
      x-page-of: Incident
      parameters:
        - {name: status, in: query, description: "a status, or several separated by commas", schema: {type: string, enum: [new, acknowledged, responding, resolved, rejected]}}
        - {name: category, in: query, description: "a category code (any case), or several separated by commas", schema: {type: string, enum: [COLLAPSE, FLOOD, AIR, BLAST, FALL, INJURY, CYANIDE, MERCURY, VIOLENCE, CHILD, ENV, NEARMISS, UNCLASSIFIED, MARKET]}}
        - {name: county, in: query, schema: {type: string, maxLength: 60, pattern: '^[^\\x00]*$'}}
        - {name: since, in: query, description: "reported at or after this date (or ISO 8601 time)", schema: {type: string, format: date}}
        - {name: urgent, in: query, schema: {type: string, enum: ["true", "false", "1", "0"]}}
      responses:
        200: {description: a page of incidents}
    """
    officer = g.officer
    query = db.select(Incident).options(selectinload(Incident.follow_ups))
    statuses = _choices("status", STATUSES)
    if statuses:
        query = query.where(Incident.status.in_(statuses))
    categories = _choices("category", CATEGORY_CODES, str.upper)
    if categories:
        query = query.where(Incident.category.in_(categories))
    county = (request.args.get("county") or "").strip()
    if county:
        if not officer.in_scope(county):
            raise ApiError(403, "forbidden", "you may only see incidents in your county")
        query = query.where(db.func.lower(Incident.county) == county.lower())
    elif officer.role != "admin" and officer.county:
        query = query.where(db.func.lower(Incident.county) == officer.county.lower())
    if request.args.get("since"):
        query = query.where(Incident.reported_at >= _since(request.args["since"]))
    urgent = request.args.get("urgent")
    if urgent in ("true", "1", "false", "0"):
        query = query.where(Incident.urgent.is_(urgent in ("true", "1")))
    query = query.order_by(Incident.reported_at.desc(), Incident.id.desc())
    return jsonify(paged(query, lambda row: serialise(row, officer), db.session))




@bp.get("/incidents/<reference>")
@requires("read")
def get_incident(reference):
    """One incident with its follow-ups and status trail.
    ---
    get:
      operationId: api_get_incident_get
      responses:
        200:
          description: the incident
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Incident'}
        404: {$ref: '#/components/responses/NotFound'}
    """
    incident = actions.get(g.officer, reference)
    data = serialise(incident, g.officer, detail=True)
    if g.officer.role == "admin":  # who looked at the reporter's number, and why
        looks = db.session.execute(
            db.select(ReporterReveal).filter_by(incident_id=incident.id).order_by(ReporterReveal.id)
        ).scalars().all()
        data["reporter_looked_up"] = [{"officer": r.officer_username, "reason": r.reason, "at": _iso(r.created_at)}
                                      for r in looks]
    return jsonify(data)


@bp.patch("/incidents/<reference>")
@requires("incidents")
def update_incident(reference):
    """Change an incident's status with a note; the reporter is told by SMS when they can be.
    ---
    patch:
      operationId: api_update_incident_patch
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [status]
              additionalProperties: false
              properties:
                status: {type: string, enum: [new, acknowledged, responding, resolved, rejected]}
                note: {type: string, maxLength: 1000, nullable: true, pattern: '^[^\\x00]*$'}
      responses:
        200:
          description: the incident as changed
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Incident'}
        400: {$ref: '#/components/responses/BadRequest'}
        404: {$ref: '#/components/responses/NotFound'}
        409:
          description: the status is already that and there is no note
          content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}
    """
    incident = actions.get(g.officer, reference)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "bad_json", "send a JSON object: {\"status\": \"...\", \"note\": \"...\"}")
    incident = actions.change_status(g.officer, incident, body.get("status"), body.get("note"))
    return jsonify(serialise(incident, g.officer, detail=True))


@bp.post("/incidents/<reference>/reporter")
@requires("reveal_reporter")
def reveal_reporter(reference):
    """An admin looks at who reported, giving a reason that is kept (anonymous reports).
    ---
    post:
      operationId: api_reveal_reporter_post
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [reason]
              additionalProperties: false
              properties:
                reason: {type: string, minLength: 10, maxLength: 500, pattern: '^[^\\s\\x00][^\\x00]{8,498}[^\\s\\x00]$'}
      responses:
        200:
          description: the reporter's number; the look-up is recorded
          content:
            application/json:
              schema:
                type: object
                required: [reference, phone, anonymous, reason_recorded]
                properties:
                  reference: {type: string}
                  phone: {type: string}
                  anonymous: {type: boolean}
                  reason_recorded: {type: boolean}
        400: {$ref: '#/components/responses/BadRequest'}
        404: {$ref: '#/components/responses/NotFound'}
        410:
          description: the reporter's number was erased at their request
          content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}
    """
    incident = actions.get(g.officer, reference)
    body = request.get_json(silent=True) or {}
    reason = body.get("reason") if isinstance(body, dict) else None
    incident, phone = actions.reveal_reporter(g.officer, incident, reason)
    return jsonify({"reference": incident.reference, "phone": phone,
                    "anonymous": incident.anonymous, "reason_recorded": True})
