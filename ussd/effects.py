"""Carrying out what a journey asks for (flows return effects as data; this does the I/O).

Each effect type has one handler, declared by its capability (`Capability.effects`); the
registry merges them (core/capability.py) and the hop service runs them with `run`.
Handlers run inside the hop that produced them, so what must be stored before the END
screen (a registration, an incident) is committed by then. Slow work goes to a job.
"""


def run(effects, handlers):
    """Carry out `effects` in order with `handlers` (effect type -> handler). Returns what
    they learned that the caller must see (a handler may return a dict of session data, e.g.
    the reference a report was filed under); the hop shows the screen again with it."""
    learned = {}
    for item in effects:
        payload = dict(item)
        learned.update(handlers[payload.pop("type")](**payload) or {})
    return learned
