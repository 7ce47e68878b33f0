"""Training sessions: the rules, with the county rule and the audit inside every officer action.

Miners' side (no officer): `book`, `cancel_booking` (USSD effects and the SMS keyword call
them), `send_reminders` (cron). Officers' side (dashboard, API and CLI all call these, the
officer first; core/policy.py): `get`, `create`, `update`, `cancel` (tells those booked),
`invite` (a broadcast, through broadcasts.actions), `set_attendance`. Each checks the role
and the county rule and writes the audit entry (which records the door); bad input is a
TrainingError naming the field (core.policy.FieldInvalid: the API's 400 `invalid`).

Seats are never over-booked: a seat is taken by one conditional UPDATE
(`booked < seats`), and a phone has at most one booking row per session (unique
constraint); a lost race rolls the whole transaction back and answers "already booked".
"""
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import orjson
from flask import current_app
from sqlalchemy import func, select
from sqlalchemy import update as sql_update

from broadcasts import actions as broadcast_actions
from core import phones as phone_numbers
from core.policy import FieldInvalid, NotFound, county_clause, require, require_scope, username
from models import Miner, db, utcnow
from models import audit
from models.claim import claim
from models.miner import locale_for
from models.training import (ATTENDED, BOOKED, CANCELLED, TOPICS, WAITING, TrainingBooking, TrainingSession)
from training import texts
from training.snapshot import SNAPSHOT

log = logging.getLogger(__name__)

CALLER_KEY = "training:caller:{phone}"  # what the USSD journey knows about the caller's bookings
ATTENDED_SHOWN = 5
PURPOSE_PROMOTED, PURPOSE_REMINDER, PURPOSE_CANCELLED = "training_seat", "training_reminder", "training_cancelled"


ACTION = "trainings"  # Officer.may: admins, and officers (in their county)
MAX_ID = 2**31 - 1


class TrainingError(FieldInvalid):
    """Bad input from an officer; `field` names what to fix (API: 400 "field: reason")."""


@dataclass
class Outcome:
    """What a booking or a cancellation did: `result` is a key of texts.USSD_RESULTS."""

    result: str
    session: TrainingSession | None = None
    position: int = 0  # on the waiting list

    def params(self, locale):
        if self.session is None:
            return {"n": self.position}
        return {**texts.params(as_dict(self.session), locale), "n": self.position}


# --- reading ---------------------------------------------------------------------------

def as_dict(session):
    """A session as the snapshot and the API show it."""
    return {
        "id": session.id, "topic": session.topic, "title": dict(session.title or {}), "county": session.county,
        "venue": session.venue, "starts_at": session.starts_at.astimezone(timezone.utc).isoformat(),
        "seats": session.seats, "booked": session.booked, "status": session.status,
    }


def serialise(session):
    data = as_dict(session)
    data["starts_at"] = session.starts_at.astimezone(texts.NAIROBI).isoformat()
    waiting = db.session.execute(select(func.count()).select_from(TrainingBooking).filter_by(
        session_id=session.id, status=WAITING)).scalar_one()
    attended = db.session.execute(select(func.count()).select_from(TrainingBooking).filter_by(
        session_id=session.id, status=ATTENDED)).scalar_one()
    data.update(waiting=waiting, attended=attended, created_by=session.created_by,
                invited_broadcast_id=session.invited_broadcast_id)
    return data


def scoped_query(officer):
    """The sessions an officer sees (the county rule in the query)."""
    return select(TrainingSession).where(county_clause(officer, TrainingSession.county))


def get(officer, session_id):
    """The session; NotFound when there is none, OutOfScope when it is another county's."""
    session = db.session.get(TrainingSession, session_id) if isinstance(session_id, int) \
        and 0 < session_id <= MAX_ID else None
    if session is None:
        raise NotFound("no such training session")
    require_scope(officer, session.county)
    return session


def upcoming(county, sessions=None, now=None):
    """The scheduled sessions of `county` not started yet, soonest first (from the snapshot)."""
    now = now or utcnow()
    sessions = SNAPSHOT.get() if sessions is None else sessions
    return [s for s in sessions if s["county"].casefold() == (county or "").casefold()
            and datetime.fromisoformat(s["starts_at"]) > now]


