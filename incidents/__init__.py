"""Incident reporting (issue 5): filing reports that are never lost, the SMS keywords,
alerts to county officers, status updates back to the reporter.

- `categories`, `reference`: pure rules and data (the USSD flow uses them).
- `service`: files a report (the `file_incident` effect), idempotent by reference, with a
  durable spool when the database is down; status changes; the erasure hook.
- `spool`: the fallback store and the job that drains it into the database.
- `notify`: alerts, receipts and status SMS, all through `sms.outbound.queue_sms`.
- `sms`: `REPORT`/`RIPOTI` and follow-up threading.
- `cli`: `flask --app app incidents ...`.

`app.create_app` imports `incidents.service` and `incidents.sms`, which registers the
effect handler, the keywords and the erasure hook.
"""
