"""Filing incidents so that none is ever lost, and changing their status.

`file_incident` is the USSD effect: it runs inside the confirming hop, so the report is
committed before the END screen goes back. When the database cannot be reached the report
goes to the spool (`incidents.spool`) instead and the caller still gets their reference;
the spool is drained into the database once it answers again.

The reference is the idempotency key: filing a report whose reference is already stored
for the same phone and channel files nothing new (a retried hop, a resumed session, a spool
drained twice). A USSD report is filed early, as soon as an urgent one's place is known,
and each later answer files it again with `filed` set: that updates the stored incident
(`update_report`), and alerts the officers again only when the urgency rises. The same reference for a different reporter is a clash of two random
references, never a duplicate: the second report is kept under a new reference.
"""
import json
import logging
from datetime import datetime

from flask import current_app
from rq import Retry
from sqlalchemy import bindparam
from sqlalchemy.exc import IntegrityError

from core import jobs, metrics
from incidents import limits, notify, spool
from incidents.categories import CATEGORY_CODES, CATEGORY_LABELS, MAX_COUNT, NEVER_URGENT, OCCURRED_LABELS, is_urgent
from incidents.reference import new_reference
from models import Incident, IncidentFollowUp, Miner, db, utcnow
from models.base import DATABASE_DOWN, cached_statement, upsert_insert
from models.message import ERASED_TEXT

log = logging.getLogger(__name__)

LAST_INCIDENT_KEY = "incidents:last:{phone}"  # the phone's latest report, for SMS follow-ups
FOLLOW_UP_WINDOW = 30 * 60  # seconds


def _count(value):
    try:
        return max(0, min(MAX_COUNT, int(value or 0)))
    except (TypeError, ValueError):
        return 0


def _clean(payload):
    """A report as the database takes it, from an effect, an SMS or a spooled record."""
    category = payload.get("category") if payload.get("category") in CATEGORY_CODES else "UNCLASSIFIED"
    reported_at = payload.get("reported_at")
    if isinstance(reported_at, str):
        reported_at = datetime.fromisoformat(reported_at)
    dead, injured, trapped = (_count(payload.get(k)) for k in ("dead", "injured", "trapped"))
    anonymous = bool(payload.get("anonymous"))
    return {
        "reference": payload["reference"], "category": category,
        "dead": dead, "injured": injured, "trapped": trapped,
        "urgent": (bool(payload.get("urgent")) or is_urgent(category, dead, injured, trapped))
        and category not in NEVER_URGENT,
        "county": (payload.get("county") or None) and payload["county"][:60],
        "site": (payload.get("site") or None) and payload["site"][:80],
        "registered_place": (payload.get("registered_place") or None) and payload["registered_place"][:140],
        "occurred": payload.get("occurred") if payload.get("occurred") in OCCURRED_LABELS else "now",
        "description": (payload.get("description") or None) and payload["description"][:2000],
        "channel": payload.get("channel", "ussd"), "reporter_phone": payload.get("phone"),
        "locale": payload.get("locale") or "sw", "anonymous": anonymous,
        "notify_reporter": bool(payload.get("notify_reporter", not anonymous)),
        "at_message_id": payload.get("at_message_id"),
        "reported_at": reported_at or utcnow(),
    }


def _same_submission(incident, fields):
    return incident.reporter_phone == fields["reporter_phone"] and incident.channel == fields["channel"]


@cached_statement
def _insert_report():
    """INSERT the report unless its reference or AT message id is stored already (then no row
    comes back); the reporter's miner id is looked up inside the same statement."""
    reporter = db.select(Miner.id).where(Miner.phone == bindparam("reporter_lookup")).scalar_subquery()
    return upsert_insert(Incident).values(miner_id=reporter).on_conflict_do_nothing().returning(Incident.id)


def _stored_as(fields):
    """The stored incident this submission already is (a retried hop, a resumed session, a
    spool drained twice, AT posting an SMS again), or None."""
    if fields["at_message_id"]:
        existing = db.session.execute(
            db.select(Incident).filter_by(at_message_id=fields["at_message_id"])
        ).scalar_one_or_none()
        if existing is not None:
            return existing
    existing = db.session.execute(db.select(Incident).filter_by(reference=fields["reference"])).scalar_one_or_none()
    return existing if existing is not None and _same_submission(existing, fields) else None


def _short_lock_wait(seconds):
    """SQLite: wait at most `seconds` for another writer's lock from now on in this transaction
    (the USSD hop that files a report spools it rather than keep the caller waiting); the
    connection gets its usual wait back when it returns to the pool (models/base.py).
    PostgreSQL: nothing to do (row locks, no file lock)."""
    if not seconds or db.session.get_bind().dialect.name != "sqlite":
        return
    connection = db.session.connection()
    connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(seconds * 1000)}")
    connection.connection._connection_record.info["lock_wait_changed"] = True


