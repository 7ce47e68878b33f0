"""Inbound SMS: the job behind POST /sms/inbound.

AT retries a callback every minute for up to 12 hours until it gets a 200, so the same
message can arrive many times: it is stored once (unique AT `id`) and handled once. Routing
is by first keyword through `sms.keywords`; anything else is offered to the capabilities'
fallbacks (e.g. an incident follow-up), then gets the rate-limited help reply.
"""
import logging

from flask import current_app
from rq import Retry
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


class InboundBusy(Exception):
    """Another worker is handling this AT id right now; RQ retries this job later."""


def enqueue(fields):
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
    row.keyword, row.locale, row.miner_id = word, message.locale, message.miner_id
    row.handled_at = utcnow()
    db.session.commit()
    if reply:
        queue_sms(phone, reply, locale=message.locale, purpose=f"reply_{(word or 'help').lower()}",
                  miner_id=message.miner_id)
    return word or "fallback"
