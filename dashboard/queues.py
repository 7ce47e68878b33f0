"""RQ's own queue view (rq-dashboard), mounted at /dashboard/rq for admins only.

rq-dashboard 0.9 works with RQ 3.0 (checked: queues, workers, jobs, failed registry); its
assets are served from the package, nothing from a CDN. It has no sign-in of its own and
its buttons (requeue, delete, empty) post without a CSRF token, so here: admins only, and
changes only from a page of this site (Origin/Referer) - with SameSite=Lax session
cookies, a request from another site arrives without a session anyway.
"""
import hmac
from urllib.parse import urlsplit

from flask import abort, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from core import redis as redis_setup
from dashboard import nav
from dashboard.auth import login_manager

URL_PREFIX = "/dashboard/rq"
BLUEPRINT = "rq_dashboard"

nav.add("rq_dashboard.queues_overview", _l("Queues"), action="queues", order=90)


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
