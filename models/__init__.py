"""The relational store: everything that must not be lost (miners, officers, outcomes...).

One module per aggregate; `db` is the Flask-SQLAlchemy handle. Redis holds only sessions,
queues, rate limits and locks.
"""
from models.audit import AuditEntry
from models.base import db, utcnow
from models.miner import LanguagePreference, Miner
from models.officer import ApiToken, Officer
from models.ussd_session import UssdSessionOutcome

__all__ = ["db", "utcnow", "Miner", "LanguagePreference", "Officer", "ApiToken", "UssdSessionOutcome", "AuditEntry"]
