"""GET /api/v1/miners: registered miners for officers (CONTRACT.md section 3).

The capability's own API blueprint (Capability.api, mounted at /api/v1); its operations keep
the OpenAPI ids they had when they lived in api/ (`operationId: api_...`).
"""
from flask import Blueprint, g, request

from api.auth import requires
from api.components import register_schema
from api.errors import paged
from miners import search as miner_search
from models import db

# Mounted at /api/v1 by the registry (core/capability.py), with the API's errors.
bp = Blueprint("miners_api", __name__)

MINER_SCHEMA = register_schema("Miner", {
    "type": "object",
    "required": ["id", "phone", "name", "county", "site", "role", "gender", "locale", "receives_sms",
                 "registered_via", "registered_at"],
    "properties": {
        "id": {"type": "integer"},
        "phone": {"type": "string", "description": "E.164; masked (+2547******12) unless the officer is an admin",
                  "example": "+2547******12"},
        "name": {"type": "string"},
        "county": {"type": "string"},
        "site": {"type": "string"},
        "role": {"type": "string", "enum": ["digger", "processor", "buyer", "owner", "other"]},
        "gender": {"type": "string", "enum": ["woman", "man", "undisclosed"]},
        "locale": {"type": "string", "enum": ["sw", "en"]},
        "receives_sms": {"type": "boolean", "description": "agreed to SMS, did not opt out, reachable"},
        "registered_via": {"type": "string"},
        "registered_at": {"type": "string", "format": "date-time"},
    },
})


@bp.get("/miners")
@requires("read")
def list_miners():
    """Registered miners, newest first.
    ---
    get:
      operationId: api_list_miners_get
      description: >
        An officer limited to a county sees only that county's miners, whatever `county` says.
        Phone numbers are masked unless the officer is an admin.
      x-page-of: Miner
      parameters:
        - {name: q, in: query, description: part of the name or the site, schema: {type: string, maxLength: 80, pattern: '^[^\\x00]*$'}}
        - {name: county, in: query, description: "a county (exact, any case)", schema: {type: string, maxLength: 60, pattern: '^[^\\x00]*$'}}
        - {name: site, in: query, description: part of the site's name, schema: {type: string, maxLength: 80, pattern: '^[^\\x00]*$'}}
      responses:
        200: {description: a page of miners}
    """
    officer = g.officer
    query = miner_search.select_miners(officer, text=request.args.get("q"), county=request.args.get("county"),
                                       site=request.args.get("site"))
    return paged(query, lambda row: miner_search.serialise(officer, row), db.session)
