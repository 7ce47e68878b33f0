"""Permits and groups (permits/): miners' requests for an officer to call them back, and
which officer is their county's contact for permit questions.

Storage only: what a miner or an officer may do is in `permits/callbacks.py`.

- `CallbackRequest`: one miner's "ask an officer to call me". A phone has at most ONE
  unfinished request (status `open` or `called`): the partial unique index
  `uq_callback_requests_active_phone` holds that even when two requests race. `done`
  requests are kept (with their note) for the officers' record.
- `CountyContact`: an officer flagged as their county's contact for permits. The county
  office's contact miners are given is that officer's phone (and the office named here).
"""
from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import UTCDateTime, db, utcnow

CALLBACK_STATUSES = ("open", "called", "done")
ACTIVE_STATUSES = ("open", "called")  # a phone has at most one request in these
CALLBACK_TOPICS = ("permit", "group")  # what the miner wants to talk about
NOTE_MAX = 1000
_ACTIVE = text("status IN ('open', 'called')")


class CallbackRequest(db.Model):
    __tablename__ = "callback_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    miner_id: Mapped[int | None] = mapped_column(ForeignKey("miners.id", ondelete="SET NULL"), nullable=True)
    county: Mapped[str] = mapped_column(String(60), nullable=False, index=True)
    topic: Mapped[str] = mapped_column(String(20), nullable=False, default="permit")
    channel: Mapped[str] = mapped_column(String(10), nullable=False)  # ussd | sms
    locale: Mapped[str] = mapped_column(String(5), nullable=False, default="sw")
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="open", index=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)  # the officer's last note
    handled_by: Mapped[str | None] = mapped_column(String(60), nullable=True)  # officer username
    officers_told_at = mapped_column(UTCDateTime, nullable=True)  # the county officers' SMS was queued
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, index=True)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (
        Index("uq_callback_requests_active_phone", "phone", unique=True,
              sqlite_where=_ACTIVE, postgresql_where=_ACTIVE),
    )

    @property
    def is_active(self):
        return self.status in ACTIVE_STATUSES


class CountyContact(db.Model):
    __tablename__ = "permit_county_contacts"

    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id", ondelete="CASCADE"), primary_key=True)
    office: Mapped[str | None] = mapped_column(String(80), nullable=True)  # e.g. "Migori town, county offices"
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    officer = relationship("Officer")
