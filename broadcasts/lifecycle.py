"""A broadcast's life: one text per language to an audience of miners, exactly once each.

How a broadcast goes out (all in RQ jobs on the `bulk` queue):

1. `start` (now, or at `send_at` through the RQ scheduler) waits for sending hours unless
   the broadcast is urgent (broadcasts/hours.py), then `plan`s.
2. `plan` streams the audience by miner id (keyset pages, never the whole list in memory)
   and writes one message row per recipient with INSERT ... SELECT ... ON CONFLICT DO NOTHING
   on the unique key (broadcast_id, miner_id) - so planning again after a crash adds only
   who is missing. Each page of new rows becomes `send_batch` jobs (AT_BATCH_SIZE rows each).
3. `send_batch` skips rows whose miner opted out meanwhile, claims the rest atomically
   (queued -> sending: a second worker on the same range finds nothing), sends one AT
   request per language group, and records every recipient's result. Retryable failures
   go back to queued and the job is retried with exponential backoff; a 405
   (InsufficientBalance) pauses the broadcast and tells the admins.
4. broadcasts/reconcile.py makes sure of "exactly once" after crashes, and resumes.

Officers reach these through broadcasts/actions.py (role, county rule, audit entry).
"""
import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, func, literal, or_, select

from broadcasts.audience import audience_filter, clean_audience, clean_texts, reachable, text_locales
from broadcasts.hours import may_send_now, wait_for_hours
from core import jobs
from core.i18n import NAIROBI
from models import Broadcast, Message, Miner, db, utcnow
from models.base import upsert_insert
from models.message import CANCELLED, DELIVERED, FAILED, QUEUED, SENDING, SENT, SKIPPED, SUBMITTED
from sms import encoding
from sms.outbound import RetryLater, claim, give_up, notify_admins_balance, retry_policy, transmit

log = logging.getLogger(__name__)

PURPOSE = "broadcast"
# AT requests one batch job makes (AT_BATCH_SIZE recipients each): fewer, larger jobs keep
# RQ's own bookkeeping (~40 Redis calls per job) small next to the sending.
REQUESTS_PER_JOB = 5
WATCH_JOB = "broadcasts.reconcile.watch"


def load(broadcast_id):
    """The broadcast as the database has it now (another process may have moved it on)."""
    return db.session.get(Broadcast, broadcast_id, populate_existing=True)


def create(texts, audience, *, urgent=False, send_at=None, officer_id=None):
    """Store and schedule a broadcast (validated); returns it."""
    texts, audience = clean_texts(texts), clean_audience(audience)
    if send_at is not None and send_at.tzinfo is None:
        send_at = send_at.replace(tzinfo=NAIROBI)
    broadcast = Broadcast(texts=texts, audience=audience, urgent=bool(urgent), send_at=send_at,
                          officer_id=officer_id, status=Broadcast.SCHEDULED)
    db.session.add(broadcast)
    db.session.commit()
    bulk = jobs.queue(jobs.BULK)
    if send_at is not None and send_at > utcnow():
        bulk.enqueue_at(send_at, start, broadcast.id, job_timeout=3600, description=f"broadcast {broadcast.id} start")
    else:
        bulk.enqueue(start, broadcast.id, job_timeout=3600, description=f"broadcast {broadcast.id} start")
    log.info("broadcast %s created (%s, urgent=%s, send_at=%s)", broadcast.id, audience or "all", urgent, send_at)
    return broadcast


def start(broadcast_id):
    broadcast = load(broadcast_id)
    if broadcast is None or broadcast.status not in (Broadcast.SCHEDULED, Broadcast.WAITING):
        return None
    if not may_send_now(broadcast):
        wait_for_hours(broadcast, start, broadcast_id)
        return "waiting"
    broadcast.status, broadcast.started_at = Broadcast.PLANNING, broadcast.started_at or utcnow()
    db.session.commit()
    schedule_watch(broadcast_id)
    return plan(broadcast_id)


def _row_values(broadcast, locale, analysis):
    """Column expressions of one message row per selected miner (INSERT ... SELECT): every
    row of one planning pass has the same text, so a batch is one AT request."""
    now = utcnow()
    return {
        "phone": Miner.phone, "miner_id": Miner.id, "broadcast_id": literal(broadcast.id), "purpose": literal(PURPOSE),
        "text": literal(analysis.text), "locale": literal(locale), "encoding": literal(analysis.encoding),
        "segments": literal(analysis.segments), "status": literal(QUEUED), "attempts": literal(0),
        "created_at": literal(now, Message.created_at.type), "updated_at": literal(now, Message.updated_at.type),
    }


def _speakers(mapping, text_locale, default_locale):
    """Miners who get the `text_locale` text: their language maps to it (an unknown
    language gets the default's text)."""
    languages = [m for m, t in mapping.items() if t == text_locale]
    condition = Miner.locale.in_(languages)
    if mapping.get(default_locale) == text_locale:
        condition = or_(condition, Miner.locale.not_in(list(mapping)))
    return condition


