from flask import jsonify, request
from werkzeug.exceptions import HTTPException

from core.policy import Refused


class ApiError(Exception):
    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def error_response(status, code, message):
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    return response


def install_error_handlers(bp):
    @bp.errorhandler(ApiError)
    def _api_error(exc):
        return error_response(exc.status, exc.code, exc.message)

    @bp.errorhandler(Refused)
    def _refused(exc):
        """An officer action the capability refused (core/policy.py): its status and code."""
        return error_response(exc.status, exc.code, exc.message)

    @bp.errorhandler(HTTPException)
    def _http_error(exc):
        return error_response(exc.code, exc.name.lower().replace(" ", "_"), exc.description)


MAX_ID = 2**31 - 1  # the largest id an INTEGER column holds (SQLite and PostgreSQL)
MAX_PAGE = 1_000_000  # far beyond any real list; bigger offsets overflow the database's integers


def paged(query_select, serialise, session, max_per_page=200):
    """Run a SELECT with ?page=&per_page= and shape it as {"items": [...], "total": N}."""
    from sqlalchemy import func, select

    try:
        page = max(1, int(request.args.get("page", 1)))
        per_page = min(max_per_page, max(1, int(request.args.get("per_page", 50))))
    except ValueError:
        raise ApiError(400, "bad_paging", "page and per_page must be whole numbers") from None
    if page > MAX_PAGE:
        raise ApiError(400, "bad_paging", f"page must be at most {MAX_PAGE}")
    total = session.execute(select(func.count()).select_from(query_select.order_by(None).subquery())).scalar_one()
    rows = session.execute(query_select.limit(per_page).offset((page - 1) * per_page)).scalars().all()
    return {"items": [serialise(row) for row in rows], "total": total, "page": page, "per_page": per_page}


def contains_nul(req):
    """True when the path, the query string, a form field or the JSON body holds a NUL
    character: never meaningful in this service's text, and PostgreSQL refuses it in a
    query (which would otherwise surface as a 500)."""
    if "\x00" in req.path:
        return True
    if any("\x00" in key or "\x00" in value for key, value in req.args.items(multi=True)):
        return True
    if req.mimetype == "application/json":
        pending = [req.get_json(silent=True)]
        while pending:  # iterative: deeply nested JSON must not exhaust the stack
            value = pending.pop()
            if isinstance(value, str):
                if "\x00" in value:
                    return True
            elif isinstance(value, dict):
                pending.extend(value.keys())
                pending.extend(value.values())
            elif isinstance(value, list):
                pending.extend(value)
    elif req.form:
        return any("\x00" in key or "\x00" in value for key, value in req.form.items(multi=True))
    return False


def refuse_nul_characters(bp):
    @bp.before_request
    def _no_nul():
        if contains_nul(request):
            return error_response(400, "bad_characters", "the request contains a NUL character (\\u0000)")
        return None
