"""Broadcasts in the officers' API (CONTRACT.md section 3).

    POST /api/v1/broadcasts          {"text": {"sw": "...", "en": "..."}, "audience": {...},
                                      "send_at": null, "urgent": false}  -> 202 {"id": ..., ...}
    GET  /api/v1/broadcasts          paged list, newest first
    GET  /api/v1/broadcasts/<id>     progress: counts queued, sent, delivered, failed, opted out
    POST /api/v1/broadcasts/preview  same body as POST: recipients, encoding, parts, cost; sends nothing
    POST /api/v1/broadcasts/<id>/cancel
    POST /api/v1/broadcasts/<id>/resume  after a pause (AT balance topped up) or a crash

Audience filters: county, site, role, gender, language (lists or single values),
registered_after, registered_before (dates); {} means every miner who accepts SMS. Opted-out,
unconsented and unreachable miners are always excluded. An officer with a county can only
broadcast to (and see broadcasts of) that county: the rule and the audit entry are
broadcasts.actions' (the same for the dashboard and the CLI); this module parses and renders.
"""
from datetime import datetime

from flask import Blueprint, g, jsonify, request

from api.auth import requires
from api.components import NULLABLE_STRING, NULLABLE_TIME, register_schema
from api.errors import ApiError, paged
from broadcasts import actions
from broadcasts.lifecycle import serialise
from core.i18n import NAIROBI
from core.policy import NotFound, OutOfScope
from models import db

# Mounted at /api/v1/broadcasts by the registry (core/capability.py), with the API's errors.
bp = Blueprint("broadcasts_api", __name__, url_prefix="/broadcasts")


# --- OpenAPI schemas (#/components/schemas/...) of these routes ---------------------------

BROADCAST_TEXT = {"type": "string", "minLength": 1, "maxLength": 300, "pattern": r"^[^\x00]*[^\s\x00][^\x00]*$",
                  "description": "at most 6 SMS parts once typographic marks are made GSM-7"}
AUDIENCE_VALUE = {"type": "string", "minLength": 1, "maxLength": 60, "pattern": r"^[^\x00]*[^\s\x00][^\x00]*$"}
register_schema("BroadcastInput", {
    "type": "object", "required": ["text"], "additionalProperties": False,
    "properties": {
        "text": {"type": "object", "minProperties": 1, "additionalProperties": False,
                 "properties": {"sw": BROADCAST_TEXT, "en": BROADCAST_TEXT},
                 "description": "one text per language; each miner gets theirs, else DEFAULT_LOCALE's"},
        "audience": {
            "type": "object", "additionalProperties": False,
            "description": "filters, all optional ({} or absent: every miner who accepts SMS); a county officer's "
                           "county is filled in and no other is allowed. `{\"all\": true}` is accepted alone.",
            "properties": {
                "county": AUDIENCE_VALUE, "site": AUDIENCE_VALUE,
                "role": {"type": "string", "enum": ["digger", "processor", "buyer", "owner", "other"]},
                "gender": {"type": "string", "enum": ["woman", "man", "undisclosed"]},
                "language": {"type": "string", "enum": ["sw", "en"]},
                "registered_after": {"type": "string", "format": "date"},
                "registered_before": {"type": "string", "format": "date"}}},
        "send_at": {"type": "string", "format": "date-time", "nullable": True,
                    "description": "later sending; without a zone, Nairobi time; null or past: now"},
        "urgent": {"type": "boolean", "default": False,
                   "description": "safety alerts go at any hour; others only 07:00-19:00 Nairobi time"},
    },
})
COUNTS = {"type": "object", "required": ["total", "queued", "sent", "delivered", "failed", "skipped", "opted_out"],
          "properties": {name: {"type": "integer", "minimum": 0} for name in
                         ("total", "queued", "sent", "delivered", "failed", "skipped", "cancelled", "opted_out",
                          "done")}}
