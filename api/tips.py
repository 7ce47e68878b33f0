"""/api/v1/tips: list, add, edit, retire and restore safety tips (officers).

The role check and the audit entry are tips.catalogue's (the same for the dashboard and the
CLI); this module parses and renders."""
from flask import g, jsonify, request

from api.blueprint import bp
from api.auth import requires
from api.errors import ApiError, paged
from api.components import register_path_parameter
from models import Tip, TipTopic, db
from tips import catalogue as tips_catalogue
from tips.catalogue import TIP_ID_PATTERN, ContentError

register_path_parameter("tip_id", {"type": "string", "pattern": f"^{TIP_ID_PATTERN}$"})


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
