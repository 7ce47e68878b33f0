"""Safety tips: topics, tips (in Swahili and English), and which tip went to which phone.

The tip texts live in `content/tips.yaml` (versioned with the code) and are loaded here by
`flask --app app tips load`; officers add and retire tips by API and CLI. Deliveries keep
the no-repeat cycle ("never the same tip twice before you have had them all") and the
weekly drip's one-row-per-miner-per-week claim.
"""
from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import UTCDateTime, db, utcnow

TIP_MAX = 160  # one single-segment GSM-7 SMS
# The longest tip that shows whole on ONE USSD screen with the tip menu around it (flows/tips.py):
# 160 - "NN/NN: " (7) - "\n1 Unaofuata 2 SMS" (18) - "\n0 Rudi 00 Mwanzo" (17). New and edited tips
# keep to it; tests/test_tips.py renders a tip this long to hold the number to the real screen.
TIP_SCREEN_MAX = 118


class TipTopic(db.Model):
    __tablename__ = "tip_topics"

    code: Mapped[str] = mapped_column(String(30), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    label_sw: Mapped[str] = mapped_column(String(40), nullable=False)
    label_en: Mapped[str] = mapped_column(String(40), nullable=False)
    # Words that pick this topic in "TIP <word>" / "USHAURI <neno>", space separated, lower case;
    # the first of each language is the one suggested in help replies.
    words_en: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    words_sw: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    retired_at = mapped_column(UTCDateTime, nullable=True)


class Tip(db.Model):
    __tablename__ = "tips"

    id: Mapped[str] = mapped_column(String(60), primary_key=True)  # a stable slug, e.g. "shaft-rope"
    topic_code: Mapped[str] = mapped_column(ForeignKey("tip_topics.code"), nullable=False, index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # order within its topic
    text_sw: Mapped[str] = mapped_column(String(TIP_MAX), nullable=False)
    text_en: Mapped[str] = mapped_column(String(TIP_MAX), nullable=False)
    sources: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    origin: Mapped[str] = mapped_column(String(10), nullable=False, default="file")  # file | officer
    created_by: Mapped[str | None] = mapped_column(String(60), nullable=True)  # officer username
    # An officer's correction (tips.catalogue.edit_tip): `tips load` then keeps this tip's text
    # rather than the shipped one, unless told to replace edited tips.
    edited_by: Mapped[str | None] = mapped_column(String(60), nullable=True)
    edited_at = mapped_column(UTCDateTime, nullable=True)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)
    retired_at = mapped_column(UTCDateTime, nullable=True)

    def text(self, locale):
        return self.text_en if locale == "en" else self.text_sw

    def to_dict(self):
        return {
            "id": self.id, "topic": self.topic_code, "sw": self.text_sw, "en": self.text_en,
            "sources": self.sources.split() if self.sources else [], "origin": self.origin,
            "created_by": self.created_by, "edited_by": self.edited_by, "retired": self.retired_at is not None,
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "retired_at": self.retired_at.isoformat() if self.retired_at else None,
            "edited_at": self.edited_at.isoformat() if self.edited_at else None,
        }


class TipDelivery(db.Model):
    """One tip sent to one phone (by SMS reply, USSD "send me", or the weekly drip).

    `cycle` numbers the rounds through the whole catalogue for a phone: a tip is due again
    only in a later cycle. A drip row carries its ISO week (`2026-W48`); the unique
    (miner_id, drip_week) pair is what lets only one worker send a miner's weekly tip.
    """

    __tablename__ = "tip_deliveries"
    __table_args__ = (
        UniqueConstraint("miner_id", "drip_week", name="uq_tip_deliveries_miner_week"),
        Index("ix_tip_deliveries_phone_cycle", "phone", "cycle"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), nullable=False)
    miner_id: Mapped[int | None] = mapped_column(ForeignKey("miners.id", ondelete="SET NULL"), nullable=True)
    tip_id: Mapped[str] = mapped_column(ForeignKey("tips.id"), nullable=False, index=True)
    channel: Mapped[str] = mapped_column(String(10), nullable=False)  # sms | ussd | drip
    cycle: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    drip_week: Mapped[str | None] = mapped_column(String(8), nullable=True)
    sent_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
