"""Background jobs on RQ: the queues, and the app context every job runs in.

Queues by urgency, served in this order by every worker (the Procfile's worker line):
`alerts` (officers' alerts of urgent incidents and the reporters' receipts: a worker takes
them before anything else, and they get a reserved share of the AT rate cap, see
sms/ratelimit.py); `replies` (person-to-person: answers to SMS, status updates);
`bulk` (broadcasts, drips, price alerts) takes what is left; `default` holds housekeeping.
"""
from functools import lru_cache

from flask import current_app, has_app_context
from rq import Queue, SimpleWorker, Worker

from core import logs, metrics

ALERTS, REPLIES, BULK, DEFAULT = "alerts", "replies", "bulk", "default"
QUEUES = (ALERTS, REPLIES, BULK, DEFAULT)  # every queue the Procfile's worker line serves, in its order:
ORDER = QUEUES  # a worker takes the first non-empty one first


@lru_cache(maxsize=1)
def worker_app():
    """The app a worker process runs jobs in (created once per process)."""
    from app import create_app

    return create_app()


class AppQueue(Queue):
    """A queue whose jobs carry the request id they were queued under (core.logs)."""

    def create_job(self, *args, **kwargs):
        request_id = logs.current_request_id()
        if request_id:
            kwargs["meta"] = {**(kwargs.get("meta") or {}), "request_id": request_id}
        return super().create_job(*args, **kwargs)


class _InApp:
    """Runs each job inside the Flask app context (database, config) under the request id it
    was queued with, and counts it (core.metrics)."""

    def perform_job(self, job, queue, *args, **kwargs):
        logs.bind_request_id((job.meta or {}).get("request_id") or f"job-{job.id[:12]}")
        # RQ 3 passes the execution as a third argument.
        if has_app_context():
            done = super().perform_job(job, queue, *args, **kwargs)
        else:
            with worker_app().app_context():
                done = super().perform_job(job, queue, *args, **kwargs)
        metrics.job_done(queue.name, "finished" if done else "failed")
        return done


class AppWorker(_InApp, Worker):
    """An RQ worker whose jobs run inside the Flask app context (database, config)."""


class AppSimpleWorker(_InApp, SimpleWorker):
    """AppWorker without a fork per job: the app, its database pool and the AT client are
    made once per process. The Procfile's worker uses it: sending SMS is thousands of short
    jobs, and a fork plus a fresh app and database connection for each one cost more than
    the job (see bench/broadcast.py). Job timeouts still apply (SIGALRM in this process)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        worker_app()  # made now, not on the first job: the first reply should not wait for it


def queue(name, connection=None):
    """The RQ queue `name` on the app's Redis."""
    return AppQueue(name, connection=connection or current_app.extensions["redis"])
