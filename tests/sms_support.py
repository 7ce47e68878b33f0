"""Fixtures for SMS tests: the real fake AT gateway over HTTP on a free port, the app served
over HTTP (for delivery reports the fake posts back), RQ workers, and miners.

Import what a test module needs: `from tests.sms_support import fake_at, live_url, ...`.
"""
import threading
from datetime import timedelta

import pytest
from rq import SimpleWorker
from werkzeug.serving import make_server

from core import jobs
from fakeat import FakeGateway
from fakeat import create_app as create_fake
from models import Miner, db, utcnow

ALL_DAY = ("00:00", "23:59:59.999999")


class Served:
    """A WSGI app on 127.0.0.1:<free port> in a daemon thread."""

    def __init__(self, wsgi_app):
        self.server = make_server("127.0.0.1", 0, wsgi_app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.socket.getsockname()[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()


@pytest.fixture(scope="session")
def _fake_server():
    gateway = FakeGateway()
    served = Served(create_fake(gateway))
    yield gateway, served
    served.stop()


@pytest.fixture(scope="session")
def _live_servers():
    servers = {}
    yield servers
    for served in servers.values():
        served.stop()


@pytest.fixture
def live_url(app, _live_servers):
    """The app under test answering real HTTP (one server per database backend)."""
    served = _live_servers.get(id(app))
    if served is None:
        served = _live_servers[id(app)] = Served(app)
    return served.url


@pytest.fixture
def sms_app(app):
    """The app with SMS settings for tests: no rate cap, immediate retries, any hour."""
    app.config.update(AT_MAX_RPS=0, SMS_RETRY_BASE_SECONDS=0, SMS_MAX_ATTEMPTS=4, AT_BATCH_SIZE=100,
                      SMS_QUIET_HOURS=ALL_DAY, SMS_CLAIM_TIMEOUT_SECONDS=300, AT_SENDER_ID=None)
    app.extensions.pop("at_sms", None)
    return app


@pytest.fixture
def fake_at(sms_app, _fake_server, live_url):
    """The fake gateway, reset, with the app sending to it and its reports posted back."""
    gateway, served = _fake_server
    gateway.reset()
    gateway.callback_url, gateway.callback_token = live_url, None
    gateway.set_faults(dlr=False)
    sms_app.config["AT_API_URL"] = served.url + "/version1"
    gateway.url = served.url
    yield gateway
    gateway.callback_url = None  # reports still pending go nowhere once the test is over
    gateway.reset()


def run_jobs(app, queues=jobs.ORDER, max_jobs=None):
    """Run every queued job in this process (a real RQ worker, burst mode)."""
    worker = SimpleWorker([jobs.queue(name) for name in queues], connection=app.extensions["redis"])
    worker.work(burst=True, max_jobs=max_jobs, logging_level="WARNING")
    return worker


def add_miner(phone, *, locale="sw", county="Migori", site="Osiri", role="digger", gender="woman", sms=True,
              opted_out=False, created_days_ago=0, name="Amina"):
    now = utcnow()
    miner = Miner(phone=phone, name=name, county=county, site=site, role=role, gender=gender, locale=locale,
                  consent_at=now, sms_consent_at=now if sms else None,
                  sms_opt_out_at=now if opted_out else None,
                  created_at=now - timedelta(days=created_days_ago))
    db.session.add(miner)
    db.session.commit()
    return miner
