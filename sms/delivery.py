"""Delivery reports (POST /sms/delivery) and bulk opt-outs (POST /sms/optout).

A message's status only moves forward: reports arrive several times and out of order
(Sent, Submitted, Success), and a late `Sent` must never overwrite `Success`. A report for
an id we do not know is logged and acknowledged - unless it matches a broadcast row whose
send result was lost (worker killed after AT accepted it): then it is adopted, which is
what keeps that recipient from being sent the message twice.
"""
import logging
from datetime import timedelta

from flask import current_app

from core import metrics

from models import Message, Miner, db, utcnow
from models import miner as miners
from models.message import DELIVERED, FAILED, RANK, SENDING, SENT, SUBMITTED

log = logging.getLogger(__name__)

DLR_STATUSES = {
    "Sent": SENT, "Submitted": SUBMITTED, "Buffered": SUBMITTED, "Success": DELIVERED,
    "Failed": FAILED, "Rejected": FAILED, "AbsentSubscriber": FAILED, "Expired": FAILED,
}
OPTED_OUT_REASONS = {"UserInBlackList", "UserInBlacklist"}


def record_delivery(at_id, status, phone=None, failure_reason=None):
    """Apply one delivery report; returns what happened (for logs and tests)."""
    new_status = DLR_STATUSES.get(status)
    if new_status is None:
        log.warning("delivery report %s with unknown status %r ignored", at_id, status)
        return "unknown-status"
    message = db.session.execute(db.select(Message).filter_by(at_message_id=at_id).limit(1)).scalar_one_or_none()
    adopted = False
    if message is None and phone:
        message = _adoptable(phone)
        adopted = message is not None
    if message is None:
        log.info("delivery report for unknown message id %s (%s)", at_id, status)
        return "unknown-id"
    now = utcnow()
    if adopted:
        log.warning("adopting AT message %s for message #%s whose send result was lost", at_id, message.id)
        message.at_message_id = at_id
        message.sent_at = message.sent_at or now
        message.status = SENT
    changed = RANK[new_status] > RANK[message.status]
    if changed and new_status in (DELIVERED, FAILED):
        metrics.sms_status(message.purpose, new_status)
    if changed:
        message.status = new_status
        if new_status == DELIVERED:
            message.delivered_at = now
        if new_status == FAILED:
            message.failure_reason = f"delivery: {failure_reason or status}"[:200]
    # The raw AT status is kept only when it is news (a late 'Sent' does not replace 'Success').
    if changed or message.delivery_status is None:
        message.delivery_status = status[:30]
    if failure_reason in OPTED_OUT_REASONS and message.phone:
        db.session.execute(db.update(Miner).where(Miner.phone == message.phone, Miner.sms_opt_out_at.is_(None))
                           .values(sms_opt_out_at=now).execution_options(synchronize_session=False))
        miners.caller_changed(message.phone)
    db.session.commit()
    return "adopted" if adopted else ("updated" if changed else "unchanged")


def _adoptable(phone):
    """A broadcast row to `phone` claimed for sending whose AT answer never got recorded."""
    window = timedelta(seconds=current_app.config["SMS_CLAIM_TIMEOUT_SECONDS"] * 4)
    return db.session.execute(
        db.select(Message).where(Message.phone == phone, Message.status == SENDING, Message.broadcast_id.is_not(None),
                                 Message.at_message_id.is_(None), Message.claimed_at >= utcnow() - window)
        .order_by(Message.claimed_at.desc()).limit(1)
    ).scalar_one_or_none()


def opt_out(phone, sender_id=None):
    """AT's bulk opt-out callback: this number gets no more bulk SMS (idempotent)."""
    if miners.set_sms(phone, False):
        log.info("%s opted out of bulk SMS from %s", phone, sender_id or "our sender id")
        return True
    log.info("opt-out for %s, who is not a registered miner: nothing to change", phone)
    return False
