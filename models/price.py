"""Gold prices: markets (county buying centres), published prices, alert subscriptions.

Prices are KES per gram of gold at a stated purity (a fraction: 0.90 = 90%, 22k = 0.9167).
To compare two prices quoted at different purities, both are brought to KES per gram of
pure gold (`kes_per_pure_gram`).
"""
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import UTCDateTime, db, utcnow

ALERT_MODES = ("every", "move5")  # every new price | only when it moved more than 5%


class Market(db.Model):
    __tablename__ = "markets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True, nullable=False)
    county: Mapped[str] = mapped_column(String(60), nullable=False, index=True)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    retired_at = mapped_column(UTCDateTime, nullable=True)


class Price(db.Model):
    __tablename__ = "prices"
    __table_args__ = (Index("ix_prices_market_observed", "market_id", "observed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    market_id: Mapped[int] = mapped_column(ForeignKey("markets.id"), nullable=False)
    kes_per_gram = mapped_column(Numeric(12, 2), nullable=False)
    purity = mapped_column(Numeric(6, 4), nullable=False)  # fraction of pure gold, 0 < purity <= 1
    source: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    observed_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)  # when the price held
    published_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    published_by: Mapped[str | None] = mapped_column(String(60), nullable=True)  # officer username / "cli"

    market = relationship("Market")

    @property
    def kes_per_pure_gram(self):
        return Decimal(self.kes_per_gram) / Decimal(self.purity)


class PriceSubscription(db.Model):
    """A phone that wants a market's new prices by SMS (chosen on USSD menu 3)."""

    __tablename__ = "price_subscriptions"
    __table_args__ = (UniqueConstraint("phone", "market_id", name="uq_price_subscriptions_phone_market"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    miner_id: Mapped[int | None] = mapped_column(ForeignKey("miners.id", ondelete="SET NULL"), nullable=True)
    market_id: Mapped[int] = mapped_column(ForeignKey("markets.id"), nullable=False, index=True)
    mode: Mapped[str] = mapped_column(String(10), nullable=False, default="every")
    locale: Mapped[str] = mapped_column(String(5), nullable=False, default="sw")
    # KES per pure gram of the last price this subscriber was told about: the 5% rule
    # compares with it, so slow drifts still alert once they add up to more than 5%.
    reference_kes_pure = mapped_column(Numeric(12, 2), nullable=True)
    created_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)


class PriceAlert(db.Model):
    """One alert for one publication to one phone: the unique pair makes alerts idempotent."""

    __tablename__ = "price_alerts"
    __table_args__ = (UniqueConstraint("price_id", "phone", name="uq_price_alerts_price_phone"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    price_id: Mapped[int] = mapped_column(ForeignKey("prices.id", ondelete="CASCADE"), nullable=False)
    phone: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    queued_at = mapped_column(UTCDateTime, nullable=False, default=utcnow)
