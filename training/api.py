"""/api/v1/trainings (CONTRACT.md section 3): training sessions, attendees and attendance.

    GET/POST /trainings               list (filter county, status, upcoming) | create -> 201
    GET/PATCH /trainings/<id>         one session | change it; {"status": "cancelled"} cancels and tells those booked
    GET  /trainings/<id>/attendees    {"items": [{"phone", "name", "status"}], "total"} (phones masked unless admin)
    POST /trainings/<id>/attendance   {"phones": ["+2547..."]} marks who came
    POST /trainings/<id>/invite       an SMS invitation to the county's miners (a broadcast) -> 202

Role, county rule and audit live in training.service (the dashboard and CLI call the same
functions, the officer first); its refusals (core.policy) get the API's error shape: 404 for
no such session, 403 for another county's, 400 naming the field.
"""
from flask import Blueprint, g, jsonify, request

from api.auth import requires
from api.errors import ApiError, paged
from models import db, utcnow
from models.training import TrainingSession
from training import service

# Mounted at /api/v1 by the capability registry, which adds the API's error shape and NUL guard.
bp = Blueprint("training_api", __name__)


def _body():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "bad_json", "send a JSON object")
    return body


@bp.get("/trainings")
@requires("read")
def list_trainings():
    """Training sessions (in the officer's county when they have one), soonest first.
    ---
    get:
      x-page-of: Training
      parameters:
        - {name: county, in: query, schema: {type: string, maxLength: 60}}
        - {name: status, in: query, schema: {type: string, enum: [scheduled, cancelled]}}
        - {name: upcoming, in: query, description: "1: only sessions not started yet", schema: {type: string, enum: ["0", "1"]}}
      responses:
        200: {description: "a page of training sessions"}
    """
    query = service.scoped_query(g.officer).order_by(TrainingSession.starts_at, TrainingSession.id)
    county = (request.args.get("county") or "").strip()
    if county:
        query = query.filter(db.func.lower(TrainingSession.county) == county.lower())
    status = request.args.get("status")
    if status:
        if status not in ("scheduled", "cancelled"):
            raise ApiError(400, "invalid", "status: must be scheduled or cancelled")
        query = query.filter(TrainingSession.status == status)
    if request.args.get("upcoming") == "1":
        query = query.filter(TrainingSession.starts_at > utcnow())
    return jsonify(paged(query, service.serialise, db.session))


@bp.post("/trainings")
@requires("trainings")
def create_training():
    """Create a training session in a county.
    ---
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/TrainingInput'}
      responses:
        201:
          description: created
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Training'}
        400: {$ref: '#/components/responses/BadRequest'}
    """
    session = service.create(g.officer, _body())
    return jsonify(service.serialise(session)), 201


@bp.get("/trainings/<int:training_id>")
@requires("read")
def get_training(training_id):
    """One training session with its counts.
    ---
    get:
      parameters:
        - {name: training_id, in: path, required: true, schema: {type: integer, minimum: 1, maximum: 2147483647}}
      responses:
        200:
          description: the session
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Training'}
        404: {$ref: '#/components/responses/NotFound'}
    """
    return jsonify(service.serialise(service.get(g.officer, training_id)))


@bp.patch("/trainings/<int:training_id>")
@requires("trainings")
def patch_training(training_id):
    """Change a session; "status": "cancelled" cancels it and tells everyone booked by SMS.
    ---
    patch:
      parameters:
        - {name: training_id, in: path, required: true, schema: {type: integer, minimum: 1, maximum: 2147483647}}
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/TrainingPatch'}
      responses:
        200:
          description: the changed session
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Training'}
        400: {$ref: '#/components/responses/BadRequest'}
        404: {$ref: '#/components/responses/NotFound'}
    """
    session = service.update(g.officer, training_id, _body())
    return jsonify(service.serialise(session))


@bp.get("/trainings/<int:training_id>/attendees")
@requires("read")
def training_attendees(training_id):
    """Who booked, waits, cancelled or came (phones masked unless the role allows).
    ---
    get:
      parameters:
        - {name: training_id, in: path, required: true, schema: {type: integer, minimum: 1, maximum: 2147483647}}
      responses:
        200: {description: 'attendees: {"items": [{"phone", "name", "status"}], "total"}'}
        404: {$ref: '#/components/responses/NotFound'}
    """
    items = [{k: row[k] for k in ("phone", "name", "status")}
             for row in service.attendees(service.get(g.officer, training_id), g.officer)]
    return jsonify({"items": items, "total": len(items)})


