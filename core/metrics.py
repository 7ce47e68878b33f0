"""Prometheus metrics, counted in every web and worker process (prometheus_client's
multiprocess mode) and served at /metrics (api/health.py).

Each process writes its counters to files in PROMETHEUS_MULTIPROC_DIR (default
`<instance>/prometheus`, set here before prometheus_client is imported); a scrape adds them
up. bin/run empties the folder at start; on a platform, each machine starts with its own.
Queue depths and ages are read from Redis at scrape time.

Callers use the small functions below (never prometheus_client directly), so both the Flask
views and any leaner path in front of them count the same way.
"""
import os
from pathlib import Path

import config

MULTIPROC_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or str(Path(config.INSTANCE) / "prometheus")
os.environ["PROMETHEUS_MULTIPROC_DIR"] = MULTIPROC_DIR
Path(MULTIPROC_DIR).mkdir(parents=True, exist_ok=True)

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest  # noqa: E402
from prometheus_client import multiprocess  # noqa: E402
from prometheus_client.core import GaugeMetricFamily  # noqa: E402

from core import jobs  # noqa: E402

USSD_HOPS = Counter("madini_ussd_hops_total", "USSD hops answered, by journey and outcome",
                    ["journey", "outcome"])
USSD_HOP_SECONDS = Histogram("madini_ussd_hop_seconds", "Time to answer a USSD hop",
                             buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
USSD_SESSIONS = Counter("madini_ussd_sessions_ended_total", "USSD sessions ended (AT's end-of-session events)",
                        ["status"])
SMS_STATUS = Counter("madini_sms_status_total", "Outbound SMS reaching a status (sent, delivered, failed)",
                     ["purpose", "status"])
AT_RESPONSES = Counter("madini_at_responses_total",
                       "Africa's Talking answers per recipient, by statusCode (or the request's failure)", ["code"])
INCIDENTS = Counter("madini_incidents_total", "Incidents filed", ["category", "urgency"])
JOBS = Counter("madini_jobs_total", "Background jobs run, by queue and result", ["queue", "result"])
ALERT_SECONDS = Histogram("madini_urgent_alert_seconds",
                          "Seconds from an urgent report to its officer alert being accepted by AT",
                          buckets=(1, 2, 5, 10, 20, 30, 60, 120, 300, 900, 3600))


def ussd_hop(journey, outcome, seconds):
    USSD_HOPS.labels(journey, outcome).inc()
    USSD_HOP_SECONDS.observe(seconds)


def session_ended(status):
    USSD_SESSIONS.labels(status).inc()


def sms_status(purpose, status, count=1):
    if count:
        SMS_STATUS.labels(purpose or "unknown", status).inc(count)


def at_response(code, count=1):
    AT_RESPONSES.labels(str(code)).inc(count)


def incident_filed(category, urgent):
    INCIDENTS.labels(category or "unknown", "urgent" if urgent else "normal").inc()


def job_done(queue, result):
    JOBS.labels(queue, result).inc()


def alert_accepted(seconds):
    ALERT_SECONDS.observe(max(0.0, seconds))


class QueueCollector:
    """Jobs waiting and the age of the oldest, per RQ queue, read when scraped."""

    def __init__(self, redis):
        self.redis = redis

    def collect(self):
        depth = GaugeMetricFamily("madini_queue_jobs", "Jobs waiting in each RQ queue", labels=["queue"])
        age = GaugeMetricFamily("madini_queue_oldest_job_seconds", "Seconds the oldest waiting job has waited",
                                labels=["queue"])
        try:
            ages = jobs.queue_ages(redis=self.redis)
        except Exception:  # Redis away: the scrape still answers with the counters
            ages = {}
        for name, (jobs_waiting, oldest) in ages.items():
            depth.add_metric([name], jobs_waiting)
            age.add_metric([name], oldest)
        yield depth
        yield age


def render(redis=None):
    """(body, content type) of a scrape: every process's counters, and the queues."""
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=MULTIPROC_DIR)
    if redis is not None:
        registry.register(QueueCollector(redis))
    return generate_latest(registry), CONTENT_TYPE_LATEST
