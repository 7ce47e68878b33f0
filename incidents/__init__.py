"""Incident reporting (issue 5): filing reports that are never lost, the SMS keywords,
alerts to county officers, status updates back to the reporter.

- `categories`, `reference`: pure rules and data (the USSD flow uses them).
- `service`: files a report (the `file_incident` effect), idempotent by reference, with a
  durable spool when the database is down; status changes; the erasure hook.
- `spool`: the fallback store and the job that drains it into the database.
- `notify`: alerts, receipts and status SMS, all through `sms.outbound.queue_sms`.
- `sms`: `REPORT`/`RIPOTI` and follow-up threading.
- `actions`: officers' status changes and reporter look-ups (county rule, audit entry).
- `dashboard`: the officers' pages and the overview panels; `cli`: `flask --app app incidents ...`.

The capability declares itself below (effect, keyword, intake detector, erasure hook, cron
jobs, commands); app.py lists it by name (core/capability.py).
"""
from flask_babel import lazy_gettext as _l

from core.capability import Capability, CronEntry, Inbound, Keyword, NavEntry, Panel
from core.jobs import ALERTS, DEFAULT
from incidents import journey, lexicon, spool
from incidents.cli import incidents_cli
from incidents.dashboard import bp as dashboard_bp
from incidents.dashboard import charts_panel, urgent_panel
from incidents.limits import REPORT_RATE_KEY
from incidents.notify import sweep_unalerted
from incidents.service import LAST_INCIDENT_KEY, file_incident, forget_reporter
from incidents.sms import follow_up, report

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
    dashboard=dashboard_bp,  # /dashboard/incidents...
    nav=(NavEntry("incidents.incidents", _l("Incidents"), action="read", order=20),),
    # First on the overview ("urgent first"), before the miners' numbers (dashboard.views.LATE).
    panels=(Panel(urgent_panel, order=10), Panel(charts_panel, order=11)),
    cron=(
        # Incident reports spooled to local files while the database and Redis were both down.
        CronEntry(spool.drain, cron="* * * * *", name="incidents-spool-drain", queue=DEFAULT, timeout=300),
        # Urgent incidents whose officers' alerts were never queued (alerted_at still empty).
        CronEntry(sweep_unalerted, cron="* * * * *", name="incidents-alert-sweep", queue=ALERTS, timeout=120),
    ),
)
