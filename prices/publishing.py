"""Publishing gold prices, subscribing to them, and alerting subscribers.

Publishing is an officer action (core/policy.py): `publish` checks the role and the county
rule (a county officer publishes for their county's markets only) and writes the audit entry,
whether the officer used the dashboard, the API or the CLI. It commits the price, refreshes the board every process reads, and enqueues one
alert job on the bulk queue. The job texts each subscriber at most once per publication
(a unique (price, phone) row, models/claim.py), in their language, skipping numbers that
opted out, and, for "only big moves" subscribers, prices that moved 5% or less since the
last price they were told about.
"""
import logging
from datetime import timedelta
from decimal import Decimal

from core import jobs
from core.i18n import N_, translate
from core.policy import NotFound, require, require_scope, username
from flows.catalog import MINING_COUNTIES
from models import LanguagePreference, Market, Miner, Price, PriceAlert, PriceSubscription, audit, db, utcnow
from models.claim import claim
from models.price import ALERT_MODES
from prices import board, words
from prices.units import BadQuantity, parse_kes, parse_purity
from sms import encoding
from sms.outbound import queue_sms

log = logging.getLogger(__name__)

BIG_MOVE = Decimal("0.05")

MSG_ALERT = N_("Madini Salama: gold price %(price)s Use your own scale, sell to licensed buyers. PRICE STOP ends")


class UnknownMarket(NotFound):
    code = "unknown_market"

    def __init__(self, name, names):
        super().__init__(f"no market called {name!r}; markets: {', '.join(names)}")
        self.names = names


def market_named(name):
    """The market an officer named for publishing: the whole name (any case or spacing)."""
    markets = board.markets()
    found = words.find_market(name, markets, exact=True)
    if found is None:
        raise UnknownMarket(name, [m["name"] for m in markets])
    return db.session.get(Market, found["id"])


def ensure_default_markets():
    """One buying centre per gold-mining county (the migration adds them too); returns how
    many were missing."""
    existing = set(db.session.execute(db.select(Market.name)).scalars())
    missing = [county for county in MINING_COUNTIES if county not in existing]
    for county in missing:
        db.session.add(Market(name=county, county=county))
    db.session.commit()
    if missing:
        board.BOARD.invalidate()
    return len(missing)


def add_market(name, county):
    name = " ".join(name.split())
    market = db.session.execute(db.select(Market).filter(db.func.lower(Market.name) == name.lower())).scalar()
    if market is None:
        market = Market(name=name, county=" ".join(county.split()))
        db.session.add(market)
    market.retired_at = None
    db.session.commit()
    board.BOARD.invalidate()
    return market


def publish(officer, market, kes_per_gram, purity, *, source="", observed_at=None, by=None):
    """An officer publishes a price for `market` (a Market, or its name): checked against
    the officer's role and county, recorded in the audit log, and its alerts enqueued.
    Returns the Price. `officer` None is the command line without --as (`by` names who
    published, else "cli").

    `kes_per_gram` and `purity` may be text as people type them ('9,850', '90%', '22k');
    raises BadQuantity when one is not understood, UnknownMarket, OutOfScope, NotAllowed."""
    require(officer, "prices")
    if not isinstance(market, Market):
        market = market_named(market)
    require_scope(officer, market.county)
    if observed_at is not None and observed_at > utcnow() + timedelta(hours=1):
        raise BadQuantity("future", "observed_at is in the future")
    price = Price(market_id=market.id, kes_per_gram=parse_kes(kes_per_gram), purity=parse_purity(purity),
                  source=(source or "").strip()[:120], observed_at=observed_at or utcnow(),
                  published_by=by or username(officer))
    db.session.add(price)
    audit.record(officer, "price_published", target=market.name, username=by, commit=False,
                 detail={"kes_per_gram": str(price.kes_per_gram), "purity": str(price.purity)})
    db.session.commit()
    board.BOARD.invalidate()
    jobs.queue(jobs.BULK).enqueue(send_price_alerts, price.id, job_id=f"price-alerts-{price.id}", job_timeout=3600)
    return price


def serialise(price, market=None):
    market = market or price.market
    return {
        "id": price.id, "market": market.name, "county": market.county,
        "kes_per_gram": float(price.kes_per_gram), "purity": float(price.purity),
        "kes_per_pure_gram": float(Decimal(price.kes_per_pure_gram).quantize(Decimal("0.01"))),
        "source": price.source, "observed_at": price.observed_at.isoformat(),
        "published_at": price.published_at.isoformat(), "published_by": price.published_by,
    }


