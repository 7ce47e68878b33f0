"""Officers' broadcasts: one text per language to an audience of miners, exactly once each.

How a broadcast goes out (all in RQ jobs on the `bulk` queue):

1. `start` (now, or at `send_at` through the RQ scheduler) waits for sending hours unless
   the broadcast is urgent (ordinary notices only 07:00-19:00 Nairobi time), then `plan`s.
2. `plan` streams the audience by miner id (keyset pages, never the whole list in memory)
   and writes one message row per recipient with INSERT ... SELECT ... ON CONFLICT DO NOTHING
   on the unique key (broadcast_id, miner_id) - so planning again after a crash adds only
   who is missing. Each page of new rows becomes `send_batch` jobs (AT_BATCH_SIZE rows each).
3. `send_batch` skips rows whose miner opted out meanwhile, claims the rest atomically
   (queued -> sending: a second worker on the same range finds nothing), sends one AT
   request per language group, and records every recipient's result. Retryable failures
   go back to queued and the job is retried with exponential backoff; a 405
   (InsufficientBalance) pauses the broadcast and tells the admins.
4. `reconcile` (run by the `watch` job every SMS_CLAIM_TIMEOUT_SECONDS while the broadcast is
   open, and by `resume`) re-plans if planning was cut short, releases rows claimed by a
   worker that died before recording AT's answer (unless a delivery report adopted them,
   see sms/delivery.py), and re-enqueues batches for every queued row.
"""
import logging
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import and_, func, literal, or_, select, true

from core import jobs
from core.i18n import LOCALES
from models import Broadcast, Message, Miner, db, utcnow
from models.message import CANCELLED, DELIVERED, FAILED, QUEUED, SENDING, SENT, SKIPPED, SUBMITTED
from models.base import upsert_insert
from sms import encoding
from sms.outbound import RetryLater, claim, give_up, notify_admins_balance, retry_policy, transmit

log = logging.getLogger(__name__)

NAIROBI = ZoneInfo("Africa/Nairobi")
PURPOSE = "broadcast"
MAX_SEGMENTS = 6
# AT requests one batch job makes (AT_BATCH_SIZE recipients each): fewer, larger jobs keep
# RQ's own bookkeeping (~40 Redis calls per job) small next to the sending.
REQUESTS_PER_JOB = 5
AT_OPT_OUT_HEADROOM = 40  # AT appends opt-out instructions to the first bulk SMS to a number
AUDIENCE_KEYS = ("all", "county", "site", "role", "gender", "language", "registered_after", "registered_before")


class BroadcastError(ValueError):
    """Bad input for a broadcast; the message says what to fix."""


# --- input ----------------------------------------------------------------------------

def _as_list(value, key):
    if value is None or value == "" or value == []:
        return None
    values = value if isinstance(value, (list, tuple)) else [value]
    if not all(isinstance(v, str) and v.strip() for v in values):
        raise BroadcastError(f"audience.{key} must be a text or a list of texts")
    return [" ".join(v.split()) for v in values]


def _as_date(value, key):
    if value in (None, ""):
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        raise BroadcastError(f"audience.{key} must be a date like 2026-01-31") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=NAIROBI)
    try:
        return parsed.astimezone(timezone.utc).isoformat()
    except OverflowError:  # year 1 or 9999 near midnight: out of range once moved to UTC
        raise BroadcastError(f"audience.{key} must be a date like 2026-01-31") from None


def clean_audience(raw):
    """The audience filters as stored: lists of values and ISO dates; {} (or all) means all."""
    raw = raw or {}
    if not isinstance(raw, dict):
        raise BroadcastError("audience must be an object")
    unknown = sorted(set(raw) - set(AUDIENCE_KEYS))
    if unknown:
        raise BroadcastError(f"unknown audience filter(s): {', '.join(unknown)}; use {', '.join(AUDIENCE_KEYS)}")
    audience = {}
    for key in ("county", "site", "role", "gender", "language"):
        values = _as_list(raw.get(key), key)
        if values:
            audience[key] = values
    for key in ("registered_after", "registered_before"):
        value = _as_date(raw.get(key), key)
        if value:
            audience[key] = value
    if "language" in audience:
        bad = [v for v in audience["language"] if v.lower() not in LOCALES]
        if bad:
            raise BroadcastError(f"audience.language must be among {', '.join(LOCALES)}")
        audience["language"] = [v.lower() for v in audience["language"]]
    if raw.get("all") and len(audience) > 0:
        raise BroadcastError("audience.all cannot be combined with other filters")
    return audience


def clean_texts(raw):
    """{"sw": ..., "en": ...} transliterated to GSM-7 where possible; at least one language."""
    if not isinstance(raw, dict):
        raise BroadcastError("text must be an object like {\"sw\": \"...\", \"en\": \"...\"}")
    unknown = sorted(set(raw) - set(LOCALES))
    if unknown:
        raise BroadcastError(f"text has unknown language(s): {', '.join(unknown)}; use {', '.join(LOCALES)}")
    texts = {}
    for locale in LOCALES:
        value = raw.get(locale)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if not isinstance(value, str):
            raise BroadcastError(f"text.{locale} must be text")
        analysis = encoding.analyse(" ".join(value.split()))
        if analysis.segments > MAX_SEGMENTS:
            raise BroadcastError(f"text.{locale} is {analysis.segments} SMS parts long; at most {MAX_SEGMENTS}")
        texts[locale] = analysis.text
    if not texts:
        raise BroadcastError("give the text in at least one language (sw or en)")
    return texts