def attendees(session, officer=None):
    """Bookings of a session: waiting list in order, then the others."""
    rows = db.session.execute(
        select(TrainingBooking, Miner.name).outerjoin(Miner, Miner.id == TrainingBooking.miner_id)
        .filter(TrainingBooking.session_id == session.id).order_by(TrainingBooking.queued_at, TrainingBooking.id)
    ).all()
    full = officer is None or officer.sees_full_numbers
    return [{"phone": b.phone if full else phone_numbers.mask(b.phone), "name": name or "", "status": b.status,
             "booking_id": b.id, "via": b.via} for b, name in rows]


# --- officers: create, change, cancel, invite ---------------------------------------------

def _text(value, field, maximum):
    if not isinstance(value, str) or not value.strip():
        raise TrainingError(field, "is required")
    value = " ".join(value.split())
    if len(value) > maximum:
        raise TrainingError(field, f"at most {maximum} characters")
    from sms import encoding

    if not encoding.is_gsm7(value):
        value = encoding.to_gsm7(value)
    return value


def _county(value):
    from flows.catalog import county_code

    if not isinstance(value, str) or not value.strip():
        raise TrainingError("county", "is required")
    county = county_code(value)
    if county is None:
        raise TrainingError("county", "is not a mining county we serve")
    return county


def _starts_at(value, now):
    if isinstance(value, datetime):
        moment = value
    else:
        if not isinstance(value, str) or not value.strip():
            raise TrainingError("starts_at", "is required (e.g. 2026-12-10T09:00:00+03:00)")
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise TrainingError("starts_at", "must be a date and time like 2026-12-10T09:00:00+03:00") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=texts.NAIROBI)
    try:
        moment = moment.astimezone(timezone.utc)
    except OverflowError:
        raise TrainingError("starts_at", "is out of range") from None
    if moment <= now:
        raise TrainingError("starts_at", "must be in the future")
    return moment


def _seats(value, minimum=1):
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise TrainingError("seats", "must be a whole number")
    try:
        seats = int(str(value).strip())
    except ValueError:
        raise TrainingError("seats", "must be a whole number") from None
    if not minimum <= seats <= texts.SEATS_MAX:
        raise TrainingError("seats", f"must be from {minimum} to {texts.SEATS_MAX}")
    return seats


def _titles(value):
    if not isinstance(value, dict) or not any(isinstance(v, str) and v.strip() for v in value.values()):
        raise TrainingError("title", 'give the title per language, e.g. {"sw": "...", "en": "..."}')
    unknown = sorted(set(value) - {"sw", "en"})
    if unknown:
        raise TrainingError("title", f"unknown language(s) {', '.join(unknown)}; use sw and en")
    titles = {}
    for locale in ("sw", "en"):
        if value.get(locale) not in (None, ""):
            titles[locale] = _text(value[locale], f"title.{locale}", texts.TITLE_MAX)
    return titles


def clean(body, now=None):
    """A new session's fields from an officer's input (API JSON, dashboard form, CLI)."""
    if not isinstance(body, dict):
        raise TrainingError("body", "send a JSON object")
    now = now or utcnow()
    topic = body.get("topic")
    if topic not in TOPICS:
        raise TrainingError("topic", f"must be one of {', '.join(TOPICS)}")
    return {"topic": topic, "title": _titles(body.get("title")), "county": _county(body.get("county")),
            "venue": _text(body.get("venue"), "venue", texts.VENUE_MAX),
            "starts_at": _starts_at(body.get("starts_at"), now), "seats": _seats(body.get("seats"))}


def create(officer, body):
    """An officer creates a session in a county (theirs, when they have one)."""
    require(officer, ACTION)
    data = clean(body)
    require_scope(officer, data["county"])
    session = TrainingSession(**data, status="scheduled", created_by=username(officer))
    db.session.add(session)
    db.session.flush()
    audit.record(officer, "training_created", session.id, {"county": session.county, "topic": session.topic,
                                                            "starts_at": session.starts_at.isoformat(),
                                                            "seats": session.seats}, commit=False)
    db.session.commit()
    SNAPSHOT.invalidate()
    return session


