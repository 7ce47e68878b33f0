"""Inbound SMS: POST /sms/inbound, and what happens after it answered 200.

Durable before acknowledged: AT never posts a message again once it got its 200, so
`accept` (THE entry point of the callback) first stores the message - one INSERT of the
`sms_inbound` row, unique on AT's id - and only then answers. When the database cannot be
reached the message goes to a file under `instance/inbound-spool/` (flushed to disk) and
the answer is still 200; only when neither can take it does AT get a 503 and retry.

Then a nudge: the message is appended to a Redis list and one drain job is queued. The
drain moves the list into jobs of BATCH_SIZE messages (`handle_batch`), which any worker
runs: one RQ job per fifty messages instead of one each, the bookkeeping that dominated
handling. A message whose handling fails in a batch (the database away, another worker on
the same message) gets a job of its own with the retries AT would have given it. Messages
leave the list only once a job holds them.

Nothing depends on Redis keeping that list: the cron process runs `sweep` every minute,
which files the spooled files into the database and hands every row still unhandled after
SWEEP_AFTER_SECONDS to a batch job (Redis was down at the nudge, lost its data, a worker
died). Handling is once per AT id whatever the number of jobs holding it.

AT retries a callback every minute for up to 12 hours until it gets a 200, so the same
message can arrive many times: it is stored once (unique AT `id`) and handled once. What a
message means is decided by `sms.intake` (through `sms.keywords.decide`): a whole-message
command, an incident report whatever its first word, a keyword, or else it is offered to
the capabilities' fallbacks (e.g. an incident follow-up), then gets the rate-limited help.
"""
import json
import logging
import threading
import time
from datetime import timedelta
from pathlib import Path

from flask import current_app
from redis.exceptions import LockError, RedisError
from rq import Retry

from core import filespool, jobs
from models import InboundMessage, db, utcnow
from models.base import DATABASE_DOWN, cached_statement, upsert_insert
from models.miner import caller_snapshot
from sms import intake, keywords, replies
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
# Replies the hourly per-number budget never holds back: an incident's receipt, and the
# ones with their own rule (STOP: one confirmation; HELP: one an hour).
UNBUDGETED = frozenset({intake.REPORT, "STOP", "HELP"})


class InboundBusy(Exception):
    """Another worker is handling this AT id right now; RQ retries this job later."""


SPOOL_DIR = "inbound-spool"  # under the instance folder: messages the database could not take
SWEEP_AFTER_SECONDS = 120  # an unhandled row this old has lost its nudge (or its jobs)
SWEPT_KEY = "sms:inbound:swept:{at_id}"  # one sweep hand-over per message per SWEPT_SECONDS
SWEPT_SECONDS = 3600  # a message that keeps failing is tried again hourly, not every minute
SWEEP_LIMIT = 2000


def accept(fields):
    """Make a callback's message durable, then nudge a worker. Returns "stored", "duplicate"
    (AT posted it again) or "spooled" (the database is down: kept in a local file). Raises
    OSError only when neither the database nor the local disk could take it: then the
    callback must not answer 200."""
    try:
        stored = _insert(fields)
    except DATABASE_DOWN as exc:
        db.session.rollback()
        filespool.write(spool_dir(), _file_name(fields["id"]), json.dumps(fields, separators=(",", ":")))
        log.error("database unavailable (%s): inbound SMS %s kept in the local spool", type(exc).__name__,
                  fields["id"])
        _spooled_here.set()
        return "spooled"
    if _spooled_here.is_set():  # the database is back: file what this process spooled now
        _spooled_here.clear()
        _drain_spool_quietly()
    if not stored:
        return "duplicate"  # stored before: its nudge was given then, and the sweep is behind it
    state = current_app.extensions.setdefault("sms_inbound", {"redis_down_until": 0.0})
    if time.monotonic() < state["redis_down_until"]:
        return "stored"  # Redis just failed: don't make every callback wait for its retries
    try:
        _nudge(fields)
    except RedisError as exc:
        state["redis_down_until"] = time.monotonic() + REDIS_PAUSE_SECONDS
        log.warning("inbound SMS %s stored; Redis unavailable (%s), the sweep will hand it to a worker",
                    fields["id"], type(exc).__name__)
    return "stored"


