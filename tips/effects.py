"""USSD effects of the tips journey (flows/tips.py)."""
from tips.delivery import send_tip
from ussd.effects import handler


@handler("send_tip")
def _send_tip(phone, tip_id, locale):
    send_tip(phone, tip_id, locale, channel="ussd")
