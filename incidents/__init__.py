"""Incident reporting (issue 5): filing reports that are never lost, the SMS keywords,
alerts to county officers, status updates back to the reporter.

- `categories`, `reference`: pure rules and data (the USSD flow uses them).
- `filing`: files a report (the `file_incident` effect), idempotent by reference, with a
  durable spool when the database is down, and drains that spool; the erasure hook.
- `spool`: the fallback store (Redis list, else local files).
- `notify`: alerts, receipts and status SMS, all through `sms.outbound.queue_sms`.
- `keywords`: `REPORT`/`RIPOTI` by SMS and follow-up threading.
- `actions`: officers' status changes and reporter look-ups (county rule, audit entry).
- `dashboard`: the officers' pages and the overview panels; `cli`: `flask --app app incidents ...`.

The capability declares itself below (effect, keyword, intake detector, erasure hook, cron
jobs, commands); app.py lists it by name (core/capability.py).
"""
from flask_babel import lazy_gettext as _l

from core.capability import Capability, CronEntry, Inbound, Keyword, NavEntry, Panel
from core.jobs import ALERTS, DEFAULT
from incidents import journey, lexicon
from incidents.api import bp as api_bp
from incidents.cli import incidents_cli
from incidents.dashboard import bp as dashboard_bp
from incidents.dashboard import charts_panel, urgent_panel
from incidents.limits import REPORT_RATE_KEY
from incidents.notify import sweep_unalerted
from incidents.filing import LAST_INCIDENT_KEY, drain_spool, file_incident, forget_reporter
from incidents.keywords import follow_up, report

CAPABILITY = Capability(
    name="incidents",
    journey=journey,
    effects={"file_incident": file_incident},
    keywords=(Keyword("REPORT", "RIPOTI", report),),
    # The words are data (incidents/lexicon/*.yaml): sms.intake asks `lexicon.detect` whether a
    # message is an incident; messages with no keyword may be follow-ups of a report.
    inbound=Inbound(detect=lexicon.detect, language=lexicon.language_of, fallback=follow_up),
    erasure=(forget_reporter,),
    forget_keys=(LAST_INCIDENT_KEY, REPORT_RATE_KEY),
    commands=(incidents_cli,),
    api=api_bp,  # /api/v1/incidents...
    dashboard=dashboard_bp,  # /dashboard/incidents...
    nav=(NavEntry("incidents.incidents", _l("Incidents"), action="read", order=20),),
    # First on the overview ("urgent first"), before the miners' numbers (dashboard.views.LATE).
    panels=(Panel(urgent_panel, order=10), Panel(charts_panel, order=11)),
    cron=(
        # Incident reports spooled to local files while the database and Redis were both down.
        CronEntry(drain_spool, cron="* * * * *", name="incidents-spool-drain", queue=DEFAULT, timeout=300),
        # Urgent incidents whose officers' alerts were never queued (alerted_at still empty).
        CronEntry(sweep_unalerted, cron="* * * * *", name="incidents-alert-sweep", queue=ALERTS, timeout=120),
    ),
)
