"""A local fake of Africa's Talking's SMS API, for development, tests, demos and benchmarks.

    python -m fakeat --port 8999 --callback-url http://127.0.0.1:5000

- `POST /version1/messaging` answers exactly like AT: HTTP 201, `Content-Type:
  application/json` (exactly: the official SDK returns a string otherwise), one Recipient
  per number with statusCode, number, status, cost and messageId.
- It keeps what it "sent"; `GET /inbox/<number>` shows a phone's inbox (HTML, or JSON with
  `Accept: application/json` / `?format=json`), `GET /` lists the phones. From an inbox page a
  reply can be texted back to the service (posted to `<callback-url>/sms/inbound`).
- `GET /version1/user?username=...` answers AT's application data, `{"UserData": {"balance":
  "KES 99999.2000"}}`: the `balance` fault (KES, 100000 to start), less 0.80 per accepted part.
- Delivery reports go to `<callback-url>/sms/delivery` after `dlr_delay` seconds.
- Faults, set with CLI flags or `POST /admin/faults` (JSON), `GET /admin/faults` to read:
  `http_500` (the next N requests fail with HTTP 500), `timeouts` (the next N requests answer
  only after `timeout_seconds`), `number_status` ({"+2547...": 403}), `balance_after` (405
  for every recipient once N messages were accepted), `latency_ms`, `dlr`, `dlr_delay`,
  `dlr_status`, `balance`. `POST /admin/reset` forgets messages and faults; `GET /admin/stats`.
"""
from fakeat.server import FakeGateway, create_app

__all__ = ["FakeGateway", "create_app"]
