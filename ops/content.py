"""Content shipped with the code (the safety tips; capabilities add theirs with `register`).

`flask --app app db upgrade` and `flask --app app release` end by loading what is missing:
only items the database does not have yet are added, so an officer's edit or retirement of
a shipped item is never undone. `missing()` is what `flask doctor` reports.
"""
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable


@dataclass(frozen=True)
class Shipped:
    name: str
    load_missing: Callable[[], int]  # adds what the database lacks; returns how many were added
    count_missing: Callable[[], int]  # how many shipped items the database lacks


SHIPPED: dict[str, Shipped] = {}


def register(name, *, load_missing, count_missing):
    SHIPPED[name] = Shipped(name, load_missing, count_missing)


def load_missing():
    """{name: items added} for every kind of shipped content (idempotent)."""
    return {item.name: item.load_missing() for item in SHIPPED.values()}


def missing():
    """{name: items missing} for the kinds that lack something."""
    counts = {item.name: item.count_missing() for item in SHIPPED.values()}
    return {name: n for name, n in counts.items() if n}


def _tips_load_missing():
    from tips import catalogue

    return catalogue.load_file(missing_only=True)["added"]


@lru_cache(maxsize=4)
def _shipped_tip_ids(path, mtime):
    from tips import catalogue

    _topics, tips = catalogue.read_file(path)
    return frozenset(tip["id"] for tip in tips)


def _tips_count_missing():
    from models import Tip, db
    from tips.catalogue import CONTENT_FILE

    shipped = _shipped_tip_ids(str(CONTENT_FILE), CONTENT_FILE.stat().st_mtime)
    have = set(db.session.execute(db.select(Tip.id)).scalars())
    return len(shipped - have)


register("tips", load_missing=_tips_load_missing, count_missing=_tips_count_missing)
