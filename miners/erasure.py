"""Deleting a caller's data on request (Kenya Data Protection Act 2019, right to erasure).

The miner row is removed; the phone's language choice is kept (a number and "sw"/"en", so
that the service still speaks to that phone in the language it chose: the caller asked to
be forgotten as a miner, not to be answered in another language). Other capabilities keep records
that must survive (an incident report, a sent message) but must forget who it was: they
declare an erasure hook `hook(phone, miner_id)` (`Capability.erasure`) that anonymises their
rows in the same transaction.

What Redis keeps about a phone (USSD sessions and their resume offer, the caller snapshot a
session carries, remembered choices, rate-limit and follow-up keys) goes too: every key
shape with `{phone}` in it is listed: the transport's below, and each capability's
(`Capability.forget_keys` and its caller details; `*` matches a session id). Keys are deleted right after
the database commit, and once more when a USSD session that was open then has expired (the
hop that asked for the erasure writes its own session back after this runs).

Deleted rows must not stay readable from the database files: SQLite runs with
`secure_delete` (models/base.py), and PostgreSQL's old row versions are reclaimed by
(auto)VACUUM; docs/personal-data.md explains both.
"""
import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import text

from core import jobs
from models.base import db
from models.message import anonymise_messages
from models.miner import CALLER_KEY, Miner, _remember_language, caller_changed
from models.ussd_session import UssdSessionOutcome
from sms import replies
from ussd import store

log = logging.getLogger(__name__)

def _registry():
    return current_app.extensions["capabilities"]


def key_patterns():
    """Every per-phone key shape: the ones every installation has (the USSD sessions, the
    caller cache, the SMS reply budget) and the capabilities' (core.capability.Registry)."""
    built_in = [key.replace("{sid}", "*") for key in (store.SESSION_KEY, store.SEEN_KEY, store.LOCK_KEY,
                                                       store.RESUME_KEY)]
    built_in += [*replies.KEYS, CALLER_KEY]
    return list(dict.fromkeys(built_in + list(_registry().forget_keys)))


def _glob_escape(text):
    return "".join("\\" + c if c in "*?[]\\" else c for c in text)


def forget_in_redis(phone):
    """Delete every registered per-phone Redis key of `phone`; returns how many went."""
    redis = current_app.extensions["redis"]
    deleted = 0
    for pattern in key_patterns():
        if "*" in pattern.replace("{phone}", ""):
            match = pattern.replace("{phone}", _glob_escape(phone))
            keys = list(redis.scan_iter(match=match, count=1000))
        else:
            keys = [pattern.format(phone=phone)]
        if keys:
            deleted += redis.delete(*keys)
    return deleted


def erase(phone):
    """Remove or anonymise everything stored about `phone`; True if a miner was deleted."""
    miner = db.session.execute(db.select(Miner).filter_by(phone=phone)).scalar_one_or_none()
    miner_id = miner.id if miner else None
    anonymise_messages(phone, miner_id)
    for hook in _registry().erasure:
        hook(phone, miner_id)
    db.session.execute(db.delete(UssdSessionOutcome).filter_by(phone=phone))
    if miner:
        _remember_language(phone, miner.locale)  # usually there already (registering stores it)
        db.session.delete(miner)
    caller_changed(phone)  # after the commit: nothing stored, so the cached snapshot is deleted
    db.session.commit()
    _flush_sqlite_log()
    _forget_in_redis_now_and_later(phone)
    return miner is not None


def _flush_sqlite_log():
    """SQLite in WAL mode keeps earlier versions of changed pages in the -wal file until a
    checkpoint: copy them home (where secure_delete has zeroed the erased rows) and empty the
    log now, not whenever 1,000 pages have gone by. PostgreSQL: see docs/personal-data.md."""
    if db.session.get_bind().dialect.name != "sqlite":
        return
    try:
        db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        db.session.commit()
    except Exception as exc:  # a busy reader: the next automatic checkpoint does it
        db.session.rollback()
        log.warning("erasure: SQLite log not checkpointed yet (%s)", type(exc).__name__)


def _forget_in_redis_now_and_later(phone):
    try:
        forget_in_redis(phone)
    except Exception as exc:  # the database part is done; the keys expire on their own
        log.error("erasure: Redis keys of a phone not deleted (%s); they expire on their own", type(exc).__name__)
    try:
        delay = current_app.config["USSD_SESSION_TTL"] + 5
        jobs.queue(jobs.REPLIES).enqueue_in(timedelta(seconds=delay), forget_in_redis, phone, result_ttl=0,
                                            failure_ttl=3600, description="erasure: forget Redis keys")
    except Exception as exc:
        log.error("erasure: the second sweep of Redis keys was not scheduled (%s)", type(exc).__name__)


