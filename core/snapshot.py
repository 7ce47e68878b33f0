"""Read-mostly data that USSD screens render from memory (tip catalogue, price board).

A USSD hop after the first must not query the database, and the flows do no I/O at all.
Such data is built from the database once, stored in Redis as JSON under a version token,
and kept in each process's memory:

- `refresh_all(redis)` is the only reader that does I/O. The USSD hop service calls it before
  stepping a flow (one MGET of every version token, at most every SNAPSHOT_REFRESH_SECONDS);
  SMS handlers and jobs call `Snapshot.get()`, which refreshes that one snapshot.
- `Snapshot.current()` is memory only: what flows call while rendering a screen.

Writers call `invalidate()` after their commit: the token changes and the writer rebuilds
the data into Redis at once, so other processes reload it from Redis, not from the database
(they fall back to the database only if Redis lost the data, or two writers raced). Tokens
are random (not a counter), so a Redis that was emptied or restarted can never make an old
in-memory copy look current.
"""
import json
import logging
import threading
import time
import uuid

from flask import current_app

log = logging.getLogger(__name__)


class Snapshot:
    def __init__(self, name, build, empty):
        self.name = name
        self.build = build  # () -> JSON-able data, from the database
        self.empty = empty  # what screens see before anything was loaded
        self._current = None  # (redis connection id, version token, data)
        self._lock = threading.Lock()

    @property
    def version_key(self):
        return f"snapshot:{self.name}:version"

    @property
    def data_key(self):
        return f"snapshot:{self.name}:data"

    def current(self):
        """The data as last refreshed in this process (no I/O)."""
        return self._current[2] if self._current else self.empty

    def get(self):
        """Refresh from Redis (or the database) if needed, then the data."""
        redis = current_app.extensions["redis"]
        self._refresh(redis, redis.get(self.version_key))
        return self.current()

    def _is_current(self, redis, version):
        return version is not None and self._current and self._current[:2] == (id(redis), version)

    def _refresh(self, redis, version):
        if self._is_current(redis, version):
            return
        with self._lock:
            if version is None:
                version = uuid.uuid4().hex.encode()
                redis.set(self.version_key, version)
            raw = redis.get(self.data_key)
            stored = json.loads(raw) if raw is not None else None
            if stored is not None and stored[0] == version.decode():
                data = stored[1]
            else:
                # Tagged with the token read before building: if a writer invalidated in the
                # meantime, the tags differ and the next reader rebuilds.
                data = self.build()
                redis.set(self.data_key, json.dumps([version.decode(), data], separators=(",", ":")))
            self._current = (id(redis), version, data)

    def prime(self, data):
        """Put data in memory directly (tests render screens without a database)."""
        self._current = (None, None, data)

    def invalidate(self):
        """Call after committing a change the snapshot shows (rebuilds it in Redis now)."""
        redis = current_app.extensions["redis"]
        pipe = redis.pipeline()
        pipe.set(self.version_key, uuid.uuid4().hex)
        pipe.delete(self.data_key)
        pipe.execute()
        self.get()


_last_refresh = {"at": 0.0, "redis": None}


def refresh_all(redis, max_age=0.0, snapshots=()):
    """Bring `snapshots` (the capabilities', core.capability.Registry.snapshots) up to date with
    one MGET (skipped if done < max_age s ago)."""
    now = time.monotonic()
    if max_age and _last_refresh["redis"] == id(redis) and now - _last_refresh["at"] < max_age:
        return
    snapshots = list(snapshots)
    versions = redis.mget([s.version_key for s in snapshots]) if snapshots else []
    for snapshot, version in zip(snapshots, versions):
        try:
            snapshot._refresh(redis, version)
        except Exception as exc:
            # The database is down and Redis lost the data: screens keep what this process
            # has (or the empty default) rather than failing a caller who may be reporting.
            log.warning("could not refresh the %s snapshot (%s)", snapshot.name, type(exc).__name__)
    _last_refresh.update(at=now, redis=id(redis))
