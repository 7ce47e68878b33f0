"""Deleting a caller's data on request (Kenya Data Protection Act 2019, right to erasure).

The miner row is removed; the phone's language choice is kept (a number and "sw"/"en", so
that the service still speaks to that phone in the language it chose: the caller asked to
be forgotten as a miner, not to be answered in another language). Other capabilities keep records
that must survive (an incident report, a sent message) but must forget who it was: they
register an `on_erase(phone)` hook here that anonymises their rows in the same transaction.
"""
from models.base import db
from models.miner import Miner, _remember_language
from models.ussd_session import UssdSessionOutcome

_hooks = []


def on_erase(hook):
    """Decorator: `hook(phone, miner_id)` anonymises a capability's rows for that phone."""
    _hooks.append(hook)
    return hook


def erase(phone):
    """Remove or anonymise everything stored about `phone`; True if a miner was deleted."""
    miner = db.session.execute(db.select(Miner).filter_by(phone=phone)).scalar_one_or_none()
    miner_id = miner.id if miner else None
    for hook in _hooks:
        hook(phone, miner_id)
    db.session.execute(db.delete(UssdSessionOutcome).filter_by(phone=phone))
    if miner:
        _remember_language(phone, miner.locale)  # usually there already (registering stores it)
        db.session.delete(miner)
    db.session.commit()
    return miner is not None
