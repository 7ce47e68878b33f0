"""Bearer-token authentication for the officers' API.

No token or a bad one: 401; a token whose officer may not do this: 403 (CONTRACT.md s.3).
"""
from functools import wraps

from flask import g, request

from api.errors import ApiError
from models import ApiToken, db, utcnow


def current_officer():
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "unauthorized", "an Authorization: Bearer <token> header is required")
    row = db.session.execute(
        db.select(ApiToken).filter_by(token_hash=ApiToken.hash(token.strip()))
    ).scalar_one_or_none()
    if row is None or row.revoked_at is not None or row.officer.disabled_at is not None:
        raise ApiError(401, "unauthorized", "the token is not valid")
    row.last_used_at = utcnow()
    db.session.commit()
    return row.officer


def requires(action):
    """Route decorator: the officer behind the token must be allowed `action` (see Officer.may)."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            officer = current_officer()
            if not officer.may(action):
                raise ApiError(403, "forbidden", f"the {officer.role} role may not do this")
            g.officer = officer
            return view(*args, **kwargs)

        # Read by the table-driven access test (tests/test_security.py) and by api/openapi.py,
        # which gives every protected route its 401 and 403 responses.
        wrapper.required_action = action
        return wrapper

    return decorate
