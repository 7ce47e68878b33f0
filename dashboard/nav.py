"""The navigation bar, by role: each page says which action it needs (see Officer.may).

The dashboard's own entries are listed below (CORE); a capability declares its entries
(`Capability.nav`, core.capability.NavEntry) and the registry hands them over. Nothing is
added by importing a module. Entries whose endpoint is not registered are left out (the
simulator outside development).
"""
from flask import current_app
from flask_babel import lazy_gettext as _l

from core.capability import NavEntry
from dashboard.simulator import allowed as may_simulate

CORE = (
    NavEntry("dashboard.overview", _l("Overview"), action="read", order=10),
    NavEntry("dashboard.miners", _l("Miners"), action="read", order=40),
    NavEntry("dashboard.officers", _l("Officers"), action="officers", order=80),
    NavEntry("dashboard.audit_log", _l("Audit log"), action="audit", order=85),
    NavEntry("dashboard.queues", _l("Queues"), action="queues", order=90),
    NavEntry("simulator.page", _l("Phone simulator"), action=may_simulate, order=95),
)


def for_officer(officer):
    """The entries this officer may open, in order."""
    if officer is None or not getattr(officer, "is_authenticated", False):
        return []
    registered = current_app.view_functions
    registry = current_app.extensions.get("capabilities")
    entries = {entry.endpoint: entry for entry in CORE + tuple(registry.nav if registry is not None else ())}
    return [entry for entry in sorted(entries.values(), key=lambda e: (e.order, e.endpoint))
            if entry.endpoint in registered and _allowed(entry, officer)]


def _allowed(entry, officer):
    return entry.action(officer) if callable(entry.action) else officer.may(entry.action)
