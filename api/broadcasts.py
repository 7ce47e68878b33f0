"""Broadcasts in the officers' API (CONTRACT.md section 3).

    POST /api/v1/broadcasts          {"text": {"sw": "...", "en": "..."}, "audience": {...},
                                      "send_at": null, "urgent": false}  -> 202 {"id": ..., ...}
    GET  /api/v1/broadcasts          paged list, newest first
    GET  /api/v1/broadcasts/<id>     progress: counts queued, sent, delivered, failed, opted out
    POST /api/v1/broadcasts/preview  same body as POST: recipients, encoding, parts, cost; sends nothing
    POST /api/v1/broadcasts/<id>/cancel

Audience filters: county, site, role, gender, language (lists or single values),
registered_after, registered_before (dates); {} means every miner who accepts SMS. Opted-out,
unconsented and unreachable miners are always excluded. An officer with a county can only
broadcast to (and see broadcasts of) that county.
"""
from datetime import datetime

from flask import g, jsonify, request

from api import bp
from api.auth import requires
from api.errors import MAX_ID, ApiError, paged
from models import Broadcast, db
from sms import broadcasts
from sms.broadcasts import NAIROBI, BroadcastError


def _body():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "bad_json", "send a JSON object")
    return body


def _scoped_audience(audience):
    """An officer limited to a county broadcasts only there (county filled in when absent)."""
    officer = g.officer
    if officer.role == "admin" or not officer.county:
        return audience
    counties = audience.get("county") or []
    if not counties:
        return {**audience, "county": [officer.county]}
    if any(c.casefold() != officer.county.casefold() for c in counties):
        raise ApiError(403, "out_of_scope", f"you may only broadcast to {officer.county}")
    return audience


def _parse(body):
    try:
        texts = broadcasts.clean_texts(body.get("text"))
        audience = _scoped_audience(broadcasts.clean_audience(body.get("audience")))
    except BroadcastError as exc:
        raise ApiError(400, "invalid_broadcast", str(exc)) from None
    send_at = body.get("send_at")
    if send_at not in (None, ""):
        try:
            send_at = datetime.fromisoformat(str(send_at).replace("Z", "+00:00"))
        except ValueError:
            raise ApiError(400, "invalid_broadcast", "send_at must be an ISO date-time or null") from None
        if send_at.tzinfo is None:
            send_at = send_at.replace(tzinfo=NAIROBI)
    else:
        send_at = None
    urgent = body.get("urgent", False)
    if not isinstance(urgent, bool):
        raise ApiError(400, "invalid_broadcast", "urgent must be true or false")
    return texts, audience, send_at, urgent


def _visible(broadcast):
    officer = g.officer
    if officer.role == "admin" or not officer.county or broadcast.officer_id == officer.id:
        return True
    counties = broadcast.audience.get("county") or []
    return bool(counties) and all(c.casefold() == officer.county.casefold() for c in counties)


@bp.post("/broadcasts")
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
    texts, audience, send_at, urgent = _parse(_body())
    broadcast = broadcasts.create(texts, audience, urgent=urgent, send_at=send_at, officer_id=g.officer.id)
    return jsonify({**broadcasts.serialise(broadcast),
                    "preview": broadcasts.preview(broadcast.texts, broadcast.audience)}), 202


@bp.post("/broadcasts/preview")
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
    texts, audience, _, _ = _parse(_body())
    return jsonify(broadcasts.preview(texts, audience))


@bp.get("/broadcasts")
@requires("read")
def list_broadcasts():
    """Broadcasts, newest first (a county officer's own).
    ---
    get:
      x-page-of: Broadcast
      responses:
        200: {description: a page of broadcasts}
    """
    query = db.select(Broadcast).order_by(Broadcast.id.desc())
    officer = g.officer
    if officer.role != "admin" and officer.county:
        query = query.where(Broadcast.officer_id == officer.id)
    return jsonify(paged(query, broadcasts.serialise, db.session))


def _get(broadcast_id):
    # Ids beyond a 32-bit integer cannot exist; asking the database for one is an error there.
    broadcast = db.session.get(Broadcast, broadcast_id) if broadcast_id <= MAX_ID else None
    if broadcast is None or not _visible(broadcast):
        raise ApiError(404, "not_found", f"no broadcast {broadcast_id}")
    return broadcast


@bp.get("/broadcasts/<int:broadcast_id>")
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
    return jsonify(broadcasts.serialise(_get(broadcast_id)))


@bp.post("/broadcasts/<int:broadcast_id>/cancel")
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
    broadcast = broadcasts.cancel(_get(broadcast_id).id)
    return jsonify(broadcasts.serialise(broadcast))
