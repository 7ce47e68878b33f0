"""The `api` blueprint (/api/v1) with the API's error shape and NUL guard; the route modules
of api/ put their routes on it (a capability's own API is its own blueprint, core/capability.py)."""
from flask import Blueprint

from api.errors import install_error_handlers, refuse_nul_characters

bp = Blueprint("api", __name__, url_prefix="/api/v1")
install_error_handlers(bp)
refuse_nul_characters(bp)  # before any route: PostgreSQL refuses NUL in a query