# After a failed nudge, callbacks skip Redis for a few seconds (their rows wait for the sweep)
# rather than each spending the client's connection retries on a server that is down.
REDIS_PAUSE_SECONDS = 5
_spooled_here = threading.Event()  # this process wrote to the spool since it last drained it


def _drain_spool_quietly():
    """Called by a callback: a failure here must not cost the caller its 200 (the cron sweep
    drains the spool too)."""
    try:
        drain_spool(limit=100)
    except Exception as exc:
        db.session.rollback()
        _spooled_here.set()
        log.warning("inbound spool not drained yet (%s)", type(exc).__name__)


@cached_statement
def _insert_statement():
    return upsert_insert(InboundMessage).on_conflict_do_nothing().returning(InboundMessage.id)


def _row_values(fields):
    return {
        "at_id": fields["id"][:64], "phone": fields["from"], "to": (fields.get("to") or "")[:20] or None,
        "text": fields.get("text") or "", "link_id": (fields.get("linkId") or "")[:64] or None,
        "network_code": (fields.get("networkCode") or "")[:10] or None,
        "at_date": (fields.get("date") or "")[:40] or None, "received_at": utcnow(),
    }


def _insert(fields):
    """One statement: the row for this AT id unless it is stored already. True when new.

    On a connection of its own (Core, no ORM session: the callback's hot path; about a fifth
    less CPU than through the session), committed when it returns."""
    with db.engine.begin() as connection:
        return connection.execute(_insert_statement(), _row_values(fields)).scalar() is not None


def _nudge(fields):
    """Append the message to the pending list and queue a drain job unless one is queued."""
    redis = current_app.extensions["redis"]
    pipe = redis.pipeline(transaction=False)
    pipe.rpush(PENDING_KEY, json.dumps(fields, separators=(",", ":")))
    pipe.set(DRAIN_QUEUED_KEY, 1, nx=True, ex=DRAIN_QUEUED_SECONDS)
    _, drain_needed = pipe.execute()
    if drain_needed:
        jobs.queue(jobs.REPLIES).enqueue(drain_pending, job_timeout=300, description="sms inbound: drain")


def spool_dir():
    return Path(current_app.instance_path) / SPOOL_DIR


def _file_name(at_id):
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in at_id)[:64]


def drain_spool(limit=SWEEP_LIMIT):
    """File the messages spooled while the database was down (exactly once: the row is
    unique on AT's id, and a file goes only once its row is committed). Returns how many
    files it took; raises when the database is still down. The new rows go to batch jobs
    at once (a Redis failure here leaves them to the sweep's hand-over)."""
    taken, new = 0, []
    for path in filespool.files(spool_dir(), limit):
        try:
            fields = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:  # another process drained it
            continue
        except ValueError:
            log.error("inbound spool file %s is not JSON; moved aside", path.name)
            path.rename(path.with_suffix(".bad"))
            continue
        if _insert(fields):
            new.append(fields)
        path.unlink(missing_ok=True)
        taken += 1
    for start in range(0, len(new), BATCH_SIZE):  # handled now, not at the next sweep
        _queue_batch(new[start:start + BATCH_SIZE])
    return taken


