"""The spool: where a report waits when the database cannot take it, until it can.

The first choice is a Redis list: every web and worker process shares it, and the drain
job runs wherever a worker runs. If Redis refuses too, the report is written as a file
under `instance/incident-spool/` (written to a temporary name, flushed to disk, then
renamed), which the drain on that machine (the cron process runs it every minute) and
`flask --app app incidents drain-spool` pick up. The drain is incidents/filing.py's
(`drain_spool`): it files what waits here. A drained report's alerts are queued by its
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
DRAIN_JOB = "incidents.filing.drain_spool_job"


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
            # By name: filing.py, which drains the spool, builds on this module.
            jobs.queue(jobs.DEFAULT).enqueue_in(timedelta(seconds=delay), DRAIN_JOB, job_timeout=300)
    except Exception:
        log.warning("could not schedule the incident spool drain; `incidents drain-spool` will do it",
                    exc_info=True)
