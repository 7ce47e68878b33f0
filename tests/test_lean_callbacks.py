"""The lean WSGI path (core/callbacks.py LeanCallbacks): /ussd and /sms/inbound answered
without Flask's request machinery, with the same behaviour as the Flask views."""
import logging
import uuid

import pytest
import redis as redis_lib

from core.callbacks import LeanCallbacks, parse_form

FORM = {"sessionId": "ATUid_lean", "phoneNumber": "+254712345678", "serviceCode": "*384*12#",
        "networkCode": "63902", "text": ""}


@pytest.fixture
def no_request_context(app, monkeypatch):
    """Fails any request that reaches Flask's request machinery."""
    def refuse(environ):
        raise AssertionError(f"{environ['PATH_INFO']} went through Flask's request context")

    monkeypatch.setattr(app, "request_context", refuse)


def test_the_app_serves_callbacks_through_the_lean_path(app):
    lean = app.wsgi_app.wsgi_app  # inside the request-id middleware, which every request passes first
    assert isinstance(lean, LeanCallbacks)
    assert set(lean.routes) == {"/ussd", "/sms/inbound"}


def test_a_ussd_hop_never_enters_flasks_request_context(client, no_request_context):
    response = client.post("/ussd", data=FORM)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.get_data(as_text=True).startswith("CON Madini Salama. Karibu\n")


def test_an_inbound_sms_never_enters_flasks_request_context(client, redis, no_request_context):
    from sms import inbound

    response = client.post("/sms/inbound", data={"from": "+254712345678", "to": "22384", "text": "HELP",
                                                 "id": "ATXid_lean", "date": "2026-12-01 10:00:00"})
    assert response.status_code == 200 and response.get_data(as_text=True) == "OK"
    assert redis.llen(inbound.PENDING_KEY) == 1


def test_other_routes_still_go_through_flask(client, no_request_context):
    with pytest.raises(AssertionError, match="request context"):
        client.post("/ussd/events", data={**FORM, "status": "Success"})
    with pytest.raises(AssertionError, match="request context"):
        client.get("/ussd")


def walk(client, inputs, **post_options):
    """A whole session; the screens answered, hop by hop."""
    sid, screens, typed = "ATUid_" + uuid.uuid4().hex, [], []
    for number, answer in enumerate(("",) + tuple(inputs)):
        if number:
            typed.append(answer)
        form = {**FORM, "sessionId": sid, "text": "*".join(typed)}
        response = client.post("/ussd", data=form, **post_options)
        assert response.status_code == 200
        screens.append(response.get_data(as_text=True))
    return screens


@pytest.mark.parametrize("inputs", [
    ("4", "Amina *Wanjiru", "2", "Rosterman*Shaft 3", "2", "1", "1", "1"),
    ("1", "3", "1", "3", "Mwibona", "1", "3", "Generator fumes *in shaft 2", "1"),
    ("5", "2"),
    ("4", "Otieno", "98", "0", "99", "x" * 300),
])
def test_the_lean_path_answers_exactly_as_the_flask_view(app, client, redis, inputs, monkeypatch):
    """A multipart body takes the Flask view (the lean path only parses urlencoded forms): the
    same walk through both gives the same screens."""
    import random

    from incidents import reference
    from models import db

    lean = walk(client, inputs)
    monkeypatch.setattr(reference, "_random", random.Random(2026))  # the same report reference
    redis.flushdb()
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()
    flask = walk(client, inputs, content_type="multipart/form-data")
    assert lean == flask


def test_a_wrong_or_missing_token_is_refused_with_403_and_changes_nothing(app, client, redis):
    app.config["CALLBACK_TOKEN"] = "s3cret-token"
    for query in ("", "?token=wrong", "?token=", "?tok=s3cret-token"):
        response = client.post("/ussd" + query, data=FORM)
        assert response.status_code == 403
        assert "token" in response.get_data(as_text=True)
        assert client.post("/sms/inbound" + query, data={"from": "+254712345678", "id": "x"}).status_code == 403
    assert redis.keys("ussd:*") == [] and redis.keys("sms:*") == []
    assert client.post("/ussd?token=s3cret-token", data=FORM).get_data(as_text=True).startswith("CON ")


