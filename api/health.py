"""GET /healthz: no auth; 200 when the database takes a write and Redis answers, 503 otherwise.
GET /metrics: Prometheus text format (core/metrics.py), from loopback or with METRICS_TOKEN."""
import hmac
import logging

from flask import Blueprint, Response, current_app, jsonify, request

from core import metrics as core_metrics
from models import Heartbeat, db
from models.base import cached_statement, upsert_insert

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)

@cached_statement
def _beat_statement():
    """Bump the one heartbeat row (inserting it if a restore lost it): one cheap write."""
    statement = upsert_insert(Heartbeat).values(id=1, beat=0)
    return statement.on_conflict_do_update(index_elements=[Heartbeat.id],
                                           set_={"beat": (Heartbeat.beat + 1) % 1_000_000})


def database_writable():
    """True when the database commits a write. Reads alone are not enough: a locked SQLite
    file, a full disk or a read-only PostgreSQL replica still answer SELECT 1."""
    try:
        db.session.execute(_beat_statement())
        db.session.commit()
        return True
    except Exception as exc:  # report, never raise: this is what monitoring polls
        db.session.rollback()
        log.warning("health: database does not take writes: %s", type(exc).__name__)
        return False


@bp.get("/healthz")
def healthz():
    """The state of the database and Redis (for monitoring).
    ---
    get:
      security: []
      description: >
        `database` is `ok` only when it commits a write (one heartbeat row is bumped): a locked
        or read-only database answers reads but would lose reports.
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
          description: the database does not take a write or Redis does not answer (same body, status degraded)
    """
    checks = {"database": "ok" if database_writable() else "down"}
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
