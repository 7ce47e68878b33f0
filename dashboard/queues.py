"""Background job queues, for admins: a summary page in the dashboard (/dashboard/queues:
queue lengths, failed jobs, workers, in the officer's language) and RQ's own detailed view
(rq-dashboard) mounted at /dashboard/rq.

rq-dashboard 0.9 works with RQ 3.0 (checked: queues, workers, jobs, failed registry); its
assets are served from the package, nothing from a CDN. It has no sign-in of its own and
its buttons (requeue, delete, empty) post without a CSRF token, so here: admins only, and
changes only from a page of this site (Origin/Referer) - with SameSite=Lax session
cookies, a request from another site arrives without a session anyway.
"""
import hmac
from urllib.parse import urlsplit

from flask import abort, current_app, render_template, request
from flask_login import current_user
from rq import Queue, Worker
from rq.job import Job

from core import jobs
from core import redis as redis_setup
from core.phones import mask_in_text
from dashboard.auth import login_manager, officer_required

URL_PREFIX = "/dashboard/rq"
BLUEPRINT = "rq_dashboard"

FAILED_SHOWN = 10


@officer_required("queues")
def queues():
    connection = current_app.extensions["redis"]
    names = list(jobs.ORDER)
    names += sorted(q.name for q in Queue.all(connection=connection) if q.name not in names)
    rows, failed = [], []
    for name in names:
        queue = Queue(name, connection=connection)
        rows.append({"name": name, "queued": queue.count,
                     "started": queue.started_job_registry.get_job_count(cleanup=False),
                     "scheduled": queue.scheduled_job_registry.get_job_count(cleanup=False),
                     "failed": queue.failed_job_registry.get_job_count(cleanup=False)})
        ids = queue.failed_job_registry.get_job_ids(0, FAILED_SHOWN - 1, desc=True, cleanup=False)
        for job in Job.fetch_many(ids, connection=connection):
            if job is None:
                continue
            result = job.latest_result()
            last_line = ((result.exc_string if result else None) or "").strip().splitlines()[-1:] or [""]
            failed.append({"queue": name, "id": job.id, "function": job.func_name,
                           "ended_at": job.ended_at, "error": mask_in_text(last_line[0])[:300]})
    workers = [{"name": w.name, "state": w.get_state(), "queues": ", ".join(w.queue_names()),
                "job": w.get_current_job_id()} for w in Worker.all(connection=connection)]
    failed.sort(key=lambda f: f["ended_at"] or 0, reverse=True)
    return render_template("dashboard/queues.html", queues=rows, failed=failed[:FAILED_SHOWN], workers=workers)


def _same_origin():
    source = request.headers.get("Origin") or request.headers.get("Referer") or ""
    netloc = urlsplit(source).netloc
    return bool(netloc) and hmac.compare_digest(netloc.encode(), request.host.encode())


def _admins_only():
    if request.blueprint != BLUEPRINT:
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.may("queues"):
        abort(403)
    changes = request.method not in ("GET", "HEAD", "OPTIONS") or request.endpoint == f"{BLUEPRINT}.requeue_all"
    if changes and not _same_origin():
        abort(403)
    return None


def init_app(app):
    import rq_dashboard
    from rq_dashboard.web import setup_rq_connection

    app.config.setdefault("RQ_DASHBOARD_REDIS_URL", redis_setup.resolve_url(app.config))
    app.config.setdefault("RQ_DASHBOARD_POLL_INTERVAL", 5000)
    setup_rq_connection(app)
    # Runs before the blueprint's own hooks (app-level hooks come first).
    app.before_request(_admins_only)
    app.register_blueprint(rq_dashboard.blueprint, url_prefix=URL_PREFIX)


def add_routes(bp):
    """Add /dashboard/queues to the dashboard's blueprint (RQ's own view is init_app's)."""
    bp.add_url_rule("/queues", view_func=queues, methods=["GET"])
