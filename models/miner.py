"""Miners (registered callers) and the language of callers who are not registered yet."""
from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import UTCDateTime, db, utcnow


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
    unreachable_at = mapped_column(UTCDateTime, nullable=True)  # AT said the number is invalid
    registered_via: Mapped[str] = mapped_column(String(10), nullable=False, default="ussd")
    is_test: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    @property
    def receives_sms(self):
        """Bulk SMS goes only to miners who agreed, did not opt out, and can be reached."""
        return self.sms_consent_at is not None and self.sms_opt_out_at is None and self.unreachable_at is None

    def snapshot(self):
        """What a USSD session keeps about its caller (so later hops need no query)."""
        return {
            "registered": True, "name": self.name, "county": self.county, "site": self.site,
            "role": self.role, "gender": self.gender, "locale": self.locale,
            "sms": self.sms_consent_at is not None and self.sms_opt_out_at is None,
        }


class LanguagePreference(db.Model):
    """The language a phone chose before (or without) registering."""

    __tablename__ = "language_preferences"

    phone: Mapped[str] = mapped_column(String(20), primary_key=True)
    locale: Mapped[str] = mapped_column(String(5), nullable=False)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)


# --- what callers can do to their own record ---------------------------------------

def _remember_language(phone, locale):
    """Insert or update the phone's language in one statement (an upsert: no SELECT first,
    unlike session.merge; this runs on the USSD hop that registers or changes language)."""
    values = {"phone": phone, "locale": locale, "updated_at": utcnow()}
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        db.session.merge(LanguagePreference(**values))
        return
    statement = insert(LanguagePreference).values(**values)
    db.session.execute(statement.on_conflict_do_update(
        index_elements=[LanguagePreference.phone],
        set_={"locale": statement.excluded.locale, "updated_at": statement.excluded.updated_at}))


def caller_snapshot(phone, default_locale):
    """The caller as a USSD session keeps it: one query, on the first hop only."""
    miner = db.session.execute(db.select(Miner).filter_by(phone=phone)).scalar_one_or_none()
    if miner:
        return miner.snapshot()
    preference = db.session.get(LanguagePreference, phone)
    return {"registered": False, "locale": preference.locale if preference else default_locale}


def locale_for(phone, default_locale):
    """The language to write to this phone in: the miner's, else the remembered one."""
    return caller_snapshot(phone, default_locale)["locale"]


def register(phone, *, name, county, site, role, gender, locale, sms, via="ussd"):
    """Create or update the miner for this phone; consent is recorded now."""
    now = utcnow()
    miner = db.session.execute(db.select(Miner).filter_by(phone=phone)).scalar_one_or_none()
    if miner is None:
        miner = Miner(phone=phone, consent_at=now, registered_via=via)
        db.session.add(miner)
    miner.name, miner.county, miner.site, miner.role, miner.gender = name, county, site, role, gender
    miner.locale = locale
    miner.consent_at = now
    miner.sms_consent_at = now if sms else None
    miner.sms_opt_out_at = None if sms else miner.sms_opt_out_at
    _remember_language(phone, locale)
    db.session.commit()
    return miner


def set_language(phone, locale):
    _remember_language(phone, locale)
    miner = db.session.execute(db.select(Miner).filter_by(phone=phone)).scalar_one_or_none()
    if miner:
        miner.locale = locale
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
