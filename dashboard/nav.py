"""The navigation bar, by role: each page says which action it needs (see Officer.may).

The dashboard's own pages add theirs with `nav.add(...)`; a capability declares its entries
(`Capability.nav`, core.capability.NavEntry) and the registry hands them over. Entries whose
endpoint is not registered are left out.
"""
from dataclasses import dataclass

from flask import current_app


@dataclass(frozen=True)
class Entry:
    endpoint: str
    label: object  # a lazy_gettext string: translated when the page is drawn
    action: object  # an Officer.may action, or a callable(officer) -> bool
    order: int


_entries: dict[str, Entry] = {}


def add(endpoint, label, *, action="read", order=50):
    _entries[endpoint] = Entry(endpoint, label, action, order)


def for_officer(officer):
    """The entries this officer may open, in order."""
    if officer is None or not getattr(officer, "is_authenticated", False):
        return []
    registered = current_app.view_functions
    registry = current_app.extensions.get("capabilities")
    entries = dict(_entries)
    for entry in (registry.nav if registry is not None else ()):
        entries[entry.endpoint] = Entry(entry.endpoint, entry.label, entry.action, entry.order)
    return [entry for entry in sorted(entries.values(), key=lambda e: (e.order, e.endpoint))
            if entry.endpoint in registered and _allowed(entry, officer)]


def _allowed(entry, officer):
    return entry.action(officer) if callable(entry.action) else officer.may(entry.action)