EDITABLE = ("title", "venue", "starts_at", "seats", "status")


def update(officer, session_id, body):
    """PATCH: change title, venue, start, seats; `status: cancelled` cancels and tells those booked."""
    require(officer, ACTION)
    session = get(officer, session_id)
    if not isinstance(body, dict) or not body:
        raise TrainingError("body", f"send a JSON object with any of {', '.join(EDITABLE)}")
    unknown = sorted(set(body) - set(EDITABLE))
    if unknown:
        raise TrainingError(unknown[0], f"cannot be changed; use {', '.join(EDITABLE)}")
    if "status" in body and body["status"] not in ("cancelled", "scheduled"):
        raise TrainingError("status", "only 'cancelled' can be set")
    if session.status == "cancelled":
        if body.get("status") == "cancelled" and len(body) == 1:
            return session  # cancelling twice does nothing
        raise TrainingError("status", "this session is cancelled; create a new one")
    if body.get("status") == "scheduled" and len(body) == 1:
        return session
    now = utcnow()
    changes = {}
    if "title" in body:
        changes["title"] = {**(session.title or {}), **_titles(body["title"])}
    if "venue" in body:
        changes["venue"] = _text(body["venue"], "venue", texts.VENUE_MAX)
    if "starts_at" in body:
        changes["starts_at"] = _starts_at(body["starts_at"], now)
    if "seats" in body:
        changes["seats"] = _seats(body["seats"])
    messages, changed_phones = [], set()
    for key, value in changes.items():
        setattr(session, key, value)
    if "starts_at" in changes:
        # a new date: everyone booked gets the reminder for the new day
        db.session.execute(sql_update(TrainingBooking).filter_by(session_id=session.id).values(reminded_at=None))
    if body.get("status") == "cancelled":
        messages, changed_phones = _cancel_session(session, now)
    db.session.flush()
    if "seats" in changes and session.status == "scheduled":
        more, phones = _fill_seats(session, now)
        messages += more
        changed_phones |= phones
    detail = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in changes.items()}
    if body.get("status") == "cancelled":
        detail["status"] = "cancelled"
        detail["told"] = len(messages)
    audit.record(officer, "training_cancelled" if body.get("status") == "cancelled" else "training_updated",
                 session.id, detail, commit=False)
    db.session.commit()
    _after_commit(messages, changed_phones)
    return session


def cancel(officer, session_id):
    """Cancel a session: those booked or waiting are told by SMS. Cancelling twice does nothing."""
    return update(officer, session_id, {"status": "cancelled"})


def _cancel_session(session, now):
    session.status, session.cancelled_at, session.booked = "cancelled", now, 0
    told = db.session.execute(select(TrainingBooking).filter(
        TrainingBooking.session_id == session.id, TrainingBooking.status.in_((BOOKED, WAITING)))).scalars().all()
    messages = []
    for booking in told:
        booking.status, booking.updated_at = CANCELLED, now
        messages.append(_stage(booking, texts.SMS_SESSION_CANCELLED, session, PURPOSE_CANCELLED))
    return messages, {b.phone for b in told}


def invite(officer, session_id):
    """An invitation by SMS through the broadcasts: the county's miners who accept SMS get one
    text per language saying how to book (SMS TRAINING / MAFUNZO, or *384*12# then 6, 1).
    The broadcast is the officer's (broadcasts.actions.create: the `broadcasts` role, the
    broadcasts' county rule, one audit entry `broadcast_created` naming the training)."""
    require(officer, "broadcasts")
    session = get(officer, session_id)
    if session.status != "scheduled" or session.starts_at <= utcnow():
        raise TrainingError("status", "only a scheduled session that has not started can be announced")
    shortcode = current_app.config.get("AT_SHORTCODE") or "22384"
    data = as_dict(session)
    invitation = {locale: texts.sms_text(locale, texts.SMS_INVITE, seats=session.seats, shortcode=shortcode,
                                         **texts.params(data, locale)) for locale in ("sw", "en")}
    broadcast, _preview = broadcast_actions.create(officer, invitation, {"county": [session.county]},
                                            about={"training": session.id})
    session.invited_broadcast_id = broadcast.id
    db.session.commit()
    return broadcast


