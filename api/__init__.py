"""The officers' JSON API, /api/v1 (CONTRACT.md section 3).

Errors are {"error": {"code", "message"}}; lists are {"items": [...], "total": N}, paged
with ?page=&per_page=. The routes here are the core's and the older capabilities' (on
api.blueprint.bp); a capability declares its own API as a Blueprint (`Capability.api`,
e.g. broadcasts/api.py), which the registry mounts under /api/v1.
"""
from api import incidents, miners, openapi, prices, tips  # noqa: F401  (their routes are on bp)
from api.blueprint import bp

__all__ = ["bp"]
