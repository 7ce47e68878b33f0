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

ALERTS, REPLIES, BULK, DEFAULT = "alerts", "replies", "bulk", "default"
ORDER = (ALERTS, REPLIES, BULK, DEFAULT)  # how a worker takes them: the first non-empty one first


@lru_cache(maxsize=1)
def worker_app():
    """The app a worker process runs jobs in (created once per process)."""
    from app import create_app

    return create_app()


class AppWorker(Worker):
    """An RQ worker whose jobs run inside the Flask app context (database, config)."""

    def perform_job(self, job, queue, *args, **kwargs):
        # RQ 3 passes the execution as a third argument.
        if has_app_context():
            return super().perform_job(job, queue, *args, **kwargs)
        with worker_app().app_context():
            return super().perform_job(job, queue, *args, **kwargs)


class AppSimpleWorker(SimpleWorker):
    """AppWorker without a fork per job: the app, its database pool and the AT client are
    made once per process. The Procfile's worker uses it: sending SMS is thousands of short
    jobs, and a fork plus a fresh app and database connection for each one cost more than
    the job (see bench/broadcast.py). Job timeouts still apply (SIGALRM in this process)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        worker_app()  # made now, not on the first job: the first reply should not wait for it

    def perform_job(self, job, queue, *args, **kwargs):
        if has_app_context():
            return super().perform_job(job, queue, *args, **kwargs)
        with worker_app().app_context():
            return super().perform_job(job, queue, *args, **kwargs)


def queue(name, connection=None):
    """The RQ queue `name` on the app's Redis."""
    return Queue(name, connection=connection or current_app.extensions["redis"])
