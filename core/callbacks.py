"""What every Africa's Talking callback checks first: the URL token and the form fields.

AT does not sign callbacks; the secret is in the callback URL (`?token=`), compared in
constant time. A request that is not a well-formed AT callback gets a 4xx with a message
saying what is wrong, and changes nothing.
"""
import hmac

from flask import abort, current_app, request
from werkzeug.exceptions import HTTPException

from core import logs
from core.phones import InvalidPhone, normalise

MAX_FIELD = 65_536  # a 10 KB `text` is still a well-formed hop: the flow refuses it politely


class BadCallback(HTTPException):
    code = 400

    def __init__(self, message):
        super().__init__(description=message)

    def get_body(self, environ=None, scope=None):
        return f"Bad request: {self.description}\n"

    def get_headers(self, environ=None, scope=None):
        return [("Content-Type", "text/plain; charset=utf-8")]


def check_token():
    expected = current_app.config.get("CALLBACK_TOKEN")
    if not expected:
        return
    given = request.args.get("token", "")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        abort(403, description="missing or wrong callback token")


def form_fields(required, optional=()):
    """The callback's form fields as a dict of strings; 400 when a required one is missing."""
    if request.mimetype not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        raise BadCallback("expected an application/x-www-form-urlencoded body as Africa's Talking sends")
    form = request.form
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


def phone_field(value, name="phoneNumber"):
    try:
        phone = normalise(value)
    except InvalidPhone:
        raise BadCallback(f"{name} is not a phone number") from None
    logs.bind_phone(phone)  # this request's log lines carry the number, masked
    return phone
