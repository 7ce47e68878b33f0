"""The per-phone cap on new reports, the same on SMS and USSD.

More new reports than MAX_NEW_REPORTS_PER_HOUR from one phone in an hour are not filed as
new incidents: each is folded into the phone's latest report (a follow-up, and when it
names more dead or trapped people, raised counts and a new alert). Officers are not paged
again and again by one prankster or one panicking caller, and no report is ever dropped.
"""
import logging

from flask import current_app

from models import Incident, db
from models.base import DATABASE_DOWN

log = logging.getLogger(__name__)

MAX_NEW_REPORTS_PER_HOUR = 5
REPORT_RATE_KEY = "incidents:rate:{phone}"  # counts new reports of a phone, both channels


def too_many_reports(phone):
    """Count one new report from `phone`; True when it is over the hourly cap.

    Without Redis the cap is not applied (a report is never refused for lack of a counter)."""
    if not phone:
        return False
    key = REPORT_RATE_KEY.format(phone=phone)
    try:
        pipe = current_app.extensions["redis"].pipeline()
        pipe.set(key, 0, ex=3600, nx=True)  # the hour starts at the first report (works on Redis 6)
        pipe.incr(key)
        _, count = pipe.execute()
    except Exception as exc:
        log.warning("report rate counter unavailable (%s): not capping", type(exc).__name__)
        return False
    return count > MAX_NEW_REPORTS_PER_HOUR


def latest_incident(phone):
    """The phone's newest report, or None (also when the database is away: then the report
    is filed, or spooled, as a new one)."""
    try:
        return db.session.execute(
            db.select(Incident).filter_by(reporter_phone=phone).order_by(Incident.id.desc()).limit(1)
        ).scalar_one_or_none()
    except DATABASE_DOWN:
        db.session.rollback()
        return None
