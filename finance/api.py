"""Leads in the officers' API (CONTRACT.md section 3):

    GET  /api/v1/leads               leads by county and kind (?county=&kind=), paged, with counts
    GET  /api/v1/leads.csv           the same as CSV; an audited export (phones are personal data)
    POST /api/v1/leads/broadcast     {"kind", "county", "text": {"sw", "en"}, "urgent"} -> 202

Phones are masked unless the officer is an admin; a county officer sees and reaches only
their county. The county rule and the audit entries are finance.service's (the broadcast is
the officer's broadcast, broadcasts.actions.create, audience "lead_kind"), whose refusals
(core.policy) get the API's error shape; this module parses and renders.
"""
from flask import Blueprint, g, jsonify, request

from api.auth import requires
from api.errors import ApiError, paged
from api.openapi import register_schema
from finance import service
from finance.labels import EQUIPMENT, KINDS
from models import db
from broadcasts import lifecycle as broadcasts
from dashboard.views import csv_download

# Mounted at /api/v1 by the registry (core.capability._install_api): /api/v1/leads...
bp = Blueprint("finance_api", __name__)

register_schema("Lead", {
    "type": "object",
    "required": ["id", "phone", "name", "county", "site", "kind", "equipment", "consent_at", "created_at",
                 "updated_at"],
    "properties": {
        "id": {"type": "integer"},
        "phone": {"type": "string", "description": "E.164; masked (+2547******12) unless the officer is an admin"},
        "name": {"type": "string"},
        "county": {"type": "string"},
        "site": {"type": "string"},
        "kind": {"type": "string", "enum": list(KINDS)},
        "equipment": {"type": "string", "enum": list(EQUIPMENT), "nullable": True,
                      "description": "for an equipment_loan: which equipment"},
        "consent_at": {"type": "string", "format": "date-time", "description": "agreed to be contacted"},
        "created_at": {"type": "string", "format": "date-time"},
        "updated_at": {"type": "string", "format": "date-time"},
    },
})
SOME_TEXT = "^[^\\x00]*[^\\s\\x00][^\\x00]*$"  # a word, and no NUL (PostgreSQL refuses it: 400 bad_characters)

register_schema("LeadBroadcastInput", {
    "type": "object", "required": ["kind", "text"], "additionalProperties": False,
    "properties": {
        "kind": {"type": "string", "enum": list(KINDS)},
        "county": {"type": "string", "nullable": True, "maxLength": 60, "pattern": "^[^\\x00]*$",
                   "description": "a county officer's own county whatever is given; absent: every county"},
        "text": {"type": "object", "minProperties": 1, "additionalProperties": False,
                 "properties": {"sw": {"type": "string", "minLength": 1, "maxLength": 918, "pattern": SOME_TEXT},
                                "en": {"type": "string", "minLength": 1, "maxLength": 918, "pattern": SOME_TEXT}}},
        "urgent": {"type": "boolean", "default": False},
    },
})


def _filters():
    return service.clean_filters(request.args.get("county"), request.args.get("kind"))


@bp.get("/leads")
@requires("read")
def list_leads():
    """Miners' registered interest in finance or equipment, by county and kind.
    ---
    get:
      description: >
        Newest change first. `counts` gives the leads per county and kind in the officer's scope
        (whatever the filters). Phone numbers are masked unless the officer is an admin.
      x-page-of: Lead
      parameters:
        - {name: county, in: query, description: "a county (any case); a county officer's own whatever is given", schema: {type: string, maxLength: 60, pattern: '^[^\\x00]*$'}}
        - {name: kind, in: query, schema: {type: string, enum: [savings_group, equipment_loan, mercury_free]}}
      responses:
        200: {description: a page of leads, with counts per county and kind}
    """
    county, kind = _filters()
    officer = g.officer
    body = paged(service.select_leads(officer, county, kind), lambda lead: service.serialise(officer, lead),
                 db.session)
    counts = service.counts(officer)
    body["counts"] = [{"county": name, "kind": k, "count": by_kind[k]}
                      for name, by_kind, _total in counts["rows"] for k in KINDS if by_kind[k]]
    return jsonify(body)


@bp.get("/leads.csv")
@requires("read")
def export_leads():
    """The leads as CSV (an audited export: phone numbers are personal data).
    ---
    get:
      description: >
        Columns id, phone, name, county, site, kind, equipment, consent_at, updated_at; phones
        masked unless the officer is an admin. Every export is written to the audit log.
      parameters:
        - {name: county, in: query, description: "a county (any case); a county officer's own whatever is given", schema: {type: string, maxLength: 60, pattern: '^[^\\x00]*$'}}
        - {name: kind, in: query, schema: {type: string, enum: [savings_group, equipment_loan, mercury_free]}}
      responses:
        200:
          description: the CSV file
          content:
            text/csv: {schema: {type: string}}
        400: {$ref: '#/components/responses/BadRequest'}
    """
    county, kind = _filters()
    text, _rows = service.export_csv(g.officer, county, kind)
    return csv_download(text, "leads")


@bp.post("/leads/broadcast")
@requires("broadcasts")
def broadcast_leads():
    """Send an SMS to exactly the miners with a lead of this kind (in this county).
    ---
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/LeadBroadcastInput'}
      responses:
        202:
          description: stored and scheduled; progress at GET /api/v1/broadcasts/{id}
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Broadcast'}
        400: {$ref: '#/components/responses/BadRequest'}
    """
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "bad_json", "send a JSON object")
    unknown = sorted(set(body) - {"kind", "county", "text", "urgent"})
    if unknown:
        raise ApiError(400, "invalid_broadcast", f"unknown field(s): {', '.join(unknown)}")
    county = body.get("county")
    if county is not None and not isinstance(county, str):
        raise ApiError(400, "invalid_county", "county must be text")
    kind = body.get("kind")
    if not isinstance(kind, str) or kind not in KINDS:
        raise ApiError(400, "invalid_kind", f"kind must be one of {', '.join(KINDS)}")
    urgent = body.get("urgent", False)
    if not isinstance(urgent, bool):
        raise ApiError(400, "invalid_broadcast", "urgent must be true or false")
    broadcast = service.broadcast_to_leads(g.officer, body.get("text"), kind, county, urgent=urgent)
    return jsonify(broadcasts.serialise(broadcast)), 202
