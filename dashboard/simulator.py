"""The phone simulator at /simulator: a feature phone in the browser for training and demos.

It dials the real POST /ussd and texts the real POST /sms/inbound of this very app (through
the app's full request stack, server-side, so the callback token never reaches the
browser), and shows what the fake gateway delivered to that number
(GET {FAKEAT_URL}/inbox/<number>). Works with JavaScript (keypad, live inbox) and without
(a plain form). Open to admins; to anyone when the app runs in development.
"""
import uuid
from urllib.parse import quote
from datetime import datetime, timezone

import requests
from flask import Blueprint, abort, current_app, jsonify, render_template, request
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user

from core.phones import InvalidPhone, mask, normalise
from models import audit
from dashboard.auth import login_manager, protect_unsafe_requests

bp = Blueprint("simulator", __name__, url_prefix="/simulator")


@bp.before_request
def _off_in_production():
    """First of all (before the CSRF check): an app switched to production after it started
    has no simulator either."""
    if not available(current_app):
        abort(404)


protect_unsafe_requests(bp)

DEFAULT_PHONE = "+254700000001"
SIMULATED_NETWORK = "63902"  # Safaricom
INBOX_TIMEOUT_S = 1.5


def available(app):
    """Never in production: through the simulator one could register, erase or opt out any
    number, or file reports in anyone's name, with no trace of who did it."""
    return app.config.get("ENV_NAME") != "production"


def allowed(officer):
    """Admins, or anyone while the app runs in development; nobody in production."""
    if not available(current_app):
        return False
    if current_app.config.get("ENV_NAME") == "development":
        return True
    return bool(officer is not None and getattr(officer, "is_authenticated", False) and officer.may("simulator"))




@bp.before_request
def _check_access():
    if allowed(current_user):
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    abort(403)


def _record(action, phone, detail):
    """Outside development every dial and text is in the audit log: what an officer does as
    a phone (register, erase, opt out) is theirs to answer for."""
    if current_app.config.get("ENV_NAME") != "development" and current_user.is_authenticated:
        audit.record(current_user._get_current_object(), action, target=mask(phone), detail=detail)


def sms_inbound_available():
    return any(rule.rule == "/sms/inbound" and "POST" in rule.methods for rule in current_app.url_map.iter_rules())


def _callback_query():
    token = current_app.config.get("CALLBACK_TOKEN")
    return {"token": token} if token else None


def _phone(raw):
    try:
        return normalise(raw or DEFAULT_PHONE), None
    except InvalidPhone:
        return None, _("Not a phone number. Write it like 0712 345 678.")


def parse_dial(code, service_code):
    """'*384*12#' -> '' ; '*384*12*1*2#' -> '1*2' (a direct dial); another code -> None."""
    code = (code or "").strip().replace(" ", "")
    if not code:
        return ""
    base = service_code.rstrip("#")
    if code in (service_code, base):
        return ""
    if code.startswith(base + "*"):
        return code[len(base) + 1:].rstrip("#")
    return None


def _call_app(path, data):
    """POST to this app's own callback, through its whole request stack, in a fresh context
    (its own database session and `g`, as if the gateway had sent it)."""
    app = current_app._get_current_object()
    with app.app_context():
        return app.test_client().post(path, query_string=_callback_query(), data=data,
                                      environ_base={"REMOTE_ADDR": "127.0.0.1"})


def dial_ussd(phone, session_id, text):
    """One hop through the app's own POST /ussd, exactly as Africa's Talking sends it."""
    response = _call_app(
        "/ussd",
        {"sessionId": session_id, "phoneNumber": phone, "serviceCode": current_app.config["USSD_SERVICE_CODE"],
         "networkCode": SIMULATED_NETWORK, "text": text})
    body = response.get_data(as_text=True)
    if response.status_code != 200:
        return None, _("The USSD service answered %(status)s.", status=response.status_code)
    return body, None


def fetch_inbox(phone):
    """What the fake gateway delivered to `phone`, newest first; [] when it cannot be reached.

    fakeat answers `GET /inbox/<number>?format=json` with
    `{"number": ..., "messages": [{"messageId", "text", "from", "at"}]}` (oldest first)."""
    base = current_app.config.get("FAKEAT_URL")
    if not base:
        return []
    try:
        response = requests.get(f"{base.rstrip('/')}/inbox/{quote(phone)}", params={"format": "json"},
                                headers={"Accept": "application/json"}, timeout=INBOX_TIMEOUT_S)
        response.raise_for_status()
        data = response.json()
    except (requests.RequestException, ValueError):
        return []
    items = data.get("messages") if isinstance(data, dict) else data
    messages = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        at = str(item.get("at") or "")
        messages.append({"text": str(item.get("text") or ""), "from": str(item.get("from") or ""),
                         "at": at, "shown": _local_time(at), "id": str(item.get("messageId") or "")})
    messages.sort(key=lambda m: m["at"], reverse=True)
    return messages


