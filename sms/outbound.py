"""Outbound SMS: the one function every capability calls to text someone.

    queue_sms(phone, text, locale="sw", purpose="incident_receipt")

The text is sent by a background job on the `replies` queue (or `bulk`), never inside a
web request. The SMS core (issue 4) owns what happens after: a durable message row,
the gateway, retries, statuses.
"""
import logging

from flask import current_app

from core import jobs

log = logging.getLogger(__name__)


def queue_sms(phone, text, *, locale, purpose, queue=jobs.REPLIES, miner_id=None):
    """Send `text` to `phone` (E.164) by SMS from a job; returns the RQ job."""
    return jobs.queue(queue).enqueue(
        send_now, phone, text, locale=locale, purpose=purpose, miner_id=miner_id,
        retry=None, job_timeout=60,
    )


def gateway():
    """The Africa's Talking SMS service, pointed at AT_API_URL (a fake gateway in tests)."""
    from africastalking.SMS import SMSService

    config = current_app.config
    service = SMSService(config["AT_USERNAME"], config["AT_API_KEY"])
    # The SDK has no base-URL option; this private attribute is why its version is pinned.
    service._baseUrl = config["AT_API_URL"]
    return service


def send_now(phone, text, *, locale, purpose, miner_id=None):
    config = current_app.config
    response = gateway().send(text, [phone], sender_id=config.get("AT_SENDER_ID"))
    log.info("sent %s SMS to %s: %s", purpose, phone, response)
    return response
