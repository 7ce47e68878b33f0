"""Finance and equipment (issue 16 item 4, and the impact summary of item 5).

A registered miner registers interest in a savings group, an equipment loan (a retort, a
shaking table or a crusher) or mercury-free processing equipment, with explicit consent to
be contacted: USSD 6 -> 4 (finance/journey.py), stored as one lead per phone and kind
(models/lead.py; asking again updates it). Officers see the leads per county and kind
(dashboard /dashboard/finance/leads, GET /api/v1/leads, `flask finance leads`), export them
as CSV (audited: phones are personal data) and send an SMS to exactly those miners through
the broadcasts (the audience filter `lead_kind`, declared in `Capability.audiences`).
The overview gets a leads panel; /dashboard/finance/impact is the printable impact summary
(finance/impact.py). A miner's leads are erased with the miner (the erasure hook
`service.forget`). See docs/finance.md.

The capability declares itself here; app.py lists it by name (core/capability.py).
"""
from flask_babel import lazy_gettext as _l

from core.capability import Capability, NavEntry, Panel
from finance import api, dashboard, journey, service
from finance.cli import finance_cli

CAPABILITY = Capability(
    name="finance",
    journey=journey,
    effects={journey.EFFECT: service.handle_effect},
    erasure=(service.forget,),
    commands=(finance_cli,),
    api=api.bp,
    dashboard=dashboard.bp,
    nav=(NavEntry("finance.leads", _l("Finance leads"), action="read", order=60),
         NavEntry("finance.impact_page", _l("Impact summary"), action="read", order=65)),
    panels=(Panel(dashboard.leads_panel, order=70),),
    audiences=(service.LEADS_AUDIENCE,),
)

