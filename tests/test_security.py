"""Security: officer API access (one table over every /api/v1 route, discovered from the
url_map so routes added later are covered), callback tokens, and what logs and error pages
may contain (never a full phone number, never a secret)."""
import io
import logging
import re

import pytest
from flask import Blueprint, jsonify

from api.auth import requires
from api.errors import install_error_handlers
from core import logs
from models import ApiToken, Miner, Officer, UssdSessionOutcome, db
from tests.conftest import Phone, empty_state

SKIP_METHODS = {"HEAD", "OPTIONS"}
ROLES = ("admin", "officer", "viewer")
FULL_PHONE = re.compile(r"(?<![\d*])(?:\+?254|0)[17]\d{8}(?!\d)")


# --- officer API -------------------------------------------------------------------

# The API's own description is public on purpose: it holds no data, and clients and the
# schemathesis check read it without a token.
PUBLIC_API_ROUTES = {"/api/v1/openapi.json"}


def api_routes(app):
    """(rule, method, view) for every officer API endpoint."""
    out = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1") and rule.rule not in PUBLIC_API_ROUTES:
            for method in sorted(rule.methods - SKIP_METHODS):
                out.append((rule, method, app.view_functions[rule.endpoint]))
    return out


def sample_path(rule):
    """A concrete URL for a rule: 1 for numeric arguments, a plausible string otherwise."""
    values = {}
    for name in rule.arguments:
        converter = rule._converters[name].__class__.__name__
        values[name] = 1 if converter in ("IntegerConverter", "FloatConverter") else "MS-0001"
    return rule.rule if not values else re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: str(values[m.group(1)]),
                                                rule.rule)


def issue_tokens():
    tokens = {}
    for role in ROLES:
        officer = Officer(username=f"sec-{role}", role=role, locale="en")
        officer.set_password("long-enough-password")
        db.session.add(officer)
        tokens[role] = (officer, ApiToken.issue(officer))
    db.session.commit()
    return tokens


def access_failures(app):
    """Every way an /api/v1 route breaks the access contract (empty list: none)."""
    client = app.test_client()
    tokens = issue_tokens()
    failures = []
    for rule, method, view in api_routes(app):
        path = sample_path(rule)
        action = getattr(view, "required_action", None)
        if action is None:
            failures.append(f"{method} {rule.rule}: not protected by @requires(action)")
            continue

        def call(header=None):
            headers = {"Authorization": header} if header else {}
            return client.open(path, method=method, headers=headers, json={} if method in ("POST", "PUT", "PATCH")
                               else None)

        for label, header in (("no token", None), ("bad token", "Bearer ms_not-a-real-token"),
                              ("wrong scheme", "Basic " + tokens["admin"][1])):
            response = call(header)
            if response.status_code != 401:
                failures.append(f"{method} {rule.rule} with {label}: {response.status_code}, expected 401")
            elif set((response.get_json(silent=True) or {}).get("error", {})) != {"code", "message"}:
                failures.append(f"{method} {rule.rule} with {label}: error body is not {{error: {{code, message}}}}")
        for role, (officer, token) in tokens.items():
            response = call("Bearer " + token)
            allowed = officer.may(action)
            if not allowed and response.status_code != 403:
                failures.append(f"{method} {rule.rule} as {role}: {response.status_code}, expected 403")
            if allowed and response.status_code in (401, 403):
                failures.append(f"{method} {rule.rule} as {role}: {response.status_code}, but {role} may {action}")
            if response.status_code >= 500:
                failures.append(f"{method} {rule.rule} as {role}: server error {response.status_code}")
    return failures


def test_every_api_route_refuses_unauthenticated_and_underprivileged_access(app):
    assert access_failures(app) == []


@pytest.fixture
def probe_app(app):
    """A second app on the same database and Redis, with probe routes to check the checker."""
    from app import create_app

    keys = ("TESTING", "SQLALCHEMY_DATABASE_URI", "REDIS_URL", "INSTANCE_PATH", "DEFAULT_LOCALE")
    probe = create_app({k: app.config[k] for k in keys})
    bp = Blueprint("probe", __name__, url_prefix="/api/v1/probe")
    install_error_handlers(bp)

    @bp.get("/items")
    @requires("read")
    def read_items():
        return jsonify({"items": [], "total": 0})

    @bp.post("/items")
    @requires("broadcasts")
    def write_item():
        return jsonify({"id": 1}), 202

    @bp.delete("/items/<int:item_id>")
    @requires("admin")
    def delete_item(item_id):
        return "", 204

    probe.register_blueprint(bp)
    with probe.app_context():
        yield probe, bp


def test_access_table_checks_what_it_claims(probe_app):
    probe, _ = probe_app
    assert len([r for r in api_routes(probe) if "/probe/" in r[0].rule]) == 3
    assert access_failures(probe) == []


def test_access_table_catches_an_unprotected_route(app):
    from app import create_app

    keys = ("TESTING", "SQLALCHEMY_DATABASE_URI", "REDIS_URL", "INSTANCE_PATH")
    leaky = create_app({k: app.config[k] for k in keys})
    bp = Blueprint("leaky", __name__, url_prefix="/api/v1/leaky")

    @bp.get("/miners")
    def everyone():
        return jsonify([])

    leaky.register_blueprint(bp)
    with leaky.app_context():
        failures = access_failures(leaky)
    assert failures == ["GET /api/v1/leaky/miners: not protected by @requires(action)"]