def _local_time(iso):
    """fakeat's UTC ISO time as the officer reads it: Nairobi time, '1 Dec 14:05'."""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    return format_datetime(moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc), "d MMM HH:mm")


def end_session(phone, session_id, text, status):
    """What AT posts to the events callback when a session ends (the overview's USSD panel)."""
    _call_app("/ussd/events", {
        "sessionId": session_id, "phoneNumber": phone, "serviceCode": current_app.config["USSD_SERVICE_CODE"],
        "networkCode": SIMULATED_NETWORK, "status": status, "input": text.rsplit("*", 1)[-1],
        "hopsCount": str(len(text.split("*")) + 1 if text else 1),
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")})


def _wants_json():
    return request.accept_mimetypes.best == "application/json"


def _page(status=200, **state):
    phone = state.get("phone") or DEFAULT_PHONE
    context = {
        "phone": phone, "screen": None, "ended": False, "session_id": "", "text": "", "error": None,
        "sms_available": sms_inbound_available(), "sms_notice": None,
        "inbox": fetch_inbox(phone),
        "fakeat_configured": bool(current_app.config.get("FAKEAT_URL")),
        "service_code": current_app.config["USSD_SERVICE_CODE"],
    }
    context.update(state)
    return render_template("dashboard/simulator.html", **context), status


@bp.get("/")
def page():
    phone, error = _phone(request.args.get("phone"))
    return _page(phone=phone or DEFAULT_PHONE, error=error)


@bp.post("/ussd")
def ussd():
    """Dial, answer or hang up. Form: phone, action (dial|send|hangup), input, session_id, text."""
    phone, error = _phone(request.form.get("phone"))
    action = request.form.get("action", "send")
    entry = (request.form.get("input") or "").strip()[:160]
    session_id = (request.form.get("session_id") or "").strip()[:64]
    text = request.form.get("text") or ""
    state = {"phone": phone or request.form.get("phone", ""), "error": error}
    if error is None and action == "hangup":
        if session_id:  # hung up mid-session: AT reports it as Incomplete
            end_session(phone, session_id, text, "Incomplete")
        state.update(screen=None, ended=True, session_id="", text="")
    elif error is None:
        if action == "dial" or not session_id:
            direct = parse_dial(entry, current_app.config["USSD_SERVICE_CODE"])
            if direct is None:
                state["error"] = _("Unknown code. Dial %(code)s.", code=current_app.config["USSD_SERVICE_CODE"])
            else:
                session_id, text = "SIM_" + uuid.uuid4().hex, direct
        else:
            text = f"{text}*{entry}" if text else entry
        if state["error"] is None:
            _record("simulator_ussd", phone, {"action": action, "text": text[:160]})
            body, state["error"] = dial_ussd(phone, session_id, text)
            if body is not None:
                ended = body.startswith("END ")
                if ended:
                    end_session(phone, session_id, text, "Success")
                state.update(screen=body[4:], ended=ended, session_id="" if ended else session_id,
                             text="" if ended else text)
    if _wants_json():
        return jsonify({key: state.get(key) for key in ("screen", "ended", "session_id", "text", "error")}), \
            400 if state["error"] else 200
    return _page(400 if state["error"] else 200, **state)


@bp.post("/sms")
def sms():
    """Text the shortcode from this phone, through the app's own POST /sms/inbound."""
    phone, error = _phone(request.form.get("phone"))
    message = (request.form.get("message") or "").strip()[:480]
    notice = None
    if error is None and not sms_inbound_available():
        error = _("Receiving SMS is not part of this installation yet.")
    elif error is None and not message:
        error = _("Write a message first.")
    elif error is None:
        _record("simulator_sms", phone, {"text": message[:160]})
        response = _call_app(
            "/sms/inbound",
            {"from": phone, "to": current_app.config["AT_SHORTCODE"], "text": message,
             "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S"),
             "id": "SIM_" + uuid.uuid4().hex, "linkId": "", "networkCode": SIMULATED_NETWORK})
        if response.status_code == 200:
            notice = _("Sent. The reply appears in the inbox below when the gateway delivers it.")
        else:
            error = _("The SMS service answered %(status)s.", status=response.status_code)
    if _wants_json():
        return jsonify({"notice": notice, "error": error}), 400 if error else 200
    return _page(400 if error else 200, phone=phone or DEFAULT_PHONE, error=error, sms_notice=notice,
                 sms_text="" if notice else message)


@bp.get("/inbox")
def inbox():
    phone, error = _phone(request.args.get("phone"))
    if error:
        return jsonify({"error": error, "messages": []}), 400
    return jsonify({"phone": phone, "messages": fetch_inbox(phone)})
