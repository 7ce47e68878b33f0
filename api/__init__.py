"""The officers' JSON API, /api/v1 (CONTRACT.md section 3).

Errors are {"error": {"code", "message"}}; lists are {"items": [...], "total": N}, paged
with ?page=&per_page=. Each capability adds its routes to `bp` in its own module.
"""
from flask import Blueprint

from api.errors import install_error_handlers, refuse_nul_characters

bp = Blueprint("api", __name__, url_prefix="/api/v1")
install_error_handlers(bp)
refuse_nul_characters(bp)  # before any route: PostgreSQL refuses NUL in a query

from api import incidents, miners, openapi, prices, tips  # noqa: E402,F401  (routes register themselves on bp)
