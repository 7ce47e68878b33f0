"""The RQ worker classes (the Procfile's worker line: `--worker-class worker.AppSimpleWorker`).

Top level because a worker builds the app (`app.create_app`): kept out of core/, so that
nothing the app imports imports the app back.
"""
from functools import lru_cache

from flask import has_app_context
from rq import SimpleWorker, Worker

from app import create_app
from core import logs, metrics


# Jobs queued (or scheduled: a broadcast's send_at, quiet hours) before a function moved name
# the old place; they run at the new one. Keep an entry for as long as such jobs may wait.
MOVED_JOBS = {
    "sms.broadcasts.start": "broadcasts.lifecycle.start",
    "sms.broadcasts.send_batch": "broadcasts.lifecycle.send_batch",
    "sms.broadcasts.plan": "broadcasts.lifecycle.plan",
    "sms.broadcasts.watch": "broadcasts.reconcile.watch",
    "sms.broadcasts.reconcile": "broadcasts.reconcile.reconcile",
    "models.erasure.forget_in_redis": "miners.erasure.forget_in_redis",
    "incidents.spool.drain_job": "incidents.filing.drain_spool_job",
    "incidents.service.notify_filed": "incidents.filing.notify_filed",
    "incidents.service.alert_again": "incidents.filing.alert_again",
    "prices.service.send_price_alerts": "prices.publishing.send_price_alerts",
}


@lru_cache(maxsize=1)
def worker_app():
    """The app a worker process runs jobs in (created once per process)."""
    return create_app()


class _InApp:
    """Runs each job inside the Flask app context (database, config) under the request id it
    was queued with, and counts it (core.metrics)."""

    def perform_job(self, job, queue, *args, **kwargs):
        if job.func_name in MOVED_JOBS:
            job.func_name = MOVED_JOBS[job.func_name]
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
