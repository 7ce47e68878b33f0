"""Inbound SMS: what happens after POST /sms/inbound answered 200.

The callback only appends the message to a Redis list (`accept`: one round trip, so a
burst after a broadcast is acknowledged at once). A drain job moves the list into jobs of
BATCH_SIZE messages (`handle_batch`), which any worker runs: one RQ job per fifty messages
instead of one each, the bookkeeping that dominated handling. A message whose handling
fails in a batch (the database away, another worker on the same message) gets a job of its
own with the retries AT would have given it. Messages leave the list only once a job holds
them, so a worker that dies loses nothing; a message in two jobs is still handled once.

AT retries a callback every minute for up to 12 hours until it gets a 200, so the same
message can arrive many times: it is stored once (unique AT `id`) and handled once. Routing
is by first keyword through `sms.keywords`; anything else is offered to the capabilities'
fallbacks (e.g. an incident follow-up), then gets the rate-limited help reply.
"""
import json
import logging

from flask import current_app
from rq import Retry
from redis.exceptions import LockError
from sqlalchemy.exc import IntegrityError

from core import jobs
from models import InboundMessage, db, utcnow
from models.miner import caller_snapshot
from sms import commands, keywords
from sms.outbound import queue_sms

log = logging.getLogger(__name__)

# AT never posts a callback again once it got its 200, so a job that cannot reach the
# database (an outage, a failover) must try again itself - for about as long as AT would
# have (~16 hours in all). Handling is idempotent on AT's id, so a retry never doubles.
INBOUND_RETRY_SECONDS = [5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600]
INBOUND_RETRIES = 24
# AT may post one message twice at once (a retry while our 200 was on its way), so two
# workers can hold jobs for the same id: a short lock per id lets only one handle it. The
# other job is retried later and then finds it handled (or, if the first worker died, the
# lock expired and it handles it itself).
INBOUND_LOCK_KEY = "sms:inbound:lock:{at_id}"
INBOUND_LOCK_SECONDS = 120


PENDING_KEY = "sms:inbound:pending"  # accepted callbacks no job holds yet (JSON, oldest first)
DRAIN_QUEUED_KEY = "sms:inbound:drain-queued"  # set while a drain job is queued or running
DRAIN_QUEUED_SECONDS = 60  # should that job be lost, the next callback (or the cron line) queues another
DRAIN_LOCK_KEY = "sms:inbound:drain-lock"
BATCH_SIZE = 50


class InboundBusy(Exception):
    """Another worker is handling this AT id right now; RQ retries this job later."""


def accept(fields):
    """Take a callback's message (raises RedisError when Redis is down: then AT must retry)."""
    redis = current_app.extensions["redis"]
    pipe = redis.pipeline(transaction=False)
    pipe.rpush(PENDING_KEY, json.dumps(fields, separators=(",", ":")))
    pipe.set(DRAIN_QUEUED_KEY, 1, nx=True, ex=DRAIN_QUEUED_SECONDS)
    _, drain_needed = pipe.execute()
    if drain_needed:
        jobs.queue(jobs.REPLIES).enqueue(drain_pending, job_timeout=300, description="sms inbound: drain")


def drain_pending():
    """The drain job: hand every pending message to a batch job; returns how many it moved."""
    redis = current_app.extensions["redis"]
    lock = redis.lock(DRAIN_LOCK_KEY, timeout=120)
    # Another drain may be just finishing (it would not see what came after its last look).
    if not lock.acquire(blocking=True, blocking_timeout=30):
        return 0
    moved = 0
    try:
        while True:
            batch = redis.lrange(PENDING_KEY, 0, BATCH_SIZE - 1)
            if not batch:
                redis.delete(DRAIN_QUEUED_KEY)
                if redis.llen(PENDING_KEY) == 0:  # nothing came in while the flag was set
                    return moved
                continue
            jobs.queue(jobs.REPLIES).enqueue(
                handle_batch, [json.loads(raw) for raw in batch], job_timeout=300,
                retry=Retry(max=3, interval=[5, 30, 120]), description=f"sms inbound: {len(batch)} messages")
            redis.ltrim(PENDING_KEY, len(batch), -1)  # only now that a job holds them
            moved += len(batch)
    finally:
        try:
            lock.release()
        except LockError:
            log.warning("the inbound drain lock expired before the drain finished")


