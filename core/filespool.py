"""Files that must survive a crash: one small file per item, on the local disk, for what the
database and Redis could not take (an incident report, an acknowledged inbound SMS).

`write` puts the item under a temporary name, flushes it to disk, renames it, and flushes
the directory: once it returns, a power cut keeps the item whole or (before the rename)
not at all - never half of it. `files` lists what waits, oldest first; the drainer deletes
a file only once the database has committed its item.
"""
import os
import uuid
from pathlib import Path


def write(directory, name, raw):
    """Store `raw` (text) durably as `directory/<name>-<random>.json`; returns the path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    final = directory / f"{name}-{uuid.uuid4().hex[:8]}.json"
    temporary = final.with_suffix(".tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(raw)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, final)
    try:  # the rename itself must survive a power cut
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:
        pass
    return final


def files(directory, limit=None):
    """The items waiting in `directory`, oldest first (by name order when written together)."""
    directory = Path(directory)
    if not directory.exists():
        return []
    found = sorted(directory.glob("*.json"), key=lambda path: (_mtime(path), path.name))
    return found[:limit] if limit is not None else found


def _mtime(path):
    try:
        return path.stat().st_mtime
    except FileNotFoundError:  # drained by another process meanwhile
        return 0.0
