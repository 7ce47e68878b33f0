"""Read-mostly data that USSD screens render from memory (tip catalogue, price board).

A USSD hop after the first must not query the database. Such data is built from the
database once, stored in Redis as JSON under a version token, and kept in each process's
memory; a hop only compares the token in Redis (one GET) with the one in memory. Writers
call `invalidate()` after their commit: the token changes and the writer rebuilds the data
into Redis at once, so the other processes reload it from Redis, not from the database
(they fall back to the database only if Redis lost the data, or two writers raced).
Tokens are random (not a counter), so a Redis that was emptied or restarted can never make
an old in-memory copy look current.
"""
import json
import threading
import uuid

from flask import current_app


class Snapshot:
    def __init__(self, name, build):
        self.name = name
        self.build = build  # () -> JSON-able data, from the database
        self._local = {}  # redis connection id -> (version token, data)
        self._lock = threading.Lock()

    @property
    def _keys(self):
        return f"snapshot:{self.name}:version", f"snapshot:{self.name}:data"

    def get(self):
        redis = current_app.extensions["redis"]
        version_key, data_key = self._keys
        version = redis.get(version_key)
        cached = self._local.get(id(redis))
        if version is not None and cached and cached[0] == version:
            return cached[1]
        with self._lock:
            if version is None:
                version = uuid.uuid4().hex.encode()
                redis.set(version_key, version)
            raw = redis.get(data_key)
            stored = json.loads(raw) if raw is not None else None
            if stored is not None and stored[0] == version.decode():
                data = stored[1]
            else:
                # Tagged with the token read before building: if a writer invalidated in the
                # meantime, the tags differ and the next reader rebuilds.
                data = self.build()
                redis.set(data_key, json.dumps([version.decode(), data], separators=(",", ":")))
            self._local[id(redis)] = (version, data)
            return data

    def invalidate(self):
        """Call after committing a change the snapshot shows (rebuilds it in Redis now)."""
        redis = current_app.extensions["redis"]
        version_key, data_key = self._keys
        pipe = redis.pipeline()
        pipe.set(version_key, uuid.uuid4().hex)
        pipe.delete(data_key)
        pipe.execute()
        self.get()