def store_report(payload, lock_wait=None):
    """Insert the report unless it is already stored: (incident, created).

    A reference another reporter already holds (two random draws met) is replaced by a
    fresh one: the returned incident has the reference it was filed under. Raises one of
    DATABASE_DOWN when the database is unreachable (nothing is half-done: the session is
    rolled back).

    One statement in the usual case (it runs inside the USSD hop that confirms a report):
    the insert says whether the row went in, and only when it did not are the stored
    rows read to tell a repeat from a clash of references.
    """
    fields = _clean(payload)
    try:
        _short_lock_wait(lock_wait)
        for _ in range(5):
            new_id = db.session.connection().execute(
                _insert_report(), {**fields, "reporter_lookup": fields["reporter_phone"]}).scalar()
            if new_id is not None:
                db.session.commit()
                metrics.incident_filed(fields["category"], fields["urgent"])
                return db.session.get(Incident, new_id), True
            existing = _stored_as(fields)
            if existing is not None:
                if payload.get("filed"):  # a later answer about a report filed early
                    update_report(existing, fields)
                # End the transaction the insert began: on SQLite it holds the write lock,
                # which the alert job on another connection is waiting for.
                db.session.commit()
                return existing, False
            log.warning("incident reference %s clashed; filing under a new one", fields["reference"])
            fields["reference"] = new_reference()
        raise RuntimeError("no free incident reference after 5 draws")
    except BaseException:
        db.session.rollback()
        raise


def file_report(payload, lock_wait=None):
    """Store a report, or spool it when the database is down. Returns (incident or None, created).

    Alerts and receipts are queued for a newly stored incident; a spooled one gets them
    when the spool is drained.
    """
    payload = dict(payload)
    payload.setdefault("reported_at", utcnow().isoformat())
    remember_last(payload.get("phone"), payload["reference"])
    try:
        incident, created = store_report(payload, lock_wait)
        if incident.reference != payload["reference"]:  # renewed after a clash
            remember_last(payload.get("phone"), incident.reference)
    except DATABASE_DOWN as exc:
        spool.put(payload)
        log.error("database unavailable (%s): incident %s spooled, will be filed when it is back",
                  type(exc).__name__, payload["reference"])
        return None, False
    if created:
        log.info("incident %s filed (%s, %s, urgent=%s)", incident.reference, incident.channel,
                 incident.category, incident.urgent)
        queue_notifications(incident)
        if spool.has_local_files():  # written while Redis was down too: the database is back now
            spool.schedule_drain()
    return incident, created


def queue_notifications(incident):
    """Hand the alerts and the receipt to a job (on the `alerts` queue for an urgent incident).

    Working them out (officers to look up, texts to render, a message row and a send job per
    SMS) costs several statements and enqueues: too slow for the USSD hop that confirms the
    report, which only has to store it. The job runs within moments on the queue served first.
    """
    if not _queue_job(notify_filed, incident, "alerts and receipt"):
        # The report is safe: the cron process's alert sweep (notify.sweep_unalerted, every
        # minute) queues what this could not.
        log.error("incident %s stored; the alert sweep will queue its alerts", incident.reference)


def _queue_job(func, incident, what):
    """Queue `func(incident.id)` with retries (on the `alerts` queue, served first, when the
    incident is urgent); False when Redis refused."""
    try:
        jobs.queue(jobs.ALERTS if incident.urgent else jobs.REPLIES).enqueue(func, incident.id, job_timeout=120, retry=Retry(max=3, interval=[5, 30, 120]),
                                         description=f"incident {incident.reference}: {what}")
        return True
    except Exception as exc:
        log.error("incident %s: %s not queued (%s)", incident.reference, what, type(exc).__name__)
        return False


def notify_filed(incident_id):
    """The job behind queue_notifications: queue the alerts and the receipt, once."""
    incident = db.session.get(Incident, incident_id)
    if incident is None:  # erased in the meantime
        return None
    try:
        notify.incident_filed(incident)
    except Exception as exc:
        # No traceback: SQL parameters in it could carry an anonymous reporter's number. RQ retries.
        db.session.rollback()
        raise RuntimeError(f"alerts for incident {incident.reference} not queued ({type(exc).__name__})") from None
    return incident.reference


# What an update may change, and what makes it worth alerting the officers again.
UPDATABLE = ("category", "dead", "injured", "trapped", "urgent", "county", "site", "occurred", "description",
             "anonymous", "notify_reporter", "locale")


