"""Replies to inbound SMS, for every capability alike (transport): the per-number reply
budget and the help reply.

No reply loops, no SMS bill run up by one number: help (HELP, or a message nobody
understood) at most once an hour per number; at most REPLY_BUDGET replies to commands an
hour per number (sms/inbound.py asks `within_budget` before sending a command's reply).
Incident replies are never held back.
"""
from flask import current_app

from core.i18n import N_, translate
from sms.keywords import Inbound

FALLBACK_HELP = N_("Madini Salama: to report danger SMS what happened and where. HELP for the words, or dial "
                   "*384*12#. Emergency 999")

HELP_KEY = "sms:fallback-help:{phone}"  # help of either kind: one an hour
HELP_SECONDS = 3600
BUDGET_KEY = "sms:reply-budget:{phone}"
REPLY_BUDGET = 10  # replies to commands (PRICE, TIP, LANG...) per number per hour
KEYS = (HELP_KEY, BUDGET_KEY)  # what erasure deletes for a phone


def _redis():
    return current_app.extensions["redis"]


def help_reply(message: Inbound, msgid):
    """Help, at most one an hour per number (HELP and the reply to a message nobody
    understood share it), so two auto-responders can never talk to each other forever."""
    if not _redis().set(HELP_KEY.format(phone=message.phone), "1", nx=True, ex=HELP_SECONDS):
        return None
    return translate(message.locale, msgid)


def fallback_help(message: Inbound):
    """The reply to a message no keyword or capability understood (one an hour)."""
    return help_reply(message, FALLBACK_HELP)


def within_budget(phone):
    """True while this number has had fewer than REPLY_BUDGET command replies this hour."""
    key = BUDGET_KEY.format(phone=phone)
    pipe = _redis().pipeline()
    pipe.set(key, 0, ex=3600, nx=True)  # the hour starts at the first reply
    pipe.incr(key)
    _, count = pipe.execute()
    return count <= REPLY_BUDGET
