"""The fake gateway's state and its Flask app (see the package docstring)."""
import heapq
import html
import itertools
import logging
import threading
import time
import uuid
from collections import Counter, defaultdict
from datetime import datetime, timezone

import requests
from flask import Flask, Response, jsonify, redirect, request

log = logging.getLogger("fakeat")

ACCEPTED_CODE = 101
STATUS_NAMES = {
    100: "Processed", 101: "Success", 102: "Queued", 401: "RiskHold", 402: "InvalidSenderId",
    403: "InvalidPhoneNumber", 404: "UnsupportedNumberType", 405: "InsufficientBalance",
    406: "UserInBlacklist", 407: "CouldNotRoute", 409: "DoNotDisturbRejection",
    500: "InternalServerError", 501: "GatewayError", 502: "RejectedByGateway",
}
DLR_FAILURE = {403: "UserDoesNotExist", 406: "UserInBlackList"}
COST_PER_PART = 0.80

DEFAULT_FAULTS = {
    "http_500": 0, "timeouts": 0, "timeout_seconds": 20.0, "number_status": {}, "balance_after": None,
    "latency_ms": 0, "dlr": True, "dlr_delay": 1.0, "dlr_status": "Success",
    # The account balance in KES that GET /version1/user reports; each accepted part costs
    # COST_PER_PART. Set it low to see the service warn (flask doctor, broadcast preview).
    "balance": 100000.0,
}


