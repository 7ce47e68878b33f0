"""Officers' broadcasts: an SMS to every consenting miner of an audience (county, site, role,
gender...), previewed with its cost, sent within Nairobi hours unless urgent, cancelled or
resumed by an officer.

- `audience`: who gets it and what they get (filters, texts per language, the preview);
  other capabilities add audience filters by declaring `Capability.audiences`.
- `hours`: sending hours (Nairobi time); urgent alerts go at any hour.
- `lifecycle`: create, start, plan, send in batches, pause, cancel, progress (RQ jobs).
- `reconcile`: exactly once after crashes; watch; resume.
- `actions`: the officer actions (role, county rule, audit entry) every door goes through;
  `api`, `dashboard` and `cli` are those doors.

The capability declares itself here; app.py lists it by name (core/capability.py).
"""
from flask_babel import lazy_gettext as _l

from broadcasts.api import bp as api_bp
from broadcasts.cli import broadcast_cli
from broadcasts.dashboard import bp as dashboard_bp
from core.capability import Capability, NavEntry

CAPABILITY = Capability(
    name="broadcasts",
    commands=(broadcast_cli,),
    api=api_bp,  # /api/v1/broadcasts...
    dashboard=dashboard_bp,  # /dashboard/broadcasts...
    nav=(NavEntry("broadcasts.broadcasts_list", _l("Broadcasts"), action="read", order=30),),
)
