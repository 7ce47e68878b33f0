"""Miners: what a miner may do (register, change language, SMS on/off, their account, be
forgotten) by USSD and SMS. `models/` keeps the storage; this capability the actions.

The capability declares itself here; app.py lists it by name (core/capability.py).
"""
from core.capability import Capability, Keyword
from miners import journey
from miners.effects import EFFECTS
from sms import commands

CAPABILITY = Capability(
    name="miners",
    journey=journey,
    effects=EFFECTS,
    keywords=(
        Keyword("STOP", "ACHA", commands.stop, aliases={"SIMAMISHA": "sw", "UNSUBSCRIBE": "en"}, whole_only=True),
        Keyword("START", "ANZA", commands.start, whole_only=True),
        Keyword("HELP", "MSAADA", commands.help_, aliases={"DHARURA": "sw", "TUSAIDIENI": "sw", "SAIDIA": "sw",
                                                           "SOS": "en", "EMERGENCY": "en"}, distress=True),
        Keyword("LANG", "LUGHA", commands.language),
        Keyword("REG", "SAJILI", commands.register),
    ),
)