def handle_batch(messages):
    """A batch job: handle each message; one that fails gets its own job with retries."""
    handled = 0
    for fields in messages:
        try:
            handle_inbound(fields)
            handled += 1
        except Exception as exc:
            # No traceback: its SQL parameters would carry the sender's number. The next
            # message starts on a fresh session (this one may hold a failed transaction).
            db.session.remove()
            log.warning("inbound SMS %s not handled in its batch (%s); queued on its own",
                        fields.get("id"), type(exc).__name__)
            enqueue(fields)
    return handled


def enqueue(fields):
    """One message's own job, retried for about as long as AT would have kept retrying."""
    return jobs.queue(jobs.REPLIES).enqueue(handle_inbound, fields, job_timeout=60, description="sms inbound",
                                            retry=Retry(max=INBOUND_RETRIES, interval=INBOUND_RETRY_SECONDS))


def _store(fields, phone):
    """The stored row for this AT id, new or not; None when it was already handled."""
    row = InboundMessage(
        at_id=fields["id"][:64], phone=phone, to=(fields.get("to") or "")[:20] or None,
        text=fields.get("text") or "", link_id=(fields.get("linkId") or "")[:64] or None,
        network_code=(fields.get("networkCode") or "")[:10] or None, at_date=(fields.get("date") or "")[:40] or None,
    )
    db.session.add(row)
    try:
        db.session.commit()
        return row
    except IntegrityError:
        db.session.rollback()
    row = db.session.execute(db.select(InboundMessage).filter_by(at_id=fields["id"][:64])).scalar_one()
    return None if row.handled_at is not None else row


def handle_inbound(fields):
    phone = fields["from"]
    row = _store(fields, phone)
    if row is None:
        log.info("inbound SMS %s from %s already handled (AT retried)", fields["id"], phone)
        return "duplicate"
    redis = current_app.extensions["redis"]
    lock = INBOUND_LOCK_KEY.format(at_id=row.at_id)
    if not redis.set(lock, 1, nx=True, ex=INBOUND_LOCK_SECONDS):
        raise InboundBusy(f"inbound SMS {row.at_id} is being handled by another worker")
    try:
        db.session.refresh(row)
        if row.handled_at is not None:  # the other job finished just before we took the lock
            return "duplicate"
        return _handle(row, phone)
    finally:
        redis.delete(lock)


def _handle(row, phone):
    caller = caller_snapshot(phone, current_app.config["DEFAULT_LOCALE"])
    word, implied, rest = keywords.match(row.text)
    # A miner's own language; else the one the keyword is in (MSAADA, HELP); else the one
    # the phone chose before (or the default).
    locale = caller["locale"] if caller["registered"] else (implied or caller["locale"])
    message = keywords.Inbound(phone=phone, text=row.text, keyword=word, args=rest if word else row.text,
                               locale=locale, at_id=row.at_id, miner_id=caller.get("miner_id"))
    if word:
        reply = keywords.ROUTES[word].handler(message)
    else:
        reply = None
        for handler in keywords.FALLBACKS:
            reply = handler(message)
            if reply is not None:
                break
        else:
            reply = commands.fallback_help(message)
    # A handler that joined the message to an incident (a report, a follow-up) says which in
    # `extra`: the message and its reply are tied to it (kept off the miner's page if anonymous).
    incident_id = message.extra.get("incident_id")
    row.keyword, row.locale, row.miner_id, row.incident_id = word, message.locale, message.miner_id, incident_id
    row.handled_at = utcnow()
    db.session.commit()
    if reply:
        queue_sms(phone, reply, locale=message.locale, purpose=f"reply_{(word or 'help').lower()}",
                  miner_id=message.miner_id, incident_id=incident_id)
    return word or "fallback"
