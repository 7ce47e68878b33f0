"""SMS records: every outbound message (one row per recipient), broadcasts, inbound messages.

A message row is written before anything is sent and moves forward only:

    queued -> sending (claimed by one worker) -> sent (AT accepted it) -> submitted -> delivered
                                          \\-> failed (with the reason)    \\-> failed (DLR)
    queued -> skipped (opted out meanwhile) / cancelled (broadcast cancelled)

The unique key (broadcast_id, miner_id) is what makes a broadcast exactly-once: a replanned
or retried batch can only find the rows that exist, and only one worker can claim a row.
"""
from sqlalchemy import (JSON, BigInteger, Boolean, ForeignKey, Index, Integer, SmallInteger, String, Text,
                        UniqueConstraint, false)
from sqlalchemy import text as sa_text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import UTCDateTime, db, utcnow

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit key.
BigId = BigInteger().with_variant(Integer, "sqlite")

QUEUED, SENDING, SENT, SUBMITTED, DELIVERED = "queued", "sending", "sent", "submitted", "delivered"
FAILED, SKIPPED, CANCELLED = "failed", "skipped", "cancelled"
OPEN_STATUSES = (QUEUED, SENDING)
# Forward-only ordering: a status may only be replaced by one of a higher rank.
RANK = {QUEUED: 0, SENDING: 1, SENT: 2, SUBMITTED: 3, DELIVERED: 4, FAILED: 4, SKIPPED: 4, CANCELLED: 4}


class Broadcast(db.Model):
    """One officer's bulk SMS to an audience; progress comes from its message rows."""

    __tablename__ = "broadcasts"

    SCHEDULED, PLANNING, SENDING, WAITING = "scheduled", "planning", "sending", "waiting"
    PAUSED, CANCELLED, DONE = "paused", "cancelled", "done"
    ACTIVE = (SCHEDULED, PLANNING, SENDING, WAITING, PAUSED)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id", ondelete="SET NULL"), nullable=True,
                                                   index=True)
    texts = mapped_column(JSON, nullable=False)  # {"sw": "...", "en": "..."} as sent (GSM-7 where possible)
    audience = mapped_column(JSON, nullable=False)  # filters, see broadcasts/audience.py
    urgent: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default=false())
    send_at = mapped_column(UTCDateTime, nullable=True)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default=SCHEDULED, index=True)
    pause_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    total: Mapped[int | None] = mapped_column(Integer, nullable=True)  # recipients planned
    excluded_opted_out: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    planned_at = mapped_column(UTCDateTime, nullable=True)  # every recipient has a row
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    started_at = mapped_column(UTCDateTime, nullable=True)
    finished_at = mapped_column(UTCDateTime, nullable=True)
    cancelled_at = mapped_column(UTCDateTime, nullable=True)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)


class Message(db.Model):
    """One SMS to one number: what was sent, to whom, and what became of it."""

    __tablename__ = "sms_messages"
    __table_args__ = (
        UniqueConstraint("broadcast_id", "miner_id", name="uq_sms_messages_broadcast_miner"),
        Index("ix_sms_messages_broadcast_status", "broadcast_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    phone: Mapped[str | None] = mapped_column(String(20), nullable=True, index=True)  # E.164; None once erased
    miner_id: Mapped[int | None] = mapped_column(ForeignKey("miners.id", ondelete="SET NULL"), nullable=True,
                                                 index=True)
    broadcast_id: Mapped[int | None] = mapped_column(ForeignKey("broadcasts.id", ondelete="CASCADE"), nullable=True)
    purpose: Mapped[str] = mapped_column(String(40), nullable=False)
    # The incident this message is about (receipt, status, reply to a follow-up): what keeps an
    # anonymous report's SMS off its reporter's pages (models.message.not_about_anonymous).
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="SET NULL"), nullable=True,
                                                    index=True)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    locale: Mapped[str] = mapped_column(String(5), nullable=False)
    encoding: Mapped[str] = mapped_column(String(6), nullable=False)
    segments: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default=QUEUED, server_default=QUEUED)
    attempts: Mapped[int] = mapped_column(SmallInteger, nullable=False, default=0, server_default="0")
    at_message_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    at_status_code: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    cost: Mapped[str | None] = mapped_column(String(24), nullable=True)  # as AT says it: "KES 0.8000"
    failure_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    delivery_status: Mapped[str | None] = mapped_column(String(30), nullable=True)  # last DLR status
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    claimed_at = mapped_column(UTCDateTime, nullable=True)
    sent_at = mapped_column(UTCDateTime, nullable=True)
    delivered_at = mapped_column(UTCDateTime, nullable=True)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)


class InboundMessage(db.Model):
    """Every SMS a miner sent us, once (AT retries a callback until it gets a 200)."""

    __tablename__ = "sms_inbound"
    # What the inbound sweep looks for every minute: rows not handled yet (a handful) among all.
    __table_args__ = (
        Index("ix_sms_inbound_unhandled", "received_at", postgresql_where=sa_text("handled_at IS NULL"),
              sqlite_where=sa_text("handled_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at_id: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    phone: Mapped[str | None] = mapped_column(String(20), nullable=True, index=True)  # None once erased
    miner_id: Mapped[int | None] = mapped_column(ForeignKey("miners.id", ondelete="SET NULL"), nullable=True)
    # Set when the message became a report or a follow-up of one (see Message.incident_id).
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="SET NULL"), nullable=True,
                                                    index=True)
    to: Mapped[str | None] = mapped_column(String(20), nullable=True)
    text: Mapped[str] = mapped_column(Text, nullable=False, default="")
    keyword: Mapped[str | None] = mapped_column(String(20), nullable=True)
    locale: Mapped[str | None] = mapped_column(String(5), nullable=True)
    link_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    network_code: Mapped[str | None] = mapped_column(String(10), nullable=True)
    at_date: Mapped[str | None] = mapped_column(String(40), nullable=True)  # as AT sent it
    received_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    handled_at = mapped_column(UTCDateTime, nullable=True)


ERASED_TEXT = "[erased]"


def not_about_anonymous(model):
    """A WHERE clause for Message or InboundMessage: not tied to an anonymous incident. Every
    listing of messages by person (a miner's page, an export, the API) applies it, so that
    nothing there links an anonymous report to its reporter; the incident's own page shows
    them, without the number, and an admin who needs the number uses the recorded reveal."""
    from models.incident import Incident

    anonymous = db.select(Incident.id).where(Incident.anonymous.is_(True))
    return model.incident_id.is_(None) | model.incident_id.not_in(anonymous)


def anonymise_messages(phone, miner_id):
    """Erasure (miners/erasure.py): a deleted miner's messages stay counted (costs, broadcast
    totals) but forget who it was and what was said to or by them (a broadcast's text is not
    about them: kept)."""
    who = Message.phone == phone
    if miner_id is not None:
        who = who | (Message.miner_id == miner_id)
    db.session.execute(
        db.update(Message).where(who, Message.broadcast_id.is_(None))
        .values(phone=None, miner_id=None, text=ERASED_TEXT).execution_options(synchronize_session=False))
    db.session.execute(
        db.update(Message).where(who, Message.broadcast_id.is_not(None))
        .values(phone=None, miner_id=None).execution_options(synchronize_session=False))
    inbound = InboundMessage.phone == phone
    if miner_id is not None:
        inbound = inbound | (InboundMessage.miner_id == miner_id)
    db.session.execute(
        db.update(InboundMessage).where(inbound)
        .values(phone=None, miner_id=None, text=ERASED_TEXT).execution_options(synchronize_session=False))
