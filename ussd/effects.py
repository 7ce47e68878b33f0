"""Carrying out what a journey asks for (flows return effects as data; this does the I/O).

Each effect type has one handler; a capability adds its own with `@handler("type")`.
Handlers run inside the hop that produced them, so what must be stored before the END
screen (a registration, an incident) is committed by then. Slow work goes to a job.
"""
from models import erasure
from models import miner as miners

HANDLERS = {}


def handler(kind):
    def register(fn):
        if kind in HANDLERS:
            raise ValueError(f"effect {kind!r} already has a handler")
        HANDLERS[kind] = fn
        return fn

    return register


def run(effects):
    """Carry out `effects` in order. Returns what they learned that the caller must see (a
    handler may return a dict of session data, e.g. the reference a report was filed under);
    the hop shows the screen again with it."""
    learned = {}
    for item in effects:
        payload = dict(item)
        learned.update(HANDLERS[payload.pop("type")](**payload) or {})
    return learned


@handler("register_miner")
def _register_miner(phone, **details):
    miners.register(phone, **details)


@handler("set_language")
def _set_language(phone, locale):
    miners.set_language(phone, locale)


@handler("set_sms")
def _set_sms(phone, enabled):
    miners.set_sms(phone, enabled)


@handler("update_site")
def _update_site(phone, site):
    miners.update_site(phone, site)


@handler("delete_miner")
def _delete_miner(phone):
    erasure.erase(phone)


# Capabilities' own effect handlers register when imported.
from prices import effects as _price_effects  # noqa: E402,F401
from tips import effects as _tip_effects  # noqa: E402,F401
