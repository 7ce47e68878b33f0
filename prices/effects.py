"""USSD effects of the prices journey (flows/prices.py)."""
from prices.board import remember_market, remembered_market
from prices.service import subscribe, unsubscribe
from ussd.effects import handler
from ussd.service import caller_detail


@caller_detail
def _last_market(phone):
    """The market this phone looked at last time: the prices journey opens on it."""
    market_id = remembered_market(phone)
    return {"market_id": market_id} if market_id is not None else {}


@handler("price_subscribe")
def _subscribe(phone, market_id, mode, locale):
    subscribe(phone, market_id, mode, locale)


@handler("price_unsubscribe")
def _unsubscribe(phone, market_id):
    unsubscribe(phone, market_id)


@handler("remember_market")
def _remember_market(phone, market_id):
    remember_market(phone, market_id)