def _insert_rows(columns, where):
    statement = upsert_insert(Message).from_select(list(columns), select(*columns.values()).where(where).order_by(Miner.id))
    statement = statement.on_conflict_do_nothing(index_elements=["broadcast_id", "miner_id"])
    return statement.returning(Message.id)


def plan(broadcast_id):
    """Write every recipient's row (idempotent) and enqueue the batches that send them."""
    config = current_app.config
    broadcast = load(broadcast_id)
    if broadcast is None or broadcast.status in (Broadcast.CANCELLED, Broadcast.DONE):
        return None
    batch_size = config["AT_BATCH_SIZE"] * REQUESTS_PER_JOB
    page = batch_size * 4
    mapping = text_locales(broadcast.texts, config["DEFAULT_LOCALE"])
    bulk, new_rows = jobs.queue(jobs.BULK), 0
    for locale, text in broadcast.texts.items():
        columns = _row_values(broadcast, locale, encoding.analyse(text))
        who = and_(audience_filter(broadcast.audience), reachable(),
                   _speakers(mapping, locale, config["DEFAULT_LOCALE"]))
        last_id = 0
        while True:
            # Keyset page of miner ids: bounded memory whatever the audience size.
            keys = select(Miner.id.label("id")).where(who, Miner.id > last_id).order_by(Miner.id).limit(page).subquery()
            low, high, count = db.session.execute(
                select(func.min(keys.c.id), func.max(keys.c.id), func.count()).select_from(keys)).one()
            if not count:
                break
            ids = sorted(db.session.execute(
                _insert_rows(columns, and_(who, Miner.id.between(low, high)))).scalars().all())
            db.session.commit()
            last_id, new_rows = high, new_rows + len(ids)
            enqueue_batches(bulk, broadcast_id, ids, batch_size)
    broadcast = load(broadcast_id)
    total = db.session.execute(select(func.count()).select_from(Message).where(
        Message.broadcast_id == broadcast_id)).scalar_one()
    excluded = db.session.execute(select(func.count()).select_from(Miner).where(
        audience_filter(broadcast.audience), ~reachable())).scalar_one()
    broadcast.total, broadcast.excluded_opted_out, broadcast.planned_at = total, excluded, utcnow()
    if broadcast.status == Broadcast.PLANNING:
        broadcast.status = Broadcast.SENDING
    db.session.commit()
    log.info("broadcast %s planned: %d recipients (%d new rows), %d excluded", broadcast_id, total, new_rows, excluded)
    finish_if_done(broadcast_id)
    return total


def enqueue_batches(bulk, broadcast_id, ids, batch_size):
    datas = [
        bulk.prepare_data(send_batch, (broadcast_id, chunk[0], chunk[-1]), timeout=600, retry=retry_policy(),
                          description=f"broadcast {broadcast_id} batch {chunk[0]}-{chunk[-1]}", result_ttl=60)
        for chunk in (ids[i:i + batch_size] for i in range(0, len(ids), batch_size))
    ]
    if datas:
        bulk.enqueue_many(datas)
    return len(datas)


def send_batch(broadcast_id, first_id, last_id):
    """Send the broadcast's queued rows with ids first_id..last_id (one RQ job)."""
    config = current_app.config
    broadcast = load(broadcast_id)
    if broadcast is None or broadcast.status in (Broadcast.CANCELLED, Broadcast.DONE, Broadcast.PAUSED):
        return "not sending"
    if not may_send_now(broadcast):
        wait_for_hours(broadcast, send_batch, broadcast_id, first_id, last_id)
        return "waiting"
    if broadcast.status == Broadcast.WAITING:
        broadcast.status = Broadcast.SENDING
        db.session.commit()
    in_range = and_(Message.broadcast_id == broadcast_id, Message.id.between(first_id, last_id))
    _skip_unreachable(in_range)
    claimed = claim(select(Message.id).where(in_range))
    if not claimed:
        finish_if_done(broadcast_id)
        return "nothing to send"
    by_text = {}
    for row in claimed:
        by_text.setdefault(row.text, []).append(row)
    retry, fatal, reason, accepted, ambiguous = [], False, "", 0, 0
    for text, rows in by_text.items():
        for i in range(0, len(rows), config["AT_BATCH_SIZE"]):
            group = rows[i:i + config["AT_BATCH_SIZE"]]
            if fatal:  # 405 already: nothing else can go out; put them back untouched
                _release(group)
                continue
            outcome = transmit(group, text, keep_ambiguous=True)
            accepted += outcome.accepted
            ambiguous += len(outcome.ambiguous)
            retry += outcome.to_retry
            reason = outcome.reason or reason
            fatal = fatal or outcome.fatal
    if ambiguous:
        schedule_watch(broadcast_id)
    if fatal:
        pause(broadcast_id, f"Africa's Talking: {reason}")
        notify_admins_balance(f"broadcast {broadcast_id} paused")
        return {"accepted": accepted, "paused": True}
    if retry:
        exhausted = [row for row in retry if row.attempts >= config["SMS_MAX_ATTEMPTS"]]
        if exhausted:
            give_up(exhausted, reason)
        if len(exhausted) < len(retry):
            raise RetryLater(f"broadcast {broadcast_id}: {len(retry) - len(exhausted)} to retry ({reason})")
    finish_if_done(broadcast_id)
    return {"accepted": accepted}


