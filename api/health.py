"""GET /healthz: no auth; 200 when the database and Redis answer, 503 when either does not."""
import logging

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

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
