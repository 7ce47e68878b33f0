"""Call-backs in the officers' API (CONTRACT.md section 3), under /api/v1:

    GET   /callbacks          ?status=open,called&county=&page=&per_page=
    PATCH /callbacks/<id>     {"status": "called"|"done", "note": "..."}

The county rule, the role and the audit entry are in permits.callbacks (as for the
dashboard and the CLI), whose refusals (core.policy) get the API's error shape; this module
parses and renders.
"""
from flask import Blueprint, g, jsonify, request

from api.auth import requires
from api.errors import ApiError, paged
from api.openapi import register_schema
from models import db
from models.permit import CALLBACK_STATUSES, CALLBACK_TOPICS, NOTE_MAX
from permits import callbacks

# Mounted at /api/v1 by the capability registry (with the API's error shape and NUL guard).
bp = Blueprint("permits", __name__)

register_schema("Callback", {
    "type": "object",
    "required": ["id", "reference", "phone", "county", "topic", "channel", "locale", "registered", "status",
                 "note", "handled_by", "created_at", "updated_at"],
    "properties": {
        "id": {"type": "integer"}, "reference": {"type": "string", "example": "CB12"},
        "phone": {"type": "string", "description": "whole for admins and the county's officers; masked for viewers"},
        "county": {"type": "string"}, "topic": {"type": "string", "enum": list(CALLBACK_TOPICS)},
        "channel": {"type": "string", "enum": ["ussd", "sms"]}, "locale": {"type": "string", "enum": ["sw", "en"]},
        "registered": {"type": "boolean"}, "status": {"type": "string", "enum": list(CALLBACK_STATUSES)},
        "note": {"type": "string", "nullable": True}, "handled_by": {"type": "string", "nullable": True},
        "created_at": {"type": "string", "format": "date-time"},
        "updated_at": {"type": "string", "format": "date-time"},
    },
})


@bp.get("/callbacks")
@requires("read")
def list_callbacks():
    """Miners' requests for an officer to call them (permits and groups), open first.
    ---
    get:
      description: >
        A county officer sees only their county's requests (asking for another county is 403).
        The phone is whole for admins and officers (the miner asked to be called on it), masked for viewers.
      x-page-of: Callback
      parameters:
        - {name: status, in: query, description: "a status, or several separated by commas", schema: {type: string, enum: [open, called, done]}}
        - {name: county, in: query, schema: {type: string, maxLength: 60, pattern: '^[^\\x00]*$'}}
      responses:
        200: {description: a page of call-back requests}
    """
    statuses = [s.strip() for s in (request.args.get("status") or "").split(",") if s.strip()]
    query = callbacks.listing(g.officer, status=statuses or None,
                              county=(request.args.get("county") or "").strip()[:60] or None)
    return jsonify(paged(query, lambda row: callbacks.serialise(row, g.officer), db.session))


@bp.patch("/callbacks/<int:callback_id>")
@requires("callbacks")
def update_callback(callback_id):
    """Move a call-back on: open -> called -> done (done needs a note). Audited.
    ---
    patch:
      description: Admins and the county's officers; viewers get 403.
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [status]
              additionalProperties: false
              properties:
                status: {type: string, enum: [open, called, done]}
                note: {type: string, maxLength: 1000, nullable: true, pattern: '^[^\\x00]*$'}
      responses:
        200:
          description: the call-back as changed
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Callback'}
        400: {$ref: '#/components/responses/BadRequest'}
        404: {$ref: '#/components/responses/NotFound'}
    """
    callbacks.get(g.officer, callback_id)  # 404, or 403 for another county's, before the body is read
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "bad_json", "send a JSON object: {\"status\": \"called\", \"note\": \"...\"}")
    unknown = sorted(set(body) - {"status", "note"})
    if unknown:
        raise ApiError(400, f"bad_{unknown[0]}"[:40], f"unknown field {unknown[0]!r}")
    status, note = body.get("status"), body.get("note")
    if not isinstance(status, str) or status not in CALLBACK_STATUSES:
        raise ApiError(400, "bad_status", f"status must be one of: {', '.join(CALLBACK_STATUSES)}")
    if note is not None and not isinstance(note, str):
        raise ApiError(400, "bad_note", "note must be text")
    if note is not None and len(note.strip()) > NOTE_MAX:
        raise ApiError(400, "bad_note", f"note must be at most {NOTE_MAX} characters")
    item = callbacks.change_status(g.officer, callback_id, status, note)
    return jsonify(callbacks.serialise(item, g.officer))
