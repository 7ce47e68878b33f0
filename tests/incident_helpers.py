"""Helpers shared by the incident tests: officers with tokens, a captured outbox, a
database that really refuses connections, and a report made through the real /ussd."""
import pytest
from sqlalchemy import event

from incidents import filing as service
from models import ApiToken, Incident, Miner, Officer, db
from miners.registration import register
from sms import outbound


def add_officer(username, role="officer", county=None, phone=None, locale="sw", disabled=False):
    officer = Officer(username=username, role=role, county=county, phone=phone, locale=locale)
    officer.set_password("correct horse battery")
    if disabled:
        from models import utcnow

        officer.disabled_at = utcnow()
    db.session.add(officer)
    db.session.flush()
    token = ApiToken.issue(officer)
    db.session.commit()
    return officer, {"Authorization": f"Bearer {token}"}


def add_miner(phone="+254712345678", county="Migori", site="Osiri", locale="sw", name="Amina Achieng"):
    miner_id = register(phone, name=name, county=county, site=site, role="digger", gender="woman", locale=locale,
                         sms=True)
    return db.session.get(Miner, miner_id)


@pytest.fixture
def outbox(monkeypatch):
    """Every SMS stored to be sent (queue_sms, or staged by notify), captured instead of enqueued."""
    from models import Message

    sent = []

    def capture(message_id, queue="replies", purpose="sms", alert_since=None):
        message = db.session.get(Message, message_id)
        sent.append({"phone": message.phone, "text": message.text, "locale": message.locale,
                     "purpose": message.purpose, "queue": queue, "miner_id": message.miner_id,
                     "incident_id": message.incident_id})

    monkeypatch.setattr(outbound, "enqueue_send", capture)
    # Alerts and receipts are worked out by a job (incidents.filing.notify_filed); here it
    # runs as soon as it is queued, so that a test sees the SMS the report leads to.
    # tests/test_incident_end_to_end.py runs the real job on a worker.
    monkeypatch.setattr(service, "queue_notifications", lambda incident: service.notify_filed(incident.id))
    return sent


class DatabaseOutage:
    """Makes every new database connection fail with the driver's own OperationalError,
    as when the server is down, and drops the pooled ones."""

    def __init__(self, app):
        self.app = app
        self.engine = db.engine
        dbapi = self.engine.dialect.loaded_dbapi

        def refuse(dialect, connection_record, cargs, cparams):
            raise dbapi.OperationalError("connection refused (database down for the test)")

        self.refuse = refuse

    def start(self):
        db.session.remove()
        self.engine.dispose()
        event.listen(self.engine, "do_connect", self.refuse)
        return self

    def stop(self):
        event.remove(self.engine, "do_connect", self.refuse)
        db.session.remove()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def incidents():
    db.session.expire_all()
    return db.session.execute(db.select(Incident).order_by(Incident.id)).scalars().all()


def reference_in(screen):
    import re

    match = re.search(r"MS-[2-9A-HJ-NP-Z]{4}", screen)
    assert match, screen
    return match.group(0)
