"""USSD effects of the tips journey (tips/journey.py): effect type -> handler."""
from tips.delivery import send_tip


def send_tip_effect(phone, tip_id, locale):
    send_tip(phone, tip_id, locale, channel="ussd")


EFFECTS = {"send_tip": send_tip_effect}
