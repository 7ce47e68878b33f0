"""Licensed gold buyers (issue 16 item 2): the directory officers keep.

Storage only; the rules (what a licence number looks like, who may change what, what miners
see) live in the `buyers` capability. A buyer whose licence has expired stays in the table
(officers see it, to renew it) but is never shown to miners.
"""
from sqlalchemy import Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import UTCDateTime, db, utcnow


class Buyer(db.Model):
    __tablename__ = "buyers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(60), nullable=False)
    # Upper case, as printed on the licence (buyers.rules.licence_number).
    licence_number: Mapped[str] = mapped_column(String(30), nullable=False, unique=True)
    licence_expires = mapped_column(Date, nullable=False, index=True)  # valid through this day (Nairobi)
    county: Mapped[str] = mapped_column(String(60), nullable=False, index=True)
    market: Mapped[str] = mapped_column(String(40), nullable=False)
    phone: Mapped[str] = mapped_column(String(20), nullable=False)  # E.164, the buyer's business line
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(60), nullable=True)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)
