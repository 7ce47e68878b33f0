"""The database unavailable in the middle of USSD journeys: the caller gets a polite END in
their language, nothing half-stored, and once the database is back the dropped journey is
resumed and stored exactly once. (The incidents capability adds its own confirm step here.)"""
import pytest
from sqlalchemy.exc import OperationalError

from core.i18n import translate
from flows.engine import MSG_FAILED
from models import Miner, db
from tests.conftest import Phone

pytestmark = [pytest.mark.fault, pytest.mark.timeout(60)]

APOLOGY_SW = "END " + translate("sw", MSG_FAILED)


def database_down(monkeypatch):
    """Every statement fails as it does when PostgreSQL is unreachable."""
    def refuse(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    session = db.session
    for name in ("execute", "connection", "commit", "get", "scalar", "scalars", "merge", "flush"):
        monkeypatch.setattr(session, name, refuse)


def count_miners(phone):
    db.session.expire_all()
    return db.session.execute(db.select(db.func.count()).select_from(Miner).filter_by(phone=phone)).scalar_one()


def test_database_down_at_the_confirm_step_then_resume(client, monkeypatch):
    phone = Phone(client, "+254715000001")
    phone.dial()
    for answer in ("4", "Neema Achieng", "1", "Osiri", "1", "1", "1"):
        assert phone.send(answer).startswith("CON ")
    with monkeypatch.context() as patch:
        database_down(patch)
        assert phone.send("1") == APOLOGY_SW  # confirm while the database is down
        assert phone.repeat() == APOLOGY_SW  # AT retries: same answer, nothing else
    assert count_miners(phone.number) == 0
    # The database is back; the caller dials again and is offered to continue.
    offer = phone.dial()
    assert offer.startswith("CON Hukumaliza mara iliyopita.\n9 Endelea\n")
    summary = phone.send("9")
    assert summary.startswith("CON Thibitisha") and "Neema Achieng" in summary
    assert phone.send("1").startswith("END Asante Neema")
    assert phone.repeat().startswith("END Asante Neema")
    assert count_miners(phone.number) == 1


def test_database_down_on_the_first_hop(client, monkeypatch):
    phone = Phone(client, "+254715000002")
    with monkeypatch.context() as patch:
        database_down(patch)
        # Who is calling? Cannot tell: carry on as for a new caller, so that an emergency
        # report still gets through (incidents spool it until the database is back).
        assert phone.dial().startswith("CON Madini Salama. Karibu\n1 Ripoti tukio")
    assert phone.dial().startswith("CON Madini Salama")  # and all is well once it is back


def test_database_down_mid_journey_does_not_matter(client, monkeypatch):
    """Hops after the first need no database: a caller mid-registration does not notice."""
    phone = Phone(client, "+254715000003")
    phone.dial()
    with monkeypatch.context() as patch:
        database_down(patch)
        for answer in ("4", "Baraka Otieno", "2", "Rosterman", "3", "2", "2"):
            assert phone.send(answer).startswith("CON ")
    assert phone.send("1").startswith("END Asante Baraka")
    assert count_miners(phone.number) == 1
