"""What every Africa's Talking callback checks first: the URL token and the form fields;
and the lean WSGI path that serves the hottest callbacks without Flask's request machinery.

AT does not sign callbacks; the secret is in the callback URL (`?token=`), compared in
constant time. A request that is not a well-formed AT callback gets a 4xx with a message
saying what is wrong, and changes nothing.
"""
import hmac
import logging
from contextlib import nullcontext
from http import HTTPStatus
from urllib.parse import parse_qsl

from flask import abort, current_app, has_app_context, request
from werkzeug.exceptions import Forbidden, HTTPException

from core import logs
from core.phones import InvalidPhone, normalise

log = logging.getLogger(__name__)

MAX_FIELD = 65_536  # a 10 KB `text` is still a well-formed hop: the flow refuses it politely
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
TOKEN_REFUSED = "missing or wrong callback token"


class BadCallback(HTTPException):
    code = 400

    def __init__(self, message):
        super().__init__(description=message)

    def get_body(self, environ=None, scope=None):
        return f"Bad request: {self.description}\n"

    def get_headers(self, environ=None, scope=None):
        return [("Content-Type", "text/plain; charset=utf-8")]


def token_matches(expected, given):
    """True when no token is configured, or `given` is it (constant time)."""
    if not expected:
        return True
    return hmac.compare_digest((given or "").encode(), expected.encode())


def check_token():
    if not token_matches(current_app.config.get("CALLBACK_TOKEN"), request.args.get("token", "")):
        abort(403, description=TOKEN_REFUSED)


def pick_fields(form, required, optional=()):
    """The callback's fields from `form` (any mapping with .get) as a dict of strings;
    BadCallback (400) when a required one is missing or a field is too long."""
    missing = [name for name in required if not form.get(name, "").strip()]
    if missing:
        raise BadCallback("missing field(s): " + ", ".join(missing))
    fields = {}
    for name in (*required, *optional):
        value = form.get(name)
        if value is not None and len(value) > MAX_FIELD:
            raise BadCallback(f"field {name} is too long")
        fields[name] = value
    return fields


def form_fields(required, optional=()):
    """The Flask request's form fields as a dict of strings; 400 when a required one is missing."""
    if request.mimetype not in FORM_TYPES:
        raise BadCallback("expected an application/x-www-form-urlencoded body as Africa's Talking sends")
    return pick_fields(request.form, required, optional)


def phone_field(value, name="phoneNumber"):
    try:
        phone = normalise(value)
    except InvalidPhone:
        raise BadCallback(f"{name} is not a phone number") from None
    logs.bind_phone(phone)  # this request's log lines carry the number, masked
    return phone


# --- the lean path ------------------------------------------------------------------

LEAN_MAX_BODY = 256 * 1024  # larger (or unsized) bodies take the Flask path, with its limits


def parse_form(raw):
    """An urlencoded body (bytes) as {name: first value}, decoded as UTF-8 with invalid
    bytes replaced, as Werkzeug decodes a form (latin-1 carries every byte through parse_qsl
    unchanged, percent-escaped or raw)."""
    fields = {}
    for name, value in parse_qsl(raw.decode("latin-1"), keep_blank_values=True, encoding="latin-1"):
        name = name.encode("latin-1").decode("utf-8", "replace")
        if name not in fields:
            fields[name] = value.encode("latin-1").decode("utf-8", "replace")
    return fields


class LeanCallbacks:
    """A WSGI callable in front of Flask's `wsgi_app` that answers the gateway's hot callbacks
    (a USSD hop, an inbound SMS) itself: the form parsed with parse_qsl, the token checked,
    the route's handler run in a plain app context (config, database session, extensions),
    a plain-text answer. No request context, cookie session, Babel, Login or Limiter hooks:
    a gateway callback needs none of them.

    `routes` maps a path to the same handler its Flask view calls: `(fields) -> (body,
    status, headers)`, with `required` and `optional` field names. Anything else (another path
    or method, a multipart or unsized body) goes on to Flask unchanged, so each callback
    has one behaviour: the Flask view's, served faster.
    """

    def __init__(self, app, wsgi_app, routes):
        self.app, self.wsgi_app, self.routes = app, wsgi_app, routes

    def __call__(self, environ, start_response):
        route = self.routes.get(environ.get("PATH_INFO"))
        if route is None or environ.get("REQUEST_METHOD") != "POST":
            return self.wsgi_app(environ, start_response)
        content_type = environ.get("CONTENT_TYPE", "").partition(";")[0].strip().lower()
        try:
            length = int(environ.get("CONTENT_LENGTH") or -1)
        except ValueError:
            length = -1
        if content_type != FORM_TYPES[0] or not 0 <= length <= LEAN_MAX_BODY:
            return self.wsgi_app(environ, start_response)
        return self._serve(route, environ, start_response, length)

    def _app_context(self):
        """A new app context, unless one of this app is current already (as Flask's request
        context does: a test or the simulator calling in keeps its own)."""
        if has_app_context() and current_app._get_current_object() is self.app:
            return nullcontext()
        return self.app.app_context()

    def _serve(self, route, environ, start_response, length):
        handler, required, optional = route
        try:
            query = dict(reversed(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)))
            if not token_matches(self.app.config.get("CALLBACK_TOKEN"), query.get("token", "")):
                raise Forbidden(description=TOKEN_REFUSED)
            form = parse_form(environ["wsgi.input"].read(length) if length else b"")
            with self._app_context():
                body, status, headers = handler(pick_fields(form, required, optional))
        except HTTPException as refused:
            status = refused.code
            body = refused.get_body(environ) if isinstance(refused, BadCallback) else \
                f"{refused.name}: {refused.description}\n"
            headers = {}
        except Exception:
            log.exception("callback %s failed", environ.get("PATH_INFO"))
            status, body, headers = 500, "Internal error\n", {}
        payload = body.encode("utf-8")
        response_headers = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(payload)))]
        response_headers += [(k, v) for k, v in headers.items() if k.lower() != "content-type"]
        start_response(f"{status} {HTTPStatus(status).phrase}", response_headers)
        return [payload]
