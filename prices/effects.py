"""USSD effects of the prices journey (flows/prices.py), and the caller detail it reads."""
from prices.board import REMEMBERED_KEY, remember_market
from prices.publishing import subscribe, unsubscribe


def last_market(raw):
    """The market this phone looked at last time: the prices journey opens on it."""
    return {"market_id": int(raw)} if raw else {}


def _subscribe(phone, market_id, mode, locale):
    subscribe(phone, market_id, mode, locale)


def _unsubscribe(phone, market_id):
    unsubscribe(phone, market_id)


def _remember_market(phone, market_id):
    remember_market(phone, market_id)


EFFECTS = {"price_subscribe": _subscribe, "price_unsubscribe": _unsubscribe, "remember_market": _remember_market}
__all__ = ["EFFECTS", "REMEMBERED_KEY", "last_market"]
