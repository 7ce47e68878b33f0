"""Miners: what a miner may do (register, change language, SMS on/off, their account, be
forgotten) by USSD and SMS. `models/` keeps the storage; this capability the actions.

- `journey`: registration and My account (menu 4), language (menu 5); `effects` stores them.
- `registration`: registering a miner; `erasure`: forgetting one (the capabilities' hooks).
- `keywords`: STOP, START, HELP, LANG, REG by SMS.
- `search`: officers' search of miners (dashboard and API), county-scoped; `api`: GET /api/v1/miners.

The capability declares itself here; app.py lists it by name (core/capability.py).
"""
from core.capability import Capability, Keyword
from miners import journey
from miners.api import bp as api_bp
from miners import keywords as commands
from miners.effects import EFFECTS

CAPABILITY = Capability(
    name="miners",
    journey=journey,
    effects=EFFECTS,
    forget_keys=(commands.STOP_CONFIRMED_KEY,),
    api=api_bp,  # /api/v1/miners
    keywords=(
        Keyword("STOP", "ACHA", commands.stop, aliases={"SIMAMISHA": "sw", "UNSUBSCRIBE": "en"}, whole_only=True),
        Keyword("START", "ANZA", commands.start, whole_only=True),
        Keyword("HELP", "MSAADA", commands.help_, aliases={"DHARURA": "sw", "TUSAIDIENI": "sw", "SAIDIA": "sw",
                                                           "SOS": "en", "EMERGENCY": "en"}, distress=True),
        Keyword("LANG", "LUGHA", commands.language),
        Keyword("REG", "SAJILI", commands.register),
    ),
)
