"""Outbound SMS: the one function every capability calls to text someone.

    queue_sms(phone, text, locale="sw", purpose="incident_receipt")

It writes a durable message row (transliterated to GSM-7, encoding and parts counted) and
enqueues a job on the `replies` queue (or `alerts`, `bulk`) that sends it through `sms.gateway`;
the job is retried with exponential backoff up to SMS_MAX_ATTEMPTS times, and the row keeps
the reason when it gives up. The row is what counts: when Redis cannot take the job, the
caller's work still stands (no error) and `sweep_stuck`, run by the cron process every
minute, queues the job of every message left `queued` with no job to send it. `transmit` is the part broadcasts share: claimed rows in, one AT
request, every recipient's outcome recorded.
"""
import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from redis.exceptions import RedisError
from rq import Retry, get_current_job
from sqlalchemy import bindparam, case, func
from sqlalchemy import text as sql

from core import jobs, metrics
from core.i18n import N_, translate
from models import Message, Miner, Officer, db, utcnow
from models.miner import caller_changed
from models.message import FAILED, QUEUED, SENDING, SENT
from sms import encoding, gateway

log = logging.getLogger(__name__)

ADMIN_ALERT_PURPOSE = "admin_alert"
ADMIN_ALERT_KEY = "sms:admin-alert:{kind}"
BALANCE_ALERT = N_("Madini Salama: SMS stopped, AT balance too low. Top up, then run: broadcast resume")


class RetryLater(Exception):
    """Raised by a send job so that RQ runs it again after the next backoff interval."""


def backoff_intervals(app=None):
    """Seconds before each retry: base, 2x base, 4x base ... capped at an hour."""
    config = (app or current_app).config
    base = config["SMS_RETRY_BASE_SECONDS"]
    return [min(3600, base * 2 ** i) for i in range(max(1, config["SMS_MAX_ATTEMPTS"] - 1))]


def retry_policy(app=None):
    config = (app or current_app).config
    if config["SMS_MAX_ATTEMPTS"] <= 1:
        return None
    return Retry(max=config["SMS_MAX_ATTEMPTS"] - 1, interval=backoff_intervals(app))


def queue_sms(phone, text, *, locale, purpose, queue=jobs.REPLIES, miner_id=None, incident_id=None,
              alert_since=None):
    """Send `text` to `phone` (E.164) by SMS from a job; returns the RQ job (None when Redis
    could not take it: the row is stored and `sweep_stuck` queues it).

    The message row is committed first (so the job always finds it); this commits the
    caller's session too. alert_since: see `enqueue_send`.
    """
    message = stage_sms(phone, text, locale=locale, purpose=purpose, miner_id=miner_id, incident_id=incident_id)
    db.session.commit()
    return enqueue_send(message.id, queue, purpose, alert_since=alert_since)


def stage_sms(phone, text, *, locale, purpose, miner_id=None, incident_id=None):
    """The message row of `queue_sms`, added to the caller's transaction (not committed):
    for work that must store its messages and its own change together (exactly once), then
    call `enqueue_send` for each after the commit."""
    analysis = encoding.analyse(text)
    message = Message(
        phone=phone, miner_id=miner_id, incident_id=incident_id, purpose=purpose[:40], text=analysis.text,
        locale=locale,
        encoding=analysis.encoding, segments=analysis.segments, status=QUEUED,
    )
    db.session.add(message)
    db.session.flush()
    return message


def enqueue_send(message_id, queue=jobs.REPLIES, purpose="sms", alert_since=None):
    """Queue the send job of a committed message row; None when Redis is down (logged: the
    row waits for `sweep_stuck`). A message sent by two jobs still goes out once (`claim`).
    alert_since (an urgent report's time): when AT accepts the SMS, the seconds since then
    go to core.metrics (report-to-alert latency)."""
    try:
        return jobs.queue(queue).enqueue(
            send_message, message_id, alert_since=alert_since.timestamp() if alert_since else None,
            retry=retry_policy(), job_timeout=120,
            description=f"sms {purpose} #{message_id}",
        )
    except RedisError as exc:
        log.error("message %s stored but not queued (%s); the queued-message sweep will send it",
                  message_id, type(exc).__name__)
        return None


