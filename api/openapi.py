"""GET /api/v1/openapi.json: the OpenAPI 3 description of this API, generated from the code.

Every route of the capabilities' API blueprints (and /healthz) is described by its own view's docstring:
a summary line, then YAML after a `---` line, keyed by HTTP method, as apispec reads it:

    @bp.get("/things")
    @requires("read")
    def list_things():
        '''Things, newest first.
        ---
        get:
          x-page-of: Thing
          parameters:
            - {name: q, in: query, schema: {type: string}}
          responses:
            200: {description: a page of things}
            404: {$ref: '#/components/responses/NotFound'}
        '''

Write only what is particular to the route; the generator adds what every route of a kind has
(a response the docstring gives itself is kept as written):
- a view protected by `@requires(action)` (api/auth.py) gets the 401 Unauthorized and
  403 Forbidden responses;
- `x-page-of: <Schema>` marks a list answered by `paged()` (api/errors.py): the generator
  puts the `page` and `per_page` parameters before the docstring's own, describes the 200
  body as a Page whose items are `#/components/schemas/<Schema>` (keeping the docstring's
  200 description), and adds the 400 BadRequest that bad paging gets. The key itself is
  not copied into the description.

A route without YAML still appears, with its summary and path parameters, so nothing the
app serves is missing. Shared pieces (the error shape, bearer auth, paging) are components
below (api/components.py); a capability adds its own schemas with `register_schema(name, schema)`
in its api module, beside the routes that answer with them.

An operation's id is `<endpoint>_<method>` (`buyers_api_list_buyers_get`) unless its docstring
gives one: the routes that moved out of api/ into their capabilities (incidents, miners,
prices, tips) keep the ids they had there (`api_list_incidents_get`), for clients built on them.
"""
from apispec import APISpec, yaml_utils
from apispec_webframeworks.flask import FlaskPlugin
from flask import Blueprint, current_app, jsonify

from api.components import _error_response, _path_parameter_schemas, _schemas
from api.components import register_path_parameter, register_schema  # noqa: F401  (re-exported: capabilities import them from here)
from api.errors import MAX_ID, MAX_PAGE, install_error_handlers, refuse_nul_characters

# The API's own blueprint (/api/v1): this description. Every other route is a capability's
# (its `api` blueprint, mounted under /api/v1 by the registry, core/capability.py).
bp = Blueprint("api", __name__, url_prefix="/api/v1")
install_error_handlers(bp)
refuse_nul_characters(bp)  # before any route: PostgreSQL refuses NUL in a query

DOCUMENTED_BLUEPRINTS = ("api.",)
EXTRA_ENDPOINTS = ("health.healthz",)
METHODS = ("get", "post", "put", "patch", "delete")

def _path_parameters(rule):
    parameters = []
    for name, converter in rule._converters.items():
        kind = type(converter).__name__
        # No NUL in a text parameter: PostgreSQL refuses it, and the API answers 400 bad_characters.
        schema = {"type": "integer"} if kind == "IntegerConverter" else {"type": "string", "pattern": "^[^\\x00]*$"}
        schema = dict(_path_parameter_schemas.get(name, schema))
        if kind == "IntegerConverter":
            schema["minimum"] = 0
            schema["maximum"] = MAX_ID
        parameters.append({"name": name, "in": "path", "required": True, "schema": schema})
    return parameters


def _parameter_ref(parameter):
    # apispec names a shared parameter by its bare name; accept the usual $ref form too.
    if isinstance(parameter, dict) and set(parameter) == {"$ref"}:
        return parameter["$ref"].rsplit("/", 1)[-1]
    return parameter


PAGE_OF = "x-page-of"


def _response_ref(name):
    return {"$ref": f"#/components/responses/{name}"}


def _describe_page(operation, item_schema):
    """Expand `x-page-of: <item_schema>`: paging parameters, the Page body and its 400."""
    operation["parameters"] = ["page", "per_page", *operation.get("parameters", [])]
    responses = operation["responses"]
    page_of_items = {"allOf": [
        {"$ref": "#/components/schemas/Page"},
        {"type": "object", "properties": {"items": {
            "type": "array", "items": {"$ref": f"#/components/schemas/{item_schema}"}}}},
    ]}
    responses["200"] = {"description": f"a page of {item_schema} items", **responses.get("200", {}),
                        "content": {"application/json": {"schema": page_of_items}}}
    responses.setdefault("400", _response_ref("BadRequest"))


