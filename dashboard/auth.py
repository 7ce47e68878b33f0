"""Sign-in for officers: sessions, roles and county scoping, CSRF, the sign-in limits
(dashboard/throttle.py).

Every dashboard page needs a signed-in, enabled officer (checked for the whole blueprint,
so a page added later cannot forget it) and the action it declares with
`@officer_required(action)`, judged by `Officer.may`; records outside an officer's county
are refused with `require_scope(county)` (`Officer.in_scope`). Sessions are permanent
cookies that expire PERMANENT_SESSION_LIFETIME after the last request; there is no
"remember me" that would outlive them. The cookie holds the officer's session version
(`Officer.get_id`), checked on every request: signing out, a new password or being
disabled bumps it and so ends every session of that officer at once, copies included.
"""
import hmac
from functools import wraps
from urllib.parse import urlsplit

from flask import abort, current_app, flash, has_request_context, redirect, render_template, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_babel import format_date, format_datetime, get_locale, lazy_gettext
from flask_babel import gettext as _
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.security import check_password_hash, generate_password_hash

from api.errors import contains_nul
from core.i18n import LOCALES
from dashboard import throttle
from dashboard.forms import LANGUAGES, ROLE_LABELS, LocaleForm, LoginForm, SignOutForm
from flows.catalog import MINING_COUNTIES
from core.policy import Refused
from miners import search as miner_search
from models import Officer, audit, db

login_manager = LoginManager()
login_manager.login_view = "dashboard.login"
login_manager.login_message = lazy_gettext("Please sign in to open this page.")
login_manager.login_message_category = "info"
login_manager.session_protection = "basic"

csrf = CSRFProtect()

# Compared against when the username is unknown, so that a wrong username takes as long as
# a wrong password (no way to learn which usernames exist by timing).
_DUMMY_HASH = generate_password_hash("not-a-password", method="scrypt")

PUBLIC_ENDPOINTS = {"dashboard.login", "dashboard.static", "dashboard.set_locale"}


@login_manager.user_loader
def load_officer(session_id):
    """The officer of a session cookie, if that session is still valid: the officer is
    enabled and has not signed out, changed password or been disabled since (the cookie's
    session version is the current one). A cookie copied before any of these stops working."""
    parsed = Officer.parse_session_id(session_id)
    if parsed is None:
        return None
    officer = db.session.get(Officer, parsed[0])
    if officer is None or officer.disabled_at is not None or officer.session_version != parsed[1]:
        return None
    return officer


def _unauthorised():
    # HTML pages redirect to sign-in (302); anything else gets a plain 401.
    if request.accept_mimetypes.best == "application/json":
        abort(401)
    flash(login_manager.login_message, "info")
    return redirect(url_for("dashboard.login", next=_safe_next(request.full_path.rstrip("?"))))


login_manager.unauthorized_handler(_unauthorised)


def _safe_next(target):
    """Only a path on this site: never send a signed-in officer to another host."""
    if not target or not isinstance(target, str) or len(target) > 2000:
        return None
    # A local path only: "/..." but not "//host" or "/\\host" (browsers read both as another
    # host), no scheme, and no control characters (a CR/LF would split the Location header).
    if not target.startswith("/") or "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return None
    try:
        parts = urlsplit(target)
    except ValueError:
        return None
    if parts.scheme or parts.netloc or target.startswith("//"):
        return None
    return target


def officer_required(action="read"):
    """View decorator: a signed-in officer allowed `action` (Officer.may); else 302 / 403."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.may(action):
                abort(403)
            return view(*args, **kwargs)

        wrapper.required_action = action
        return wrapper

    return decorate


def require_scope(county):
    """403 unless the record's county is in the officer's scope (Officer.in_scope)."""
    if not current_user.in_scope(county):
        abort(403)


def scoped_county(requested):
    """The county filter a list really uses: a county officer's own, whatever was asked."""
    return miner_search.scoped_county(current_user, requested)


def county_choices():
    """The counties a list's county filter offers: a county officer's own only, else all."""
    own = scoped_county(None)
    return [own] if own else list(MINING_COUNTIES)


def _signed_in_everywhere():
    """Defence in depth: every dashboard endpoint but sign-in needs a signed-in officer."""
    if request.endpoint not in PUBLIC_ENDPOINTS and not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


