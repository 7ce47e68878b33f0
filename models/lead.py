"""Finance and equipment leads (issue 16 item 4): a registered miner's interest in a savings
group, an equipment loan (retort, shaking table, crusher) or mercury-free processing
equipment, given with explicit consent to be contacted about it.

One row per phone and kind: asking again updates the row (equipment, county, consent time),
never adds a second. The row goes when the miner is erased (finance.service registers the
erasure hook; the foreign key cascades as well).
"""
from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import UTCDateTime, db, utcnow

KINDS = ("savings_group", "equipment_loan", "mercury_free")
EQUIPMENT = ("retort", "shaking_table", "crusher")


class Lead(db.Model):
    __tablename__ = "finance_leads"
    __table_args__ = (UniqueConstraint("phone", "kind", name="uq_finance_leads_phone_kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), nullable=False, index=True)  # E.164
    miner_id: Mapped[int | None] = mapped_column(ForeignKey("miners.id", ondelete="CASCADE"), nullable=True,
                                                 index=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    equipment: Mapped[str | None] = mapped_column(String(20), nullable=True)  # equipment_loan only
    county: Mapped[str] = mapped_column(String(60), nullable=False, index=True)  # the miner's, when asked
    consent_at = mapped_column(UTCDateTime, nullable=False)  # agreed to be contacted about this
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, index=True)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    miner = relationship("Miner", lazy="joined", viewonly=True)
