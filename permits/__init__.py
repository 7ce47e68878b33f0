"""Permits and groups (issue 16 item 3): USSD More services 6 -> 3, SMS PERMIT / LESENI,
and miners' call-back requests that the county's officers follow up.

- Content: the steps to an artisanal mining permit and to registering a group or
  cooperative, in content/permits.yaml (versioned with the code, each step with its
  sources; what the sources do not settle sends the miner to the county office), read once
  at start (`content.py`). The journey (`journey.py`) pages through them, one step a screen.
- County office contact (`contacts.py`): the officer an admin flagged as the county's
  contact (CLI `permits contact set`, or the dashboard's call-backs page); miners get that
  officer's phone and the office named with the flag. It reaches the journey as the
  `permit_contacts` snapshot.
- Call-backs (`callbacks.py`): "ask an officer to call me" (USSD, or SMS PERMIT CALL /
  LESENI PIGA) makes one request for the officers of the miner's county; a phone has at
  most one unfinished request (open or called). The county's officers are told by SMS
  (`notify.py`, a job; a cron sweep catches a lost one). Officers follow up open -> called
  -> done (with a note) in the dashboard (`dashboard.py`), the API (`api.py`,
  /api/v1/callbacks) or the CLI (`cli.py`): county rule, role and audit in callbacks.py.
- Erasure: a miner who asks to be forgotten loses their call-back requests, and the
  officers' SMS that carried their number forget it.

docs/permits.md says more.
"""
from flask_babel import lazy_gettext as _l

from core.capability import Capability, CronEntry, Keyword, NavEntry, Panel
from core.jobs import DEFAULT
from permits import journey
from permits.api import bp as api_bp
from permits.callbacks import forget_phone, ussd_effect
from permits.cli import permits_cli
from permits import content
from permits.contacts import CONTACTS, refresh
from permits.dashboard import bp as dashboard_bp
from permits.dashboard import overview_panel
from permits.keywords import permit_keyword
from permits.notify import sweep_untold

content.content()  # the steps are read and checked at boot: a bad content file stops the app, not a caller

CAPABILITY = Capability(
    name="permits",
    journey=journey,
    effects={"permit_callback": ussd_effect},
    keywords=(Keyword("PERMIT", "LESENI", permit_keyword),),
    erasure=(forget_phone,),
    snapshots=(CONTACTS,),
    commands=(permits_cli,),
    api=api_bp,
    dashboard=dashboard_bp,
    nav=(NavEntry("permits_dashboard.callbacks_page", _l("Call-backs"), action="read", order=35),),
    # Open call-backs are people waiting for a call: before the miners' numbers (LATE = 50).
    panels=(Panel(overview_panel, order=20),),
    cron=(CronEntry(sweep_untold, cron="*/5 * * * *", name="permits-callback-sweep", queue=DEFAULT, timeout=300),
          CronEntry(refresh, cron="*/10 * * * *", name="permits-contacts-refresh", queue=DEFAULT, timeout=120)),
)
