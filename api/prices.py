"""/api/v1/prices: publish a gold price (alerts subscribers); the latest price per market."""
from datetime import datetime, timezone

from flask import g, jsonify, request

from api import bp
from api.auth import requires
from api.errors import ApiError
from models import Market, Price, db
from prices import service as prices
from prices.units import BadQuantity


@bp.post("/prices")
@requires("prices")
def publish_price():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "bad_json", "send a JSON object with market, kes_per_gram and purity")
    missing = [name for name in ("market", "kes_per_gram", "purity") if body.get(name) in (None, "")]
    if missing:
        raise ApiError(400, "missing_fields", "required: " + ", ".join(missing))
    if not isinstance(body["market"], str) or isinstance(body["kes_per_gram"], bool):
        raise ApiError(400, "invalid", "market is a name; kes_per_gram a number")
    try:
        market = prices.market_named(body["market"])
    except prices.UnknownMarket as exc:
        raise ApiError(404, "unknown_market", str(exc)) from None
    if not g.officer.in_scope(market.county):
        raise ApiError(403, "forbidden", f"your account covers {g.officer.county} only")
    observed = None
    if body.get("observed_at"):
        try:
            observed = datetime.fromisoformat(str(body["observed_at"]).replace("Z", "+00:00"))
        except ValueError:
            raise ApiError(400, "invalid", "observed_at must be an ISO 8601 time") from None
        observed = observed if observed.tzinfo else observed.replace(tzinfo=timezone.utc)
    try:
        price = prices.publish(market, str(body["kes_per_gram"]), str(body["purity"]),
                               source=str(body.get("source") or ""), by=g.officer.username, observed_at=observed)
    except BadQuantity as exc:
        raise ApiError(400, "invalid", str(exc)) from None
    return jsonify(prices.serialise(price, market)), 201


@bp.get("/prices")
@requires("read")
def latest_prices():
    """The latest price of every market (in the officer's county when they have one)."""
    items = []
    for market in db.session.execute(db.select(Market).filter_by(retired_at=None).order_by(Market.id)).scalars():
        if not g.officer.in_scope(market.county):
            continue
        latest = db.session.execute(
            db.select(Price).filter_by(market_id=market.id)
            .order_by(Price.observed_at.desc(), Price.id.desc()).limit(1)
        ).scalar_one_or_none()
        if latest is not None:
            items.append(prices.serialise(latest, market))
    return jsonify({"items": items, "total": len(items)})