def set_attendance(officer, session_id, phones, *, replace=False):
    """Mark `phones` as attended (a phone with no booking is a walk-in). With `replace` (the
    dashboard checklist), ticks taken off go back to `booked`. Returns the attended phones."""
    require(officer, ACTION)
    session = get(officer, session_id)
    if session.status == "cancelled":
        raise TrainingError("status", "this session was cancelled")
    if not isinstance(phones, (list, tuple)):
        raise TrainingError("phones", 'send a list of phone numbers, e.g. ["+254712345678"]')
    wanted = []
    for raw in phones:
        try:
            wanted.append(phone_numbers.normalise(raw))
        except phone_numbers.InvalidPhone:
            raise TrainingError("phones", f"not a phone number: {str(raw)[:24]}") from None
    now = utcnow()
    bookings = {b.phone: b for b in db.session.execute(
        select(TrainingBooking).filter_by(session_id=session.id)).scalars()}
    changed = set()
    for phone in dict.fromkeys(wanted):
        booking = bookings.get(phone)
        if booking is None:
            miner_id = db.session.execute(select(Miner.id).filter_by(phone=phone)).scalar()
            booking = TrainingBooking(session_id=session.id, phone=phone, miner_id=miner_id, status=ATTENDED,
                                      via="officer", queued_at=now, updated_at=now, attended_at=now)
            db.session.add(booking)
            session.booked += 1
            changed.add(phone)
        elif booking.status != ATTENDED:
            if booking.status != BOOKED:
                session.booked += 1
            booking.status, booking.attended_at, booking.updated_at = ATTENDED, now, now
            changed.add(phone)
    if replace:
        for phone, booking in bookings.items():
            if booking.status == ATTENDED and phone not in wanted:
                booking.status, booking.attended_at, booking.updated_at = BOOKED, None, now
                changed.add(phone)
    audit.record(officer, "training_attendance", session.id,
                 {"attended": len(set(wanted)), "changed": [phone_numbers.mask(p) for p in sorted(changed)][:50]},
                 commit=False)
    db.session.commit()
    _after_commit([], changed)
    return sorted(set(wanted))


# --- miners: book and cancel ----------------------------------------------------------------

def _booking(session_id, phone):
    return db.session.execute(select(TrainingBooking).filter_by(session_id=session_id, phone=phone)
                              .execution_options(populate_existing=True)).scalar_one_or_none()


def _position(booking):
    return db.session.execute(select(func.count()).select_from(TrainingBooking).filter(
        TrainingBooking.session_id == booking.session_id, TrainingBooking.status == WAITING,
        (TrainingBooking.queued_at < booking.queued_at)
        | ((TrainingBooking.queued_at == booking.queued_at) & (TrainingBooking.id <= booking.id)))).scalar_one()


def _take_seat(session_id):
    """One conditional UPDATE: True when a seat was free and is now taken (never over-booked)."""
    result = db.session.execute(
        sql_update(TrainingSession)
        .where(TrainingSession.id == session_id, TrainingSession.status == "scheduled",
               TrainingSession.booked < TrainingSession.seats)
        .values(booked=TrainingSession.booked + 1).execution_options(synchronize_session=False))
    return result.rowcount == 1


def _free_seat(session_id):
    db.session.execute(sql_update(TrainingSession).where(TrainingSession.id == session_id, TrainingSession.booked > 0)
                       .values(booked=TrainingSession.booked - 1).execution_options(synchronize_session=False))