def _operations_for(rule, view):
    documented = yaml_utils.load_operations_from_docstring(view.__doc__ or "")
    summary = yaml_utils.trim_docstring(view.__doc__ or "").split("\n")[0].strip() or rule.endpoint
    protected = getattr(view, "required_action", None) is not None  # set by api.auth.requires
    operations = {}
    for method in METHODS:
        if method.upper() not in (rule.methods or ()):
            continue
        operation = dict(documented.get(method) or {})
        if operation.get("parameters"):
            operation["parameters"] = [_parameter_ref(p) for p in operation["parameters"]]
        # YAML reads `200:` as a number; one kind of key lets a docstring's own response win.
        responses = operation["responses"] = {
            str(code): response for code, response in (operation.get("responses") or {}).items()}
        if PAGE_OF in operation:
            _describe_page(operation, operation.pop(PAGE_OF))
        if not responses:
            responses["default"] = {"description": "see the summary"}
        if protected:
            responses.setdefault("401", _response_ref("Unauthorized"))
            responses.setdefault("403", _response_ref("Forbidden"))
        operation.setdefault("summary", summary)
        operation.setdefault("operationId", f"{rule.endpoint.replace('.', '_')}_{method}")
        operations[method] = operation
    return operations


def capability_api_prefixes(app):
    """The endpoint prefixes of the capabilities' API blueprints (Capability.api, mounted
    under /api/v1 by the registry): their routes are described like api/'s."""
    registry = app.extensions.get("capabilities")
    return tuple(c.api.name + "." for c in (registry or ()) if c.api is not None)


def build_spec(app):
    spec = APISpec(
        title="Madini Salama officer API",
        version="1",
        openapi_version="3.0.3",
        info={"description": (
            "JSON in and out. Authenticate with `Authorization: Bearer <token>` (tokens are issued with "
            "`flask --app app token issue USERNAME`). No token or a bad one: 401; a token whose officer "
            "may not do this: 403. Errors are `{\"error\": {\"code\", \"message\"}}`. Lists are paged with "
            "`?page=`/`?per_page=` and return `{\"items\": [...], \"total\": N}`. Phone numbers are masked "
            "(`+2547******12`) unless the officer is an admin.")},
        security=[{"bearerAuth": []}],
    )
    spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer",
                                                   "description": "an API token of an officer"})
    for name, schema in _schemas.items():
        spec.components.schema(name, schema)
    spec.components.parameter("page", "query", {
        "description": "page number, from 1", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE,
                                                          "default": 1}})
    spec.components.parameter("per_page", "query", {
        "description": "rows per page", "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}})
    spec.components.response("BadRequest", _error_response("the request is not valid; the message says why"))
    spec.components.response("Unauthorized", _error_response("no token, or the token is not valid"))
    spec.components.response("Forbidden", _error_response("this officer's role may not do this"))
    spec.components.response("NotFound", _error_response("no such record (or outside the officer's county)"))

    documented = DOCUMENTED_BLUEPRINTS + capability_api_prefixes(app)
    rules = sorted(app.url_map.iter_rules(), key=lambda r: r.rule)
    for rule in rules:
        if rule.endpoint == "api.openapi":
            continue
        if not (rule.endpoint.startswith(documented) or rule.endpoint in EXTRA_ENDPOINTS):
            continue
        view = app.view_functions[rule.endpoint]
        spec.path(path=FlaskPlugin.flaskpath2openapi(rule.rule), operations=_operations_for(rule, view),
                  parameters=_path_parameters(rule))
    return spec.to_dict()


@bp.get("/openapi.json")
def openapi():
    """This description (no token needed)."""
    cached = current_app.extensions.get("openapi_spec")
    if cached is None:
        cached = current_app.extensions["openapi_spec"] = build_spec(current_app)
    return jsonify(cached)
