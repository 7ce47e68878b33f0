"""Miners (registered callers) and the language of callers who are not registered yet."""
import logging

import orjson
from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import object_session
from sqlalchemy import Boolean, Integer, String, bindparam, literal, null, union_all
from sqlalchemy.orm import Mapped, mapped_column

from models.base import UTCDateTime, cached_statement, db, upsert_insert, utcnow

log = logging.getLogger(__name__)


class Miner(db.Model):
    __tablename__ = "miners"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), unique=True, nullable=False)  # E.164
    name: Mapped[str] = mapped_column(String(80), nullable=False)
    county: Mapped[str] = mapped_column(String(60), nullable=False, index=True)
    site: Mapped[str] = mapped_column(String(80), nullable=False, index=True)
    role: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    gender: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    locale: Mapped[str] = mapped_column(String(5), nullable=False, index=True)
    consent_at = mapped_column(UTCDateTime, nullable=False)  # data use
    sms_consent_at = mapped_column(UTCDateTime, nullable=True)  # SMS alerts (None: declined)
    sms_opt_out_at = mapped_column(UTCDateTime, nullable=True)  # STOP / opt-out callback
    tips_opt_out_at = mapped_column(UTCDateTime, nullable=True)  # USHAURI ACHA / TIP STOP: no weekly tip
    unreachable_at = mapped_column(UTCDateTime, nullable=True)  # AT said the number is invalid
    registered_via: Mapped[str] = mapped_column(String(10), nullable=False, default="ussd")
    is_test: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    @property
    def receives_sms(self):
        """Bulk SMS goes only to miners who agreed, did not opt out, and can be reached."""
        return self.sms_consent_at is not None and self.sms_opt_out_at is None and self.unreachable_at is None


class LanguagePreference(db.Model):
    """The language a phone chose before (or without) registering."""

    __tablename__ = "language_preferences"

    phone: Mapped[str] = mapped_column(String(20), primary_key=True)
    locale: Mapped[str] = mapped_column(String(5), nullable=False)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)


# --- what callers can do to their own record ---------------------------------------

@cached_statement
def _language_upsert():
    statement = upsert_insert(LanguagePreference)
    return statement.on_conflict_do_update(
        index_elements=[LanguagePreference.phone],
        set_={"locale": statement.excluded.locale, "updated_at": statement.excluded.updated_at})


def _remember_language(phone, locale):
    """Insert or update the phone's language in one statement (this runs on the USSD hop that
    registers or changes language: no SELECT first, as session.merge would do)."""
    db.session.connection().execute(_language_upsert(), {"phone": phone, "locale": locale, "updated_at": utcnow()})
    caller_changed(phone)


# The caller as a USSD session keeps it, in one statement: the miner's row if the phone is
# registered, else the language the phone chose. Core columns, not ORM objects: this runs on
# the first hop of every session.
_CALLER_COLUMNS = ("registered", "miner_id", "name", "county", "site", "role", "gender", "locale", "sms")


@cached_statement
def _caller_query():
    phone = bindparam("phone")
    registered = db.select(
        literal(1).label("registered"), Miner.id, Miner.name, Miner.county, Miner.site, Miner.role, Miner.gender,
        Miner.locale, (Miner.sms_consent_at.is_not(None) & Miner.sms_opt_out_at.is_(None)).label("sms"),
    ).where(Miner.phone == phone)
    chosen_language = db.select(
        literal(0), null(), null(), null(), null(), null(), null(), LanguagePreference.locale, null(),
    ).where(LanguagePreference.phone == phone)
    return union_all(registered, chosen_language).order_by(db.text("1 DESC")).limit(1)


_COMPILED_CALLER_QUERY = {}  # dialect name -> (SQL text, parameter builder)


def _compiled_caller_query(dialect):
    compiled = _COMPILED_CALLER_QUERY.get(dialect.name)
    if compiled is None:
        statement = _caller_query().compile(dialect=dialect)
        defaults = statement.construct_params({"phone": ""})
        if dialect.positional:
            order = statement.positiontup

            def params(phone):
                return [phone if name == "phone" else defaults[name] for name in order]
        else:
            def params(phone):
                return {**defaults, "phone": phone}
        compiled = _COMPILED_CALLER_QUERY[dialect.name] = (statement.string, params)
    return compiled


def stored_caller(phone):
    """The caller as stored (locale None: no language chosen), or None when nothing is stored.

    The one query of a USSD first hop whose caller is not cached, so it skips SQLAlchemy's
    execution layer: SQLAlchemy compiles the statement once, and it runs on a connection
    from the engine's pool (pre-pinged as every checkout), in autocommit on PostgreSQL (no
    BEGIN/ROLLBACK round trips for one read). Measured: ~140 us of CPU against ~500 us through
    the ORM session."""
    engine = db.engine
    sql, params = _compiled_caller_query(engine.dialect)
    connection = engine.raw_connection()
    autocommit = engine.dialect.name == "postgresql"
    try:
        if autocommit:
            connection.driver_connection.autocommit = True
        cursor = connection.cursor()
        try:
            cursor.execute(sql, params(phone))
            row = cursor.fetchone()
        finally:
            cursor.close()
        if autocommit:
            connection.driver_connection.autocommit = False
    except Exception:
        connection.invalidate()  # whatever state it is in, it does not go back to the pool
        raise
    finally:
        connection.close()
    if row is None:
        return None
    snapshot = dict(zip(_CALLER_COLUMNS, row))
    if not snapshot["registered"]:
        return {"registered": False, "locale": snapshot["locale"]}
    snapshot["registered"], snapshot["sms"] = True, bool(snapshot["sms"])
    return snapshot


