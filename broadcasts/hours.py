"""Sending hours: ordinary broadcasts go out only between SMS_SEND_FROM and SMS_SEND_UNTIL,
Nairobi time (SMS_QUIET_HOURS); an urgent safety alert goes at any hour. A job that finds
itself outside the hours puts the broadcast to `waiting` and runs again when they open.
"""
import logging
from datetime import datetime, time, timedelta, timezone

from flask import current_app

from core import jobs
from core.i18n import NAIROBI
from models import db, utcnow
from sms.outbound import retry_policy

log = logging.getLogger(__name__)


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


def may_send_now(broadcast):
    return broadcast.urgent or in_sending_hours()


def wait_for_hours(broadcast, job, *args):
    """Put the broadcast to `waiting` and run `job(*args)` again when the hours open."""
    when = next_sending_start()
    broadcast.status = broadcast.WAITING
    db.session.commit()
    jobs.queue(jobs.BULK).enqueue_at(when, job, *args, job_timeout=3600, retry=retry_policy(),
                                     description=f"broadcast {broadcast.id} after quiet hours")
    log.info("broadcast %s is not urgent: waiting until %s", broadcast.id, when.isoformat())
