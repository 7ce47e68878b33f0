"""POST /ussd and POST /ussd/events (CONTRACT.md section 1)."""
import logging
from datetime import datetime, timezone

from flask import Blueprint, current_app

from core import metrics
from core.callbacks import BadCallback, check_token, form_fields, phone_field
from core.i18n import translate
from flows.engine import MSG_FAILED
from models import UssdSessionOutcome, db

log = logging.getLogger(__name__)
bp = Blueprint("ussd", __name__)

MAX_SESSION_ID = 128


PLAIN = {"Content-Type": "text/plain; charset=utf-8"}


HOP_FIELDS = (("sessionId", "phoneNumber", "serviceCode"), ("text", "networkCode"))


def handle_hop(fields):
    """One hop from the callback's fields -> (body, status, headers): what both the Flask view
    and the lean WSGI path (core/callbacks.py) answer. Runs in an app context."""
    sid = fields["sessionId"].strip()
    if len(sid) > MAX_SESSION_ID:
        raise BadCallback("sessionId is too long")
    phone = phone_field(fields["phoneNumber"])
    text = fields["text"] or ""
    try:
        body = current_app.extensions["ussd"].handle(sid, phone, text)
    except Exception:
        # Whatever broke (Redis down, a bug), the caller gets a polite END, never an error page.
        log.exception("USSD hop failed for %s", phone)
        body = "END " + translate(current_app.config["DEFAULT_LOCALE"], MSG_FAILED)
    return body, 200, PLAIN


@bp.post("/ussd")
def ussd_callback():
    check_token()
    return handle_hop(form_fields(*HOP_FIELDS))


EVENT_STATUSES = {"Success", "Incomplete", "Failed"}


def _int_or_none(value):
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def _parse_date(value):
    try:
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc)
    except (TypeError, ValueError):
        return None


@bp.post("/ussd/events")
def ussd_events():
    """AT's end-of-session notification: how each session ended (drops, timeouts, our failures)."""
    check_token()
    fields = form_fields(("sessionId", "phoneNumber", "status"),
                        ("input", "lastAppResponse", "errorMessage", "durationInMillis", "hopsCount", "date",
                         "networkCode"))
    if fields["status"] not in EVENT_STATUSES:
        raise BadCallback("status must be Success, Incomplete or Failed")
    phone = phone_field(fields["phoneNumber"])
    sid = fields["sessionId"][:MAX_SESSION_ID]
    if fields["status"] == "Failed":
        log.warning("USSD session failed at the gateway for %s: %s", phone, (fields["errorMessage"] or "")[:200])
    existing = db.session.execute(db.select(UssdSessionOutcome).filter_by(session_id=sid)).scalar_one_or_none()
    if existing is None:  # AT may send the event more than once
        db.session.add(UssdSessionOutcome(
            session_id=sid, phone=phone, status=fields["status"],
            hops=_int_or_none(fields["hopsCount"]), duration_ms=_int_or_none(fields["durationInMillis"]),
            network_code=(fields["networkCode"] or None) and fields["networkCode"][:10],
            error_message=(fields["errorMessage"] or None) and fields["errorMessage"][:500],
            last_app_response=(fields["lastAppResponse"] or None) and fields["lastAppResponse"][:500],
            ended_at=_parse_date(fields["date"]),
        ))
        db.session.commit()
        metrics.session_ended(fields["status"])
    return "OK", 200, PLAIN
