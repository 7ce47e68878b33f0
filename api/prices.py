"""/api/v1/prices: publish a gold price (alerts subscribers); the latest price per market.

Publishing's county rule and audit entry are prices.publishing.publish's; this module parses
and renders."""
from datetime import datetime, timezone

from flask import g, jsonify, request

from api.blueprint import bp
from api.auth import requires
from api.errors import ApiError, paged
from models import Market, Price, db
from prices import publishing as prices
from prices.units import BadQuantity


@bp.post("/prices")
@requires("prices")
def publish_price():
    """Publish a gold price for a market; its subscribers get an SMS alert.
    ---
    post:
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