# --- callbacks ---------------------------------------------------------------------

def callback_routes(app):
    return sorted({rule.rule for rule in app.url_map.iter_rules()
                   if "POST" in rule.methods and rule.rule.startswith(("/ussd", "/sms"))})


def row_counts():
    return {model.__tablename__: db.session.execute(db.select(db.func.count()).select_from(model)).scalar_one()
            for model in (Miner, UssdSessionOutcome)}


def test_callbacks_refuse_a_bad_token_and_change_nothing(app, client, redis):
    secret = "cb-token-5f1c9e"
    app.config["CALLBACK_TOKEN"] = secret
    routes = callback_routes(app)
    assert {"/ussd", "/ussd/events"} <= set(routes)
    form = {"sessionId": "ATUid_tok", "phoneNumber": "+254712345678", "serviceCode": "*384*12#", "text": "",
            "status": "Success", "from": "+254712345678", "to": "22384", "id": "ATXid_1", "date": "2026-01-01",
            "networkCode": "63902", "senderId": "22384"}
    before_keys, before_rows = redis.dbsize(), row_counts()
    for path in routes:
        for query in ({}, {"token": "wrong"}, {"token": secret.upper()}, {"token": secret + "x"}, {"token": ""}):
            response = client.post(path, data=form, query_string=query)
            assert response.status_code == 403, (path, query, response.status_code)
            assert secret not in response.get_data(as_text=True)
    assert redis.dbsize() == before_keys and row_counts() == before_rows
    assert client.post("/ussd", data=form, query_string={"token": secret}).get_data(as_text=True).startswith("CON ")


# --- logs and error pages ------------------------------------------------------------

@pytest.fixture
def captured_logs():
    """Everything the app logs during the test, through the same masking as production."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    logs.install()  # puts the masking filter on every root handler, ours included
    yield stream
    root.removeHandler(handler)
    root.setLevel(old_level)


def test_logs_never_contain_a_full_phone_number(app, client, redis, captured_logs, monkeypatch):
    from tests import test_conversations

    # A whole run of conversations (every golden file, each from an empty state)...
    for path in test_conversations.FILES:
        empty_state(app)
        test_conversations.test_conversation(path, client, redis)
    # ...and the paths that log on purpose, with phone numbers in the messages themselves.
    phone = Phone(client, "+254733111222")
    client.post("/ussd/events", data={"sessionId": "ATUid_f", "phoneNumber": "0733111222", "status": "Failed",
                                      "errorMessage": "timeout talking to 254733111222 (+254733111222)"})
    from miners import effects

    def failing_register(phone, **details):
        raise RuntimeError(f"database refused the row for {phone} / 0{phone[4:]}")

    monkeypatch.setattr(effects, "register", failing_register)
    phone.dial()
    for answer in ("4", "Juma", "1", "Site", "1", "2", "1"):
        phone.send(answer)
    assert phone.send("1").startswith("END ")  # the apology, logged with the exception
    monkeypatch.setattr(app.extensions["ussd"], "handle", lambda *a: (_ for _ in ()).throw(
        RuntimeError("hop broke for +254733111222")))
    assert Phone(client, "+254733111222").dial().startswith("END ")
    text = captured_logs.getvalue()
    assert "USSD effects failed" in text and "hop broke" in text and "failed at the gateway" in text
    assert FULL_PHONE.findall(text) == [], [line for line in text.splitlines() if FULL_PHONE.search(line)][:5]
    assert "+2547******22" in text


def test_secrets_never_appear_in_logs_or_error_pages(app, client, captured_logs, monkeypatch):
    secrets = {"SECRET_KEY": "sk-9d8e7f6a5b4c", "AT_API_KEY": "atk-1a2b3c4d5e6f", "CALLBACK_TOKEN": "cbt-0f9e8d7c6b"}
    app.config.update(secrets)
    token = {"token": secrets["CALLBACK_TOKEN"]}
    form = {"sessionId": "ATUid_s", "phoneNumber": "+254712345678", "serviceCode": "*384*12#", "text": ""}
    bodies = [
        client.post("/ussd", data=form, query_string=token),
        client.post("/ussd", data=form, query_string={"token": "nope"}),
        client.post("/ussd", data={"sessionId": "x"}, query_string=token),
        client.post("/ussd", data={**form, "phoneNumber": "not-a-phone"}, query_string=token),
        client.get("/ussd", query_string=token),
        client.get("/no-such-page", query_string=token),
        client.get("/api/v1/no-such-thing", headers={"Authorization": "Bearer " + secrets["SECRET_KEY"]}),
        client.get("/healthz"),
    ]
    # An unexpected exception in a view: the production error page, not a traceback.
    app.testing = False
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    monkeypatch.setattr("ussd.views.phone_field", lambda value: (_ for _ in ()).throw(
        RuntimeError("boom " + secrets["AT_API_KEY"][:3])))
    try:
        crashed = client.post("/ussd", data=form, query_string=token)
    finally:
        app.testing = True
    assert crashed.status_code == 500
    bodies.append(crashed)
    everything = "\n".join(b.get_data(as_text=True) for b in bodies) + captured_logs.getvalue()
    for name, value in secrets.items():
        assert value not in everything, f"{name} leaked"
    assert "Traceback" not in crashed.get_data(as_text=True)