def _raised(incident, dead, trapped, urgent):
    """More dead or trapped people than the officers were told of, or newly urgent."""
    return urgent and (not incident.urgent or dead > incident.dead or trapped > incident.trapped)


def update_report(incident, fields):
    """The reporter's later answers about a stored report (cleaned `fields`): stored, and the
    officers alerted again when the urgency rose. Returns True when it did."""
    raised = _raised(incident, fields["dead"], fields["trapped"], fields["urgent"])
    changed = False
    for name in UPDATABLE:
        if getattr(incident, name) != fields[name]:
            setattr(incident, name, fields[name])
            changed = True
    if not changed:
        return False  # a repeated answer: nothing to store
    incident.updated_at = utcnow()
    db.session.commit()
    if raised:
        queue_alert_again(incident)
    return raised


def fold_into(incident, payload):
    """A report over the phone's hourly cap joins its latest one instead of paging officers
    again: its words become a follow-up, and more dead or trapped people than the latest
    report names raise it (counts, urgency) and alert again. Returns True when it was raised."""
    fields = _clean({**payload, "reference": incident.reference})
    category_label = CATEGORY_LABELS.get(fields["category"], CATEGORY_LABELS["UNCLASSIFIED"])
    words = "; ".join(p for p in (
        f"Another report ({fields['channel'].upper()}): {category_label}",
        f"dead {fields['dead']}, injured {fields['injured']}, trapped {fields['trapped']}",
        ", ".join(x for x in (fields["site"], fields["county"]) if x), fields["description"]) if p)
    last = db.session.execute(
        db.select(IncidentFollowUp.text).filter_by(incident_id=incident.id).order_by(IncidentFollowUp.id.desc())
        .limit(1)).scalar_one_or_none()
    if last != words:  # the same answers again (the summary shown twice): stored once
        add_follow_up(incident, words, channel=fields["channel"])
    dead, injured, trapped = (max(getattr(incident, k), fields[k]) for k in ("dead", "injured", "trapped"))
    urgent = incident.urgent or fields["urgent"] or is_urgent(incident.category, dead, injured, trapped)
    raised = _raised(incident, dead, trapped, urgent)
    if (dead, injured, trapped, urgent) != (incident.dead, incident.injured, incident.trapped, incident.urgent):
        incident.dead, incident.injured, incident.trapped, incident.urgent = dead, injured, trapped, urgent
        incident.updated_at = utcnow()
        db.session.commit()
    if raised:
        queue_alert_again(incident)
    return raised


def queue_alert_again(incident):
    if not _queue_job(alert_again, incident, "urgency rose, alert again"):
        # No sweep would catch this one (the incident was alerted before): store the alerts now;
        # the queued-message sweep sends them once Redis is back.
        notify.alert_officers(incident)


def alert_again(incident_id):
    """The job behind queue_alert_again: the officers get the report as it stands now."""
    incident = db.session.get(Incident, incident_id)
    if incident is None or not incident.urgent:
        return None
    notify.alert_officers(incident)
    db.session.commit()
    return incident.reference


def _own_report(phone, reference):
    try:
        return db.session.execute(
            db.select(Incident).filter_by(reference=reference, reporter_phone=phone)).scalar_one_or_none()
    except DATABASE_DOWN:
        db.session.rollback()
        return None


def file_incident(filed=None, folded=False, **payload):
    """The USSD filing hop (early filing, every later answer, Send): the report is stored,
    updated or spooled before the screen returns. Tells the session the reference it is
    filed under (`filed`), which later answers carry to update the same incident.

    References are random, so with many reports stored a new one can draw a taken reference:
    the report is then filed under a fresh one, and the END screen shows that one.
    A phone over the hourly cap has its new report folded into its latest one."""
    phone = payload.get("phone")
    if folded and filed:
        latest = _own_report(phone, filed)
        if latest is not None:
            fold_into(latest, payload)
            return None
    if not filed and limits.too_many_reports(phone):
        latest = limits.latest_incident(phone)
        if latest is not None and latest.reference != payload["reference"]:  # not this report retried
            log.warning("more than %s reports in an hour from one phone: USSD report joined to %s",
                        limits.MAX_NEW_REPORTS_PER_HOUR, latest.reference)
            fold_into(latest, payload)
            return {"reference": latest.reference, "filed": latest.reference, "folded": True}
    # A caller is waiting on this hop: a locked SQLite file spools the report within a second.
    incident, _created = file_report({**payload, "filed": filed},
                                     lock_wait=current_app.config["SQLITE_HOP_LOCK_WAIT_SECONDS"])
    reference = incident.reference if incident is not None else payload["reference"]
    return {"reference": reference, "filed": reference}


