"""Incident reports, their follow-ups, the officers' status trail, and who looked at an
anonymous reporter's number.

An incident outlives its reporter's registration: when a miner erases their data the
report stays (officers need the history) but loses its phone number and miner link
(`incidents.filing.forget_reporter`).
"""
from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy import text as sa_text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import UTCDateTime, db, utcnow


class Incident(db.Model):
    __tablename__ = "incidents"
    # What the alert sweep looks for every minute: incidents whose alerts are not queued yet.
    __table_args__ = (
        Index("ix_incidents_unalerted", "created_at", postgresql_where=sa_text("alerted_at IS NULL"),
              sqlite_where=sa_text("alerted_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # What the reporter was told (MS-7K3Q); also the idempotency key of a submission.
    reference: Mapped[str] = mapped_column(String(12), unique=True, nullable=False)
    category: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    dead: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    injured: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    trapped: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # trapped or missing
    urgent: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, index=True)
    county: Mapped[str | None] = mapped_column(String(60), nullable=True, index=True)
    site: Mapped[str | None] = mapped_column(String(80), nullable=True)
    # The reporter's registered site and county when the report names another place
    # (an SMS saying "at Macalder" from a miner registered at Osiri): shown in the alert.
    registered_place: Mapped[str | None] = mapped_column(String(140), nullable=True)
    occurred: Mapped[str] = mapped_column(String(10), nullable=False, default="now")  # now|today|earlier
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    channel: Mapped[str] = mapped_column(String(5), nullable=False)  # ussd|sms
    reporter_phone: Mapped[str | None] = mapped_column(String(20), nullable=True, index=True)
    miner_id: Mapped[int | None] = mapped_column(
        ForeignKey("miners.id", ondelete="SET NULL"), nullable=True, index=True)
    locale: Mapped[str] = mapped_column(String(5), nullable=False, default="sw")
    anonymous: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # Status SMS to the reporter: always for named reports, only when asked for anonymous ones.
    notify_reporter: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    status: Mapped[str] = mapped_column(String(15), nullable=False, default="new", index=True)
    at_message_id: Mapped[str | None] = mapped_column(String(100), nullable=True, unique=True)
    reported_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, index=True)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)  # later than reported_at when spooled
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)
    alerted_at = mapped_column(UTCDateTime, nullable=True)  # alerts and receipt queued

    follow_ups = relationship("IncidentFollowUp", back_populates="incident", cascade="all, delete-orphan",
                              order_by="IncidentFollowUp.id")
    status_changes = relationship("IncidentStatusChange", back_populates="incident",
                                  cascade="all, delete-orphan", order_by="IncidentStatusChange.id")

    @property
    def is_open(self):
        return self.status in ("new", "acknowledged", "responding")


class IncidentFollowUp(db.Model):
    """More words about an incident from its reporter (an SMS after the report)."""

    __tablename__ = "incident_follow_ups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False,
                                             index=True)
    channel: Mapped[str] = mapped_column(String(5), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    at_message_id: Mapped[str | None] = mapped_column(String(100), nullable=True, unique=True)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    incident = relationship("Incident", back_populates="follow_ups")


class IncidentStatusChange(db.Model):
    """The audit trail: which officer changed what, when, and why."""

    __tablename__ = "incident_status_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False,
                                             index=True)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id", ondelete="SET NULL"), nullable=True)
    officer_username: Mapped[str] = mapped_column(String(60), nullable=False)  # kept if the officer goes
    old_status: Mapped[str] = mapped_column(String(15), nullable=False)
    new_status: Mapped[str] = mapped_column(String(15), nullable=False)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    incident = relationship("Incident", back_populates="status_changes")


class ReporterReveal(db.Model):
    """An admin looked at an anonymous reporter's number, and said why."""

    __tablename__ = "incident_reporter_reveals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False,
                                             index=True)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id", ondelete="SET NULL"), nullable=True)
    officer_username: Mapped[str] = mapped_column(String(60), nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
