"""/api/v1/tips: list, add, edit, retire and restore safety tips (officers).

The role check and the audit entry are tips.catalogue's (the same for the dashboard and the
CLI); this module parses and renders.

The capability's own API blueprint (Capability.api, mounted at /api/v1); its operations keep
the OpenAPI ids they had when they lived in api/ (`operationId: api_...`).
"""
from flask import Blueprint, g, jsonify, request

from api.auth import requires
from api.components import NO_NUL, NULLABLE_STRING, NULLABLE_TIME, register_path_parameter, register_schema
from api.errors import ApiError, paged
from models import Tip, TipTopic, db
from models.tip import TIP_SCREEN_MAX
from tips import catalogue as tips_catalogue
from tips.catalogue import TIP_ID_PATTERN, ContentError

# Mounted at /api/v1 by the registry (core/capability.py), with the API's errors.
bp = Blueprint("tips_api", __name__)

register_path_parameter("tip_id", {"type": "string", "pattern": f"^{TIP_ID_PATTERN}$"})


# --- OpenAPI schemas (#/components/schemas/...) of these routes ---------------------------

register_schema("Tip", {
    "type": "object",
    "required": ["id", "topic", "sw", "en", "sources", "origin", "created_by", "retired", "created_at", "retired_at"],
    "properties": {
        "id": {"type": "string"}, "topic": {"type": "string"}, "sw": {"type": "string"}, "en": {"type": "string"},
        "sources": {"type": "array", "items": {"type": "string"}},
        "origin": {"type": "string", "enum": ["file", "officer"]}, "created_by": NULLABLE_STRING,
        "retired": {"type": "boolean"}, "created_at": NULLABLE_TIME, "retired_at": NULLABLE_TIME,
        "edited_by": NULLABLE_STRING, "edited_at": NULLABLE_TIME,
    },
})
TIP_TEXT = {"type": "string", "minLength": 1, "maxLength": TIP_SCREEN_MAX, "pattern": r"^[A-Za-z0-9 .,;:!?'()-]*[A-Za-z0-9][A-Za-z0-9 .,;:!?'()-]*$",
            "description": f"whole on one USSD screen and one SMS: at most {TIP_SCREEN_MAX} GSM-7 characters"}
register_schema("TipInput", {
    "type": "object", "required": ["topic", "sw", "en"], "additionalProperties": False,
    "properties": {
        "topic": {"type": "string", "minLength": 1, "pattern": NO_NUL, "description": "a topic code from GET /api/v1/tips/topics"},
        "sw": TIP_TEXT, "en": TIP_TEXT,
        "id": {"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]{1,59}$", "description": "default: <topic>-<n>"},
        "sources": {"type": "array", "items": {"type": "string", "maxLength": 40, "pattern": NO_NUL}, "maxItems": 4},
    },
})
register_schema("TipEdit", {
    "type": "object", "required": ["topic", "sw", "en"], "additionalProperties": False,
    "properties": {
        "topic": {"type": "string", "minLength": 1, "pattern": NO_NUL, "description": "a topic code from GET /api/v1/tips/topics"},
        "sw": TIP_TEXT, "en": TIP_TEXT,
        "sources": {"type": "array", "items": {"type": "string", "maxLength": 40, "pattern": NO_NUL}, "maxItems": 4,
                    "description": "default: the tip's sources as they are"},
    },
})
register_schema("TipTopic", {
    "type": "object", "required": ["code", "sw", "en", "words"],
    "properties": {"code": {"type": "string"}, "sw": {"type": "string"}, "en": {"type": "string"},
                   "words": {"type": "object", "properties": {"en": {"type": "array", "items": {"type": "string"}},
                                                              "sw": {"type": "array", "items": {"type": "string"}}}}},
})


def _body():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "bad_json", "send a JSON object")
    return body


def _texts(body):
    """The topic, texts and sources of a tip body, checked as types (400 naming the field)."""
    sources = body.get("sources") or []
    if not isinstance(sources, list):
        raise ApiError(400, "invalid", "sources must be a list of strings")
    for name in ("topic", "sw", "en"):
        if not isinstance(body.get(name), str) or not body[name].strip():
            raise ApiError(400, "invalid", f"{name} is required (a string)")
    return {"topic": body["topic"], "sw": body["sw"], "en": body["en"], "sources": [str(s) for s in sources]}


@bp.get("/tips")
@requires("read")
def list_tips():
    """Safety tips by topic and position.
    ---
    get:
      operationId: api_list_tips_get
      x-page-of: Tip
      parameters:
        - {name: topic, in: query, schema: {type: string, maxLength: 30, pattern: '^[^\\x00]*$'}}
        - {name: retired, in: query, description: "false (default): tips in use; true: retired ones; all", schema: {type: string, enum: ["false", "true", "1", "all"]}}
      responses:
        200: {description: a page of tips}
    """
    query = db.select(Tip).order_by(Tip.topic_code, Tip.position, Tip.id)
    if request.args.get("topic"):
        query = query.filter_by(topic_code=request.args["topic"])
    retired = request.args.get("retired", "false").lower()
    if retired in ("true", "1"):
        query = query.filter(Tip.retired_at.is_not(None))
    elif retired != "all":
        query = query.filter(Tip.retired_at.is_(None))
    return jsonify(paged(query, Tip.to_dict, db.session))


