"""Hostile input on POST /ussd: whatever arrives, never a server error; a well-formed
callback always gets CON/END; data typed by a caller is stored verbatim; one phone never
sees another's session."""
import uuid

import pytest

from models import Miner, db

pytestmark = [pytest.mark.fault, pytest.mark.timeout(60)]

FORM = {"sessionId": "ATUid_hostile", "phoneNumber": "+254712345678", "serviceCode": "*384*12#",
        "networkCode": "63902", "text": ""}


def post(client, data=None, **kwargs):
    response = client.post("/ussd", data=data, **kwargs)
    assert response.status_code < 500, response.get_data(as_text=True)
    return response, response.get_data(as_text=True)


@pytest.mark.parametrize("missing", ["sessionId", "phoneNumber", "serviceCode"])
def test_missing_field_is_a_clear_400(client, missing):
    response, body = post(client, {k: v for k, v in FORM.items() if k != missing})
    assert response.status_code == 400
    assert missing in body


def test_empty_body_and_wrong_content_type_are_400(client):
    assert post(client)[0].status_code == 400
    response, body = post(client, data='{"sessionId": "x"}', content_type="application/json")
    assert response.status_code == 400 and "x-www-form-urlencoded" in body


def test_missing_text_is_a_first_hop(client):
    response, body = post(client, {k: v for k, v in FORM.items() if k != "text"})
    assert response.status_code == 200 and body.startswith("CON ")


def test_10kb_text_never_breaks_the_hop(client, phone):
    assert phone.dial().startswith("CON ")
    huge = "A" * 10 * 1024
    response, body = post(client, {**FORM, "sessionId": phone.session_id, "text": huge})
    # A well-formed hop, however long: the caller gets the screen again with its error line.
    assert response.status_code == 200 and body.startswith("CON ") and len(body) - 4 <= 160
    # Longer than any field limit (64 KB): refused with a clear message, nothing stored.
    response, body = post(client, {**FORM, "sessionId": phone.session_id, "text": "A" * 70_000})
    assert response.status_code == 400 and "too long" in body
    phone.dial()
    assert phone.send("4").startswith("CON ")
    long_name = "B" * 9_000
    body = phone.send(long_name)
    assert body.startswith("CON ") and len(body) - 4 <= 160
    assert "Andika jina" in body  # still on the name screen, with the error line


@pytest.mark.parametrize("field", ["text", "phoneNumber", "sessionId", "serviceCode"])
def test_invalid_utf8_bytes(client, field):
    raw = "&".join(f"{k}={v}" for k, v in {**FORM, "sessionId": "ATUid_" + uuid.uuid4().hex}.items()
                   if k != field)
    raw += f"&{field}=%FF%FE%C3%28abc"
    response, body = post(client, data=raw.encode(), content_type="application/x-www-form-urlencoded")
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert body.startswith(("CON ", "END ")) and len(body) - 4 <= 160
    # raw invalid bytes, not percent-encoded
    body_bytes = raw.encode().replace(b"%FF%FE%C3%28", b"\xff\xfe\xc3\x28")
    response, body = post(client, data=body_bytes, content_type="application/x-www-form-urlencoded")
    assert response.status_code in (200, 400)


def test_session_id_reused_by_another_phone(client):
    from tests.conftest import Phone

    amina = Phone(client, "+254712345678")
    amina.dial()
    amina.send("4")
    amina.send("Amina Secret")
    eve = Phone(client, "+254799999999")
    eve.session_id, eve.inputs = amina.session_id, list(amina.inputs)
    screen = eve._post()  # same sessionId and text, another phone
    assert "Amina" not in screen
    eve.inputs.append("2")
    assert "Amina" not in eve._post()
    # Amina's session is untouched: she goes on from the county list.
    assert "1 Migori" in amina.repeat()  # her county list, as before
    assert "mgodi" in amina.send("1")  # county 1 -> the site question
    assert "Amina" not in client.post("/ussd", data={**FORM, "sessionId": amina.session_id,
                                                     "phoneNumber": "+254799999999", "text": ""}).get_data(as_text=True)


@pytest.mark.parametrize("name", [
    "Robert'); DROP TABLE miners;--",
    "<script>alert(1)</script>",
    "Amina \" OR 1=1 --",
    "Zawadi <b>&amp;</b> Njeri",
])
def test_sql_and_html_in_names_are_stored_verbatim(phone, name):
    phone.dial()
    for answer in ("4", name, "1", name[:40], "1", "1", "1"):
        assert phone.send(answer).startswith("CON ")
    assert phone.send("1").startswith("END ")
    miner = db.session.execute(db.select(Miner).filter_by(phone=phone.number)).scalar_one()
    assert miner.name == name and miner.site == name[:40]
    assert db.session.execute(db.select(db.func.count()).select_from(Miner)).scalar_one() == 1