def select_locale():
    """The officer's own language; before sign-in, the one chosen on the page, else the
    service's (DEFAULT_LOCALE, Swahili): the sign-in page speaks as the pages after it, not
    as the browser's settings (an office computer set to English)."""
    if current_user and getattr(current_user, "is_authenticated", False) and current_user.locale in LOCALES:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in LOCALES:
        return chosen
    return current_app.config["DEFAULT_LOCALE"]


def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")) or url_for("dashboard.overview"))
    form = LoginForm()
    attempt = None
    if request.method == "POST":
        # Counted before the password is checked (atomically: parallel guesses cannot all pass).
        attempt = throttle.begin(request.remote_addr, request.form.get("username"))
        if not attempt.allowed and attempt.wait_seconds:
            message = _("Too many wrong passwords for this username. Wait %(seconds)d seconds and try again.",
                        seconds=attempt.wait_seconds)
            return (render_template("dashboard/error.html", code=429, message=message), 429,
                    {"Retry-After": str(attempt.wait_seconds)})
        if not attempt.allowed:
            abort(429)
    if form.validate_on_submit():
        username = form.username.data.strip()
        officer = db.session.execute(db.select(Officer).filter_by(username=username)).scalar_one_or_none()
        password_ok = check_password_hash(officer.password_hash if officer else _DUMMY_HASH, form.password.data)
        if officer is not None and password_ok and officer.disabled_at is None:
            attempt.succeeded()  # a right password does not count towards the limits
            locale = session.get("locale")
            session.clear()  # a fresh session: nothing set before sign-in carries over
            login_user(officer)
            session.permanent = True
            if locale in LOCALES and locale != officer.locale:
                officer.locale = locale
            audit.record(officer, "sign_in")
            return redirect(_safe_next(request.args.get("next")) or url_for("dashboard.overview"))
        reason = "disabled" if officer is not None and password_ok else "bad_credentials"
        audit.record(officer, "sign_in_failed", detail={"reason": reason}, username=username)
        form.password.errors.append(_("Wrong username or password, or the account is disabled."))
        return render_template("dashboard/login.html", form=form), 401
    # An incomplete form stays counted: it is a failed attempt too.
    return render_template("dashboard/login.html", form=form)


def logout():
    form = SignOutForm()
    if form.validate_on_submit() and current_user.is_authenticated:
        officer = current_user._get_current_object()
        officer.end_sessions()  # this cookie and every other copy or session of the officer
        audit.record(officer, "sign_out")
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("dashboard.login"))


def set_locale():
    """Switch the page language; a signed-in officer's choice is kept in their profile."""
    form = LocaleForm()
    if form.validate_on_submit():
        session["locale"] = form.locale.data
        if current_user.is_authenticated:
            current_user.locale = form.locale.data
            db.session.commit()
    return redirect(_safe_next(form.next.data) or url_for("dashboard.overview"))


