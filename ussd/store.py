"""USSD session records in Redis.

A record is JSON: the flow `Session` plus what the transport needs (the previous hop's
`text`, the screen we answered, whether it ended). Keys include the phone number as well as
the sessionId, so a sessionId reused by another phone can never reach someone else's session.

A hop costs two round trips to Redis, whatever it does (the hot path): `open` takes the
session's lock and reads everything the hop may need (the record, whether the session was
seen before, the caller's resume snapshot) in one pipeline; `Hop.close` writes the record,
the "seen" mark and the resume snapshot and releases the lock in another.
"""
import json
import logging
import os
import time

from redis.exceptions import LockError

log = logging.getLogger(__name__)

SESSION_KEY = "ussd:s:{sid}:{phone}"
SEEN_KEY = "ussd:seen:{sid}:{phone}"  # outlives the session: tells "expired" from "direct dial"
RESUME_KEY = "ussd:resume:{phone}"
LOCK_KEY = "ussd:lock:{sid}:{phone}"

LOCK_TIMEOUT_MS = 10_000  # a hop never takes this long (AT gives up after 10 s anyway)
LOCK_WAIT = 5.0  # a concurrent hop of the same session (an AT retry) waits this long at most
LOCK_RETRY = 0.01

# Release the lock only if we still own it (it may have expired and been taken by another hop).
RELEASE_LOCK = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
end
return 0
"""

KEEP, CLEAR = "keep", "clear"  # what `close` does with the resume snapshot (or a dict to store)


def _dumps(value):
    return json.dumps(value, separators=(",", ":"))


class Hop:
    """One locked hop of a session: what was read when it opened, and the way to close it."""

    def __init__(self, store, sid, phone, token, record, seen, resume):
        self.store, self.sid, self.phone, self.token = store, sid, phone, token
        self.record, self.seen, self.resume = record, seen, resume
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
        """Store `record` (when given) and the resume decision, and release the lock: one trip."""
        store, keys = self.store, self.store.keys(self.sid, self.phone)
        pipe = store.redis.pipeline(transaction=False)
        if record is not None:
            pipe.set(keys["session"], _dumps(record), ex=store.ttl)
            if first_hop:
                pipe.set(keys["seen"], 1, ex=max(store.ttl * 10, store.resume_ttl))
        if resume == CLEAR:
            pipe.delete(keys["resume"])
        elif resume != KEEP:
            pipe.set(keys["resume"], _dumps(resume), ex=store.resume_ttl)
        pipe.eval(RELEASE_LOCK, 1, keys["lock"], self.token)
        released = pipe.execute()[-1]
        self.closed = True
        if not released:
            log.warning("USSD session lock had expired before the hop finished")


class SessionStore:
    def __init__(self, redis, ttl, resume_ttl):
        self.redis, self.ttl, self.resume_ttl = redis, ttl, resume_ttl

    @staticmethod
    def keys(sid, phone):
        return {
            "session": SESSION_KEY.format(sid=sid, phone=phone), "seen": SEEN_KEY.format(sid=sid, phone=phone),
            "resume": RESUME_KEY.format(phone=phone), "lock": LOCK_KEY.format(sid=sid, phone=phone),
        }

    def open(self, sid, phone):
        """Lock the session (waiting for a concurrent hop of it) and read it: one trip.

        Raises redis LockError when another hop holds the lock for longer than LOCK_WAIT.
        """
        keys, token = self.keys(sid, phone), os.urandom(16).hex()
        deadline = time.monotonic() + LOCK_WAIT
        while True:
            pipe = self.redis.pipeline(transaction=False)
            pipe.set(keys["lock"], token, nx=True, px=LOCK_TIMEOUT_MS)
            pipe.get(keys["session"])
            pipe.exists(keys["seen"])
            pipe.get(keys["resume"])
            acquired, raw, seen, resume = pipe.execute()
            if acquired:  # read after taking the lock, in the same pipeline: consistent
                return Hop(self, sid, phone, token, json.loads(raw) if raw else None, bool(seen),
                           json.loads(resume) if resume else None)
            if time.monotonic() >= deadline:
                raise LockError("another hop of this USSD session is still running")
            time.sleep(LOCK_RETRY)

    def load(self, sid, phone):
        """The record of a session, without locking (tools and tests)."""
        raw = self.redis.get(SESSION_KEY.format(sid=sid, phone=phone))
        return json.loads(raw) if raw else None

    def resume_get(self, phone):
        """The caller's resume snapshot, without locking (tools and tests)."""
        raw = self.redis.get(RESUME_KEY.format(phone=phone))
        return json.loads(raw) if raw else None
