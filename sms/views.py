"""Africa's Talking SMS callbacks (CONTRACT.md section 1): inbound, delivery reports, opt-outs.

Each answers 200 quickly (AT retries anything else for up to 12 hours); the inbound work
runs in jobs (sms/inbound.py). Malformed callbacks get a 400 that says what is wrong; a wrong token 403.
"""
import logging

from flask import Blueprint
from redis.exceptions import RedisError

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
    except RedisError:
        # Nothing is lost: AT sends the message again in a minute when it gets no 200.
        log.error("could not queue inbound SMS %s: Redis unavailable", fields["id"])
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