def _same_origin():
    """For pages whose forms carry no CSRF token (RQ's dashboard): the request came from here."""
    source = request.headers.get("Origin") or request.headers.get("Referer") or ""
    parts = urlsplit(source)
    return bool(parts.netloc) and hmac.compare_digest(parts.netloc, request.host)


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, skipping the signing set-up when the request carries
    no session cookie. Only officers' browsers send one; gateway callbacks (every USSD hop)
    and the bearer-token API never do, and Flask would build a signing serializer for each
    of them to find that out. What a request with a cookie gets is unchanged."""

    def open_session(self, app, request):
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


def init_app(app):
    hops = app.config.get("TRUSTED_PROXY_HOPS", 0)
    if hops:
        # Behind a reverse proxy, the sign-in limit and the audit log need the officer's own
        # address, not the proxy's: trust that many X-Forwarded-For/-Proto hops, no more.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    app.session_interface = SessionInterface()
    login_manager.init_app(app)
    # CSRF is checked where officers post forms (dashboard, simulator), not app-wide: the
    # gateway callbacks and the bearer-token API are not cookie-authenticated.
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    csrf.init_app(app)
    app.extensions["babel"].locale_selector = select_locale

    @app.context_processor
    def _dashboard_globals():
        from dashboard import nav

        officer = current_user if current_user and current_user.is_authenticated else None
        return {
            "nav_entries": nav.for_officer(officer),
            "current_officer": officer,
            "locale_form": LocaleForm(formdata=None, next=request.full_path.rstrip("?")),
            "sign_out_form": SignOutForm(formdata=None),
            "languages": LANGUAGES,
            "is_development": app.config.get("ENV_NAME") == "development",
            "role_name": lambda role: str(ROLE_LABELS.get(role, role)),
            "format_date": format_date,
            "get_locale": get_locale,
            "format_datetime": format_datetime,
        }


# Pages hold personal data and forms: never framed by another site, never cached, no inline
# scripts (the phone simulator's JSON labels are data, not script).
SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                                "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def protect_unsafe_requests(blueprint):
    """Check the CSRF token on every POST/PUT/PATCH/DELETE to `blueprint`, and send the
    security headers with every answer."""

    @blueprint.before_request
    def _csrf():
        if contains_nul(request):  # PostgreSQL refuses NUL in a query: a clear 400, not a 500
            return render_template("dashboard/error.html", code=400,
                                   message=_("The address or the form holds a character that is not allowed.")), 400
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            csrf.protect()
        return None

    @blueprint.after_request
    def _headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response



def _csrf_error(exc):
    message = _("This form has expired or did not come from this site. Go back, reload the page and try again.")
    return render_template("dashboard/error.html", code=400, message=message), 400


def _too_many(exc):
    return render_template("dashboard/error.html", code=429,
                           message=_("Too many sign-in attempts. Wait a few minutes and try again.")), 429


def _forbidden(exc):
    return render_template("dashboard/error.html", code=403,
                           message=_("Your role does not allow this page, or the record is outside your county.")), 403


def _not_found(exc):
    return render_template("dashboard/error.html", code=404, message=_("There is no such page or record.")), 404


def _refused(exc):
    """An officer action a capability refused (core/policy.py) and the page did not handle."""
    if exc.status == 404:
        return _not_found(exc)
    if exc.status == 403:
        return _forbidden(exc)
    return render_template("dashboard/error.html", code=400, message=exc.message), 400


def install_officer_pages(app, blueprints, page_labels):
    """The capabilities' dashboard blueprints (Capability.dashboard) get what the dashboard's
    own pages have: its error pages (CSRF, 403, 404, 429, a refused action) and the labels
    their templates use (`page_labels`, dashboard/labels.py). App-wide handlers that answer only for those
    blueprints' requests; anything else keeps its own answer. Each blueprint protects its
    forms itself (protect_unsafe_requests) and its routes (officer_required)."""
    names = {blueprint.name for blueprint in blueprints}
    if not names:
        return

    def officer_page(handler):
        def handle(exc):
            return handler(exc) if request.blueprint in names else exc
        return handle

    for code_or_exception, handler in ((CSRFError, _csrf_error), (429, _too_many), (403, _forbidden),
                                       (404, _not_found)):
        app.register_error_handler(code_or_exception, officer_page(handler))

    @app.errorhandler(Refused)
    def _refused_elsewhere(exc):
        if request.blueprint in names:
            return _refused(exc)
        raise exc

    @app.context_processor
    def _labels_for_capability_pages():
        return page_labels() if has_request_context() and request.blueprint in names else {}


def current_officer_object():
    """The Officer row itself (not the proxy), e.g. to store in the audit log."""
    return current_user._get_current_object() if current_user.is_authenticated else None


def add_routes(bp):
    """Add sign-in, sign-out and the language switch to the dashboard's blueprint, with what
    every dashboard page has: the sign-in gate, CSRF and security headers, the error pages."""
    bp.before_request(_signed_in_everywhere)
    bp.add_url_rule("/login", view_func=login, methods=["GET", "POST"])
    bp.add_url_rule("/logout", view_func=logout, methods=["POST"])
    bp.add_url_rule("/locale", view_func=set_locale, methods=["POST"])
    protect_unsafe_requests(bp)
    bp.register_error_handler(CSRFError, _csrf_error)
    bp.register_error_handler(429, _too_many)
    bp.register_error_handler(403, _forbidden)
    bp.register_error_handler(404, _not_found)
    bp.register_error_handler(Refused, _refused)
