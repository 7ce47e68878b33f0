"""Officers' broadcasts: an SMS to every consenting miner of an audience (county, site, role,
gender...), previewed with its cost, sent within Nairobi hours unless urgent, cancelled or
resumed by an officer.

The capability declares itself here; app.py lists it by name (core/capability.py).
"""
from flask_babel import lazy_gettext as _l

from core.capability import Capability, NavEntry
from sms.cli import broadcast_cli

CAPABILITY = Capability(
    name="broadcasts",
    commands=(broadcast_cli,),
    nav=(NavEntry("dashboard.broadcasts_list", _l("Broadcasts"), action="read", order=30),),
)
