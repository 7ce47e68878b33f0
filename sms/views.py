"""Africa's Talking SMS callbacks (CONTRACT.md section 1): inbound, delivery reports, opt-outs.

Each answers 200 quickly (AT retries anything else for up to 12 hours, and never after a
200); an inbound message is stored (or spooled to disk) before its 200, the work on it runs
in jobs (sms/inbound.py). Malformed callbacks get a 400 that says what is wrong; a wrong token 403.
"""
import logging

from flask import Blueprint

from core.callbacks import check_token, form_fields, phone_field
from sms import delivery, inbound

log = logging.getLogger(__name__)
bp = Blueprint("sms", __name__, url_prefix="/sms")

OK = ("OK", 200, {"Content-Type": "text/plain; charset=utf-8"})


INBOUND_FIELDS = (("from", "id"), ("to", "text", "date", "linkId", "networkCode", "cost"))


def handle_inbound_callback(fields):
    """An inbound SMS callback's fields -> (body, status, headers): what both the Flask view
    and the lean WSGI path (core/callbacks.py) answer. Runs in an app context."""
    fields["from"] = phone_field(fields["from"], "from")
    fields = {k: v for k, v in fields.items() if v is not None}
    try:
        inbound.accept(fields)
    except Exception as exc:
        # Neither the database nor the local disk took it (OSError), or something failed that
        # should not have: no 200, so AT sends it again and nothing is lost. Never a 500.
        log.error("could not keep inbound SMS %s (%s): AT will retry", fields["id"], type(exc).__name__)
        return "Try again later", 503, {"Content-Type": "text/plain; charset=utf-8", "Retry-After": "60"}
    return OK


@bp.post("/inbound")
def inbound_sms():
    check_token()
    return handle_inbound_callback(form_fields(*INBOUND_FIELDS))


@bp.post("/delivery")
def delivery_report():
    check_token()
    fields = form_fields(("id", "status"), ("phoneNumber", "networkCode", "failureReason", "retryCount"))
    phone = None
    if fields.get("phoneNumber"):
        phone = phone_field(fields["phoneNumber"])
    delivery.record_delivery(fields["id"], fields["status"].strip(), phone, fields.get("failureReason"))
    return OK


@bp.post("/optout")
def optout():
    check_token()
    fields = form_fields(("phoneNumber",), ("senderId",))
    delivery.opt_out(phone_field(fields["phoneNumber"]), fields.get("senderId"))
    return OK
