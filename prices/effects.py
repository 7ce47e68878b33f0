"""USSD effects of the prices journey (flows/prices.py)."""
from prices.board import remember_market
from prices.service import subscribe, unsubscribe
from ussd.effects import handler


@handler("price_subscribe")
def _subscribe(phone, market_id, mode, locale):
    subscribe(phone, market_id, mode, locale)


@handler("price_unsubscribe")
def _unsubscribe(phone, market_id):
    unsubscribe(phone, market_id)


@handler("remember_market")
def _remember_market(phone, market_id):
    remember_market(phone, market_id)
