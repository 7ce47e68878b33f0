"""/api/v1/prices: publish a gold price (alerts subscribers); the latest price per market.

Publishing's county rule and audit entry are prices.publishing.publish's; this module parses
and renders.

The capability's own API blueprint (Capability.api, mounted at /api/v1); its operations keep
the OpenAPI ids they had when they lived in api/ (`operationId: api_...`).
"""
from datetime import datetime, timezone

from flask import Blueprint, g, jsonify, request

from api.auth import requires
from api.components import NO_NUL, NULLABLE_STRING, TIME, register_schema
from api.errors import ApiError, paged
from models import Market, Price, db
from prices import publishing as prices
from prices.units import BadQuantity

# Mounted at /api/v1 by the registry (core/capability.py), with the API's errors.
bp = Blueprint("prices_api", __name__)


# --- OpenAPI schemas (#/components/schemas/...) of these routes ---------------------------

register_schema("Price", {
    "type": "object",
    "required": ["id", "market", "county", "kes_per_gram", "purity", "kes_per_pure_gram", "source", "observed_at",
                 "published_at", "published_by"],
    "properties": {
        "id": {"type": "integer"}, "market": {"type": "string"}, "county": {"type": "string"},
        "kes_per_gram": {"type": "number"}, "purity": {"type": "number", "description": "fraction, 0.9 = 90%"},
        "kes_per_pure_gram": {"type": "number"}, "source": {"type": "string"},
        "observed_at": TIME, "published_at": TIME, "published_by": NULLABLE_STRING,
    },
})
register_schema("PriceInput", {
    "type": "object", "required": ["market", "kes_per_gram", "purity"], "additionalProperties": False,
    "description": "Also accepted: kes_per_gram as text ('9,850'), purity as a percentage ('90%') or karats "
                   "('22k'), and observed_at (ISO 8601, not in the future; default now).",
    "properties": {
        "market": {"type": "string", "minLength": 1, "maxLength": 60, "pattern": NO_NUL, "example": "Migori"},
        "kes_per_gram": {"type": "integer", "minimum": 1, "maximum": 1000000, "example": 9850},
        "purity": {"type": "number", "minimum": 0.01, "maximum": 1, "example": 0.9},
        "source": {"type": "string", "maxLength": 120, "pattern": NO_NUL},
    },
})


@bp.post("/prices")
@requires("prices")
def publish_price():
    """Publish a gold price for a market; its subscribers get an SMS alert.
    ---
    post:
      operationId: api_publish_price_post
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/PriceInput'}
      responses:
        201:
          description: published
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Price'}
        400: {$ref: '#/components/responses/BadRequest'}
        404: {$ref: '#/components/responses/NotFound'}
    """
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "bad_json", "send a JSON object with market, kes_per_gram and purity")
    missing = [name for name in ("market", "kes_per_gram", "purity") if body.get(name) in (None, "")]
    if missing:
        raise ApiError(400, "missing_fields", "required: " + ", ".join(missing))
    if not isinstance(body["market"], str) or isinstance(body["kes_per_gram"], bool):
        raise ApiError(400, "invalid", "market is a name; kes_per_gram a number")
    market = prices.market_named(body["market"])  # 404 unknown_market (core.policy.Refused)
    observed = None
    if body.get("observed_at"):
        try:
            observed = datetime.fromisoformat(str(body["observed_at"]).replace("Z", "+00:00"))
        except ValueError:
            raise ApiError(400, "invalid", "observed_at must be an ISO 8601 time") from None
        observed = observed if observed.tzinfo else observed.replace(tzinfo=timezone.utc)
    try:
        price = prices.publish(g.officer, market, str(body["kes_per_gram"]), str(body["purity"]),
                               source=str(body.get("source") or ""), observed_at=observed)
    except BadQuantity as exc:
        raise ApiError(400, "invalid", str(exc)) from None
    return jsonify(prices.serialise(price, market)), 201


@bp.get("/prices")
@requires("read")
def latest_prices():
    """The latest price of every market (in the officer's county when they have one).
    ---
    get:
      operationId: api_latest_prices_get
      x-page-of: Price
      parameters:
        - {name: market, in: query, description: one market by name (any case), schema: {type: string, maxLength: 60, pattern: '^[^\\x00]*$'}}
      responses:
        200: {description: "a page of prices, one per market"}
    """
    newest = (
        db.select(Price.id, db.func.row_number().over(
            partition_by=Price.market_id, order_by=(Price.observed_at.desc(), Price.id.desc())).label("rank"))
        .subquery()
    )
    query = (
        db.select(Price).join(newest, newest.c.id == Price.id).join(Market, Market.id == Price.market_id)
        .filter(newest.c.rank == 1, Market.retired_at.is_(None)).order_by(Market.id)
    )
    if g.officer.role != "admin" and g.officer.county:
        query = query.filter(db.func.lower(Market.county) == g.officer.county.lower())
    if request.args.get("market"):
        query = query.filter(db.func.lower(Market.name) == request.args["market"].strip().lower())
    return jsonify(paged(query, prices.serialise, db.session))
