import sqlite3
from datetime import datetime, timezone

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.types import TypeDecorator

# Errors that mean "the database is not there right now", as opposed to bad data: callers
# keep what they were given elsewhere (the incident spool, the inbound SMS file spool).
DATABASE_DOWN = (OperationalError, InterfaceError, DisconnectionError, PoolTimeout)

# Named constraints so that Alembic migrations are the same on SQLite and PostgreSQL.
metadata = MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})

db = SQLAlchemy(metadata=metadata)


def utcnow():
    return datetime.now(timezone.utc)


def upsert_insert(model):
    """`INSERT` for `model` with ON CONFLICT clauses (`on_conflict_do_nothing`/`_do_update`):
    one statement where an ORM would SELECT first. PostgreSQL and SQLite, the two databases
    the service runs on, spell it the same; SQLAlchemy keeps the construct per dialect."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = db.session.get_bind().dialect.name
    constructs = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
    if dialect not in constructs:
        raise NotImplementedError(f"upserts need PostgreSQL or SQLite, not {dialect}")
    return constructs[dialect](model)


def cached_statement(build):
    """Decorator: build a statement once per database dialect and reuse it. For hot paths, run
    it with a dict of parameters on `db.session.connection()` (Core: the session's transaction
    without the ORM's bulk-insert machinery): building an upsert, its `excluded` columns above
    all, costs far more CPU than running it."""
    statements = {}

    def statement(*args):
        key = (db.session.get_bind().dialect.name, *args)
        if key not in statements:
            statements[key] = build(*args)
        return statements[key]

    return statement


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite drops the zone otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


@event.listens_for(Engine, "connect")
def _sqlite_settings(dbapi_connection, connection_record):
    """SQLite (the default database) in WAL mode: readers (a USSD first hop looking up its
    caller) no longer wait behind a writer (another process committing a registration), and
    a commit is one fsync of the log instead of several. Durability is unchanged
    (synchronous stays FULL). PostgreSQL is untouched."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # Erased data (miners/erasure.py) is overwritten with zeros, not left in free pages.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()
        connection_record.info["busy_timeout_ms"] = int(dbapi_connection.execute("PRAGMA busy_timeout").fetchone()[0])


@event.listens_for(Engine, "checkin")
def _sqlite_usual_lock_wait(dbapi_connection, connection_record):
    """A connection goes back to the pool with its usual lock wait (the USSD hop that files a
    report shortens it for its insert: incidents.filing.store_report)."""
    usual = connection_record.info.get("busy_timeout_ms") if connection_record is not None else None
    if usual is not None and connection_record.info.pop("lock_wait_changed", False):
        dbapi_connection.execute(f"PRAGMA busy_timeout = {usual}")