def text_locales(texts, default_locale):
    """Which text each miner language gets: its own, else DEFAULT_LOCALE's, else any."""
    fallback = default_locale if default_locale in texts else next(iter(texts))
    return {locale: (locale if locale in texts else fallback) for locale in LOCALES}


# --- audience ---------------------------------------------------------------------------

def reachable():
    """Always excluded: no SMS consent, opted out, or a number AT says is invalid."""
    return and_(Miner.sms_consent_at.is_not(None), Miner.sms_opt_out_at.is_(None), Miner.unreachable_at.is_(None))


def _casefold_in(column, values):
    return func.lower(column).in_([v.casefold() for v in values])


def audience_filter(audience):
    conditions = []
    if audience.get("county"):
        conditions.append(_casefold_in(Miner.county, audience["county"]))
    if audience.get("site"):
        conditions.append(_casefold_in(Miner.site, audience["site"]))
    if audience.get("role"):
        conditions.append(_casefold_in(Miner.role, audience["role"]))
    if audience.get("gender"):
        conditions.append(_casefold_in(Miner.gender, audience["gender"]))
    if audience.get("language"):
        conditions.append(Miner.locale.in_(audience["language"]))
    if audience.get("registered_after"):
        conditions.append(Miner.created_at >= datetime.fromisoformat(audience["registered_after"]))
    if audience.get("registered_before"):
        conditions.append(Miner.created_at < datetime.fromisoformat(audience["registered_before"]))
    return and_(true(), *conditions)


def preview(texts, audience, *, default_locale=None, cost_per_segment=None):
    """What an officer checks before sending: recipients per language, encoding and parts
    per language, estimated cost, and how many in the audience are excluded (opted out...)."""
    config = current_app.config
    default_locale = default_locale or config["DEFAULT_LOCALE"]
    cost_per_segment = config["SMS_COST_PER_SEGMENT_KES"] if cost_per_segment is None else cost_per_segment
    mapping = text_locales(texts, default_locale)
    counts = dict(db.session.execute(
        select(Miner.locale, func.count()).where(audience_filter(audience), reachable()).group_by(Miner.locale)).all())
    excluded = db.session.execute(
        select(func.count()).select_from(Miner).where(audience_filter(audience), ~reachable())).scalar_one()
    languages, total, cost = {}, 0, 0.0
    for locale, text in texts.items():
        recipients = sum(n for miner_locale, n in counts.items() if mapping.get(miner_locale, mapping[default_locale])
                         == locale)
        shown = encoding.preview(text)
        with_note = encoding.analyse(text + " " + "x" * AT_OPT_OUT_HEADROOM)
        if with_note.segments > shown["segments"]:
            shown["warnings"].append(
                f"AT adds ~{AT_OPT_OUT_HEADROOM} characters of opt-out instructions to a first message: "
                f"this text would then take {with_note.segments} parts")
        languages[locale] = {**shown, "recipients": recipients,
                             "cost_kes": round(recipients * shown["segments"] * cost_per_segment, 2)}
        total += recipients
        cost += languages[locale]["cost_kes"]
    # The account balance (asked at most every 5 minutes): a broadcast that costs more stops
    # halfway with AT's InsufficientBalance, so the officer sees it before confirming.
    from ops.balance import current as current_balance

    balance = current_balance()
    return {"recipients": total, "excluded": excluded, "languages": languages, "cost_kes": round(cost, 2),
            "cost_per_segment_kes": cost_per_segment,
            "balance_kes": round(balance.amount, 2) if balance is not None else None,
            "balance_short": balance is not None and balance.amount < cost}


# --- sending hours ----------------------------------------------------------------------

def _hours(app=None):
    start, end = (app or current_app).config["SMS_QUIET_HOURS"]
    return time.fromisoformat(start), time.fromisoformat(end)


def in_sending_hours(now=None):
    local = (now or utcnow()).astimezone(NAIROBI)
    start, end = _hours()
    return start <= local.time() < end


def next_sending_start(now=None):
    local = (now or utcnow()).astimezone(NAIROBI)
    start, _ = _hours()
    candidate = datetime.combine(local.date(), start, tzinfo=NAIROBI)
    if candidate <= local:
        candidate += timedelta(days=1)
    return candidate.astimezone(timezone.utc)


def _may_send_now(broadcast):
    return broadcast.urgent or in_sending_hours()


# --- lifecycle --------------------------------------------------------------------------

def _load(broadcast_id):
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
    broadcast = _load(broadcast_id)
    if broadcast is None or broadcast.status not in (Broadcast.SCHEDULED, Broadcast.WAITING):
        return None
    if not _may_send_now(broadcast):
        _wait_for_hours(broadcast, start, broadcast_id)
        return "waiting"
    broadcast.status, broadcast.started_at = Broadcast.PLANNING, broadcast.started_at or utcnow()
    db.session.commit()
    _schedule_watch(broadcast_id)
    return plan(broadcast_id)


