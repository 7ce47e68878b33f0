"""Who is told what about an incident. Every SMS goes through `sms.outbound.queue_sms` on
the `replies` queue (person-to-person, served before bulk); nothing is sent inline.

- Urgent incident: every officer with a phone for its county; all admins with a phone when
  the county has none (or the report has no county).
- USSD report: a receipt to the reporter (an SMS report's reply is its receipt).
- Status change: the reporter, in their language; an anonymous reporter only when they
  asked for updates.
"""
import logging

from sqlalchemy import func

from core import jobs
from models import Incident, Officer, db, utcnow
from models.miner import locale_for
from sms import outbound
from incidents import texts

log = logging.getLogger(__name__)


def alert_recipients(county):
    """Officers to alert for an urgent incident in `county` (deduplicated by phone)."""
    active = db.select(Officer).where(Officer.phone.is_not(None), Officer.disabled_at.is_(None))
    officers = []
    if county:
        officers = db.session.execute(
            active.where(func.lower(Officer.county) == county.strip().lower()).order_by(Officer.id)
        ).scalars().all()
    if not officers:
        officers = db.session.execute(active.where(Officer.role == "admin").order_by(Officer.id)).scalars().all()
    seen, unique = set(), []
    for officer in officers:
        if officer.phone not in seen:
            seen.add(officer.phone)
            unique.append(officer)
    return unique


def reporter_locale(incident):
    """The reporter's language now (a registered miner may have changed it), else the report's."""
    if incident.reporter_phone:
        return locale_for(incident.reporter_phone, incident.locale)
    return incident.locale


def incident_filed(incident: Incident):
    """Queue the alerts and the receipt for a newly stored incident, once (alerted_at)."""
    if incident.alerted_at is not None:
        return
    if incident.urgent:
        for officer in alert_recipients(incident.county):
            outbound.queue_sms(officer.phone, texts.alert_text(officer.locale or "sw", incident),
                               locale=officer.locale or "sw", purpose="incident_alert", queue=jobs.REPLIES,
                               alert_since=incident.reported_at)
        log.info("incident %s: urgent alerts queued for county %s", incident.reference, incident.county or "-")
    if incident.channel == "ussd" and incident.reporter_phone and (not incident.anonymous or incident.notify_reporter):
        locale = reporter_locale(incident)
        outbound.queue_sms(incident.reporter_phone, texts.receipt_text(locale, incident), locale=locale,
                           purpose="incident_receipt", queue=jobs.REPLIES, miner_id=incident.miner_id)
    incident.alerted_at = utcnow()
    db.session.commit()


def status_changed(incident: Incident, new_status):
    """Tell the reporter about a status change (if they may be told)."""
    if not incident.reporter_phone or not incident.notify_reporter:
        return False
    locale = reporter_locale(incident)
    outbound.queue_sms(incident.reporter_phone, texts.status_text(locale, incident.reference, new_status),
                       locale=locale, purpose="incident_status", queue=jobs.REPLIES, miner_id=incident.miner_id)
    return True


def sweep_unalerted(older_than_seconds=60, limit=100):
    """Queue what a failed enqueue left out (Redis hiccup right after the commit)."""
    from datetime import timedelta

    cutoff = utcnow() - timedelta(seconds=older_than_seconds)
    rows = db.session.execute(
        db.select(Incident).where(Incident.alerted_at.is_(None), Incident.created_at < cutoff)
        .order_by(Incident.id).limit(limit)
    ).scalars().all()
    for incident in rows:
        incident_filed(incident)
    return len(rows)


__all__ = ["alert_recipients", "incident_filed", "status_changed", "sweep_unalerted"]
