"""Claiming a unique row: the way two workers agree that only one of them does a thing.

`claim(Model, **values)` inserts a row and says whether THIS call inserted it; a unique
constraint on the model decides the race (INSERT ... ON CONFLICT DO NOTHING on PostgreSQL
and SQLite), so the loser learns it lost without an exception or a rolled-back session.
"""
from models.base import db, upsert_insert


def claim(model, **values):
    """Insert one row of `model`; True if inserted, False if a unique row already exists.

    The caller commits (so the claim and what it records land together)."""
    # RETURNING tells whether a row went in (rowcount is not reliable for this on every driver).
    primary_key = list(model.__table__.primary_key.columns)
    result = db.session.execute(upsert_insert(model).values(**values).on_conflict_do_nothing().returning(*primary_key))
    return result.first() is not None
