"""Safety tips: the content catalogue, sending a tip (SMS, USSD), the weekly drip.

The capability declares itself here; app.py lists it by name (core/capability.py).
"""
from flask_babel import lazy_gettext as _l

from core.capability import Capability, CronEntry, Keyword, NavEntry
from core.jobs import DEFAULT
from tips import journey
from tips.api import bp as api_bp
from tips.catalogue import CATALOGUE, SHIPPED
from tips.cli import tips_cli
from tips.dashboard import bp as dashboard_bp
from tips.delivery import forget_deliveries
from tips.drip import weekly_drip_job
from tips.effects import EFFECTS
from tips.keywords import tip_keyword

CAPABILITY = Capability(
    name="tips",
    journey=journey,
    effects=EFFECTS,
    keywords=(Keyword("TIP", "USHAURI", tip_keyword),),
    erasure=(forget_deliveries,),
    snapshots=(CATALOGUE,),
    shipped=(SHIPPED,),  # content/tips.yaml, loaded at db upgrade and release
    commands=(tips_cli,),
    api=api_bp,  # /api/v1/tips...
    dashboard=dashboard_bp,  # /dashboard/tips...
    nav=(NavEntry("tips.tips", _l("Tips"), action="read", order=60),),
    cron=(CronEntry(weekly_drip_job, cron="*/10 * * * *", name="tips-weekly-drip", queue=DEFAULT, timeout=3600),),
)
