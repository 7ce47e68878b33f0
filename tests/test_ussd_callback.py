"""POST /ussd and /ussd/events as Africa's Talking calls them, including hostile input."""
import logging

import pytest
import redis as redis_lib

from models import Miner, UssdSessionOutcome, db
from tests.conftest import Phone

FORM = {"sessionId": "ATUid_1", "phoneNumber": "+254712345678", "serviceCode": "*384*12#",
        "networkCode": "63902", "text": ""}


def post(client, **overrides):
    return client.post("/ussd", data={**FORM, **overrides})


def test_first_hop_is_the_main_menu_in_swahili(client):
    response = post(client)
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert response.get_data(as_text=True).startswith("CON Madini Salama. Karibu\n")


def test_callback_token_is_required_when_configured(app, client):
    app.config["CALLBACK_TOKEN"] = "s3cret-token"
    assert client.post("/ussd", data=FORM).status_code == 403
    assert client.post("/ussd?token=wrong", data=FORM).status_code == 403
    assert client.post("/ussd/events?token=wrong", data={**FORM, "status": "Success"}).status_code == 403
    ok = client.post("/ussd?token=s3cret-token", data=FORM)
    assert ok.status_code == 200 and ok.get_data(as_text=True).startswith("CON ")


@pytest.mark.parametrize("missing", ["sessionId", "phoneNumber", "serviceCode"])
def test_missing_fields_get_a_clear_400(client, missing):
    form = {k: v for k, v in FORM.items() if k != missing}
    response = client.post("/ussd", data=form)
    assert response.status_code == 400
    assert missing in response.get_data(as_text=True)


def test_not_a_form_body_is_refused(client):
    response = client.post("/ussd", json=FORM)
    assert response.status_code == 400
    assert "x-www-form-urlencoded" in response.get_data(as_text=True)


def test_a_bad_phone_number_is_refused(client):
    response = post(client, phoneNumber="not-a-phone")
    assert response.status_code == 400
    assert "phoneNumber" in response.get_data(as_text=True)


def test_local_phone_formats_are_the_same_caller(client, redis):
    phone = Phone(client, number="0712345678")
    phone.dial()
    phone.send("4")
    assert redis.keys("ussd:s:*:+254712345678")


def test_ten_kilobyte_text_gets_the_screen_again_with_an_error(client):
    phone = Phone(client)
    phone.dial()
    phone.send("4")
    screen = phone.send("x" * 10_240)
    assert screen.startswith("CON Ni ndefu mno. Jaribu tena.\nUsajili")
    assert len(screen) - 4 <= 160


def test_invalid_utf8_never_breaks_the_hop(client):
    body = b"sessionId=ATUid_u&phoneNumber=%2B254712345678&serviceCode=%2A384%2A12%23&text=%FF%FE%C3"
    response = client.post("/ussd", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert response.get_data(as_text=True).startswith(("CON ", "END "))


def test_a_session_id_reused_by_another_phone_reaches_nothing_of_the_first(client, redis):
    first = Phone(client, "+254712345678")
    first.dial()
    first.send("4")
    first.send("Amina")
    intruder = Phone(client, "+254799999999")
    intruder.session_id, intruder.inputs = first.session_id, ["9"]
    # The intruder's hop is a first hop of its own (a direct dial of "9", no such menu entry),
    # not an answer on the first caller's county screen.
    assert intruder._post().startswith("CON Chaguo si sahihi")
    assert first.send("2").startswith("CON Jina la mgodi")
    first.send("Osiri")
    assert redis.get("ussd:s:%s:+254712345678" % first.session_id)
    assert redis.get("ussd:s:%s:+254799999999" % first.session_id)


def test_sql_and_html_in_a_name_are_stored_verbatim(client):
    name = "<b>Robert'); DROP TABLE miners;--"[:40]
    phone = Phone(client, "+254711000001")
    phone.dial("4")
    for answer in (name, "1", "Osiri <i>", "1", "2", "1", "1"):
        screen = phone.send(answer)
    assert screen.startswith("END ")
    miner = db.session.execute(db.select(Miner)).scalar_one()
    assert miner.name == name and miner.site == "Osiri <i>"


def test_redis_down_gives_a_polite_end_not_an_error(app, client, monkeypatch):
    from ussd.store import SessionStore

    broken = redis_lib.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    monkeypatch.setitem(app.extensions, "redis", broken)
    monkeypatch.setattr(app.extensions["ussd"], "store", SessionStore(broken, 180, 1800))
    response = post(client)
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "END Samahani, kuna hitilafu. Tafadhali piga tena."


def test_a_failed_registration_save_apologises_and_keeps_the_answers(app, client, monkeypatch):
    def broken(**_):
        raise RuntimeError("database is gone")

    monkeypatch.setitem(app.extensions["capabilities"].effects, "register_miner", broken)
    phone = Phone(client, "+254711000002")
    phone.dial("4")
    for answer in ("Amina", "1", "Osiri", "1", "1", "1"):
        phone.send(answer)
    assert phone.send("1") == "END Samahani, kuna hitilafu. Tafadhali piga tena."
    monkeypatch.undo()
    assert phone.dial().startswith("CON Hukumaliza mara iliyopita")
    assert phone.send("9").startswith("CON Thibitisha:\nAmina")
    assert phone.send("1").startswith("END Asante Amina")


def test_session_events_are_recorded_once(client):
    event = {"sessionId": "ATUid_e1", "phoneNumber": "+254712345678", "status": "Incomplete",
             "input": "4*Amina", "lastAppResponse": "CON Kaunti yako:", "durationInMillis": "30500",
             "hopsCount": "3", "date": "2026-11-24 10:00:00", "networkCode": "63902", "errorMessage": ""}
    assert client.post("/ussd/events", data=event).status_code == 200
    assert client.post("/ussd/events", data=event).status_code == 200
    outcomes = db.session.execute(db.select(UssdSessionOutcome)).scalars().all()
    assert len(outcomes) == 1
    outcome = outcomes[0]
    assert (outcome.status, outcome.hops, outcome.duration_ms) == ("Incomplete", 3, 30500)
    assert outcome.ended_at.year == 2026


def test_session_event_with_unknown_status_is_refused(client):
    response = client.post("/ussd/events", data={"sessionId": "x", "phoneNumber": "+254712345678",
                                                 "status": "Exploded"})
    assert response.status_code == 400


def test_logs_mask_the_phone_number(client, caplog):
    caplog.set_level(logging.INFO)
    post(client, phoneNumber="+254712345678", text="")
    logging.getLogger("test").warning("caller %s dropped", "+254712345678")
    assert "+254712345678" not in caplog.text