def _parts(text):
    # Good enough for the fake's cost line; the service counts parts exactly itself.
    gsm = all(ord(c) < 128 for c in text)
    single, part = (160, 153) if gsm else (70, 67)
    return 1 if len(text) <= single else -(-len(text) // part)


class FakeGateway:
    """What the fake 'sent', its faults, and the delivery-report sender."""

    def __init__(self, callback_url=None, callback_token=None, faults=None):
        self.callback_url = (callback_url or "").rstrip("/") or None
        self.callback_token = callback_token
        self.lock = threading.Lock()
        self.faults = {**DEFAULT_FAULTS, **(faults or {})}
        self.texts = {}  # text -> index (a broadcast's text is stored once)
        self.text_list = []
        self.inbox = defaultdict(list)  # number -> [(message_id, text index, unix time, sender)]
        self.requests = 0
        self.accepted = 0
        self.statuses = Counter()
        self._ids = itertools.count(1)
        self._dlr_heap, self._dlr_cv, self._dlr_inflight = [], threading.Condition(), 0
        self._dlr_thread = None

    # --- faults -------------------------------------------------------------------------
    def set_faults(self, **changes):
        with self.lock:
            for key, value in changes.items():
                if key not in DEFAULT_FAULTS:
                    raise KeyError(key)
                if key == "number_status":
                    value = {str(k): int(v) for k, v in (value or {}).items()}
                self.faults[key] = value
            return dict(self.faults)

    def reset(self):
        with self.lock:
            self.faults = {**DEFAULT_FAULTS, "number_status": {}}
            self.texts.clear()
            self.text_list.clear()
            self.inbox.clear()
            self.requests = self.accepted = 0
            self.statuses.clear()
        with self._dlr_cv:
            self._dlr_heap.clear()

    def _take(self, name):
        """Consume one of a counted fault (http_500, timeouts)."""
        if self.faults[name] > 0:
            self.faults[name] -= 1
            return True
        return False

    # --- sending ------------------------------------------------------------------------
    def handle_send(self, form, api_key):
        """(HTTP status, body dict or text, delay seconds before answering)."""
        with self.lock:
            self.requests += 1
            latency = self.faults["latency_ms"] / 1000.0
            if not api_key:
                return 401, "The supplied authentication is invalid", latency
            if self._take("http_500"):
                return 500, "Internal Server Error", latency
            delay = latency + (self.faults["timeout_seconds"] if self._take("timeouts") else 0)
            username, to, text = form.get("username"), form.get("to"), form.get("message")
            if not username or not to or text is None:
                return 400, "Invalid request: username, to and message are required", delay
            sender = form.get("from") or "AFRICASTKNG"
            numbers = [n.strip() for n in to.split(",") if n.strip()]
            text_id = self.texts.get(text)
            if text_id is None:
                text_id = self.texts[text] = len(self.text_list)
                self.text_list.append(text)
            now = time.time()
            parts = _parts(text)
            recipients, total, sent = [], 0.0, 0
            for number in numbers:
                code = self.faults["number_status"].get(number, ACCEPTED_CODE)
                balance_after = self.faults["balance_after"]
                if code in (100, 101, 102) and balance_after is not None and self.accepted >= balance_after:
                    code = 405
                if not number.startswith("+") or not number[1:].isdigit():
                    code = 403
                self.statuses[code] += 1
                if code in (100, 101, 102):
                    message_id = f"ATXid_{next(self._ids):x}{uuid.uuid4().hex[:12]}"
                    cost = parts * COST_PER_PART
                    total += cost
                    self.faults["balance"] = round(float(self.faults["balance"]) - cost, 4)
                    sent += 1
                    self.accepted += 1
                    self.inbox[number].append((message_id, text_id, now, sender))
                    recipients.append({"statusCode": code, "number": number, "status": STATUS_NAMES[code],
                                       "cost": f"KES {cost:.4f}", "messageId": message_id})
                    if self.faults["dlr"] and self.callback_url:
                        self._schedule_dlr(now + float(self.faults["dlr_delay"]), message_id, number,
                                           self.faults["dlr_status"])
                else:
                    recipients.append({"statusCode": code, "number": number, "status": STATUS_NAMES.get(code, "Failed"),
                                       "cost": "0", "messageId": "None"})
            body = {"SMSMessageData": {
                "Message": f"Sent to {sent}/{len(numbers)} Total Cost: KES {total:.4f}",
                "Recipients": recipients}}
            return 201, body, delay

    def handle_user(self, username, api_key):
        """AT's application data (`GET /version1/user?username=`): the account balance."""
        with self.lock:
            if not api_key:
                return 401, "The supplied authentication is invalid"
            if not username:
                return 400, "Invalid request: username is required"
            return 200, {"UserData": {"balance": f"KES {float(self.faults['balance']):.4f}"}}

    # --- delivery reports ---------------------------------------------------------------
    def _schedule_dlr(self, due, message_id, number, status):
        with self._dlr_cv:
            heapq.heappush(self._dlr_heap, (due, message_id, number, status))
            self._dlr_cv.notify()
        if self._dlr_thread is None:
            self._dlr_thread = threading.Thread(target=self._dlr_loop, name="fakeat-dlr", daemon=True)
            self._dlr_thread.start()

    def _dlr_loop(self):
        while True:
            with self._dlr_cv:
                while not self._dlr_heap or self._dlr_heap[0][0] > time.time():
                    timeout = (self._dlr_heap[0][0] - time.time()) if self._dlr_heap else None
                    self._dlr_cv.wait(timeout)
                _, message_id, number, status = heapq.heappop(self._dlr_heap)
                self._dlr_inflight += 1
            try:
                self.post_delivery_report(message_id, number, status)
            finally:
                with self._dlr_cv:
                    self._dlr_inflight -= 1

    def pending_reports(self):
        """Delivery reports not posted yet (scheduled or being posted)."""
        with self._dlr_cv:
            return len(self._dlr_heap) + self._dlr_inflight

    def post_delivery_report(self, message_id, number, status="Success", failure_reason=None):
        fields = {"id": message_id, "status": status, "phoneNumber": number, "networkCode": "63902"}
        if failure_reason:
            fields["failureReason"] = failure_reason
        return self.post_callback("/sms/delivery", fields)

    def post_callback(self, path, fields, attempts=3):
        """POST a callback like AT does: form-encoded, retried when it does not get a 200."""
        if not self.callback_url:
            return None
        params = {"token": self.callback_token} if self.callback_token else None
        for attempt in range(attempts):
            try:
                # A new connection each time: a kept-alive one the server just closed would
                # lose the report.
                status = requests.post(self.callback_url + path, data=fields, params=params, timeout=10).status_code
                if status < 500:
                    return status
            except requests.RequestException as exc:
                status = None
                if attempt == attempts - 1:
                    log.warning("callback %s failed: %s", path, exc)
            time.sleep(0.05 * (attempt + 1))
        return status

    def send_inbound(self, number, text, to="22384"):
        """A phone texts the service: what AT posts to the inbound callback."""
        fields = {"from": number, "to": to, "text": text, "id": f"ATInbound_{uuid.uuid4().hex}",
                  "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S"), "networkCode": "63902",
                  "linkId": ""}
        return self.post_callback("/sms/inbound", fields), fields["id"]

    # --- reading ------------------------------------------------------------------------
    def messages(self, number):
        with self.lock:
            return [{"messageId": mid, "text": self.text_list[tid], "from": sender,
                     "at": datetime.fromtimestamp(ts, timezone.utc).isoformat()}
                    for mid, tid, ts, sender in self.inbox.get(number, [])]

    def stats(self):
        with self.lock:
            per_number = Counter({n: len(v) for n, v in self.inbox.items()})
            return {
                "requests": self.requests, "accepted": self.accepted, "numbers": len(per_number),
                "duplicates": sum(c - 1 for c in per_number.values() if c > 1),
            "pending_reports": len(self._dlr_heap),
                "status_codes": {str(k): v for k, v in self.statuses.items()},
            }


PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;max-width:36em;margin:2em auto}} .sms{{border:1px solid #ccc;
border-radius:.6em;padding:.5em .8em;margin:.6em 0;background:#f4f8f4}} small{{color:#666}}</style>
</head><body><h1>{title}</h1>{body}</body></html>"""


def create_app(gateway=None):
    gateway = gateway or FakeGateway()
    app = Flask("fakeat")
    app.extensions["fakeat"] = gateway

    @app.post("/version1/messaging")
    def messaging():
        status, body, delay = gateway.handle_send(request.form, request.headers.get("apiKey"))
        if delay:
            time.sleep(delay)
        if isinstance(body, dict):
            response = jsonify(body)
            response.status_code = status
        else:
            response = Response(body, status=status, content_type="text/plain")
        if status < 300:
            response.headers["Content-Type"] = "application/json"  # exactly, as AT does
        return response

    @app.get("/version1/user")
    def application_data():
        status, body = gateway.handle_user(request.args.get("username"), request.headers.get("apiKey"))
        if isinstance(body, dict):
            response = jsonify(body)
            response.status_code = status
            response.headers["Content-Type"] = "application/json"  # exactly, as AT does
            return response
        return Response(body, status=status, content_type="text/plain")

    @app.get("/admin/faults")
    def get_faults():
        return jsonify(gateway.faults)

    @app.post("/admin/faults")
    def set_faults():
        try:
            return jsonify(gateway.set_faults(**(request.get_json(force=True) or {})))
        except KeyError as exc:
            return jsonify({"error": f"unknown fault {exc}"}), 400

    @app.post("/admin/reset")
    def reset():
        gateway.reset()
        return jsonify({"ok": True})

    @app.get("/admin/stats")
    def stats():
        return jsonify(gateway.stats())

    def wants_json():
        return request.args.get("format") == "json" or request.accept_mimetypes.best == "application/json"

    @app.get("/")
    def index():
        with gateway.lock:
            rows = sorted(((n, len(v)) for n, v in gateway.inbox.items()))[:1000]
        if wants_json():
            return jsonify({"phones": [{"number": n, "messages": c} for n, c in rows], **gateway.stats()})
        items = "".join(f'<li><a href="/inbox/{html.escape(n)}">{html.escape(n)}</a> ({c})</li>' for n, c in rows)
        return PAGE.format(title="Fake Africa's Talking: phones", body=f"<ul>{items}</ul>" or "<p>No SMS yet.</p>")

    @app.get("/inbox/<number>")
    def inbox(number):
        messages = gateway.messages(number)
        if wants_json():
            return jsonify({"number": number, "messages": messages})
        cards = "".join(
            f'<div class="sms"><small>{html.escape(m["from"])} &middot; {m["at"][:19]}Z</small>'
            f'<div>{html.escape(m["text"])}</div></div>' for m in reversed(messages)) or "<p>No SMS yet.</p>"
        form = (f'<form method="post" action="/inbox/{html.escape(number)}/send"><input name="text" size="30" '
                f'placeholder="Text the service, e.g. HELP"> <button>Send</button></form>')
        return PAGE.format(title=f"Phone {html.escape(number)}", body=form + cards)

    @app.post("/inbox/<number>/send")
    def send_from_phone(number):
        status, at_id = gateway.send_inbound(number, request.form.get("text", ""))
        if wants_json():
            return jsonify({"callback_status": status, "id": at_id})
        return redirect(f"/inbox/{number}")

    return app
