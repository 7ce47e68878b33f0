"""The one module that talks to Africa's Talking: `send(text, numbers)` -> one result per number.

It uses the official SDK (`africastalking==2.0.3`, pinned because of the next point) with its
base URL replaced by `AT_API_URL` - the SDK has no option for it, so `_baseUrl` is set here
and nowhere else. Point `AT_API_URL` at the fake gateway (`python -m fakeat`) and every SMS
goes there.

Every per-recipient `statusCode` AT can answer is mapped to what we do about it:

    ACCEPTED   100 Processed, 101 Sent, 102 Queued
    RETRY      500 InternalServerError, 501 GatewayError, 502 RejectedByGateway,
               407 CouldNotRoute (and HTTP 5xx, timeouts, connection errors for the request)
    FATAL      405 InsufficientBalance: nothing more can go out until the account is topped
               up - the caller pauses (a broadcast) and tells the admins
    UNREACHABLE 403 InvalidPhoneNumber, 404 UnsupportedNumberType: never retry this number
    OPTED_OUT  406 UserInBlacklist: the person blocked us; never send bulk again
    FAILED     401 RiskHold, 402 InvalidSenderId, 409 DoNotDisturbRejection, anything unknown
"""
import json
import logging
from collections import Counter
from dataclasses import dataclass

import requests
from africastalking.Service import AfricasTalkingException
from africastalking.SMS import SMSService
from flask import current_app

from core import metrics
from core.phones import mask_in_text
from sms import ratelimit

log = logging.getLogger(__name__)

ACCEPTED, RETRY, FATAL, UNREACHABLE, OPTED_OUT, FAILED = (
    "accepted", "retry", "fatal", "unreachable", "opted_out", "failed")

STATUS_CODES = {
    100: ("Processed", ACCEPTED),
    101: ("Sent", ACCEPTED),
    102: ("Queued", ACCEPTED),
    401: ("RiskHold", FAILED),
    402: ("InvalidSenderId", FAILED),
    403: ("InvalidPhoneNumber", UNREACHABLE),
    404: ("UnsupportedNumberType", UNREACHABLE),
    405: ("InsufficientBalance", FATAL),
    406: ("UserInBlacklist", OPTED_OUT),
    407: ("CouldNotRoute", RETRY),
    409: ("DoNotDisturbRejection", FAILED),
    500: ("InternalServerError", RETRY),
    501: ("GatewayError", RETRY),
    502: ("RejectedByGateway", RETRY),
}

# (connect, read) seconds. AT answers a 100-recipient bulk request well within this.
TIMEOUT = (3.05, 15)


@dataclass(frozen=True)
class Result:
    number: str
    outcome: str  # one of ACCEPTED, RETRY, FATAL, UNREACHABLE, OPTED_OUT, FAILED
    status_code: int | None
    reason: str  # AT's status name, or why the request failed
    message_id: str | None = None
    cost: str | None = None


class RequestFailed(Exception):
    """The whole request failed; `retryable` says whether trying later may help, and
    `ambiguous` that AT may have accepted it anyway (the answer was lost: read timeout)."""

    def __init__(self, reason, *, retryable, ambiguous=False):
        super().__init__(reason)
        self.reason, self.retryable, self.ambiguous = reason, retryable, ambiguous


def service(app=None):
    """The SDK's SMS service pointed at AT_API_URL (one per process and configuration)."""
    app = app or current_app._get_current_object()
    config = app.config
    key = (config["AT_USERNAME"], config["AT_API_KEY"], config["AT_API_URL"])
    cached = app.extensions.get("at_sms")
    if cached is None or cached[0] != key:
        sms = SMSService(config["AT_USERNAME"], config["AT_API_KEY"])
        # No base-URL option in the SDK: this private attribute is why its version is pinned.
        sms._baseUrl = config["AT_API_URL"]
        cached = app.extensions["at_sms"] = (key, sms)
    return cached[1]


def classify(recipient):
    code = recipient.get("statusCode")
    try:
        code = int(code)
    except (TypeError, ValueError):
        code = None
    name, outcome = STATUS_CODES.get(code, (recipient.get("status") or f"Unknown({code})", FAILED))
    message_id = recipient.get("messageId")
    if outcome == ACCEPTED and (not message_id or message_id == "None"):
        outcome, name = RETRY, f"{name} without messageId"
    return Result(
        number=recipient.get("number", ""), outcome=outcome, status_code=code, reason=name,
        message_id=message_id if message_id and message_id != "None" else None,
        cost=recipient.get("cost") if outcome == ACCEPTED else None,
    )