def book(session_id, phone, *, via="ussd", now=None):
    """Book a seat (or a place on the waiting list) for a registered miner."""
    now = now or utcnow()
    session = db.session.get(TrainingSession, session_id, populate_existing=True)
    if session is None:
        return Outcome("gone")
    if session.status == "cancelled":
        return Outcome("cancelled", session)
    if session.starts_at <= now:
        return Outcome("past", session)
    miner_id = db.session.execute(select(Miner.id).filter_by(phone=phone)).scalar()
    if miner_id is None:
        return Outcome("unregistered", session)
    existing = _booking(session_id, phone)
    if existing is not None and existing.status in (BOOKED, ATTENDED):
        return Outcome("already", session)
    if existing is not None and existing.status == WAITING:
        return Outcome("already_waiting", session, _position(existing))
    status = BOOKED if _take_seat(session_id) else WAITING
    values = {"status": status, "miner_id": miner_id, "via": via, "queued_at": now, "updated_at": now,
              "reminded_at": None, "attended_at": None}
    if existing is not None:  # booked before and cancelled: the same row again
        stored = db.session.execute(sql_update(TrainingBooking).where(
            TrainingBooking.id == existing.id, TrainingBooking.status == CANCELLED).values(**values)
            .execution_options(synchronize_session=False)).rowcount == 1
    else:
        stored = claim(TrainingBooking, session_id=session_id, phone=phone, **values)
    if not stored:  # another request of the same phone won the race: nothing taken twice
        db.session.rollback()
        again = _booking(session_id, phone)
        waiting = again is not None and again.status == WAITING
        return Outcome("already_waiting" if waiting else "already", db.session.get(TrainingSession, session_id),
                       _position(again) if waiting else 0)
    db.session.commit()
    db.session.refresh(session)
    booking = _booking(session_id, phone)
    position = _position(booking) if status == WAITING else 0
    _after_commit([], {phone})
    return Outcome(status, session, position)


def cancel_booking(session_id, phone, *, now=None):
    """A miner frees their seat (or leaves the waiting list); the first waiting gets the seat."""
    now = now or utcnow()
    session = db.session.get(TrainingSession, session_id, populate_existing=True)
    if session is None:
        return Outcome("gone")
    booking = _booking(session_id, phone)
    if booking is None or booking.status not in (BOOKED, WAITING):
        return Outcome("nothing", session)
    if session.starts_at <= now:
        return Outcome("past", session)
    was = booking.status
    changed = db.session.execute(sql_update(TrainingBooking).where(
        TrainingBooking.id == booking.id, TrainingBooking.status == was).values(status=CANCELLED, updated_at=now)
        .execution_options(synchronize_session=False)).rowcount == 1
    if not changed:
        db.session.rollback()
        return Outcome("nothing", session)
    messages, phones = [], {phone}
    if was == BOOKED:
        _free_seat(session_id)
        db.session.flush()
        db.session.refresh(session)
        messages, promoted = _fill_seats(session, now)
        phones |= promoted
    db.session.commit()
    _after_commit(messages, phones)
    return Outcome("freed", session)


def _fill_seats(session, now):
    """Give free seats to the waiting list, first come first served; each one promoted is
    told by SMS (staged in this transaction). Returns (messages, phones)."""
    messages, phones = [], set()
    while _take_seat(session.id):
        first = db.session.execute(select(TrainingBooking).filter_by(session_id=session.id, status=WAITING)
                                   .order_by(TrainingBooking.queued_at, TrainingBooking.id).limit(1)).scalar()
        promoted = first is not None and db.session.execute(sql_update(TrainingBooking).where(
            TrainingBooking.id == first.id, TrainingBooking.status == WAITING)
            .values(status=BOOKED, updated_at=now).execution_options(synchronize_session=False)).rowcount == 1
        if not promoted:
            _free_seat(session.id)
            if first is None:
                break
            continue
        messages.append(_stage(first, texts.SMS_PROMOTED, session, PURPOSE_PROMOTED))
        phones.add(first.phone)
    db.session.flush()
    db.session.refresh(session)
    return messages, phones


# --- SMS and the caller detail ---------------------------------------------------------------

def _stage(booking, msgid, session, purpose):
    from sms.outbound import stage_sms

    locale = locale_for(booking.phone, current_app.config["DEFAULT_LOCALE"])
    text = texts.sms_text(locale, msgid, **texts.params(as_dict(session), locale))
    return stage_sms(booking.phone, text, locale=locale, purpose=purpose, miner_id=booking.miner_id).id


def _after_commit(message_ids, phones):
    from sms.outbound import enqueue_send

    for message_id in message_ids:
        enqueue_send(message_id, purpose="training")
    for phone in phones:
        refresh_caller(phone)
    try:
        SNAPSHOT.invalidate()
    except Exception as exc:  # the booking is stored; screens catch up on the next change
        log.warning("training snapshot not refreshed (%s)", type(exc).__name__)