@bp.get("/tips/topics")
@requires("read")
def list_topics():
    """The tip topics, in menu order.
    ---
    get:
      operationId: api_list_topics_get
      responses:
        200:
          description: every topic
          content:
            application/json:
              schema:
                type: object
                required: [items, total]
                properties:
                  items: {type: array, items: {$ref: '#/components/schemas/TipTopic'}}
                  total: {type: integer}
    """
    topics = db.session.execute(db.select(TipTopic).order_by(TipTopic.position)).scalars().all()
    items = [{"code": t.code, "sw": t.label_sw, "en": t.label_en, "words": {"en": t.words_en.split(),
              "sw": t.words_sw.split()}} for t in topics]
    return jsonify({"items": items, "total": len(items)})


@bp.post("/tips")
@requires("tips")
def add_tip():
    """Add a tip (both languages, each one GSM-7 SMS).
    ---
    post:
      operationId: api_add_tip_post
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/TipInput'}
      responses:
        201:
          description: added
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Tip'}
        400: {$ref: '#/components/responses/BadRequest'}
        422:
          description: the tip cannot be sent as one SMS, or the topic or id is not usable
          content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}
    """
    body = _body()
    fields = _texts(body)
    if body.get("id") is not None and not isinstance(body["id"], str):
        raise ApiError(400, "invalid", "id must be a string")
    try:
        tip = tips_catalogue.add_tip(**fields, tip_id=body.get("id"), officer=g.officer)
    except ContentError as exc:
        raise ApiError(422, "invalid_tip", "; ".join(exc.problems)) from None
    return jsonify(tip.to_dict()), 201


@bp.get("/tips/<tip_id>")
@requires("read")
def get_tip(tip_id):
    """One tip.
    ---
    get:
      operationId: api_get_tip_get
      responses:
        200:
          description: the tip
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Tip'}
        404: {$ref: '#/components/responses/NotFound'}
    """
    tip = db.session.get(Tip, tip_id)
    if tip is None:
        raise ApiError(404, "not_found", f"no tip {tip_id}")
    return jsonify(tip.to_dict())


@bp.put("/tips/<tip_id>")
@requires("tips")
def edit_tip(tip_id):
    """Correct a tip: its texts, topic and sources (each text one GSM-7 SMS). The tip keeps
    the officer's text when the content file is loaded again.
    ---
    put:
      operationId: api_edit_tip_put
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/TipEdit'}
      responses:
        200:
          description: the tip as corrected
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Tip'}
        400: {$ref: '#/components/responses/BadRequest'}
        404: {$ref: '#/components/responses/NotFound'}
        422:
          description: the tip cannot be sent as one SMS, or the topic is not usable
          content: {application/json: {schema: {$ref: '#/components/schemas/Error'}}}
    """
    body = _body()
    fields = _texts(body)
    if "sources" not in body:
        tip = db.session.get(Tip, tip_id)
        fields["sources"] = tip.sources.split() if tip is not None and tip.sources else []
    try:
        tip = tips_catalogue.edit_tip(tip_id, **fields, officer=g.officer)
    except ContentError as exc:
        raise ApiError(422, "invalid_tip", "; ".join(exc.problems)) from None
    if tip is None:
        raise ApiError(404, "not_found", f"no tip {tip_id}")
    return jsonify(tip.to_dict())


@bp.delete("/tips/<tip_id>")
@requires("tips")
def retire_tip(tip_id):
    """Retire a tip: kept (deliveries refer to it), no longer shown or sent.
    ---
    delete:
      operationId: api_retire_tip_delete
      responses:
        200:
          description: the retired tip
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Tip'}
        404: {$ref: '#/components/responses/NotFound'}
    """
    tip = tips_catalogue.set_retired(tip_id, True, officer=g.officer)
    if tip is None:
        raise ApiError(404, "not_found", f"no tip {tip_id}")
    return jsonify(tip.to_dict())


@bp.patch("/tips/<tip_id>")
@requires("tips")
def patch_tip(tip_id):
    """Retire or restore a tip.
    ---
    patch:
      operationId: api_patch_tip_patch
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [retired]
              additionalProperties: false
              properties:
                retired: {type: boolean}
      responses:
        200:
          description: the tip
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Tip'}
        400: {$ref: '#/components/responses/BadRequest'}
        404: {$ref: '#/components/responses/NotFound'}
    """
    body = _body()
    if not isinstance(body.get("retired"), bool):
        raise ApiError(400, "invalid", 'send {"retired": true} or {"retired": false}')
    tip = tips_catalogue.set_retired(tip_id, body["retired"], officer=g.officer)
    if tip is None:
        raise ApiError(404, "not_found", f"no tip {tip_id}")
    return jsonify(tip.to_dict())
