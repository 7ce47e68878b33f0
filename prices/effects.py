"""USSD effects of the prices journey (flows/prices.py)."""
from prices.service import subscribe, unsubscribe
from ussd.effects import handler


@handler("price_subscribe")
def _subscribe(phone, market_id, mode, locale):
    subscribe(phone, market_id, mode, locale)


@handler("price_unsubscribe")
def _unsubscribe(phone, market_id):
    unsubscribe(phone, market_id)