def sweep(older_than_seconds=SWEEP_AFTER_SECONDS, limit=SWEEP_LIMIT):
    """The cron job (every minute): nothing acknowledged waits for ever. Files the local
    spool, then hands every row still unhandled after `older_than_seconds` to batch jobs
    (once an hour per message, so one that keeps failing does not pile up jobs). Returns
    counts."""
    spooled = drain_spool(limit)
    cutoff = utcnow() - timedelta(seconds=older_than_seconds)
    rows = db.session.execute(
        db.select(InboundMessage.at_id, InboundMessage.phone, InboundMessage.to, InboundMessage.text,
                  InboundMessage.link_id, InboundMessage.network_code, InboundMessage.at_date)
        .where(InboundMessage.handled_at.is_(None), InboundMessage.received_at < cutoff,
               InboundMessage.phone.is_not(None))
        .order_by(InboundMessage.id).limit(limit)).all()
    db.session.rollback()
    result = {"spooled": spooled, "unhandled": len(rows), "queued": 0}
    if not rows:
        return result
    redis = current_app.extensions["redis"]
    pipe = redis.pipeline(transaction=False)
    for row in rows:
        pipe.set(SWEPT_KEY.format(at_id=row.at_id), 1, nx=True, ex=SWEPT_SECONDS)
    due = [{"id": row.at_id, "from": row.phone, "to": row.to or "", "text": row.text, "linkId": row.link_id or "",
            "networkCode": row.network_code or "", "date": row.at_date or ""}
           for row, fresh in zip(rows, pipe.execute()) if fresh]
    for start in range(0, len(due), BATCH_SIZE):
        _queue_batch(due[start:start + BATCH_SIZE])
    result["queued"] = len(due)
    if due:
        log.warning("%d acknowledged inbound SMS had no job to handle them; queued them again", len(due))
    return result


def _queue_batch(messages, at_front=False):
    jobs.queue(jobs.REPLIES).enqueue(
        handle_batch, messages, job_timeout=300, retry=Retry(max=3, interval=[5, 30, 120]),
        description=f"sms inbound: {len(messages)} messages", at_front=at_front)


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
            _queue_batch([json.loads(raw) for raw in batch])
            redis.ltrim(PENDING_KEY, len(batch), -1)  # only now that a job holds them
            moved += len(batch)
    finally:
        try:
            lock.release()
        except LockError:
            log.warning("the inbound drain lock expired before the drain finished")


def handle_batch(messages):
    """A batch job: handle each message; one that fails gets its own job with retries.

    Alerts first: when an alert is waiting (the `alerts` queue is not empty), the batch
    stops and hands its remaining messages to a new batch job at the head of its queue, so
    this worker takes the alert now instead of after fifty messages."""
    handled = 0
    alerts = jobs.queue(jobs.ALERTS)
    for position, fields in enumerate(messages):
        if position and alerts.count:
            _queue_batch(messages[position:], at_front=True)
            log.info("inbound batch paused for an alert; %d message(s) continue in a new job",
                     len(messages) - position)
            break
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
    """The stored row for this AT id (the callback stored it; a message from before that
    change, or handed over twice, is stored here); None when it was already handled."""
    query = db.select(InboundMessage).filter_by(at_id=fields["id"][:64])
    row = db.session.execute(query).scalar_one_or_none()
    if row is None:
        _insert({**fields, "from": phone})
        row = db.session.execute(query).scalar_one()
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
    """Decide what the message means (sms.intake, safety first) and run its handler."""
    caller = caller_snapshot(phone, current_app.config["DEFAULT_LOCALE"])
    router = keywords.router()
    decision = router.decide(row.text)
    # A miner's own language; else the one the message is in (MSAADA, HELP, its words);
    # else the one the phone chose before (or the default).
    locale = caller["locale"] if caller["registered"] else (decision.locale or caller["locale"])
    route = None
    if decision.intent == "report":
        route = router.routes[intake.REPORT]
    elif decision.intent == "command":
        route = router.routes[decision.keyword.word]
    word = decision.keyword.word if decision.keyword else (intake.REPORT if route else None)
    message = keywords.Inbound(
        phone=phone, text=row.text, keyword=word, args=decision.args, locale=locale, at_id=row.at_id,
        miner_id=caller.get("miner_id"),
        extra={"decision": decision, "evidence": decision.evidence, "raw_args": decision.raw_args or decision.args})
    if route is not None:
        reply = route.handler(message)
        if reply and route.command not in UNBUDGETED and not replies.within_budget(phone):
            log.warning("reply to %s from %s dropped: over the hourly reply budget", route.command, phone)
            reply = None
    elif decision.intent == "ack":  # "asante", "ok": nothing to answer
        reply = None
    else:
        reply = None
        for handler in router.fallbacks:
            reply = handler(message)
            if reply is not None:
                break
        else:
            reply = replies.fallback_help(message)
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
