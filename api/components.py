"""The reusable pieces of the API's OpenAPI description: named schemas
(#/components/schemas/...) and path-parameter schemas. Routes' modules (and capabilities'
API blueprints) add theirs with `register_schema` / `register_path_parameter`;
api/openapi.py reads them when it builds the description. The pieces below are shared: the
error shape, the page, and the small schemas the capabilities' own schemas are made of.
"""

NULLABLE_STRING = {"type": "string", "nullable": True}
TIME = {"type": "string", "format": "date-time"}
NULLABLE_TIME = {"type": "string", "format": "date-time", "nullable": True}
NO_NUL = r"^[^\x00]*$"  # PostgreSQL refuses NUL characters: the API answers 400 bad_characters

_schemas = {}


def register_schema(name, schema):
    """Add a reusable schema (#/components/schemas/<name>) to the description."""
    _schemas[name] = schema
    return {"$ref": f"#/components/schemas/{name}"}


_path_parameter_schemas = {}


def register_path_parameter(name, schema):
    """Describe the URL parameter `<name>` more exactly than "a string" wherever it appears
    (e.g. the pattern a tip's id follows, so that /tips/topics is never taken for one)."""
    _path_parameter_schemas[name] = schema


def _error_response(description):
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


register_schema("Error", {
    "type": "object", "required": ["error"],
    "properties": {"error": {
        "type": "object", "required": ["code", "message"],
        "properties": {"code": {"type": "string", "example": "forbidden"},
                       "message": {"type": "string"}}}},
})
register_schema("Page", {
    "type": "object", "required": ["items", "total"],
    "description": "A page of a list: ?page= (from 1) and ?per_page= (1-200, default 50).",
    "properties": {"items": {"type": "array", "items": {}},
                   "total": {"type": "integer", "minimum": 0, "description": "matching rows in all pages"},
                   "page": {"type": "integer", "minimum": 1},
                   "per_page": {"type": "integer", "minimum": 1, "maximum": 200}},
})
