"""Training sessions (issue 16 item 1): sessions officers run, and miners' bookings.

Storage only; the rules (seats, waiting list, reminders, attendance) live in `training/`.

- `TrainingSession.booked` counts the seats taken (bookings `booked` or `attended`). A seat is
  taken with one conditional UPDATE (`booked < seats`), so two miners booking the last seat at
  once can never both get it, on SQLite as on PostgreSQL.
- One booking row per (session, phone) (unique): a miner is never booked twice; cancelling
  keeps the row (status `cancelled`) and booking again reuses it.
- `reminded_at` is the claim column of the day-before reminder: set by one conditional UPDATE
  in the transaction that stores the reminder SMS, so it goes exactly once per booking.
"""
from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import UTCDateTime, db, utcnow

TOPICS = ("mercury_free", "shafts", "first_aid", "groups", "finance")
SESSION_STATUSES = ("scheduled", "cancelled")
BOOKED, WAITING, CANCELLED, ATTENDED = "booked", "waiting", "cancelled", "attended"
BOOKING_STATUSES = (BOOKED, WAITING, CANCELLED, ATTENDED)


class TrainingSession(db.Model):
    __tablename__ = "training_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    topic: Mapped[str] = mapped_column(String(20), nullable=False)
    title = mapped_column(JSON, nullable=False)  # {"sw": "...", "en": "..."}
    county: Mapped[str] = mapped_column(String(60), nullable=False, index=True)
    venue: Mapped[str] = mapped_column(String(60), nullable=False)
    starts_at = mapped_column(UTCDateTime, nullable=False, index=True)
    seats: Mapped[int] = mapped_column(Integer, nullable=False)
    booked: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="scheduled", index=True)
    created_by: Mapped[str | None] = mapped_column(String(60), nullable=True)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    cancelled_at = mapped_column(UTCDateTime, nullable=True)
    invited_broadcast_id: Mapped[int | None] = mapped_column(Integer, nullable=True)

    bookings = relationship("TrainingBooking", back_populates="session", cascade="all, delete-orphan",
                            order_by="TrainingBooking.queued_at")


class TrainingBooking(db.Model):
    __tablename__ = "training_bookings"
    __table_args__ = (
        UniqueConstraint("session_id", "phone", name="uq_training_bookings_session_phone"),
        Index("ix_training_bookings_waiting", "session_id", "status", "queued_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_sessions.id", ondelete="CASCADE"), nullable=False)
    phone: Mapped[str] = mapped_column(String(20), nullable=False, index=True)  # E.164
    miner_id: Mapped[int | None] = mapped_column(ForeignKey("miners.id", ondelete="SET NULL"), nullable=True,
                                                 index=True)
    status: Mapped[str] = mapped_column(String(12), nullable=False)
    via: Mapped[str] = mapped_column(String(10), nullable=False, default="ussd")  # ussd | sms | officer
    queued_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)  # order of the waiting list
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    reminded_at = mapped_column(UTCDateTime, nullable=True)  # claim: the day-before reminder
    attended_at = mapped_column(UTCDateTime, nullable=True)

    session = relationship("TrainingSession", back_populates="bookings")
