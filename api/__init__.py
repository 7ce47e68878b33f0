"""The officers' JSON API, /api/v1 (CONTRACT.md section 3).

Errors are {"error": {"code", "message"}}; lists are {"items": [...], "total": N}, paged
with ?page=&per_page=. api/ holds what every route shares: token auth (auth.py), the error
shape and paging (errors.py), the OpenAPI description (openapi.py, its schema registry in
components.py), /healthz and /readyz (health.py). The routes themselves are the
capabilities': each declares its API as a Blueprint (`Capability.api`, e.g.
incidents/api.py), which the registry mounts under /api/v1. `bp` is the API's own blueprint
(/api/v1/openapi.json).
"""
from api.openapi import bp

__all__ = ["bp"]
