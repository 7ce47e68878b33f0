"""The OpenAPI description: generated from the routes' docstrings, complete, and true of the
running app (schemathesis calls every operation through WSGI and checks the answers)."""
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import positive_data_acceptance

from models import ApiToken, Incident, db
from prices import publishing as prices
from tips import catalogue as tips_catalogue
from tests.dashboard_helpers import make_miner, make_officers


@pytest.fixture
def admin_token(app):
    officers = make_officers()
    token = ApiToken.issue(officers["admin"])
    db.session.commit()
    make_miner("+254711000001", "Akinyi Odhiambo", "Migori", "Macalder")
    make_miner("+254711000002", "Barasa Wekesa", "Kakamega", "Rosterman")
    # Something behind every route: markets, the tip catalogue, an incident.
    prices.ensure_default_markets()
    tips_catalogue.load_file()
    db.session.add(Incident(reference="MS-2A2A", category="COLLAPSE", county="Migori", site="Macalder",
                            channel="ussd", reporter_phone="+254711000001", urgent=True, trapped=1))
    db.session.commit()
    return token


@pytest.fixture
def description(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def _api_endpoints(app):
    """api/'s endpoints and those of every capability's API blueprint (mounted under /api/v1)."""
    from api.openapi import capability_api_prefixes

    return ("api.",) + capability_api_prefixes(app)


def test_every_api_route_is_described(app, description):
    described = set(description["paths"])
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(_api_endpoints(app)) and rule.endpoint != "api.openapi":
            path = rule.rule.replace("<", "{").replace(">", "}")
            path = "/".join(part.split(":")[-1] if part.startswith("{") else part for part in path.split("/"))
            path = "/".join("{" + part if part.endswith("}") and not part.startswith("{") else part
                            for part in path.split("/"))
            assert path in described, f"{rule.rule} is not described"
    assert "/healthz" in described


def test_shared_components(description):
    assert description["openapi"].startswith("3.")
    assert description["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "description": "an API token of an officer"}
    assert description["security"] == [{"bearerAuth": []}]
    error = description["components"]["schemas"]["Error"]
    assert error["properties"]["error"]["required"] == ["code", "message"]
    assert {"page", "per_page"} <= set(description["components"]["parameters"])
    miners = description["paths"]["/api/v1/miners"]["get"]
    assert {"401", "403", "200"} <= set(map(str, miners["responses"]))
    assert {"$ref": "#/components/parameters/page"} in miners["parameters"]
    assert description["paths"]["/healthz"]["get"]["security"] == []


def test_routes_without_yaml_still_appear():
    from flask import Blueprint, Flask

    from api.openapi import build_spec

    later = Blueprint("api", __name__, url_prefix="/api/v1")

    @later.route("/things/<int:ref>", methods=["GET", "PATCH"])
    def undocumented(ref):
        """Look up one thing."""
        return {}

    other_app = Flask(__name__)
    other_app.register_blueprint(later)
    spec = build_spec(other_app)
    item = spec["paths"]["/api/v1/things/{ref}"]
    assert set(item) == {"get", "patch", "parameters"}
    assert item["get"]["summary"] == "Look up one thing."
    assert item["parameters"] == [{"name": "ref", "in": "path", "required": True,
                                   "schema": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}}]


def test_shared_responses_and_paging_are_generated():
    """A protected view gets 401 and 403; `x-page-of` becomes the paging parameters (first,
    wherever the key stands), the Page body and its 400; what a docstring writes itself is kept."""
    from flask import Blueprint, Flask

    from api.auth import requires
    from api.openapi import build_spec

    later = Blueprint("api", __name__, url_prefix="/api/v1")

    @later.get("/things")
    @requires("read")
    def list_things():
        """Things, newest first.
        ---
        get:
          responses:
            200: {description: a page of things}
            403: {description: another county's things}
          parameters:
            - {name: q, in: query, schema: {type: string}}
          x-page-of: Thing
        """
        return {}

    @later.get("/open")
    def open_thing():
        """No token needed.
        ---
        get:
          responses:
            200: {description: fine}
        """
        return {}

    other_app = Flask(__name__)
    other_app.register_blueprint(later)
    paths = build_spec(other_app)["paths"]
    listing = paths["/api/v1/things"]["get"]
    assert "x-page-of" not in listing
    assert listing["parameters"] == [{"$ref": "#/components/parameters/page"},
                                     {"$ref": "#/components/parameters/per_page"},
                                     {"name": "q", "in": "query", "schema": {"type": "string"}}]
    assert listing["responses"]["200"] == {"description": "a page of things", "content": {"application/json": {
        "schema": {"allOf": [{"$ref": "#/components/schemas/Page"}, {"type": "object", "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Thing"}}}}]}}}}
    assert listing["responses"]["400"] == {"$ref": "#/components/responses/BadRequest"}
    assert listing["responses"]["401"] == {"$ref": "#/components/responses/Unauthorized"}
    assert listing["responses"]["403"] == {"description": "another county's things"}
    assert set(paths["/api/v1/open"]["get"]["responses"]) == {"200"}


