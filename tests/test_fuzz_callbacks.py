"""Fuzzing every callback and officer API route through the test client: 0 server errors.

Routes are discovered from `app.url_map` (POST /ussd*, /sms*, every /api/v1 route), so a
capability's routes are fuzzed from the day they land. CI runs a few hundred requests per
route; `bin/fuzz` (make fuzz) runs at least 10,000 in all and says how many.
"""
import json
import os
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.i18n import LOCALES, translate
from flows.engine import MSG_FAILED, SCREEN_BUDGET
from models import ApiToken, Officer, db
from tests.fuzzing import GSM_TEXT, USSD_INPUT, WORDS, fuzz_settings

# Hundreds of generated requests per test: on a loaded machine they can take longer than the
# suite's 120 s per test. The property is what is checked, not the time.
pytestmark = pytest.mark.timeout(900)

APOLOGIES = {translate(locale, MSG_FAILED) for locale in LOCALES}
REQUESTS = {"count": 0}

AT_FIELDS = ["sessionId", "serviceCode", "phoneNumber", "text", "networkCode", "status", "input",
             "lastAppResponse", "errorMessage", "durationInMillis", "hopsCount", "date", "from", "to", "id",
             "linkId", "failureReason", "retryCount", "senderId"]
PHONES = st.one_of(
    st.sampled_from(["+254712345678", "0712345678", "254712345678", "+254 733 111 222", "0110000001",
                     "+14155550100", "+255712345678"]),
    st.text(alphabet="+0123456789 -()", max_size=20),
    WORDS,
)
VALUES = st.one_of(GSM_TEXT, WORDS, st.integers(-10**12, 10**12).map(str), PHONES,
                   st.sampled_from(["Success", "Incomplete", "Failed", "Sent", "Delivered", "Rejected",
                                    "2026-11-24 10:00:00", "2026-13-45 99:99:99", "", "null", "[]"]),
                   st.text(alphabet=string.printable, min_size=500, max_size=12_000))


@pytest.fixture(scope="module", autouse=True)
def report_count():
    yield
    if os.environ.get("FUZZ_REPORT"):
        with open(os.environ["FUZZ_REPORT"], "a") as handle:
            handle.write(f"{REQUESTS['count']}\n")


def send(client, method, path, **kwargs):
    REQUESTS["count"] += 1
    response = client.open(path, method=method, **kwargs)
    assert response.status_code < 500, (method, path, kwargs, response.get_data(as_text=True)[:300])
    return response


def callback_paths(app):
    return sorted({r.rule for r in app.url_map.iter_rules()
                   if "POST" in r.methods and r.rule.startswith(("/ussd", "/sms")) and not r.arguments})


def check_ussd_body(response):
    if response.status_code == 200:
        body = response.get_data(as_text=True)
        assert body.startswith(("CON ", "END ")), body[:200]
        assert len(body) - 4 <= SCREEN_BUDGET, body
        assert body[4:] not in APOLOGIES, "a well-formed hop hit an internal error"


forms = st.dictionaries(st.one_of(st.sampled_from(AT_FIELDS), WORDS), VALUES, max_size=12)


@fuzz_settings
@given(data=st.data())
def test_callbacks_never_answer_a_server_error(app, client, data):
    for path in callback_paths(app):
        form = data.draw(forms)
        response = send(client, "POST", path, data=form)
        if path == "/ussd":
            check_ussd_body(response)


@fuzz_settings
@given(sid=st.sampled_from(["ATUid_a", "ATUid_b", "x" * 128, "ATUid_" + "é" * 20]),
       phone=PHONES, code=st.sampled_from(["*384*12#", "*384*12*1#", "", "#"]),
       inputs=st.lists(USSD_INPUT, max_size=14), restart_at=st.integers(0, 20))
def test_ussd_conversations_with_any_inputs(app, client, sid, phone, code, inputs, restart_at):
    """A caller typing anything, hop after hop, as AT sends it (text = inputs joined by '*')."""
    typed = []
    for number, answer in enumerate([None] + inputs):
        if number == restart_at:
            typed = []  # the gateway starts the text again (a quirk the service must survive)
        if answer is not None:
            typed.append(answer)
        response = send(client, "POST", "/ussd", data={"sessionId": sid, "phoneNumber": phone, "serviceCode": code,
                                                        "networkCode": "63902", "text": "*".join(typed)})
        check_ussd_body(response)
        if response.status_code == 200 and response.get_data(as_text=True).startswith("END "):
            break


@fuzz_settings
@given(body=st.binary(max_size=2048), content_type=st.sampled_from(
    ["application/x-www-form-urlencoded", "multipart/form-data; boundary=xyz", "text/plain", "application/json",
     "application/x-www-form-urlencoded; charset=latin-1"]))
def test_callbacks_survive_raw_bytes(app, client, body, content_type):
    for path in callback_paths(app):
        send(client, "POST", path, data=body, content_type=content_type)


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-2**63, 2**63), st.floats(allow_nan=False), WORDS),
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(WORDS, children, max_size=4)),
    max_leaves=12,
)
API_KEYS = ["status", "category", "county", "since", "page", "per_page", "text", "audience", "send_at", "market",
            "kes_per_gram", "purity", "note", "sw", "en"]


def api_endpoints(app):
    out = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1"):
            out += [(rule, m) for m in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return out


@pytest.fixture
def admin_header():
    officer = Officer(username="fuzz-admin", role="admin", locale="en")
    officer.set_password("long-enough-password")
    db.session.add(officer)
    token = ApiToken.issue(officer)
    db.session.commit()
    return {"Authorization": "Bearer " + token}


@fuzz_settings
@given(data=st.data())
def test_api_routes_never_answer_a_server_error(app, client, admin_header, data):
    endpoints = api_endpoints(app) + [(None, "GET")]  # plus /healthz, always there
    for rule, method in endpoints:
        path = "/healthz" if rule is None else rule.rule
        if rule is not None and rule.arguments:
            for name in rule.arguments:
                value = data.draw(st.one_of(st.integers(-5, 10**6).map(str), GSM_TEXT.filter(lambda s: "/" not in s)))
                path = path.replace(f"<{name}>", value or "0")
                for conv in ("int", "string", "path", "uuid"):
                    path = path.replace(f"<{conv}:{name}>", value or "0")
        query = data.draw(st.dictionaries(st.one_of(st.sampled_from(API_KEYS), WORDS), VALUES, max_size=4))
        headers = admin_header if data.draw(st.booleans()) else data.draw(
            st.sampled_from([{}, {"Authorization": "Bearer"}, {"Authorization": "Bearer " + "x" * 300}]))
        kwargs = {"query_string": query, "headers": headers}
        if method in ("POST", "PUT", "PATCH"):
            if data.draw(st.booleans()):
                kwargs["json"] = data.draw(st.one_of(json_values, st.dictionaries(st.sampled_from(API_KEYS),
                                                                                    json_values, max_size=5)))
            else:
                kwargs["data"] = data.draw(st.binary(max_size=300))
                kwargs["content_type"] = "application/json"
        response = send(client, method, path, **kwargs)
        if rule is not None and response.mimetype == "application/json" and response.status_code >= 400:
            error = json.loads(response.get_data(as_text=True)).get("error", {})
            assert {"code", "message"} <= set(error), response.get_data(as_text=True)
