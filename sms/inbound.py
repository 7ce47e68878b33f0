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
from models import InboundMessage, Miner, db, utcnow
from models.miner import LanguagePreference
from sms import commands, keywords
from sms.outbound import queue_sms

log = logging.getLogger(__name__)


def enqueue(fields):
    # AT got its 200 already and will not send this again: if a handler fails (database
    # briefly away...), the job runs again; a stored but unhandled message is handled then.
    return jobs.queue(jobs.REPLIES).enqueue(handle_inbound, fields, job_timeout=60, description="sms inbound",
                                            retry=Retry(max=3, interval=[10, 60, 300]))


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
    default = current_app.config["DEFAULT_LOCALE"]
    miner = db.session.execute(db.select(Miner).filter_by(phone=phone)).scalar_one_or_none()
    word, implied, rest = keywords.match(row.text)
    if miner is not None:
        locale = miner.locale
    elif implied:
        locale = implied
    else:
        preference = db.session.get(LanguagePreference, phone)
        locale = preference.locale if preference else default
    message = keywords.Inbound(phone=phone, text=row.text, keyword=word, args=rest if word else row.text,
                               locale=locale, at_id=row.at_id, miner_id=miner.id if miner else None)
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
