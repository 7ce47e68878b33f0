"""USSD effects of the prices journey (flows/prices.py)."""
from prices.board import REMEMBERED_KEY, remember_market
from prices.service import subscribe, unsubscribe
from ussd.effects import handler
from ussd.service import caller_detail


@caller_detail(REMEMBERED_KEY)
def _last_market(raw):
    """The market this phone looked at last time: the prices journey opens on it."""
    return {"market_id": int(raw)} if raw else {}


@handler("price_subscribe")
def _subscribe(phone, market_id, mode, locale):
    subscribe(phone, market_id, mode, locale)


@handler("price_unsubscribe")
def _unsubscribe(phone, market_id):
    unsubscribe(phone, market_id)


@handler("remember_market")
def _remember_market(phone, market_id):
    remember_market(phone, market_id)
