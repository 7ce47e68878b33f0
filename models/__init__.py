"""The relational store: everything that must not be lost (miners, officers, outcomes...).

One module per aggregate; `db` is the Flask-SQLAlchemy handle. Redis holds only sessions,
queues, rate limits and locks.
"""
from models.audit import AuditEntry
from models.buyer import Buyer
from models.base import db, utcnow
from models.health import Heartbeat
from models.message import Broadcast, InboundMessage, Message
from models.incident import Incident, IncidentFollowUp, IncidentStatusChange, ReporterReveal
from models.lead import Lead
from models.miner import LanguagePreference, Miner
from models.officer import ApiToken, Officer
from models.permit import CallbackRequest, CountyContact
from models.price import Market, Price, PriceAlert, PriceSubscription
from models.tip import Tip, TipDelivery, TipTopic
from models.training import TrainingBooking, TrainingSession
from models.ussd_session import UssdSessionOutcome

__all__ = ["db", "utcnow", "Miner", "LanguagePreference", "Officer", "ApiToken", "UssdSessionOutcome",
           "Broadcast", "Message", "InboundMessage",
           "Incident", "IncidentFollowUp", "IncidentStatusChange", "ReporterReveal",
           "Tip", "TipTopic", "TipDelivery", "Market", "Price", "PriceSubscription", "PriceAlert",
           "AuditEntry", "Heartbeat", "TrainingSession", "TrainingBooking", "Buyer", "CallbackRequest",
           "CountyContact", "Lead"]