def test_every_protected_route_is_described_as_refusing_tokens(app, description):
    from apispec_webframeworks.flask import FlaskPlugin

    protected = [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith(_api_endpoints(app))
                 and getattr(app.view_functions[rule.endpoint], "required_action", None) is not None]
    assert len(protected) > 10
    for rule in protected:
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            responses = description["paths"][FlaskPlugin.flaskpath2openapi(rule.rule)][method.lower()]["responses"]
            assert {"401", "403"} <= set(responses), f"{method} {rule.rule}"


def test_the_app_answers_as_described(app, admin_token):
    """Every described operation, called with generated inputs: no server error, and status
    codes, content types, headers and bodies as described. (Driven by hand rather than with
    schemathesis' pytest loader, which does not support pytest 9's nodes yet.)"""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/api/v1/miners", "/healthz"}
    # Whether a schema-valid new tip is accepted depends on the database (its topic must exist,
    # its id must be new; an edited tip must exist): those operations are checked for
    # everything but accepting valid data. Likewise a training session: its start must be in the
    # future (the clock), and a cancelled or started session can no longer be changed or announced.
    depends_on_data = {("POST", "/api/v1/tips"), ("PUT", "/api/v1/tips/{tip_id}"), ("POST", "/api/v1/trainings"),
                       ("PATCH", "/api/v1/trainings/{training_id}"),
                       ("POST", "/api/v1/trainings/{training_id}/invite")}
    for operation in operations:
        excluded = [positive_data_acceptance] if (operation.method.upper(), operation.path) in depends_on_data else []

        @given(case=operation.as_strategy())
        @settings(max_examples=30, deadline=None, database=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
        def check(case):
            case.call_and_validate(headers={"Authorization": f"Bearer {admin_token}"}, excluded_checks=excluded)

        check()


def test_the_api_refuses_missing_and_bad_tokens_as_described(app, client, admin_token):
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}):
        response = client.get("/api/v1/miners", headers=headers)
        assert response.status_code == 401
        assert set(response.get_json()["error"]) == {"code", "message"}


@pytest.mark.parametrize("url,method,body", [
    ("/api/v1/incidents?county=a%00b", "get", None), ("/api/v1/prices?market=a%00b", "get", None),
    ("/api/v1/tips/a%00b", "get", None), ("/api/v1/incidents/a%00b", "get", None), ("/api/v1/tips?topic=a%00b", "get", None),
    ("/api/v1/broadcasts/preview", "post", {"text": {"sw": "a\x00b"}, "audience": {"county": "a\x00b"}}),
    ("/api/v1/prices", "post", {"market": "a\x00b", "kes_per_gram": 5, "purity": 0.9}),
    ("/api/v1/tips", "post", {"topic": "a\x00b", "sw": "x", "en": "y"}),
    ("/api/v1/tips/a%00b", "patch", {"retired": True}), ("/api/v1/tips/a%00b", "delete", None),
    ("/api/v1/incidents/MS-2A2A", "patch", {"status": "resolved", "note": "a\x00b"}),
    ("/api/v1/incidents/MS-2A2A/reporter", "post", {"reason": "a\x00bcdefghijklm"}),
    ("/api/v1/broadcasts", "post", {"text": {"sw": "a\x00b"}, "audience": {"site": "a\x00b"}}),
    ("/api/v1/leads?county=a%00b", "get", None), ("/api/v1/leads.csv?county=a%00b", "get", None),
    ("/api/v1/leads/broadcast", "post", {"kind": "savings_group", "text": {"sw": "a\x00b"}}),
])
def test_nul_characters_get_a_clear_400_not_a_500(app, admin_token, url, method, body):
    """PostgreSQL refuses NUL in any query: every API route answers 400 bad_characters first."""
    client = app.test_client()
    r = getattr(client, method)(url, json=body, headers={"Authorization": f"Bearer {admin_token}"})
    assert r.status_code == 400, (r.status_code, r.get_data(as_text=True)[:300])
    assert r.get_json()["error"]["code"] == "bad_characters"



def test_operation_ids_are_unique_and_survive_the_move_into_capabilities(app, description):
    """The routes that moved from api/ into their capabilities (incidents, miners, prices,
    tips) keep the operation ids clients were built on; no two operations share an id."""
    ids = [operation["operationId"] for path in description["paths"].values()
           for operation in path.values() if isinstance(operation, dict) and "operationId" in operation]
    assert len(ids) == len(set(ids))
    paths = description["paths"]
    assert paths["/api/v1/incidents"]["get"]["operationId"] == "api_list_incidents_get"
    assert paths["/api/v1/miners"]["get"]["operationId"] == "api_list_miners_get"
    assert paths["/api/v1/prices"]["post"]["operationId"] == "api_publish_price_post"
    assert paths["/api/v1/tips/{tip_id}"]["put"]["operationId"] == "api_edit_tip_put"
    # ... and are served by their capability's own blueprint, not by api/.
    endpoints = {rule.rule: rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints["/api/v1/incidents"] == "incidents_api.list_incidents"
    assert endpoints["/api/v1/miners"] == "miners_api.list_miners"
    assert endpoints["/api/v1/prices"].startswith("prices_api.")
    assert endpoints["/api/v1/tips/topics"] == "tips_api.list_topics"
    assert {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")} == {"api.openapi"}
