"""Content shipped with the code, loaded with the schema.

`flask --app app db upgrade` and `flask --app app release` end by loading what is missing:
only items the database does not have yet are added, so an officer's edit or retirement of
a shipped item is never undone. `missing()` is what `flask doctor` reports. The content is
the capabilities': each declares its own (`Capability.shipped`, core.capability.Shipped;
today the tips' content/tips.yaml), and this module asks the app's registry; it knows no
capability by name.
"""
from flask import current_app


def _shipped():
    registry = current_app.extensions.get("capabilities")
    return registry.shipped if registry is not None else ()


def load_missing():
    """{name: items added} for every kind of shipped content (idempotent)."""
    return {item.name: item.load_missing() for item in _shipped()}


def missing():
    """{name: items missing} for the kinds that lack something."""
    counts = {item.name: item.count_missing() for item in _shipped()}
    return {name: n for name, n in counts.items() if n}
