"""USSD effects of the miners' journeys (registration, account, language): effect type -> handler.

Handlers run inside the hop that produced them, so what must be stored before the END
screen (a registration) is committed by then.
"""
from miners import erasure
from miners.registration import register
from models import miner as miners


def register_miner(phone, **details):
    register(phone, **details)


def set_language(phone, locale):
    miners.set_language(phone, locale)


def set_sms(phone, enabled):
    miners.set_sms(phone, enabled)


def update_site(phone, site):
    miners.update_site(phone, site)


def delete_miner(phone):
    erasure.erase(phone)


EFFECTS = {"register_miner": register_miner, "set_language": set_language, "set_sms": set_sms,
           "update_site": update_site, "delete_miner": delete_miner}