# Messages whose send job was lost (Redis down when it was queued, or Redis lost its data):
# queued for this long with no attempt yet, or with an attempt long enough ago that no retry
# can still be pending, are queued again by `sweep_stuck`.
STUCK_AFTER_SECONDS = 120
SWEPT_KEY = "sms:outbound:swept:{id}"  # one re-queue per message per SWEPT_SECONDS
SWEPT_SECONDS = 15 * 60
SWEEP_LIMIT = 1000
ALERT_PURPOSES = ("incident_alert", "incident_receipt")  # queued again on the alerts queue


def sweep_stuck(older_than_seconds=STUCK_AFTER_SECONDS, limit=SWEEP_LIMIT):
    """The cron job: queue a send job for each person-to-person message left `queued` with
    none (broadcasts have their own `reconcile`). Returns how many it queued."""
    now = utcnow()
    fresh_cutoff = now - timedelta(seconds=older_than_seconds)
    # A retried message is `queued` again until its next try, at most the last backoff later.
    retry_cutoff = now - timedelta(seconds=older_than_seconds + max(backoff_intervals()))
    rows = db.session.execute(
        db.select(Message.id, Message.purpose)
        .where(Message.status == QUEUED, Message.broadcast_id.is_(None), Message.phone.is_not(None),
               ((Message.attempts == 0) & (Message.created_at < fresh_cutoff))
               | ((Message.attempts > 0) & (Message.updated_at < retry_cutoff)))
        .order_by(Message.id).limit(limit)).all()
    db.session.rollback()  # nothing to keep open while queuing
    if not rows:
        return 0
    redis = current_app.extensions["redis"]
    pipe = redis.pipeline(transaction=False)
    for row in rows:
        pipe.set(SWEPT_KEY.format(id=row.id), 1, nx=True, ex=SWEPT_SECONDS)
    queued = 0
    for row, fresh in zip(rows, pipe.execute()):
        if fresh:
            queue = jobs.ALERTS if row.purpose in ALERT_PURPOSES else jobs.REPLIES
            if enqueue_send(row.id, queue, row.purpose) is None:
                raise RedisError("Redis went away during the queued-message sweep")
            queued += 1
    if queued:
        log.warning("%d stored message(s) had no send job; queued them again", queued)
    return queued


def send_message(message_id, alert_since=None):
    """The job behind queue_sms: claim the row, send it, record what AT said."""
    max_attempts = current_app.config["SMS_MAX_ATTEMPTS"]
    # A row left `sending` by a worker that died long ago may be claimed again.
    claimed = claim(db.select(Message.id).where(Message.id == message_id),
                    reclaim_after=current_app.config["SMS_CLAIM_TIMEOUT_SECONDS"])
    if not claimed:
        log.info("message %s is not waiting to be sent; nothing to do", message_id)
        return None
    row = claimed[0]
    job = get_current_job()
    # A job on the alerts queue sends first under the shared AT rate cap (sms/ratelimit.py).
    outcome = transmit(claimed, row.text, priority=job is not None and job.origin == jobs.ALERTS)
    if outcome.fatal:
        notify_admins_balance()
    if outcome.accepted and alert_since is not None:
        metrics.alert_accepted(time.time() - alert_since)
    if outcome.to_retry:
        if row.attempts >= max_attempts:
            give_up(outcome.to_retry, outcome.reason)
            return "failed"
        raise RetryLater(f"message {message_id}: {outcome.reason}")
    return outcome.summary()


@dataclass
class Claimed:
    id: int
    phone: str
    miner_id: int | None
    text: str
    attempts: int
    purpose: str = ""


def claim(ids_select, reclaim_after=None):
    """Atomically move the queued rows among `ids_select` to `sending`; only this caller
    gets them (a second worker running the same job finds nothing to claim). With
    reclaim_after, rows stuck in `sending` for that many seconds are taken too."""
    now = utcnow()
    claimable = Message.status == QUEUED
    if reclaim_after is not None:
        claimable = claimable | ((Message.status == SENDING) & Message.at_message_id.is_(None)
                                 & (Message.claimed_at < now - timedelta(seconds=reclaim_after)))
    rows = db.session.execute(
        db.update(Message)
        .where(Message.id.in_(ids_select), claimable)
        .values(status=SENDING, claimed_at=now, attempts=Message.attempts + 1, updated_at=now)
        .returning(Message.id, Message.phone, Message.miner_id, Message.text, Message.attempts, Message.purpose)
        .execution_options(synchronize_session=False)
    ).all()
    db.session.commit()
    return [Claimed(*row) for row in rows]


