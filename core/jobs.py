"""Background jobs on RQ: the queues, and the app context every job runs in.

Queues by urgency, served in this order by every worker (the Procfile's worker line):
`alerts` (officers' alerts of urgent incidents and the reporters' receipts: a worker takes
them before anything else, and they get a reserved share of the AT rate cap, see
sms/ratelimit.py); `replies` (person-to-person: answers to SMS, status updates);
`bulk` (broadcasts, drips, price alerts) takes what is left; `default` holds housekeeping.

The worker class that runs jobs inside the app is in the top-level `worker.py` (it builds
the app; nothing under core/ imports app.py).
"""
import time
from datetime import timezone

from flask import current_app
from rq import Queue
from rq.job import Job

from core import logs

ALERTS, REPLIES, BULK, DEFAULT = "alerts", "replies", "bulk", "default"
QUEUES = (ALERTS, REPLIES, BULK, DEFAULT)  # every queue the Procfile's worker line serves, in its order:
ORDER = QUEUES  # a worker takes the first non-empty one first


class AppQueue(Queue):
    """A queue whose jobs carry the request id they were queued under (core.logs)."""

    def create_job(self, *args, **kwargs):
        request_id = logs.current_request_id()
        if request_id:
            kwargs["meta"] = {**(kwargs.get("meta") or {}), "request_id": request_id}
        return super().create_job(*args, **kwargs)


def queue(name, connection=None):
    """The RQ queue `name` on the app's Redis."""
    return AppQueue(name, connection=connection or current_app.extensions["redis"])


def unix_time(moment):
    """RQ's datetimes are UTC, some without a zone: seconds since the epoch (0 for None)."""
    if moment is None:
        return 0.0
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).timestamp()


def queue_ages(queues=QUEUES, redis=None):
    """{queue: (waiting jobs, seconds the oldest has waited)} (doctor and /metrics)."""
    redis = redis or current_app.extensions["redis"]
    ages = {}
    for name in queues:
        waiting = queue(name, redis)
        depth, age = waiting.count, 0.0
        first = waiting.get_job_ids(0, 1)
        if first:
            job = Job.fetch(first[0], connection=redis)
            if job.enqueued_at:
                age = max(0.0, time.time() - unix_time(job.enqueued_at))
        ages[name] = (depth, age)
    return ages