def send(text, numbers, *, enqueue=False, priority=False):
    """Send one text to E.164 numbers in one request; a Result per number, in order.
    `priority` (officers' alerts) may use the share of the rate cap kept free for them.

    Raises RequestFailed when the request as a whole failed. Every answer is counted in
    core.metrics by AT's statusCode ("request_failed" for a request that failed whole).
    """
    try:
        results = _send(text, numbers, enqueue=enqueue, priority=priority)
    except RequestFailed:
        metrics.at_response("request_failed")
        raise
    for code, count in Counter(result.status_code for result in results).items():
        metrics.at_response(code if code is not None else "none", count)
    return results


def _send(text, numbers, *, enqueue=False, priority=False):
    config = current_app.config
    try:
        ratelimit.acquire(priority=priority)
    except ratelimit.RateLimitTimeout as exc:
        raise RequestFailed(str(exc), retryable=True) from None
    try:
        response = service().send(text, list(numbers), sender_id=config.get("AT_SENDER_ID"),
                                  enqueue=enqueue,
                                  timeout=(TIMEOUT[0], config.get("AT_READ_TIMEOUT_SECONDS") or TIMEOUT[1]))
    except ValueError as exc:  # the SDK rejected a number before sending anything
        # The reason is stored and logged: never with the number in clear.
        raise RequestFailed(f"invalid recipient: {mask_in_text(str(exc))}", retryable=False) from None
    except requests.exceptions.ConnectTimeout:
        raise RequestFailed("timeout connecting to AT", retryable=True) from None
    except requests.exceptions.Timeout:
        raise RequestFailed("timeout waiting for AT's answer", retryable=True, ambiguous=True) from None
    except requests.exceptions.ConnectionError:
        raise RequestFailed("could not connect to AT", retryable=True) from None
    except AfricasTalkingException as exc:
        # The SDK keeps only the body of a non-2xx answer. Authentication and validation
        # errors say so; anything else (HTTP 5xx, proxies) is worth another try.
        body = str(exc)[:200]
        lowered = body.lower()
        fatal = any(word in lowered for word in ("authentication", "invalid", "unauthorized", "not allowed"))
        raise RequestFailed(f"AT refused the request: {body}", retryable=not fatal) from None
    if isinstance(response, str):  # content-type was not exactly application/json
        try:
            response = json.loads(response)
        except ValueError:
            raise RequestFailed("AT answered something that is not JSON", retryable=True) from None
    try:
        recipients = response["SMSMessageData"]["Recipients"]
    except (KeyError, TypeError):
        raise RequestFailed("AT's answer has no Recipients", retryable=True) from None
    by_number = {}
    for recipient in recipients:
        by_number.setdefault(recipient.get("number"), []).append(recipient)
    results = []
    for number in numbers:
        found = by_number.get(number)
        if found:
            results.append(classify(found.pop(0)))
        else:
            # AT said nothing about this number: it was not accepted, so try again.
            results.append(Result(number, RETRY, None, "no result for this number"))
    return results


def fetch_balance(app=None):
    """The account balance AT reports, as (currency, amount), through the SDK's application-data
    call (`GET /version1/user?username=...`, answered `{"UserData": {"balance": "KES 1234.5000"}}`).

    Raises RequestFailed when AT could not be asked or its answer is not a balance.
    """
    from africastalking.Application import ApplicationService

    app = app or current_app._get_current_object()
    config = app.config
    application = ApplicationService(config["AT_USERNAME"], config["AT_API_KEY"])
    application._baseUrl = config["AT_API_URL"]  # as for SMS: the SDK has no base-URL option
    try:
        response = application.fetch_application_data(timeout=TIMEOUT)
    except requests.exceptions.RequestException as exc:
        raise RequestFailed(f"could not ask AT for the balance ({type(exc).__name__})", retryable=True) from None
    except AfricasTalkingException as exc:
        raise RequestFailed(f"AT refused the balance request: {str(exc)[:200]}", retryable=False) from None
    if isinstance(response, str):
        try:
            response = json.loads(response)
        except ValueError:
            raise RequestFailed("AT's balance answer is not JSON", retryable=True) from None
    try:
        currency, amount = str(response["UserData"]["balance"]).split()
        return currency, float(amount)
    except (KeyError, TypeError, ValueError):
        raise RequestFailed("AT's answer has no balance", retryable=True) from None
