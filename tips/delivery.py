"""Giving a phone a tip it has not had yet, by SMS reply, USSD "send me" and the drip.

The no-repeat cycle: every delivery is stored with the phone's current `cycle`; a tip is
due when it has not been sent in the current cycle. When a phone has had every tip, the
next one starts a new cycle (from the top of the interleaved order). Asking for a topic
("TIP mercury") picks that topic's next unsent tip; once the topic is exhausted in this
cycle it repeats the topic's tip heard longest ago, without starting a new cycle.
"""
from datetime import datetime, timezone

from sqlalchemy import func

from core import jobs
from models import Miner, TipDelivery, db, utcnow
from sms.outbound import queue_sms
from tips.catalogue import catalogue


def next_in_cycle(order, deliveries):
    """(tip id, cycle) next for one phone, from its deliveries [(tip id, cycle)] (no topic)."""
    cycle = max((c for _, c in deliveries), default=1)
    sent = {tip_id for tip_id, c in deliveries if c == cycle}
    unsent = [tip_id for tip_id in order if tip_id not in sent]
    return (unsent[0], cycle) if unsent else (order[0], cycle + 1)


def choose_tips(phones, cat):
    """{phone: (tip id, cycle)} for many phones in one query (the weekly drip's batches)."""
    deliveries = {phone: [] for phone in phones}
    for phone, tip_id, cycle in db.session.execute(
        db.select(TipDelivery.phone, TipDelivery.tip_id, TipDelivery.cycle).filter(TipDelivery.phone.in_(phones))
    ):
        deliveries[phone].append((tip_id, cycle))
    return {phone: next_in_cycle(cat.order, rows) for phone, rows in deliveries.items()}


def choose_tip(phone, topic=None, cat=None):
    """(tip id, cycle) of the tip `phone` should get next, or (None, None) when none exist."""
    cat = cat or catalogue()
    candidates = cat.by_topic.get(topic, []) if topic else cat.order
    if not candidates:
        return None, None
    cycle = db.session.execute(
        db.select(func.max(TipDelivery.cycle)).filter_by(phone=phone)
    ).scalar() or 1
    sent = set(db.session.execute(
        db.select(TipDelivery.tip_id).filter_by(phone=phone, cycle=cycle)
    ).scalars())
    unsent = [tip_id for tip_id in candidates if tip_id not in sent]
    if unsent:
        return unsent[0], cycle
    if topic is None:
        return candidates[0], cycle + 1
    last_sent = dict(db.session.execute(
        db.select(TipDelivery.tip_id, func.max(TipDelivery.sent_at))
        .filter(TipDelivery.phone == phone, TipDelivery.tip_id.in_(candidates))
        .group_by(TipDelivery.tip_id)
    ).all())
    never = datetime.min.replace(tzinfo=timezone.utc)
    return min(candidates, key=lambda tip_id: _aware(last_sent.get(tip_id)) or never), cycle


def _aware(moment):
    """SQLite hands back naive datetimes from aggregates (the column type is bypassed)."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment


def miner_id_for(phone):
    return db.session.execute(db.select(Miner.id).filter_by(phone=phone)).scalar_one_or_none()


def record(phone, tip_id, channel, cycle, miner_id=None, now=None):
    db.session.add(TipDelivery(phone=phone, tip_id=tip_id, channel=channel, cycle=cycle,
                               miner_id=miner_id, sent_at=now or utcnow()))


def next_tip_for(phone, locale, topic=None, channel="sms"):
    """Choose, record and return the text of the next tip for `phone` (None: no tips)."""
    cat = catalogue()
    tip_id, cycle = choose_tip(phone, topic, cat)
    if tip_id is None:
        return None
    record(phone, tip_id, channel, cycle, miner_id_for(phone))
    db.session.commit()
    return cat.tips[tip_id]["en" if locale == "en" else "sw"]


def send_tip(phone, tip_id, locale, channel="ussd"):
    """Text one chosen tip (USSD "send this to me by SMS") and count it as delivered."""
    cat = catalogue()
    tip = cat.tips.get(tip_id)
    if tip is None:
        return None
    cycle = db.session.execute(db.select(func.max(TipDelivery.cycle)).filter_by(phone=phone)).scalar() or 1
    miner_id = miner_id_for(phone)
    record(phone, tip_id, channel, cycle, miner_id)
    db.session.commit()
    text = tip["en" if locale == "en" else "sw"]
    return queue_sms(phone, text, locale=locale, purpose="tip", queue=jobs.REPLIES, miner_id=miner_id)


def forget_deliveries(phone, miner_id):
    """Which tips a phone received is about that person: removed with them."""
    db.session.execute(db.delete(TipDelivery).filter_by(phone=phone))
    if miner_id is not None:
        db.session.execute(db.delete(TipDelivery).filter_by(miner_id=miner_id))
