"""How USSD sessions ended, from AT's end-of-session events (POST /ussd/events)."""
from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import UTCDateTime, db, utcnow


class UssdSessionOutcome(db.Model):
    __tablename__ = "ussd_session_outcomes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[str] = mapped_column(String(128), unique=True, nullable=False)
    phone: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    status: Mapped[str] = mapped_column(String(20), nullable=False, index=True)  # Success/Incomplete/Failed
    hops: Mapped[int | None] = mapped_column(Integer, nullable=True)
    duration_ms: Mapped[int | None] = mapped_column(Integer, nullable=True)
    network_code: Mapped[str | None] = mapped_column(String(10), nullable=True)
    error_message: Mapped[str | None] = mapped_column(String(500), nullable=True)
    # What the caller last saw: tells a drop on our long screen from a drop on theirs.
    last_app_response: Mapped[str | None] = mapped_column(String(500), nullable=True)
    ended_at = mapped_column(UTCDateTime, nullable=True)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
