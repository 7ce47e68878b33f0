"""The done-when scenario end to end: a miner reports by USSD, a worker runs the queued
jobs, and a fake Africa's Talking gateway (a local HTTP server on a free port) receives the
Migori officer's alert and, after an officer's PATCH, the status SMS to the miner."""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from rq import SimpleWorker

from core import jobs
from tests.conftest import Phone
from tests.incident_helpers import add_miner, add_officer, reference_in


class FakeGateway:
    """Answers POST /version1/messaging like AT and keeps every message in an inbox."""

    def __init__(self):
        self.inbox = []
        inbox = self.inbox

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
                for number in form["to"][0].split(","):
                    inbox.append({"to": number, "message": form["message"][0], "at": time.monotonic()})
                body = json.dumps({"SMSMessageData": {"Message": "Sent to 1/1 Total Cost: KES 0.8000",
                                                      "Recipients": [{"number": form["to"][0], "status": "Success",
                                                                      "statusCode": 101, "cost": "KES 0.8000",
                                                                      "messageId": "ATXid_fake"}]}}).encode()
                self.send_response(201)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}/version1"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway(app):
    with FakeGateway() as fake:
        previous = app.config["AT_API_URL"]
        app.config["AT_API_URL"] = fake.url
        yield fake
        app.config["AT_API_URL"] = previous


def run_replies(redis):
    SimpleWorker([jobs.queue(name) for name in (jobs.ALERTS, jobs.REPLIES)], connection=redis).work(
        burst=True, max_jobs=20)


def test_report_alert_and_status_sms_reach_the_phones(client, redis, gateway):
    add_miner("+254712345678", county="Migori", site="Osiri", locale="sw")
    add_officer("migori1", county="Migori", phone="+254722000001")
    add_officer("kakamega1", county="Kakamega", phone="+254722000002")
    _, token = add_officer("migori2", county="Migori")

    phone = Phone(client, "+254712345678")
    phone.dial()
    started = time.monotonic()
    for answer in ["1", "1", "2", "1", "1", "1", "1"]:  # collapse, one trapped, at my site now, send
        end = phone.send(answer)
    ref = reference_in(end)
    run_replies(redis)
    alerts = [m for m in gateway.inbox if m["to"] == "+254722000001"]
    assert len(alerts) == 1 and alerts[0]["message"].startswith(f"Madini Salama: DHARURA {ref}: Shimo limeporomoka.")
    assert alerts[0]["at"] - started < 5
    assert not [m for m in gateway.inbox if m["to"] == "+254722000002"]
    assert [m["message"] for m in gateway.inbox if m["to"] == "+254712345678"][0].startswith(
        f"Madini Salama: ripoti {ref} imepokelewa")

    response = client.patch(f"/api/v1/incidents/{ref}", headers=token, json={"status": "acknowledged"})
    assert response.status_code == 200
    run_replies(redis)
    assert gateway.inbox[-1] == {**gateway.inbox[-1], "to": "+254712345678",
                                 "message": f"Madini Salama: afisa ameona ripoti yako {ref} na ataifuatilia."}