@dataclass
class Outcome:
    accepted: int = 0
    failed: int = 0
    fatal: bool = False
    reason: str = ""
    to_retry: list = field(default_factory=list)  # Claimed rows put back to queued
    ambiguous: list = field(default_factory=list)  # left in sending: AT may have them

    def summary(self):
        return {"accepted": self.accepted, "failed": self.failed, "retry": len(self.to_retry),
                "fatal": self.fatal, "reason": self.reason}


def transmit(claimed, text, *, keep_ambiguous=False, priority=False):
    """Send `text` to the claimed rows in one AT request and record every outcome.

    Rows AT accepted become `sent`; permanent failures `failed` (and the miner is marked
    unreachable or opted out); retryable ones go back to `queued` (listed in to_retry).
    With keep_ambiguous (broadcasts), rows whose answer was lost (read timeout) stay
    `sending` for reconciliation instead of being sent twice. With priority (alerts), the
    request takes a share of the AT rate cap that other traffic leaves free.
    """
    outcome = Outcome()
    now = utcnow()
    try:
        results = gateway.send(text, [row.phone for row in claimed], priority=priority)
    except gateway.RequestFailed as exc:
        outcome.reason = exc.reason
        if exc.ambiguous and keep_ambiguous:
            outcome.ambiguous = list(claimed)
            _update(claimed, failure_reason=exc.reason)
        elif exc.retryable:
            outcome.to_retry = list(claimed)
            _update(claimed, status=QUEUED, failure_reason=exc.reason)
        else:
            outcome.failed = len(claimed)
            _update(claimed, status=FAILED, failure_reason=exc.reason)
        db.session.commit()
        if not (exc.retryable or exc.ambiguous):
            _count_status(claimed, FAILED)
        log.warning("AT request for %d message(s) failed: %s", len(claimed), exc.reason)
        return outcome

    sent, failed, retry, unreachable, opted_out = [], [], [], [], []
    for row, result in zip(claimed, results):
        if result.outcome == gateway.ACCEPTED:
            sent.append({"id": row.id, "status": SENT, "at_message_id": result.message_id, "cost": result.cost,
                         "at_status_code": result.status_code, "sent_at": now, "failure_reason": None,
                         "updated_at": now})
            continue
        reason = f"{result.status_code} {result.reason}" if result.status_code else result.reason
        values = {"id": row.id, "at_status_code": result.status_code, "failure_reason": reason, "updated_at": now}
        if result.outcome in (gateway.RETRY, gateway.FATAL):
            retry.append(row)
            outcome.to_retry.append(row)
            outcome.reason = reason
            outcome.fatal = outcome.fatal or result.outcome == gateway.FATAL
            failed.append({**values, "status": QUEUED})
        else:
            failed.append({**values, "status": FAILED})
            outcome.failed += 1
            if result.outcome == gateway.UNREACHABLE:
                unreachable.append(row)
            elif result.outcome == gateway.OPTED_OUT:
                opted_out.append(row)
    if sent:
        _record_sent(sent, now)
    if failed:
        db.session.execute(db.update(Message), failed)
    if unreachable:
        _mark_miners(unreachable, unreachable_at=now)
    if opted_out:
        _mark_miners(opted_out, sms_opt_out_at=now)
    db.session.commit()
    outcome.accepted = len(sent)
    sent_ids = {values["id"] for values in sent}
    _count_status([row for row in claimed if row.id in sent_ids], SENT)
    _count_status([row for row, values in zip(claimed, results) if values.outcome not in
                   (gateway.ACCEPTED, gateway.RETRY, gateway.FATAL)], FAILED)
    if outcome.failed or outcome.to_retry:
        log.info("AT accepted %d of %d; %d failed for good, %d to retry (%s)",
                 len(sent), len(claimed), outcome.failed, len(outcome.to_retry), outcome.reason)
    return outcome


