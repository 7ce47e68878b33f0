"""/api/v1/buyers: the licensed gold buyers directory (CONTRACT.md section 3).

`GET/POST /api/v1/buyers`, `GET/PATCH/DELETE /api/v1/buyers/<id>`. Reading needs any
officer (their county only when they have one); changing needs the `buyers` action (admins,
officers in their county). A bad field is a 400 whose code names it (`invalid_phone`,
`invalid_licence_number`, ...) and whose message starts with the field's name. The role, the
county rule and the audit entry are buyers.service's (the same for the dashboard and the CLI);
its refusals (core.policy) get the API's error shape. This module parses and renders.
"""
from flask import Blueprint, g, jsonify, request

from api.auth import requires
from api.errors import ApiError, paged
from api.openapi import register_schema
from buyers import rules, service
from flows.catalog import MINING_COUNTIES
from models import db

bp = Blueprint("buyers_api", __name__, url_prefix="/buyers")

STATUSES = ("listed", "expired", "expiring")

NO_NUL = "^[^\\x00]*$"
register_schema("Buyer", {
    "type": "object",
    "required": ["id", "name", "licence_number", "licence_expires", "county", "market", "phone", "listed",
                 "expiring"],
    "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"}, "licence_number": {"type": "string"},
        "licence_expires": {"type": "string", "format": "date"}, "county": {"type": "string"},
        "market": {"type": "string"}, "phone": {"type": "string", "example": "+254712345678"},
        "listed": {"type": "boolean", "description": "the licence is in force today: miners see this buyer"},
        "expiring": {"type": "boolean", "description": f"in force, ends within {rules.EXPIRING_DAYS} days"},
        "created_at": {"type": "string", "format": "date-time", "nullable": True},
        "created_by": {"type": "string", "nullable": True},
        "updated_at": {"type": "string", "format": "date-time", "nullable": True},
    },
})
_TEXT = "^[A-Za-z0-9][A-Za-z0-9 .,'&()/-]*[A-Za-z0-9.,'&()/-]$"
_FIELDS = {
    "name": {"type": "string", "minLength": rules.NAME_MIN, "maxLength": rules.NAME_MAX, "pattern": _TEXT,
             "example": "Otieno Gold Traders"},
    "licence_number": {"type": "string", "minLength": rules.LICENCE_MIN, "maxLength": rules.LICENCE_MAX,
                       "pattern": "^(?=.*[0-9])[A-Za-z0-9]+([/. -][A-Za-z0-9]+)*$", "example": "MDL/2024/0153",
                       "description": "letters and digits in groups joined by / - . or a space, with at least one "
                                      "digit; stored in capitals; unique (409 when another buyer has it)"},
    "licence_expires": {"type": "string", "format": "date", "example": "2027-06-30",
                        "pattern": "^20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$",
                        "description": "YYYY-MM-DD (any real date from 2000 to 2099): valid through this day; "
                                       "after it the buyer is no longer shown to miners"},
    "county": {"type": "string", "enum": list(MINING_COUNTIES), "example": "Migori",
               "description": "a mining county (any case)"},
    "market": {"type": "string", "minLength": rules.MARKET_MIN, "maxLength": rules.MARKET_MAX, "pattern": _TEXT,
               "example": "Osiri"},
    "phone": {"type": "string", "example": "+254712345678", "pattern": "^\\+2547[0-2][0-9]{7}$",
              "description": "a valid phone number; also accepted as 0712345678 or 254712345678 (stored as E.164)"},
}
register_schema("BuyerInput", {"type": "object", "required": list(rules.FIELDS), "additionalProperties": False,
                               "properties": _FIELDS})
register_schema("BuyerPatch", {"type": "object", "additionalProperties": False, "properties": _FIELDS,
                               "minProperties": 1})


def _body():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "bad_json", "send a JSON object with " + ", ".join(rules.FIELDS))
    return body


@bp.get("")
@requires("read")
def list_buyers():
    """Licensed gold buyers (in the officer's county when they have one), by county and name.
    ---
    get:
      x-page-of: Buyer
      parameters:
        - {name: county, in: query, description: one county, schema: {type: string, maxLength: 60, pattern: '^[^\\x00]*$'}}
        - {name: status, in: query, description: "listed (licence in force), expired, or expiring (within 30 days)", schema: {type: string, enum: [listed, expired, expiring]}}
      responses:
        200: {description: a page of buyers}
    """
    status = request.args.get("status") or None
    if status is not None and status not in STATUSES:
        raise ApiError(400, "invalid_status", "status: one of " + ", ".join(STATUSES))
    county = request.args.get("county") or None
    if county is not None and len(county) > 60:
        raise ApiError(400, "invalid_county", "county: at most 60 characters")
    on = rules.today()
    query = service.listing(g.officer, county=county, status=status, on=on)
    return jsonify(paged(query, lambda b: service.serialise(b, on), db.session))


@bp.post("")
@requires("buyers")
def create_buyer():
    """Add a licensed gold buyer; miners see it while its licence is in force.
    ---
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/BuyerInput'}
      responses:
        201:
          description: added
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Buyer'}
        400: {$ref: '#/components/responses/BadRequest'}
        409: {description: another buyer has this licence number}
    """
    buyer = service.create(g.officer, _body())
    return jsonify(service.serialise(buyer)), 201


@bp.get("/<int:buyer_id>")
@requires("read")
def get_buyer(buyer_id):
    """One buyer.
    ---
    get:
      responses:
        200:
          description: the buyer
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Buyer'}
        404: {$ref: '#/components/responses/NotFound'}
    """
    return jsonify(service.serialise(service.get(g.officer, buyer_id)))


@bp.patch("/<int:buyer_id>")
@requires("buyers")
def patch_buyer(buyer_id):
    """Change some fields of a buyer (e.g. a renewed licence's expiry).
    ---
    patch:
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/BuyerPatch'}
      responses:
        200:
          description: the buyer as changed
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Buyer'}
        400: {$ref: '#/components/responses/BadRequest'}
        404: {$ref: '#/components/responses/NotFound'}
        409: {description: another buyer has this licence number}
    """
    service.get(g.officer, buyer_id)  # 404 before the body is read
    body = _body()
    if not body:
        raise ApiError(400, "bad_json", "send at least one of " + ", ".join(rules.FIELDS))
    buyer = service.update(g.officer, buyer_id, body)
    return jsonify(service.serialise(buyer))


@bp.delete("/<int:buyer_id>")
@requires("buyers")
def delete_buyer(buyer_id):
    """Remove a buyer from the directory (miners no longer see it).
    ---
    delete:
      responses:
        204: {description: removed}
        404: {$ref: '#/components/responses/NotFound'}
    """
    service.delete(g.officer, buyer_id)
    return "", 204