@pytest.mark.parametrize("missing", ["sessionId", "phoneNumber", "serviceCode"])
def test_missing_fields_get_the_same_clear_400(client, missing):
    form = {k: v for k, v in FORM.items() if k != missing}
    response = client.post("/ussd", data=form)
    assert response.status_code == 400
    assert response.get_data(as_text=True) == f"Bad request: missing field(s): {missing}\n"


def test_a_bad_phone_number_gets_a_400(client):
    response = client.post("/ussd", data={**FORM, "phoneNumber": "not a phone"})
    assert response.status_code == 400 and "phoneNumber" in response.get_data(as_text=True)


def test_the_form_is_decoded_as_werkzeug_decodes_it():
    assert parse_form(b"a=1&b=x+y%2Az&a=2&empty=&c=%E2%82%AC") == {"a": "1", "b": "x y*z", "empty": "", "c": "€"}
    # invalid UTF-8, percent-escaped or raw: replaced, never an error
    assert parse_form(b"text=%FF%FEok&raw=\xff\xfe") == {"text": "\ufffd\ufffdok", "raw": "\ufffd\ufffd"}
    assert parse_form(b"") == {}


def test_a_hop_that_fails_ends_politely_and_logs_no_phone_number(app, client, monkeypatch, caplog):
    from ussd.store import SessionStore

    broken = redis_lib.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    monkeypatch.setattr(app.extensions["ussd"], "store", SessionStore(broken, 180, 1800))
    with caplog.at_level(logging.ERROR):
        response = client.post("/ussd", data=FORM)
    assert response.status_code == 200
    assert response.get_data(as_text=True).startswith("END Samahani")
    assert "USSD hop failed" in caplog.text
    assert "+254712345678" not in caplog.text and "712345678" not in caplog.text


def test_an_unexpected_error_taking_an_sms_asks_the_gateway_to_retry_logged_masked(client, monkeypatch, caplog):
    """Never a 500 to the gateway: a message that could not be kept gets a 503, so AT sends it again."""
    from sms import inbound

    def broken(fields):
        raise ValueError(f"cannot take {fields['from']}")

    monkeypatch.setattr(inbound, "accept", broken)
    with caplog.at_level(logging.ERROR):
        response = client.post("/sms/inbound", data={"from": "+254712345678", "id": "ATXid_1", "text": "x"})
    assert response.status_code == 503 and response.headers["Retry-After"] == "60"
    assert "could not keep inbound SMS ATXid_1" in caplog.text and "+254712345678" not in caplog.text


def test_inbound_sms_with_redis_down_asks_the_gateway_to_retry(client, monkeypatch):
    from sms import inbound

    def down(fields):
        raise redis_lib.ConnectionError("down")

    monkeypatch.setattr(inbound, "accept", down)
    response = client.post("/sms/inbound", data={"from": "+254712345678", "id": "ATXid_2", "text": "x"})
    assert response.status_code == 503 and response.headers["Retry-After"] == "60"


def test_the_handler_runs_in_an_app_context_pushed_only_when_none_is_current(app):
    """As Flask's request context does: the caller's app context is reused (tests, the
    simulator), else the lean path pushes one (a server thread) and pops it afterwards."""
    import io
    import threading

    from flask import current_app, has_app_context

    contexts = []

    def handler(fields):
        contexts.append((current_app._get_current_object(), current_app.app_context))
        return "OK " + fields["a"], 200, {}

    lean = LeanCallbacks(app, lambda environ, start_response: [], {"/x": (handler, ("a",), ())})

    def call(results):
        environ = {"PATH_INFO": "/x", "REQUEST_METHOD": "POST", "QUERY_STRING": "", "CONTENT_LENGTH": "3",
                   "CONTENT_TYPE": "application/x-www-form-urlencoded", "wsgi.input": io.BytesIO(b"a=1")}
        results.append((lean(environ, lambda status, headers: results.append(status)), has_app_context()))

    here, thread_results = [], []
    call(here)
    server_thread = threading.Thread(target=call, args=(thread_results,))
    server_thread.start()
    server_thread.join()
    assert here == ["200 OK", ([b"OK 1"], True)]
    assert thread_results == ["200 OK", ([b"OK 1"], False)]  # pushed for the call, popped after it
    assert [found for found, _ in contexts] == [app, app]
