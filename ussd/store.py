"""USSD session records in Redis.

A record is JSON (orjson): the flow `Session` plus what the transport needs (the previous
hop's `text`, the screen we answered, whether it ended). Keys include the phone number as well
as the sessionId, so a sessionId reused by another phone can never reach someone else's session.

A hop costs two Redis commands, whatever it does (the hot path; each command through
redis-py costs more client CPU than the work Redis does for it): `open` runs a small Lua
script that takes the session's lock and reads everything the hop may need (the record,
whether the session was seen before, the caller's resume snapshot and, on a first hop, the
per-phone keys journeys declared as caller details); `Hop.close` runs
another that writes the record, the "seen" mark and the resume snapshot and releases the
lock. Scripts run atomically; redis-py sends them by SHA and reloads them after a restart.
(Not for Redis Cluster: a hop touches per-session and per-phone keys.)
"""
import logging
import os
import time

import orjson
from redis.exceptions import LockError

log = logging.getLogger(__name__)

SESSION_KEY = "ussd:s:{sid}:{phone}"
SEEN_KEY = "ussd:seen:{sid}:{phone}"  # outlives the session: tells "expired" from "direct dial"
RESUME_KEY = "ussd:resume:{phone}"
LOCK_KEY = "ussd:lock:{sid}:{phone}"

LOCK_TIMEOUT_MS = 10_000  # a hop never takes this long (AT gives up after 10 s anyway)
LOCK_WAIT = 5.0  # a concurrent hop of the same session (an AT retry) waits this long at most
LOCK_RETRY = 0.01

# KEYS: lock, session, seen, resume, then any caller-detail keys. ARGV: lock token, lock ms.
# Returns 0 when another hop holds the lock, else {record or '', seen 0/1, resume or '', and,
# only when there is no record yet (a first hop), each caller-detail key's value or ''}.
OPEN_HOP = """
if not redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
    return 0
end
local record = redis.call('get', KEYS[2])
local reply = {record or '', redis.call('exists', KEYS[3]), redis.call('get', KEYS[4]) or ''}
if not record then
    for i = 5, #KEYS do
        reply[#reply + 1] = redis.call('get', KEYS[i]) or ''
    end
end
return reply
"""

# KEYS: lock, session, seen, resume, and optionally a key to fill. ARGV: lock token, record
# ('' for none), session ttl, first hop '1'/'0', seen ttl, resume 'keep'/'clear'/'set', resume
# snapshot, resume ttl, then (with the fifth key) its value and ttl: set only if absent (the
# caller snapshot a first hop read from the database: a write since then wins).
# Releases the lock only if this hop still owns it (it may have expired and been taken by
# another hop); returns 1 when it did.
CLOSE_HOP = """
if ARGV[2] ~= '' then
    redis.call('set', KEYS[2], ARGV[2], 'EX', ARGV[3])
    if ARGV[4] == '1' then
        redis.call('set', KEYS[3], 1, 'EX', ARGV[5])
    end
end
if ARGV[6] == 'clear' then
    redis.call('del', KEYS[4])
elseif ARGV[6] == 'set' then
    redis.call('set', KEYS[4], ARGV[7], 'EX', ARGV[8])
end
if KEYS[5] then
    redis.call('set', KEYS[5], ARGV[9], 'NX', 'EX', ARGV[10])
end
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
end
return 0
"""

KEEP, CLEAR = "keep", "clear"  # what `close` does with the resume snapshot (or a dict to store)


def _dumps(value):
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)


_loads = orjson.loads


class Hop:
    """One locked hop of a session: what was read when it opened, and the way to close it."""

    def __init__(self, store, sid, phone, token, record, seen, resume, details=()):
        self.store, self.sid, self.phone, self.token = store, sid, phone, token
        self.record, self.seen, self.resume = record, seen, resume
        self.details = details  # the caller-detail keys' values (None for a missing key); first hop only
        self.fill = None  # (key, value, ttl): stored by `close` unless the key exists by then
        self.closed = False

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if self.closed:
            return
        try:
            self.close()
        except Exception:
            if exc_type is None:
                raise
            # Already failing (Redis down?): the lock expires on its own; keep the first error.
            log.warning("could not release the USSD session lock after an error")

    def close(self, record=None, *, first_hop=False, resume=KEEP):
        """Store `record` (when given) and the resume decision, and release the lock: one command."""
        store = self.store
        if resume in (KEEP, CLEAR):
            resume_mode, resume_json = resume, ""
        else:
            resume_mode, resume_json = "set", _dumps(resume)
        keys = store.keys(self.sid, self.phone)  # the first four: CLOSE_HOP takes no detail keys
        args = [self.token, _dumps(record) if record is not None else "", store.ttl, "1" if first_hop else "0",
                max(store.ttl * 10, store.resume_ttl), resume_mode, resume_json, store.resume_ttl]
        if self.fill:
            key, value, ttl = self.fill
            keys.append(key)
            args += [value, ttl]
        released = store.close_script(keys=keys, args=args)
        self.closed = True
        if not released:
            log.warning("USSD session lock had expired before the hop finished")


class SessionStore:
    def __init__(self, redis, ttl, resume_ttl):
        self.redis, self.ttl, self.resume_ttl = redis, ttl, resume_ttl
        self.open_script = redis.register_script(OPEN_HOP)
        self.close_script = redis.register_script(CLOSE_HOP)

    @staticmethod
    def keys(sid, phone):
        """lock, session, seen, resume: the order both scripts take them in."""
        return [LOCK_KEY.format(sid=sid, phone=phone), SESSION_KEY.format(sid=sid, phone=phone),
                SEEN_KEY.format(sid=sid, phone=phone), RESUME_KEY.format(phone=phone)]

    def open(self, sid, phone, detail_keys=()):
        """Lock the session (waiting for a concurrent hop of it) and read it: one command.
        When the session has no record yet, also read `detail_keys` (`Hop.details`).

        Raises redis LockError when another hop holds the lock for longer than LOCK_WAIT.
        """
        keys, token = self.keys(sid, phone) + list(detail_keys), os.urandom(16).hex()
        deadline = time.monotonic() + LOCK_WAIT
        while True:
            opened = self.open_script(keys=keys, args=[token, LOCK_TIMEOUT_MS])
            if opened:  # read under the lock, atomically: consistent
                raw, seen, resume, *details = opened
                return Hop(self, sid, phone, token, _loads(raw) if raw else None, bool(seen),
                           _loads(resume) if resume else None, [value or None for value in details])
            if time.monotonic() >= deadline:
                raise LockError("another hop of this USSD session is still running")
            time.sleep(LOCK_RETRY)

    def load(self, sid, phone):
        """The record of a session, without locking (tools and tests)."""
        raw = self.redis.get(SESSION_KEY.format(sid=sid, phone=phone))
        return _loads(raw) if raw else None
