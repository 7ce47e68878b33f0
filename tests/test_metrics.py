"""/metrics: Prometheus text from every process (multiprocess mode), loopback or a token."""
import os
import subprocess
import sys
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from core import jobs
from sms.outbound import queue_sms
from tests.sms_support import _fake_server, _live_servers, fake_at, live_url, sms_app  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent

WORKER = """
from core.jobs import REPLIES, queue
from worker import AppSimpleWorker, worker_app
app = worker_app()
app.config.update(AT_MAX_RPS=0)
with app.app_context():
    AppSimpleWorker([queue(REPLIES)], connection=app.extensions["redis"]).work(burst=True, max_jobs=5)
"""


def scrape(client, **kwargs):
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)
    samples = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_add_up_a_hop_here_and_an_sms_sent_by_a_worker_process(fake_at, client, phone):
    before = scrape(client)
    phone.dial()  # this process: a hop of the main menu
    queue_sms("+254711000555", "Habari", locale="sw", purpose="test_metrics")
    app = client.application
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "REDIS_URL": app.config["REDIS_URL"],
           "AT_API_URL": app.config["AT_API_URL"], "INSTANCE_PATH": app.instance_path}
    worker = subprocess.run([sys.executable, "-c", WORKER], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert worker.returncode == 0, worker.stderr[-2000:]
    after = scrape(client)
    assert value(after, "madini_ussd_hops_total", journey="main", outcome="continue") == \
        value(before, "madini_ussd_hops_total", journey="main", outcome="continue") + 1
    assert value(after, "madini_ussd_hop_seconds_count") == value(before, "madini_ussd_hop_seconds_count") + 1
    # counted in the worker process, read from this one
    assert value(after, "madini_sms_status_total", purpose="test_metrics", status="sent") == \
        value(before, "madini_sms_status_total", purpose="test_metrics", status="sent") + 1
    assert value(after, "madini_at_responses_total", code="101") >= value(before, "madini_at_responses_total",
                                                                          code="101") + 1
    assert value(after, "madini_jobs_total", queue="replies", result="finished") >= \
        value(before, "madini_jobs_total", queue="replies", result="finished") + 1
    assert value(after, "madini_queue_jobs", queue="replies") == 0


def test_queue_depth_and_session_events_are_shown(client, redis):
    jobs.queue(jobs.BULK, redis).enqueue(print, "waiting")
    before = scrape(client)
    client.post("/ussd/events", data={"sessionId": "ATUid_metrics1", "phoneNumber": "+254711000556",
                                      "status": "Incomplete"})
    client.post("/ussd/events", data={"sessionId": "ATUid_metrics1", "phoneNumber": "+254711000556",
                                      "status": "Incomplete"})  # AT repeats itself: counted once
    after = scrape(client)
    assert value(after, "madini_queue_jobs", queue="bulk") == 1
    assert value(after, "madini_ussd_sessions_ended_total", status="Incomplete") == \
        value(before, "madini_ussd_sessions_ended_total", status="Incomplete") + 1


def test_metrics_refuse_other_machines_without_the_token(client, app, monkeypatch):
    outside = {"REMOTE_ADDR": "203.0.113.9"}
    assert client.get("/metrics", environ_base=outside).status_code == 403
    # a proxy on this machine relaying a visitor: not trusted as local
    assert client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 403
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "s3cret-scrape-token")
    assert client.get("/metrics?token=wrong", environ_base=outside).status_code == 403
    assert client.get("/metrics?token=s3cret-scrape-token", environ_base=outside).status_code == 200
    response = client.get("/metrics", environ_base=outside, headers={"Authorization": "Bearer s3cret-scrape-token"})
    assert response.status_code == 200 and response.content_type.startswith("text/plain")
