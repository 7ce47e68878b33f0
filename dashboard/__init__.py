"""The officers' dashboard: server-rendered pages at /dashboard, and the phone simulator.

`init_app(app)` wires sign-in (Flask-Login), CSRF (Flask-WTF, checked on every unsafe
request to the dashboard and simulator, not on gateway callbacks or the bearer-token API),
the sign-in rate limit (`limits` on the app's Redis), the officer's language
(Flask-Babel), the navigation and RQ's queue view (admins only).

The dashboard's own pages are on the `dashboard` blueprint that `blueprint()` builds for each
app: each module adds its routes there (`auth.add_routes`, `views.add_routes`,
`queues.add_routes`), nothing is added by importing a module. A capability adds its own
pages as a Blueprint (`Capability.dashboard`, e.g. incidents/dashboard.py), protecting each
route with `@officer_required("<action>")` and its forms with `protect_unsafe_requests(bp)`,
and lists them in `Capability.nav`; its overview panels are `Capability.panels`. The
dashboard's own entries and panels are declared in dashboard/nav.py (CORE) and
dashboard/views.py (CORE_PANELS).
"""
from flask import Blueprint, redirect, url_for


def blueprint():
    """The dashboard's own pages (/dashboard/...), a new blueprint for each app."""
    from dashboard import auth, labels, queues, views

    bp = Blueprint("dashboard", __name__, url_prefix="/dashboard",
                   template_folder="templates", static_folder="static",
                   static_url_path="/static")
    auth.add_routes(bp)  # sign-in first: the gate, CSRF and error pages of every page
    views.add_routes(bp)
    queues.add_routes(bp)
    bp.context_processor(labels.page_labels)
    return bp


def init_app(app):
    from dashboard import auth, labels, queues, simulator

    auth.init_app(app)
    app.register_blueprint(blueprint())
    auth.install_officer_pages(app, app.extensions["capabilities"].dashboards, labels.page_labels)
    # The service's root leads to the officers' pages (sign-in first when needed).
    app.add_url_rule("/", "root", lambda: redirect(url_for("dashboard.overview")))
    if simulator.available(app):  # never in production: it dials and texts as any phone
        app.register_blueprint(simulator.bp)
    queues.init_app(app)