RECORD_SENT_PG = sql(
    "UPDATE sms_messages AS m SET status = CASE WHEN m.status = 'sending' THEN 'sent' ELSE m.status END, "
    "at_message_id = v.message_id, cost = v.cost, at_status_code = v.code, sent_at = COALESCE(m.sent_at, :now), "
    "failure_reason = NULL, updated_at = :now "
    "FROM unnest(CAST(:ids AS bigint[]), CAST(:message_ids AS text[]), CAST(:costs AS text[]), "
    "CAST(:codes AS smallint[])) AS v(id, message_id, cost, code) WHERE m.id = v.id")


def _record_sent(sent, now):
    """Write AT's messageId and cost on every accepted row. On PostgreSQL one
    UPDATE ... FROM (VALUES ...) statement for the whole request instead of one per row:
    this is the hot path of a 250,000-recipient broadcast. A delivery report that beat the
    answer here (and adopted the row) keeps its status: statuses only move forward."""
    if db.engine.dialect.name != "postgresql":
        table = Message.__table__
        db.session.execute(
            table.update().where(table.c.id == bindparam("row_id"))
            .values(status=case((table.c.status == SENDING, SENT), else_=table.c.status),
                    at_message_id=bindparam("at_message_id"), cost=bindparam("cost"),
                    at_status_code=bindparam("at_status_code"), sent_at=func.coalesce(table.c.sent_at, now),
                    failure_reason=None, updated_at=now),
            [{"row_id": row["id"], "at_message_id": row["at_message_id"], "cost": row["cost"],
              "at_status_code": row["at_status_code"]} for row in sent])
        return
    # Four arrays, one statement; the text is constant so the driver prepares it once.
    db.session.execute(RECORD_SENT_PG, {
        "ids": [row["id"] for row in sent], "message_ids": [row["at_message_id"] for row in sent],
        "costs": [row["cost"] for row in sent], "codes": [row["at_status_code"] for row in sent], "now": now})


def _count_status(rows, status):
    """core.metrics: messages reaching `status`, by purpose."""
    by_purpose = Counter(row.purpose for row in rows)
    for purpose, n in by_purpose.items():
        metrics.sms_status(purpose, status, n)


def _update(rows, **values):
    now = utcnow()
    db.session.execute(db.update(Message), [{"id": row.id, "updated_at": now, **values} for row in rows])


def _mark_miners(rows, **values):
    """AT says a number is invalid (403/404) or blocked us (406): remember it on the miner
    so no broadcast picks it again. Only sets a timestamp that is not set yet."""
    (column, value), = values.items()
    phones = [row.phone for row in rows]
    db.session.execute(
        db.update(Miner).where(Miner.phone.in_(phones), getattr(Miner, column).is_(None))
        .values({column: value}).execution_options(synchronize_session=False))
    caller_changed(*phones)  # the cached caller snapshots (models/miner.py) are written again after the commit


def give_up(rows, reason):
    _update(rows, status=FAILED, failure_reason=f"gave up after retries: {reason}"[:200])
    db.session.commit()
    _count_status(rows, FAILED)
    log.warning("gave up on %d message(s): %s", len(rows), reason)


def notify_admins_balance(detail=None):
    """405 InsufficientBalance: an error log line, and an SMS to every admin with a phone -
    at most once an hour (the SMS itself waits for the top-up like everything else)."""
    log.error("Africa's Talking balance is too low: SMS sending is paused%s", f" ({detail})" if detail else "")
    redis = current_app.extensions["redis"]
    if not redis.set(ADMIN_ALERT_KEY.format(kind="balance"), "1", nx=True, ex=3600):
        return 0
    return text_admins(BALANCE_ALERT)


def text_admins(msgid, **params):
    """Text every active admin with a phone `msgid` in their language; returns how many."""
    admins = db.session.execute(
        db.select(Officer).where(Officer.role == "admin", Officer.phone.is_not(None),
                                 Officer.disabled_at.is_(None))).scalars().all()
    for officer in admins:
        queue_sms(officer.phone, translate(officer.locale, msgid, **params), locale=officer.locale,
                  purpose=ADMIN_ALERT_PURPOSE)
    return len(admins)
