"""GET /healthz: no auth; 200 when the database and Redis answer, 503 when either does not.
GET /metrics: Prometheus text format (core/metrics.py), from loopback or with METRICS_TOKEN."""
import hmac
import logging

from flask import Blueprint, Response, current_app, jsonify, request
from sqlalchemy import text

from core import metrics as core_metrics
from models import db

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """The state of the database and Redis (for monitoring).
    ---
    get:
      security: []
      responses:
        200:
          description: both answer
          content:
            application/json:
              schema:
                type: object
                required: [status, database, redis]
                properties:
                  status: {type: string, enum: [ok, degraded]}
                  database: {type: string, enum: [ok, down]}
                  redis: {type: string, enum: [ok, down]}
        503:
          description: the database or Redis does not answer (same body, status degraded)
    """
    checks = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # report, never raise: this is what monitoring polls
        db.session.rollback()
        log.warning("health: database down: %s", type(exc).__name__)
        checks["database"] = "down"
    try:
        current_app.extensions["redis"].ping()
        checks["redis"] = "ok"
    except Exception as exc:
        log.warning("health: redis down: %s", type(exc).__name__)
        checks["redis"] = "down"
    healthy = all(v == "ok" for v in checks.values())
    return jsonify({"status": "ok" if healthy else "degraded", **checks}), 200 if healthy else 503


LOOPBACK = {"127.0.0.1", "::1"}


def _may_scrape():
    """A request from this machine (not relayed by a proxy), or one carrying METRICS_TOKEN."""
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        given = request.args.get("token") or ""
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            given = auth[len("Bearer "):]
        if given and hmac.compare_digest(given.encode(), token.encode()):
            return True
    # A reverse proxy on this machine makes every visitor look local: what it relays needs the token.
    return request.remote_addr in LOOPBACK and "X-Forwarded-For" not in request.headers


@bp.get("/metrics")
def metrics():
    """Prometheus text format: every web and worker process's counters, and the queues."""
    if not _may_scrape():
        return Response("metrics: from this machine, or with METRICS_TOKEN\n", status=403, mimetype="text/plain")
    body, content_type = core_metrics.render(current_app.extensions["redis"])
    return Response(body, content_type=content_type)