# --- follow-ups (SMS) ----------------------------------------------------------------

def remember_last(phone, reference):
    """The phone's latest report, so that a plain SMS in the next 30 minutes joins it."""
    if not phone:
        return
    try:
        current_app.extensions["redis"].set(LAST_INCIDENT_KEY.format(phone=phone), reference, ex=FOLLOW_UP_WINDOW)
    except Exception:  # threading is a convenience; the report itself must not fail for it
        log.warning("could not remember the last incident of a phone", exc_info=True)


def last_reference(phone):
    value = current_app.extensions["redis"].get(LAST_INCIDENT_KEY.format(phone=phone))
    return value.decode() if isinstance(value, bytes) else value


def add_follow_up(incident, text, *, channel="sms", at_message_id=None):
    """Attach more words to an incident; the same AT message twice is stored once."""
    if at_message_id:
        existing = db.session.execute(
            db.select(IncidentFollowUp).filter_by(at_message_id=at_message_id)
        ).scalar_one_or_none()
        if existing is not None:
            return existing, False
    follow_up = IncidentFollowUp(incident=incident, channel=channel, text=text[:2000], at_message_id=at_message_id)
    db.session.add(follow_up)
    incident.updated_at = utcnow()
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return db.session.execute(
            db.select(IncidentFollowUp).filter_by(at_message_id=at_message_id)
        ).scalar_one(), False
    return follow_up, True


# --- erasure -------------------------------------------------------------------------

def forget_reporter(phone, miner_id):
    """A miner deleted their data: their reports stay, without their number or miner link,
    and without the words they added later (a follow-up may name people, give numbers)."""
    condition = Incident.reporter_phone == phone
    if miner_id is not None:
        condition = condition | (Incident.miner_id == miner_id)
    theirs = db.select(Incident.id).where(condition)
    db.session.execute(
        db.update(IncidentFollowUp).where(IncidentFollowUp.incident_id.in_(theirs)).values(text=ERASED_TEXT)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        db.update(Incident).where(condition).values(reporter_phone=None, miner_id=None, notify_reporter=False)
        .execution_options(synchronize_session=False)
    )


# --- the spool: reports that waited while the database was away ---------------------

def _redis():
    return current_app.extensions["redis"]


def drain_spool_job():
    """The RQ job: drain, then come back later while the database is still away."""
    _redis().delete(spool.SCHEDULED_KEY)
    result = drain_spool()
    if result["left"]:
        spool.schedule_drain(spool.LATER_RETRY)
    return result


def drain_spool(limit=spool.BATCH):
    """File spooled reports into the database, oldest first. Returns counts."""
    result = {"filed": 0, "already_filed": 0, "failed": 0, "left": 0, "database_down": False}
    lock = _redis().lock(spool.LOCK_KEY, timeout=300, blocking_timeout=0)
    if not lock.acquire(blocking=False):
        result["left"] = spool.pending()
        return result  # another drain is running
    try:
        def file_one(payload):
            try:
                incident, created = store_report(payload)
            except DATABASE_DOWN:
                result["database_down"] = True
                return "down"
            except Exception as exc:
                # No traceback: its SQL parameters would carry the reporter's number, and the
                # report may be anonymous. The item itself is kept in the failed list.
                log.error("spooled incident %s cannot be filed (%s); moved aside to %s",
                          payload.get("reference"), type(exc).__name__, spool.FAILED_KEY)
                result["failed"] += 1
                return "failed"
            if created:
                result["filed"] += 1
                log.info("spooled incident %s filed", incident.reference)
                queue_notifications(incident)
            else:
                result["already_filed"] += 1
            return "done"

        for _ in range(limit):
            raw = _redis().lindex(spool.SPOOL_KEY, 0)
            if raw is None:
                break
            outcome = file_one(json.loads(raw))
            if outcome == "down":
                break
            pipe = _redis().pipeline()
            pipe.lrem(spool.SPOOL_KEY, 1, raw)
            if outcome == "failed":
                pipe.rpush(spool.FAILED_KEY, raw)
            pipe.execute()
        if not result["database_down"] and spool.spool_dir().exists():
            for path in sorted(spool.spool_dir().glob("*.json"))[:limit]:
                outcome = file_one(json.loads(path.read_text(encoding="utf-8")))
                if outcome == "down":
                    break
                if outcome == "failed":
                    path.rename(path.with_suffix(".failed"))
                else:
                    path.unlink()
    finally:
        try:
            lock.release()
        except Exception:
            pass
    result["left"] = spool.pending()
    return result