@bp.post("/trainings/<int:training_id>/attendance")
@requires("trainings")
def training_attendance(training_id):
    """Mark who came: {"phones": ["+2547..."]} (a phone with no booking is a walk-in).
    ---
    post:
      parameters:
        - {name: training_id, in: path, required: true, schema: {type: integer, minimum: 1, maximum: 2147483647}}
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/AttendanceInput'}
      responses:
        200: {description: "the phones marked as attended"}
        400: {$ref: '#/components/responses/BadRequest'}
        404: {$ref: '#/components/responses/NotFound'}
    """
    session = service.get(g.officer, training_id)
    body = _body()
    if "phones" not in body:
        raise ApiError(400, "invalid", "phones: is required")
    marked = service.set_attendance(g.officer, session.id, body["phones"])
    return jsonify({"attended": len(marked), "session": service.serialise(session)})


@bp.post("/trainings/<int:training_id>/invite")
@requires("broadcasts")
def invite_training(training_id):
    """Invite the county's miners by SMS (a broadcast saying how to book); 202 with its id.
    ---
    post:
      parameters:
        - {name: training_id, in: path, required: true, schema: {type: integer, minimum: 1, maximum: 2147483647}}
      responses:
        202: {description: "the invitation broadcast is queued"}
        400: {$ref: '#/components/responses/BadRequest'}
        404: {$ref: '#/components/responses/NotFound'}
    """
    broadcast = service.invite(g.officer, training_id)
    return jsonify({"broadcast_id": broadcast.id, "training_id": training_id}), 202


# --- OpenAPI schemas -------------------------------------------------------------------------

def _register_schemas():
    from api.openapi import register_schema
    from api.components import NO_NUL
    from models.training import TOPICS
    from flows.catalog import MINING_COUNTIES
    from training.texts import SEATS_MAX, TITLE_MAX, VENUE_MAX

    titles = {"type": "object", "additionalProperties": False, "minProperties": 1, "properties": {
        locale: {"type": "string", "minLength": 1, "maxLength": TITLE_MAX, "pattern": NO_NUL} for locale in ("sw", "en")},
        "example": {"sw": "Kuosha dhahabu bila zebaki", "en": "Mercury-free processing"}}
    register_schema("TrainingInput", {
        "type": "object", "required": ["topic", "title", "county", "venue", "starts_at", "seats"],
        "additionalProperties": False,
        "properties": {
            "topic": {"type": "string", "enum": list(TOPICS)},
            "title": titles,
            "county": {"type": "string", "enum": list(MINING_COUNTIES), "example": "Migori"},
            "venue": {"type": "string", "minLength": 1, "maxLength": VENUE_MAX, "pattern": NO_NUL, "example": "Osiri"},
            "starts_at": {"type": "string", "format": "date-time", "example": "2026-12-10T09:00:00+03:00",
                          "description": "in the future; without a zone, Nairobi time"},
            "seats": {"type": "integer", "minimum": 1, "maximum": SEATS_MAX, "example": 30},
        },
    })
    register_schema("TrainingPatch", {
        "type": "object", "additionalProperties": False, "minProperties": 1,
        "properties": {
            "status": {"type": "string", "enum": ["cancelled"]},
            "title": titles,
            "venue": {"type": "string", "minLength": 1, "maxLength": VENUE_MAX, "pattern": NO_NUL},
            "starts_at": {"type": "string", "format": "date-time"},
            "seats": {"type": "integer", "minimum": 1, "maximum": SEATS_MAX},
        },
    })
    register_schema("Training", {
        "type": "object",
        "required": ["id", "topic", "title", "county", "venue", "starts_at", "seats", "booked", "waiting",
                     "attended", "status"],
        "properties": {
            "id": {"type": "integer"}, "topic": {"type": "string", "enum": list(TOPICS)},
            "title": {"type": "object", "additionalProperties": {"type": "string"}},
            "county": {"type": "string"}, "venue": {"type": "string"},
            "starts_at": {"type": "string", "format": "date-time"},
            "seats": {"type": "integer"}, "booked": {"type": "integer"}, "waiting": {"type": "integer"},
            "attended": {"type": "integer"}, "status": {"type": "string", "enum": ["scheduled", "cancelled"]},
            "created_by": {"type": "string", "nullable": True}, "invited_broadcast_id": {"type": "integer", "nullable": True},
        },
    })
    register_schema("AttendanceInput", {
        "type": "object", "required": ["phones"], "additionalProperties": False,
        "properties": {"phones": {"type": "array", "maxItems": 1000,
                                  "items": {"type": "string", "pattern": r"^\+254[17][0-9]{8}$"},
                                  "example": ["+254712345678"]}},
    })


_register_schemas()