def caller_record(phone):
    """What the USSD journey keeps about the caller: {"b": {session id: status}, "a": [attended]}."""
    rows = db.session.execute(
        select(TrainingBooking.session_id, TrainingBooking.status, TrainingSession.title, TrainingSession.starts_at)
        .join(TrainingSession, TrainingSession.id == TrainingBooking.session_id)
        .filter(TrainingBooking.phone == phone).order_by(TrainingSession.starts_at.desc())).all()
    booked = {str(r.session_id): r.status for r in rows if r.status in (BOOKED, WAITING)}
    attended = [{"d": r.starts_at.astimezone(timezone.utc).isoformat(), "t": dict(r.title or {})}
                for r in rows if r.status == ATTENDED][:ATTENDED_SHOWN]
    return {"b": booked, "a": attended}


def refresh_caller(phone):
    """Write the caller detail again from the database (after a change is committed)."""
    try:
        record = caller_record(phone)
        redis = current_app.extensions["redis"]
        key = CALLER_KEY.format(phone=phone)
        if record["b"] or record["a"]:
            redis.set(key, orjson.dumps(record))
        else:
            redis.delete(key)
    except Exception as exc:  # the booking stands; the menu may show it late
        log.warning("training caller detail not refreshed (%s)", type(exc).__name__)


def read_caller_detail(raw):
    """The caller detail as the session keeps it (caller["training"])."""
    if not raw:
        return {}
    try:
        return {"training": orjson.loads(raw)}
    except orjson.JSONDecodeError:
        return {}


# --- the day-before reminder (cron) ----------------------------------------------------------

def send_reminders(now=None):
    """SMS every booked miner whose session is tomorrow (Nairobi), once per booking, in sending
    hours. The claim (`reminded_at`, set only where still empty) and the SMS row are committed
    together, so a second cron process or a retried job sends nothing twice. Returns how many."""
    from broadcasts.hours import in_sending_hours

    now = now or utcnow()
    if not in_sending_hours(now):
        return 0
    tomorrow = now.astimezone(texts.NAIROBI).date() + timedelta(days=1)
    start = datetime(tomorrow.year, tomorrow.month, tomorrow.day, tzinfo=texts.NAIROBI)
    due = db.session.execute(
        select(TrainingBooking.id).join(TrainingSession, TrainingSession.id == TrainingBooking.session_id).filter(
            TrainingBooking.status == BOOKED, TrainingBooking.reminded_at.is_(None),
            TrainingSession.status == "scheduled", TrainingSession.starts_at >= start,
            TrainingSession.starts_at < start + timedelta(days=1), TrainingSession.starts_at > now)
        .order_by(TrainingBooking.id)).scalars().all()
    sent = 0
    for booking_id in due:
        claimed = db.session.execute(sql_update(TrainingBooking).where(
            TrainingBooking.id == booking_id, TrainingBooking.reminded_at.is_(None), TrainingBooking.status == BOOKED)
            .values(reminded_at=now).execution_options(synchronize_session=False)).rowcount == 1
        if not claimed:
            db.session.rollback()
            continue
        booking = db.session.get(TrainingBooking, booking_id, populate_existing=True)
        message_id = _stage(booking, texts.SMS_REMINDER, booking.session, PURPOSE_REMINDER)
        db.session.commit()
        _after_commit_sms(message_id)
        sent += 1
    return sent


def _after_commit_sms(message_id):
    from sms.outbound import enqueue_send

    enqueue_send(message_id, purpose="training")


def reminders_job():
    """The cron entry (every 15 minutes): idempotent, checks the time itself."""
    return send_reminders()


# --- the overview numbers ---------------------------------------------------------------------