register_schema("BroadcastPreview", {
    "type": "object", "required": ["recipients", "excluded", "languages", "cost_kes", "cost_per_segment_kes"],
    "properties": {
        "recipients": {"type": "integer", "minimum": 0},
        "excluded": {"type": "integer", "minimum": 0, "description": "in the audience but not reachable by SMS"},
        "languages": {"type": "object", "additionalProperties": {
            "type": "object", "required": ["text", "encoding", "length", "segments", "recipients", "cost_kes"],
            "properties": {"text": {"type": "string"}, "encoding": {"type": "string", "enum": ["GSM-7", "UCS-2"]},
                           "length": {"type": "integer"}, "segments": {"type": "integer"},
                           "changed": {"type": "boolean"}, "warnings": {"type": "array", "items": {"type": "string"}},
                           "recipients": {"type": "integer"}, "cost_kes": {"type": "number"}}}},
        "cost_kes": {"type": "number"}, "cost_per_segment_kes": {"type": "number"},
        "balance_kes": {"type": "number", "nullable": True, "description": "Africa's Talking balance; null when unknown"},
        "balance_short": {"type": "boolean", "description": "the estimated cost is more than the balance"},
    },
})
register_schema("Broadcast", {
    "type": "object",
    "required": ["id", "status", "urgent", "text", "audience", "send_at", "created_at", "counts"],
    "properties": {
        "id": {"type": "integer"},
        "status": {"type": "string",
                   "enum": ["scheduled", "planning", "sending", "waiting", "paused", "cancelled", "done"]},
        "urgent": {"type": "boolean"},
        "text": {"type": "object", "additionalProperties": {"type": "string"}},
        "audience": {"type": "object"},
        "send_at": NULLABLE_TIME, "created_at": NULLABLE_TIME, "started_at": NULLABLE_TIME,
        "finished_at": NULLABLE_TIME, "cancelled_at": NULLABLE_TIME,
        "pause_reason": NULLABLE_STRING, "officer_id": {"type": "integer", "nullable": True},
        "counts": COUNTS,
        "preview": {"$ref": "#/components/schemas/BroadcastPreview"},
    },
})


def _body():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "bad_json", "send a JSON object")
    return body


def _send_at(body):
    send_at = body.get("send_at")
    if send_at in (None, ""):
        return None
    try:
        send_at = datetime.fromisoformat(str(send_at).replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(400, "invalid_broadcast", "send_at must be an ISO date-time or null") from None
    return send_at if send_at.tzinfo else send_at.replace(tzinfo=NAIROBI)


@bp.post("")
@requires("broadcasts")
def create_broadcast():
    """Send one text per language to an audience of miners (queued; 202 with its id).
    ---
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/BroadcastInput'}
      responses:
        202:
          description: stored and scheduled; progress at GET /api/v1/broadcasts/{id}
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Broadcast'}
        400: {$ref: '#/components/responses/BadRequest'}
    """
    body = _body()
    send_at = _send_at(body)
    broadcast, shown = actions.create(g.officer, body.get("text"), body.get("audience"),
                                      urgent=body.get("urgent", False), send_at=send_at)
    return jsonify({**serialise(broadcast), "preview": shown}), 202


@bp.post("/preview")
@requires("broadcasts")
def preview_broadcast():
    """Recipients per language, encoding, SMS parts and cost of a broadcast; sends nothing.
    ---
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/BroadcastInput'}
      responses:
        200:
          description: what sending it would do
          content:
            application/json:
              schema: {$ref: '#/components/schemas/BroadcastPreview'}
        400: {$ref: '#/components/responses/BadRequest'}
    """
    body = _body()
    _send_at(body)
    if not isinstance(body.get("urgent", False), bool):
        raise ApiError(400, "invalid_broadcast", "urgent must be true or false")
    return jsonify(actions.preview(g.officer, body.get("text"), body.get("audience")))


@bp.get("")
@requires("read")
def list_broadcasts():
    """Broadcasts, newest first (a county officer's own).
    ---
    get:
      x-page-of: Broadcast
      responses:
        200: {description: a page of broadcasts}
    """
    return jsonify(paged(actions.visible_query(g.officer), serialise, db.session))


def _visible(action, broadcast_id):
    """Another county's broadcast is not found, as if it did not exist."""
    try:
        return action(g.officer, broadcast_id)
    except OutOfScope:
        raise NotFound(f"no broadcast {broadcast_id}") from None


@bp.get("/<int:broadcast_id>")
@requires("read")
def get_broadcast(broadcast_id):
    """A broadcast's progress: counts queued, sent, delivered, failed, opted out.
    ---
    get:
      responses:
        200:
          description: the broadcast
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Broadcast'}
        404: {$ref: '#/components/responses/NotFound'}
    """
    return jsonify(serialise(_visible(actions.get, broadcast_id)))


@bp.post("/<int:broadcast_id>/cancel")
@requires("broadcasts")
def cancel_broadcast(broadcast_id):
    """Stop a broadcast: nothing more is sent; what was sent stays sent.
    ---
    post:
      responses:
        200:
          description: the broadcast, cancelled (or already over)
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Broadcast'}
        404: {$ref: '#/components/responses/NotFound'}
    """
    return jsonify(serialise(_visible(actions.cancel, broadcast_id)))


@bp.post("/<int:broadcast_id>/resume")
@requires("broadcasts")
def resume_broadcast(broadcast_id):
    """Carry on after a pause (the AT balance was topped up) or a crash, with whoever is left.
    ---
    post:
      responses:
        200:
          description: the broadcast, sending again (or already over)
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Broadcast'}
        404: {$ref: '#/components/responses/NotFound'}
    """
    return jsonify(serialise(_visible(actions.resume, broadcast_id)))