def _wait_for_hours(broadcast, job, *args):
    when = next_sending_start()
    broadcast.status = Broadcast.WAITING
    db.session.commit()
    jobs.queue(jobs.BULK).enqueue_at(when, job, *args, job_timeout=3600, retry=retry_policy(),
                                     description=f"broadcast {broadcast.id} after quiet hours")
    log.info("broadcast %s is not urgent: waiting until %s", broadcast.id, when.isoformat())


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
    broadcast = _load(broadcast_id)
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
            _enqueue_batches(bulk, broadcast_id, ids, batch_size)
    broadcast = _load(broadcast_id)
    total = db.session.execute(select(func.count()).select_from(Message).where(
        Message.broadcast_id == broadcast_id)).scalar_one()
    excluded = db.session.execute(select(func.count()).select_from(Miner).where(
        audience_filter(broadcast.audience), ~reachable())).scalar_one()
    broadcast.total, broadcast.excluded_opted_out, broadcast.planned_at = total, excluded, utcnow()
    if broadcast.status == Broadcast.PLANNING:
        broadcast.status = Broadcast.SENDING
    db.session.commit()
    log.info("broadcast %s planned: %d recipients (%d new rows), %d excluded", broadcast_id, total, new_rows, excluded)
    _finish_if_done(broadcast_id)
    return total


def _enqueue_batches(bulk, broadcast_id, ids, batch_size):
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
    broadcast = _load(broadcast_id)
    if broadcast is None or broadcast.status in (Broadcast.CANCELLED, Broadcast.DONE, Broadcast.PAUSED):
        return "not sending"
    if not _may_send_now(broadcast):
        _wait_for_hours(broadcast, send_batch, broadcast_id, first_id, last_id)
        return "waiting"
    if broadcast.status == Broadcast.WAITING:
        broadcast.status = Broadcast.SENDING
        db.session.commit()
    in_range = and_(Message.broadcast_id == broadcast_id, Message.id.between(first_id, last_id))
    _skip_unreachable(in_range)
    claimed = claim(select(Message.id).where(in_range))
    if not claimed:
        _finish_if_done(broadcast_id)
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
        _schedule_watch(broadcast_id)
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
    _finish_if_done(broadcast_id)
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


def _finish_if_done(broadcast_id):
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
    broadcast = _load(broadcast_id)
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


def resume(broadcast_id):
    """After a pause (AT balance topped up) or a crash: carry on with whoever is left."""
    broadcast = _load(broadcast_id)
    if broadcast is None or broadcast.status in (Broadcast.DONE, Broadcast.CANCELLED):
        return broadcast
    if broadcast.status == Broadcast.PAUSED:
        broadcast.status = Broadcast.SENDING if broadcast.planned_at else Broadcast.PLANNING
        broadcast.pause_reason = None
        db.session.commit()
    current_app.extensions["redis"].delete("sms:admin-alert:balance")
    reconcile(broadcast_id)
    _schedule_watch(broadcast_id)  # keep watching until it is done
    return _load(broadcast_id)


def reconcile(broadcast_id, stale_after=None, requeue_all=True):
    """Make sure every recipient is sent exactly once after crashes; returns rows enqueued.

    Rows claimed more than `stale_after` seconds ago whose AT answer was never recorded (and
    that no delivery report adopted) are queued and sent again. With requeue_all, batches
    are enqueued for every queued row (their jobs may have died with a worker); extra jobs
    for the same rows are harmless, the claim lets only one of them send.
    """
    config = current_app.config
    broadcast = _load(broadcast_id)
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
        _enqueue_batches(bulk, broadcast_id, released, per_job)
        _finish_if_done(broadcast_id)
        return len(released)
    last_id, enqueued = 0, 0
    while True:
        ids = db.session.execute(
            select(Message.id).where(Message.broadcast_id == broadcast_id, Message.status == QUEUED,
                                     Message.id > last_id).order_by(Message.id).limit(per_job * 4)
        ).scalars().all()
        if not ids:
            break
        _enqueue_batches(bulk, broadcast_id, ids, per_job)
        last_id, enqueued = ids[-1], enqueued + len(ids)
    _finish_if_done(broadcast_id)
    return enqueued


def _schedule_watch(broadcast_id):
    delay = current_app.config["SMS_CLAIM_TIMEOUT_SECONDS"]
    key = f"sms:broadcast-watch:{broadcast_id}"
    if current_app.extensions["redis"].set(key, "1", nx=True, ex=max(1, delay)):
        jobs.queue(jobs.BULK).enqueue_in(timedelta(seconds=delay), watch, broadcast_id, job_timeout=600,
                                         description=f"broadcast {broadcast_id} watch")


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
    broadcast = _load(broadcast_id)
    if broadcast is not None and broadcast.status in (Broadcast.PLANNING, Broadcast.SENDING):
        _schedule_watch(broadcast_id)
    return enqueued


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