def overview(officer=None, county=None, now=None):
    """Trainings held and upcoming, seats booked, miners trained (share of women), attendance."""
    now = now or utcnow()
    sessions = scoped_query(officer).filter(TrainingSession.status == "scheduled")
    if county:
        sessions = sessions.filter(func.lower(TrainingSession.county) == county.lower())
    ids = sessions.with_only_columns(TrainingSession.id).subquery()
    held = db.session.execute(sessions.with_only_columns(func.count()).filter(
        TrainingSession.starts_at <= now)).scalar_one()
    upcoming_count = db.session.execute(sessions.with_only_columns(func.count()).filter(
        TrainingSession.starts_at > now)).scalar_one()
    bookings = select(TrainingBooking).join(TrainingSession, TrainingSession.id == TrainingBooking.session_id).filter(
        TrainingBooking.session_id.in_(select(ids.c.id)))
    booked = db.session.execute(bookings.with_only_columns(func.count()).filter(
        TrainingSession.starts_at > now, TrainingBooking.status == BOOKED)).scalar_one()
    came = db.session.execute(bookings.with_only_columns(func.count()).filter(
        TrainingSession.starts_at <= now, TrainingBooking.status == ATTENDED)).scalar_one()
    expected = db.session.execute(bookings.with_only_columns(func.count()).filter(
        TrainingSession.starts_at <= now, TrainingBooking.status.in_((BOOKED, ATTENDED)))).scalar_one()
    trained = db.session.execute(bookings.with_only_columns(func.count(func.distinct(TrainingBooking.phone))).filter(
        TrainingBooking.status == ATTENDED)).scalar_one()
    women = db.session.execute(bookings.with_only_columns(func.count(func.distinct(TrainingBooking.phone)))
                               .join(Miner, Miner.id == TrainingBooking.miner_id)
                               .filter(TrainingBooking.status == ATTENDED, Miner.gender == "woman")).scalar_one()
    return {"held": held, "upcoming": upcoming_count, "booked": booked, "trained": trained, "women": women,
            "women_share": round(100 * women / trained) if trained else None,
            "attendance_rate": round(100 * came / expected) if expected else None}


def impact_summary(start, end, county=None, now=None):
    """The training numbers of the impact summary (finance capability, issue 16 item 5): the
    sessions held from `start` to `end` (UTC datetimes, `end` excluded; a session is held when
    it was not cancelled and its start has passed), in `county` (None: every county), and on
    those sessions the seats booked (booked or attended), the miners who attended (one each,
    however many sessions they came to) and the women among them (by the miner's record).

    Returns {"held", "booked", "attended", "attended_women"}; the caller applies the county rule
    by the county it passes."""
    now = now or utcnow()
    held = (select(TrainingSession.id)
            .filter(TrainingSession.status == "scheduled", TrainingSession.starts_at >= start,
                    TrainingSession.starts_at < end, TrainingSession.starts_at <= now))
    if county:
        held = held.filter(func.lower(TrainingSession.county) == county.lower())
    held = held.subquery()
    bookings = select(TrainingBooking).filter(TrainingBooking.session_id.in_(select(held.c.id)))
    attended = bookings.filter(TrainingBooking.status == ATTENDED)
    people = func.count(func.distinct(TrainingBooking.phone))
    return {
        "held": db.session.execute(select(func.count()).select_from(held)).scalar_one(),
        "booked": db.session.execute(bookings.filter(TrainingBooking.status.in_((BOOKED, ATTENDED)))
                                     .with_only_columns(func.count())).scalar_one(),
        "attended": db.session.execute(attended.with_only_columns(people)).scalar_one(),
        "attended_women": db.session.execute(attended.with_only_columns(people)
                                             .join(Miner, Miner.id == TrainingBooking.miner_id)
                                             .filter(Miner.gender == "woman")).scalar_one(),
    }


# --- erasure ------------------------------------------------------------------------------------


def forget_bookings(phone, miner_id=None):
    """A miner asked to be forgotten: a seat not used yet is freed (the first waiting gets it;
    their SMS waits for the queued-message sweep, as this runs inside the erasure transaction),
    and every booking row loses the phone (counts stay for the overview)."""
    now = utcnow()
    rows = db.session.execute(select(TrainingBooking).filter_by(phone=phone)).scalars().all()
    for booking in rows:
        session = booking.session
        if booking.status in (BOOKED, WAITING) and session.starts_at > now and session.status == "scheduled":
            was, booking.status = booking.status, CANCELLED
            db.session.flush()
            if was == BOOKED:
                _free_seat(session.id)
                db.session.flush()
                _fill_seats(session, now)
        booking.phone, booking.miner_id = f"erased-{booking.id}", None
    db.session.flush()