def _release(rows):
    """Claimed rows that were not attempted go back to queued, their attempt not counted."""
    db.session.execute(db.update(Message), [
        {"id": row.id, "status": QUEUED, "attempts": row.attempts - 1} for row in rows])
    db.session.commit()


def _skip_unreachable(in_range):
    """Rows of miners who opted out, became unreachable or were erased since planning
    (committed together with the claim that follows)."""
    gone = select(Miner.id).where(Miner.id == Message.miner_id, ~reachable()).exists()
    db.session.execute(
        db.update(Message).where(in_range, Message.status == QUEUED, or_(Message.miner_id.is_(None), gone))
        .values(status=SKIPPED, failure_reason="opted out or unreachable before sending", updated_at=utcnow())
        .execution_options(synchronize_session=False))


def _open_rows(broadcast_id):
    return select(Message.id).where(Message.broadcast_id == broadcast_id,
                                    Message.status.in_((QUEUED, SENDING))).limit(1)


def finish_if_done(broadcast_id):
    """The broadcast is done when it is planned and no row is queued or being sent."""
    done = db.session.execute(
        db.update(Broadcast)
        .where(Broadcast.id == broadcast_id, Broadcast.status.in_((Broadcast.SENDING, Broadcast.WAITING)),
               Broadcast.planned_at.is_not(None), ~_open_rows(broadcast_id).exists())
        .values(status=Broadcast.DONE, finished_at=utcnow(), updated_at=utcnow())
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    if done:
        log.info("broadcast %s finished", broadcast_id)
    return bool(done)


def pause(broadcast_id, reason):
    db.session.execute(
        db.update(Broadcast).where(Broadcast.id == broadcast_id, Broadcast.status.in_(Broadcast.ACTIVE))
        .values(status=Broadcast.PAUSED, pause_reason=reason[:200], updated_at=utcnow())
        .execution_options(synchronize_session=False))
    db.session.commit()
    log.error("broadcast %s paused: %s. Resume with: flask --app app broadcast resume %s", broadcast_id, reason,
              broadcast_id)


def cancel(broadcast_id):
    """Stop a broadcast: nothing more is sent; rows already sent stay as they are."""
    broadcast = load(broadcast_id)
    if broadcast is None:
        return None
    if broadcast.status in (Broadcast.DONE, Broadcast.CANCELLED):
        return broadcast
    broadcast.status, broadcast.cancelled_at = Broadcast.CANCELLED, utcnow()
    db.session.execute(
        db.update(Message).where(Message.broadcast_id == broadcast_id, Message.status == QUEUED)
        .values(status=CANCELLED, updated_at=utcnow()).execution_options(synchronize_session=False))
    db.session.commit()
    log.info("broadcast %s cancelled", broadcast_id)
    return broadcast


def schedule_watch(broadcast_id):
    delay = current_app.config["SMS_CLAIM_TIMEOUT_SECONDS"]
    key = f"sms:broadcast-watch:{broadcast_id}"
    if current_app.extensions["redis"].set(key, "1", nx=True, ex=max(1, delay)):
        # By name: reconcile.py builds on this module (a function object would be a cycle).
        jobs.queue(jobs.BULK).enqueue_in(timedelta(seconds=delay), WATCH_JOB, broadcast_id, job_timeout=600,
                                         description=f"broadcast {broadcast_id} watch")


# --- progress -----------------------------------------------------------------------------

def progress(broadcast):
    """Each recipient counted once, in its current state."""
    counts = dict(db.session.execute(
        select(Message.status, func.count()).where(Message.broadcast_id == broadcast.id).group_by(Message.status)
    ).all())
    skipped = counts.get(SKIPPED, 0)
    result = {
        "total": broadcast.total if broadcast.total is not None else sum(counts.values()),
        "queued": counts.get(QUEUED, 0) + counts.get(SENDING, 0),
        "sent": counts.get(SENT, 0) + counts.get(SUBMITTED, 0),
        "delivered": counts.get(DELIVERED, 0),
        "failed": counts.get(FAILED, 0),
        "skipped": skipped,
        "cancelled": counts.get(CANCELLED, 0),
        "opted_out": (broadcast.excluded_opted_out or 0) + skipped,
    }
    result["done"] = result["sent"] + result["delivered"] + result["failed"] + skipped + result["cancelled"]
    return result


def serialise(broadcast):
    def iso(value):
        return value.isoformat() if value else None

    return {
        "id": broadcast.id, "status": broadcast.status, "urgent": broadcast.urgent, "text": broadcast.texts,
        "audience": broadcast.audience, "send_at": iso(broadcast.send_at), "created_at": iso(broadcast.created_at),
        "started_at": iso(broadcast.started_at), "finished_at": iso(broadcast.finished_at),
        "cancelled_at": iso(broadcast.cancelled_at), "pause_reason": broadcast.pause_reason,
        "officer_id": broadcast.officer_id, "counts": progress(broadcast),
    }
