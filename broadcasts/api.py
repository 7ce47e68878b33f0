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
from api.errors import ApiError, paged
from broadcasts import actions
from broadcasts.lifecycle import serialise
from core.i18n import NAIROBI
from core.policy import NotFound, OutOfScope
from models import db

# Mounted at /api/v1/broadcasts by the registry (core/capability.py), with the API's errors.
bp = Blueprint("broadcasts_api", __name__, url_prefix="/broadcasts")


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