# --- the caller snapshot, cached in Redis -------------------------------------------
#
# The first hop of a USSD session reads `caller:{phone}` in the session-opening script (no
# query, no extra command); an inbound SMS reads it too. A miss falls back to the database
# and fills the key (SET NX). Every change to a miner or a phone's language marks the phone
# (`caller_changed`); after that transaction commits, the key is written again from the
# database (or deleted when nothing is stored about the phone any more: erasure leaves no
# key). The unconditional write after the commit wins over a reader's fill that read the
# database before it, so a reader can never leave an older snapshot behind.

CALLER_KEY = "caller:{phone}"
CALLER_CACHE_SECONDS = 24 * 3600  # bounds what a failed refresh (Redis down at that moment) can leave
UNKNOWN_CALLER = {"registered": False, "locale": None}


def decode_caller(raw, default_locale):
    """A cached snapshot (bytes) -> the caller dict sessions keep."""
    caller = orjson.loads(raw)
    caller["locale"] = caller.get("locale") or default_locale
    return caller


def _redis():
    return current_app.extensions["redis"]


def encoded_caller(phone):
    """The caller from the database, encoded as the cache keeps it (what a miss fills)."""
    return orjson.dumps(stored_caller(phone) or UNKNOWN_CALLER)


def load_caller(phone, default_locale):
    """The caller from the database, also cached (the path of a cache miss)."""
    raw = encoded_caller(phone)
    try:
        _redis().set(CALLER_KEY.format(phone=phone), raw, nx=True, ex=CALLER_CACHE_SECONDS)
    except RedisError as exc:
        log.warning("could not cache the caller snapshot (%s)", type(exc).__name__)
    return decode_caller(raw, default_locale)


def caller_snapshot(phone, default_locale):
    """Who is calling or texting: what a USSD session keeps about its caller (so later hops
    need no query), and what an inbound SMS is answered by. Redis first, else one query."""
    try:
        raw = _redis().get(CALLER_KEY.format(phone=phone))
    except RedisError:
        raw = None
    return decode_caller(raw, default_locale) if raw is not None else load_caller(phone, default_locale)


def caller_changed(*phones, session=None):
    """This transaction changes what is stored about `phones` (a miner's row, the language):
    their cached snapshots are written again once it commits. ORM changes to a Miner or a
    LanguagePreference mark their phone by themselves (below); a Core statement (an upsert,
    a bulk update or delete) must call this."""
    (session or db.session).info.setdefault(_CHANGED, set()).update(phones)


_CHANGED = "callers_changed"


def _orm_change(mapper, connection, target):
    session = object_session(target)
    if session is not None and target.phone:
        caller_changed(target.phone, session=session)


for _model in (Miner, LanguagePreference):
    for _event in ("after_insert", "after_update", "after_delete"):
        event.listen(_model, _event, _orm_change)


@event.listens_for(OrmSession, "after_commit")
def _refresh_cached_callers(session):
    phones = session.info.pop(_CHANGED, None)
    if not phones:
        return
    try:
        redis = _redis()
        stored = {phone: stored_caller(phone) for phone in phones}  # committed (this session can emit no SQL here)
        pipe = redis.pipeline(transaction=False)
        for phone, snapshot in stored.items():
            if snapshot is None:
                pipe.delete(CALLER_KEY.format(phone=phone))
            else:
                pipe.set(CALLER_KEY.format(phone=phone), orjson.dumps(snapshot), ex=CALLER_CACHE_SECONDS)
        pipe.execute()
    except Exception as exc:  # the change is committed; a stale snapshot expires on its own
        log.error("could not refresh %d cached caller snapshot(s) (%s)", len(phones), type(exc).__name__)
        try:
            _redis().delete(*(CALLER_KEY.format(phone=phone) for phone in phones))
        except Exception:
            pass


@event.listens_for(OrmSession, "after_soft_rollback")
def _forget_changed_callers(session, previous_transaction):
    if not session.in_transaction():  # the whole transaction, not a savepoint inside it
        session.info.pop(_CHANGED, None)


def locale_for(phone, default_locale):
    """The language to write to this phone in: the miner's, else the remembered one."""
    return caller_snapshot(phone, default_locale)["locale"]


def set_language(phone, locale):
    _remember_language(phone, locale)
    db.session.execute(db.update(Miner).where(Miner.phone == phone).values(locale=locale, updated_at=utcnow()))
    db.session.commit()


def set_sms(phone, enabled):
    """START/STOP for a registered miner; returns False when the phone is not registered."""
    miner = db.session.execute(db.select(Miner).filter_by(phone=phone)).scalar_one_or_none()
    if miner is None:
        return False
    now = utcnow()
    if enabled:
        miner.sms_consent_at = miner.sms_consent_at or now
        miner.sms_opt_out_at = None
    else:
        miner.sms_opt_out_at = miner.sms_opt_out_at or now
    db.session.commit()
    return True


def update_site(phone, site):
    miner = db.session.execute(db.select(Miner).filter_by(phone=phone)).scalar_one_or_none()
    if miner:
        miner.site = site
        db.session.commit()
    return miner
