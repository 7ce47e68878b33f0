"""A newcomer's first hour: / leads to the dashboard, the sign-in page speaks the service's
language, the simulator ends sessions as AT does and shows Nairobi times, the composer's
dates read the same in every browser."""
import pytest

from models import UssdSessionOutcome, db
from tests.dashboard_helpers import csrf_token, make_officers, new_client, sign_in
from tests.test_simulator import PHONE, _dial, fake_inbox  # noqa: F401  (fixture)


@pytest.fixture
def client(app):
    return new_client(app)


def test_root_leads_to_the_dashboard(client):
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/dashboard/")


def test_sign_in_page_is_in_swahili_whatever_the_browser_says(client):
    page = client.get("/dashboard/login", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="sw"' in page and "Ingia" in page


def test_simulator_reports_the_end_of_each_session_like_at(app, client, monkeypatch):
    token = csrf_token(client.get("/simulator/"))
    state = _dial(client, token, "dial", "*384*12#")
    _dial(client, token, "hangup", state={"session_id": state["session_id"], "text": state["text"]})
    [hung_up] = db.session.execute(db.select(UssdSessionOutcome)).scalars().all()
    assert (hung_up.session_id, hung_up.status, hung_up.phone) == (state["session_id"], "Incomplete", PHONE)
    # A screen that ends the session: the simulator reports Success, as AT does.
    from dashboard import simulator

    monkeypatch.setattr(simulator, "dial_ussd", lambda phone, sid, text: ("END Asante.", None))
    ended = _dial(client, token, "dial", "*384*12#")
    assert ended["ended"] is True
    statuses = sorted(o.status for o in db.session.execute(db.select(UssdSessionOutcome)).scalars())
    assert statuses == ["Incomplete", "Success"]


def test_simulator_inbox_shows_nairobi_time(app, client, fake_inbox):  # noqa: F811
    fake_inbox[PHONE] = [{"messageId": "ATXid_1", "text": "Karibu", "from": "MADINI",
                          "at": "2026-11-24T10:00:00+00:00"}]
    page = client.get(f"/simulator/?phone={PHONE}").get_data(as_text=True)
    assert "13:00" in page and "2026-11-24T10:00:00" not in page
    [message] = client.get(f"/simulator/inbox?phone={PHONE}").get_json()["messages"]
    assert "13:00" in message["shown"]


def test_composer_dates_are_text_boxes_with_the_format_shown(app, client):
    make_officers()
    sign_in(client, "ada")
    page = client.get("/dashboard/broadcasts/new").get_data(as_text=True)
    assert 'type="date"' not in page and 'type="datetime-local"' not in page
    assert 'name="registered_after"' in page and 'placeholder="20' in page
