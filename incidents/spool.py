"""The spool: where a report waits when the database cannot take it, until it can.

The first choice is a Redis list: every web and worker process shares it, and the drain
job runs wherever a worker runs. If Redis refuses too, the report is written as a file
under `instance/incident-spool/` (written to a temporary name, flushed to disk, then
renamed), which the drain on that machine (the cron process runs it every minute) and
`flask --app app incidents drain-spool` pick up. A drained report's alerts are queued by its
own job, or else by the alert sweep (`incidents.notify.sweep_unalerted`, cron).

Draining is exactly-once: an item is read without being removed, filed (which is
idempotent by reference), and only removed once the database has committed it. A crash
in between files nothing twice; an item that can never be filed (a bug, bad data) is
moved aside to `incidents:spool:failed` instead of blocking the others.
"""
import json
import logging
from datetime import timedelta
from pathlib import Path

from flask import current_app

from core import filespool, jobs

log = logging.getLogger(__name__)

SPOOL_KEY = "incidents:spool"
FAILED_KEY = "incidents:spool:failed"
LOCK_KEY = "incidents:spool:lock"
SCHEDULED_KEY = "incidents:spool:scheduled"
FIRST_RETRY, LATER_RETRY = 10, 60  # seconds before the drain job runs (again)
BATCH = 500  # items per drain run: bounded, the next run takes the rest


def _redis():
    return current_app.extensions["redis"]


def spool_dir():
    return Path(current_app.instance_path) / "incident-spool"


def _encode(payload):
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)


def put(payload):
    """Keep a report that the database could not take. Never raises for lack of Redis."""
    raw = _encode(payload)
    try:
        _redis().rpush(SPOOL_KEY, raw)
    except Exception:
        log.error("Redis unavailable too: incident %s spooled to a file", payload.get("reference"))
        _write_file(payload["reference"], raw)
        return
    schedule_drain(FIRST_RETRY)


def _write_file(reference, raw):
    filespool.write(spool_dir(), reference, raw)


def has_local_files():
    directory = spool_dir()
    return directory.exists() and any(directory.glob("*.json"))


def pending():
    """How many reports wait in the spool (Redis list and files)."""
    files = len(list(spool_dir().glob("*.json"))) if spool_dir().exists() else 0
    try:
        return _redis().llen(SPOOL_KEY) + files
    except Exception:
        return files


def schedule_drain(delay=FIRST_RETRY):
    """Make sure a drain job will run in `delay` seconds (one scheduled at a time)."""
    try:
        if _redis().set(SCHEDULED_KEY, 1, nx=True, ex=delay + 60):
            jobs.queue(jobs.DEFAULT).enqueue_in(timedelta(seconds=delay), drain_job, job_timeout=300)
    except Exception:
        log.warning("could not schedule the incident spool drain; `incidents drain-spool` will do it",
                    exc_info=True)


def drain_job():
    """The RQ job: drain, then come back later while the database is still away."""
    _redis().delete(SCHEDULED_KEY)
    result = drain()
    if result["left"]:
        schedule_drain(LATER_RETRY)
    return result


def drain(limit=BATCH):
    """File spooled reports into the database, oldest first. Returns counts."""
    from incidents.service import DATABASE_DOWN, queue_notifications, store_report

    result = {"filed": 0, "already_filed": 0, "failed": 0, "left": 0, "database_down": False}
    lock = _redis().lock(LOCK_KEY, timeout=300, blocking_timeout=0)
    if not lock.acquire(blocking=False):
        result["left"] = pending()
        return result  # another drain is running
    try:
        def file_one(payload):
            try:
                incident, created = store_report(payload)
            except DATABASE_DOWN:
                result["database_down"] = True
                return "down"
            except Exception as exc:
                # No traceback: its SQL parameters would carry the reporter's number, and the
                # report may be anonymous. The item itself is kept in the failed list.
                log.error("spooled incident %s cannot be filed (%s); moved aside to %s",
                          payload.get("reference"), type(exc).__name__, FAILED_KEY)
                result["failed"] += 1
                return "failed"
            if created:
                result["filed"] += 1
                log.info("spooled incident %s filed", incident.reference)
                queue_notifications(incident)
            else:
                result["already_filed"] += 1
            return "done"

        for _ in range(limit):
            raw = _redis().lindex(SPOOL_KEY, 0)
            if raw is None:
                break
            outcome = file_one(json.loads(raw))
            if outcome == "down":
                break
            pipe = _redis().pipeline()
            pipe.lrem(SPOOL_KEY, 1, raw)
            if outcome == "failed":
                pipe.rpush(FAILED_KEY, raw)
            pipe.execute()
        if not result["database_down"] and spool_dir().exists():
            for path in sorted(spool_dir().glob("*.json"))[:limit]:
                outcome = file_one(json.loads(path.read_text(encoding="utf-8")))
                if outcome == "down":
                    break
                if outcome == "failed":
                    path.rename(path.with_suffix(".failed"))
                else:
                    path.unlink()
    finally:
        try:
            lock.release()
        except Exception:
            pass
    result["left"] = pending()
    return result
