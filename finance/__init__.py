"""Finance and equipment (issue 16 item 4, and the impact summary of item 5).

A registered miner registers interest in a savings group, an equipment loan (a retort, a
shaking table or a crusher) or mercury-free processing equipment, with explicit consent to
be contacted: USSD 6 -> 4 (finance/journey.py), stored as one lead per phone and kind
(models/lead.py; asking again updates it). Officers see the leads per county and kind
(dashboard /dashboard/finance/leads, GET /api/v1/leads, `flask finance leads`), export them
as CSV (audited: phones are personal data) and send an SMS to exactly those miners through
the broadcasts (the audience filter `lead_kind`, added through sms.broadcasts.add_audience).
The overview gets a leads panel; /dashboard/finance/impact is the printable impact summary
(finance/impact.py). A miner's leads are erased with the miner. See docs/finance.md.
"""


def wire_without_registry(app):
    """Wiring in the way the code did before the capability registry (kept until it lands)."""
    from dashboard import nav
    from dashboard.views import overview_panel
    from finance import dashboard, service
    from finance.cli import finance_cli
    from flask_babel import lazy_gettext as _l
    from models import erasure
    from ussd import effects

    if hasattr(erasure, "_hooks") and service.forget not in erasure._hooks:  # before the registry only
        erasure.on_erase(service.forget)
    if hasattr(effects, "HANDLERS"):
        effects.HANDLERS.setdefault("finance_lead", service.handle_effect)
    app.register_blueprint(dashboard.bp)
    nav.add("finance.leads", _l("Finance leads"), action="read", order=60)
    nav.add("finance.impact_page", _l("Impact summary"), action="read", order=65)
    overview_panel(order=70)(dashboard.leads_panel)
    app.cli.add_command(finance_cli)
