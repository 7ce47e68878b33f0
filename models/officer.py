"""Officers (county mining officers, association staff) and their API tokens."""
import hashlib
import secrets

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from models.base import UTCDateTime, db, utcnow

ROLES = ("admin", "officer", "viewer")


class Officer(UserMixin, db.Model):
    __tablename__ = "officers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True, nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    role: Mapped[str] = mapped_column(String(10), nullable=False)
    county: Mapped[str | None] = mapped_column(String(60), nullable=True, index=True)
    phone: Mapped[str | None] = mapped_column(String(20), nullable=True)
    locale: Mapped[str] = mapped_column(String(5), nullable=False, default="sw")
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    disabled_at = mapped_column(UTCDateTime, nullable=True)
    # Part of every dashboard session's id: bumping it (sign-out, a new password, disabling)
    # ends every session of this officer at once, copied cookies included.
    session_version: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")

    tokens = relationship("ApiToken", back_populates="officer", cascade="all, delete-orphan")

    @property
    def is_active(self):
        """Flask-Login: a disabled officer cannot sign in."""
        return self.disabled_at is None

    def set_password(self, password):
        """A new password ends every session signed in with the old one."""
        self.password_hash = generate_password_hash(password, method="scrypt")
        self.end_sessions()

    def end_sessions(self):
        """Every dashboard session of this officer stops working on its next request."""
        self.session_version = (self.session_version or 0) + 1

    def get_id(self):
        """Flask-Login keeps this in the session cookie: the officer and their session version."""
        return f"{self.id}.{self.session_version or 0}"

    @staticmethod
    def parse_session_id(value):
        """(officer id, session version) from get_id's string, or None when it is not one."""
        officer_id, dot, version = str(value or "").partition(".")
        if not dot or not officer_id.isdigit() or not version.isdigit():
            return None
        return int(officer_id), int(version)

    def check_password(self, password):
        return check_password_hash(self.password_hash, password)

    @property
    def sees_full_numbers(self):
        return self.role == "admin"

    def may(self, action):
        """Roles per the contract: admin everything (including `reveal_reporter`, seeing who
        sent an anonymous report, the nationwide `tips` and the permits' `county_contacts`);
        officer incidents, broadcasts, prices, trainings, the licensed buyers directory and the
        miners' call-back requests (limited to their county when they have one); viewer reads
        only."""
        if self.role == "admin":
            return True
        if self.role == "officer":
            return action in {"read", "incidents", "broadcasts", "prices", "trainings", "buyers", "callbacks"}
        return action == "read"

    def in_scope(self, county):
        """County scoping: an officer with a county sees only that county."""
        return self.role == "admin" or not self.county or (county or "").casefold() == self.county.casefold()


class ApiToken(db.Model):
    """A bearer token; only its SHA-256 is stored, the token itself is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id", ondelete="CASCADE"), nullable=False, index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    last_used_at = mapped_column(UTCDateTime, nullable=True)
    revoked_at = mapped_column(UTCDateTime, nullable=True)

    officer = relationship("Officer", back_populates="tokens")

    @staticmethod
    def hash(token):
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def issue(cls, officer):
        token = "ms_" + secrets.token_urlsafe(32)
        db.session.add(cls(officer=officer, token_hash=cls.hash(token)))
        return token


def to_tell(county, roles=None):
    """The officers to text about something in `county`: active, with a phone, of that county
    (any case), or the admins when it has none; one per phone. `roles` narrows who counts."""
    from sqlalchemy import func

    active = db.select(Officer).where(Officer.phone.is_not(None), Officer.disabled_at.is_(None))
    if roles:
        active = active.where(Officer.role.in_(tuple(roles)))
    officers = []
    if county and county.strip():
        officers = db.session.execute(
            active.where(func.lower(Officer.county) == county.strip().lower()).order_by(Officer.id)).scalars().all()
    if not officers:
        officers = db.session.execute(active.where(Officer.role == "admin").order_by(Officer.id)).scalars().all()
    seen, unique = set(), []
    for officer in officers:
        if officer.phone not in seen:
            seen.add(officer.phone)
            unique.append(officer)
    return unique
