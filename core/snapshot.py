"""Read-mostly data that USSD screens render from memory (tip catalogue, price board).

A USSD hop after the first must not query the database. Such data is built from the
database once, stored in Redis as JSON with a version number, and kept in each process's
memory; a hop only compares the version in Redis (one GET) with the one in memory. Writers
call `invalidate()` after their commit: the version moves on and every process rebuilds on
its next read, from Redis when another process already rebuilt it, else from the database.
"""
import json
import threading

from flask import current_app


class Snapshot:
    def __init__(self, name, build):
        self.name = name
        self.build = build  # () -> JSON-able data, from the database
        self._local = {}  # redis connection id -> (version, data)
        self._lock = threading.Lock()

    @property
    def _keys(self):
        return f"snapshot:{self.name}:version", f"snapshot:{self.name}:data"

    def get(self):
        redis = current_app.extensions["redis"]
        version_key, data_key = self._keys
        version = redis.get(version_key) or b"0"
        cached = self._local.get(id(redis))
        if cached and cached[0] == version:
            return cached[1]
        with self._lock:
            raw = redis.get(data_key)
            if raw is not None:
                stored_version, data = json.loads(raw)
                if str(stored_version).encode() != version:
                    raw = None  # written under an older version: rebuild
            if raw is None:
                data = self.build()
                redis.set(data_key, json.dumps([version.decode(), data], separators=(",", ":")))
            self._local[id(redis)] = (version, data)
            return data

    def invalidate(self):
        """Call after committing a change the snapshot shows."""
        redis = current_app.extensions["redis"]
        version_key, data_key = self._keys
        pipe = redis.pipeline()
        pipe.incr(version_key)
        pipe.delete(data_key)
        pipe.execute()
