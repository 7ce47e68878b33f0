"""Every recipient exactly once, after crashes: `reconcile` re-plans a broadcast whose planning
was cut short, releases rows claimed by a worker that died before recording AT's answer
(unless a delivery report adopted them, see sms/delivery.py), and re-enqueues batches for
every queued row; `watch` (a job every SMS_CLAIM_TIMEOUT_SECONDS while a broadcast is open)
runs it; `resume` carries a paused broadcast on.
"""
import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from broadcasts.lifecycle import (REQUESTS_PER_JOB, enqueue_batches, finish_if_done, load, plan,
                                  schedule_watch)
from core import jobs
from models import Broadcast, Message, db, utcnow
from models.message import QUEUED, SENDING

log = logging.getLogger(__name__)


def resume(broadcast_id):
    """After a pause (AT balance topped up) or a crash: carry on with whoever is left."""
    broadcast = load(broadcast_id)
    if broadcast is None or broadcast.status in (Broadcast.DONE, Broadcast.CANCELLED):
        return broadcast
    if broadcast.status == Broadcast.PAUSED:
        broadcast.status = Broadcast.SENDING if broadcast.planned_at else Broadcast.PLANNING
        broadcast.pause_reason = None
        db.session.commit()
    current_app.extensions["redis"].delete("sms:admin-alert:balance")
    reconcile(broadcast_id)
    schedule_watch(broadcast_id)  # keep watching until it is done
    return load(broadcast_id)


def reconcile(broadcast_id, stale_after=None, requeue_all=True):
    """Make sure every recipient is sent exactly once after crashes; returns rows enqueued.

    Rows claimed more than `stale_after` seconds ago whose AT answer was never recorded (and
    that no delivery report adopted) are queued and sent again. With requeue_all, batches
    are enqueued for every queued row (their jobs may have died with a worker); extra jobs
    for the same rows are harmless, the claim lets only one of them send.
    """
    config = current_app.config
    broadcast = load(broadcast_id)
    if broadcast is None or broadcast.status not in (Broadcast.PLANNING, Broadcast.SENDING, Broadcast.WAITING):
        return 0
    if broadcast.planned_at is None:
        plan(broadcast_id)
    stale_after = config["SMS_CLAIM_TIMEOUT_SECONDS"] if stale_after is None else stale_after
    released = sorted(db.session.execute(
        db.update(Message)
        .where(Message.broadcast_id == broadcast_id, Message.status == SENDING, Message.at_message_id.is_(None),
               Message.claimed_at < utcnow() - timedelta(seconds=stale_after))
        .values(status=QUEUED, failure_reason="send result lost; sending again", updated_at=utcnow())
        .returning(Message.id).execution_options(synchronize_session=False)).scalars().all())
    db.session.commit()
    bulk, per_job = jobs.queue(jobs.BULK), config["AT_BATCH_SIZE"] * REQUESTS_PER_JOB
    if released:
        log.warning("broadcast %s: %d message(s) claimed by a worker that never recorded AT's answer and "
                    "no delivery report adopted: sending them again", broadcast_id, len(released))
    if not requeue_all:
        enqueue_batches(bulk, broadcast_id, released, per_job)
        finish_if_done(broadcast_id)
        return len(released)
    last_id, enqueued = 0, 0
    while True:
        ids = db.session.execute(
            select(Message.id).where(Message.broadcast_id == broadcast_id, Message.status == QUEUED,
                                     Message.id > last_id).order_by(Message.id).limit(per_job * 4)
        ).scalars().all()
        if not ids:
            break
        enqueue_batches(bulk, broadcast_id, ids, per_job)
        last_id, enqueued = ids[-1], enqueued + len(ids)
    finish_if_done(broadcast_id)
    return enqueued


def watch(broadcast_id):
    """Every SMS_CLAIM_TIMEOUT_SECONDS while a broadcast is open: release stale claims, and
    when nothing moved since the last look (its batch jobs died with a worker), re-enqueue
    every queued row. A slow but moving broadcast is left alone (no duplicate jobs)."""
    redis = current_app.extensions["redis"]
    redis.delete(f"sms:broadcast-watch:{broadcast_id}")
    open_rows = db.session.execute(select(func.count()).select_from(Message).where(
        Message.broadcast_id == broadcast_id, Message.status.in_((QUEUED, SENDING)))).scalar_one()
    progress_key = f"sms:broadcast-open:{broadcast_id}"
    before = redis.get(progress_key)
    moving = before is not None and open_rows < int(before)
    redis.set(progress_key, open_rows, ex=86400)
    enqueued = reconcile(broadcast_id, requeue_all=not moving)
    broadcast = load(broadcast_id)
    if broadcast is not None and broadcast.status in (Broadcast.PLANNING, Broadcast.SENDING):
        schedule_watch(broadcast_id)
    return enqueued