# --- subscriptions ---------------------------------------------------------------------

def subscribe(phone, market_id, mode, locale):
    """Start (or change) alerts for one market. The current price counts as told."""
    if mode not in ALERT_MODES:
        raise ValueError(f"mode must be one of {ALERT_MODES}")
    sub = db.session.execute(
        db.select(PriceSubscription).filter_by(phone=phone, market_id=market_id)
    ).scalar_one_or_none()
    if sub is None:
        sub = PriceSubscription(phone=phone, market_id=market_id)
        db.session.add(sub)
    latest = db.session.execute(
        db.select(Price).filter_by(market_id=market_id).order_by(Price.observed_at.desc(), Price.id.desc()).limit(1)
    ).scalar_one_or_none()
    sub.mode, sub.locale = mode, locale
    sub.miner_id = db.session.execute(db.select(Miner.id).filter_by(phone=phone)).scalar_one_or_none()
    sub.reference_kes_pure = latest.kes_per_pure_gram.quantize(Decimal("0.01")) if latest else None
    db.session.commit()
    return sub


def unsubscribe(phone, market_id=None):
    """Stop alerts (for one market, or all); returns how many subscriptions ended."""
    query = db.delete(PriceSubscription).filter_by(phone=phone)
    if market_id is not None:
        query = query.filter_by(market_id=market_id)
    count = db.session.execute(query).rowcount
    db.session.commit()
    return count


# --- alerts ------------------------------------------------------------------------------

def alert_text(market_entry, locale, now=None):
    stale_after = board.stale_days()
    return encoding.fit_one_sms(
        translate(locale, MSG_ALERT, price=words.price_words(market_entry, locale, now, stale_after=stale_after,
                                                             **shorter))
        for shorter in words.SHORTER)


def _is_big_move(new_pure, reference):
    if reference is None or Decimal(reference) == 0:
        return True
    return abs(new_pure - Decimal(reference)) / Decimal(reference) > BIG_MOVE


def send_price_alerts(price_id):
    """The alert job for one publication; safe to run more than once. Returns texts queued."""
    price = db.session.get(Price, price_id)
    if price is None:
        return 0
    latest = db.session.execute(
        db.select(Price.id).filter_by(market_id=price.market_id)
        .order_by(Price.observed_at.desc(), Price.id.desc()).limit(1)
    ).scalar_one()
    if latest != price.id:
        log.info("price %s was overtaken by price %s before its alerts went out", price.id, latest)
        return 0
    entry = board.market_entry_from_db(price.market_id)
    new_pure = Decimal(price.kes_per_pure_gram).quantize(Decimal("0.01"))
    subs = db.session.execute(db.select(PriceSubscription).filter_by(market_id=price.market_id)
                              .order_by(PriceSubscription.id)).scalars().all()
    phones = [s.phone for s in subs]
    miners = {m.phone: m for m in db.session.execute(db.select(Miner).filter(Miner.phone.in_(phones))).scalars()}
    preferred = dict(db.session.execute(
        db.select(LanguagePreference.phone, LanguagePreference.locale).filter(LanguagePreference.phone.in_(phones))
    ).all())
    texts, queued = {}, 0
    for sub in subs:
        miner = miners.get(sub.phone)
        if miner is not None and (miner.sms_opt_out_at is not None or miner.unreachable_at is not None):
            continue  # STOP (or a dead number) wins over any subscription
        if sub.mode == "move5" and not _is_big_move(new_pure, sub.reference_kes_pure):
            continue
        if not claim(PriceAlert, price_id=price.id, phone=sub.phone, queued_at=utcnow()):
            db.session.rollback()
            continue  # this publication already alerted this phone
        sub.reference_kes_pure = new_pure
        db.session.commit()
        locale = miner.locale if miner else preferred.get(sub.phone, sub.locale)
        if locale not in texts:
            texts[locale] = alert_text(entry, locale)
        queue_sms(sub.phone, texts[locale], locale=locale, purpose="price_alert", queue=jobs.BULK,
                  miner_id=miner.id if miner else None)
        queued += 1
    return queued


def forget_subscriptions(phone, miner_id):
    """Erasure hook: a phone's price alerts and the market it looked at last are about that person."""
    db.session.execute(db.delete(PriceSubscription).filter_by(phone=phone))
    db.session.execute(db.delete(PriceAlert).filter_by(phone=phone))
    board.forget_market(phone)  # the market this phone last looked at (Redis)
