"""Who is told what about an incident. Every SMS goes through `sms.outbound` as a message row
and a send job; nothing is sent inline.

- Urgent incident: every officer with a phone for its county; all admins with a phone when
  the county has none (or the report has no county). On the `alerts` queue, which workers
  take before anything else and which has a reserved share of the AT rate cap.
- USSD report: a receipt to the reporter (an SMS report's reply is its receipt); on the
  `alerts` queue too when the report is urgent.
- Status change: the reporter, in their language; an anonymous reporter only when they
  asked for updates.

Exactly once: `incident_filed` claims the incident (alerted_at) and stores its messages in
one transaction, so the job and the sweep (cron, every minute) racing on one incident alert
each officer once. The send jobs are queued after the commit; when Redis cannot take them,
the queued-message sweep (`sms.outbound.sweep_stuck`) sends the stored rows.
"""
import logging


from core import jobs
from models import Incident, db, utcnow
from models import officer as officer_model
from models.miner import locale_for
from sms import outbound
from incidents import texts

log = logging.getLogger(__name__)


def alert_recipients(county):
    """Officers to alert for an urgent incident in `county` (deduplicated by phone)."""
    return officer_model.to_tell(county)


def _stage_alerts(incident):
    """Store the urgent alert for each of the county's officers; (message id, queue, purpose) each."""
    staged = []
    for officer in alert_recipients(incident.county):
        locale = officer.locale or "sw"
        message = outbound.stage_sms(officer.phone, texts.alert_text(locale, incident), locale=locale,
                                     purpose="incident_alert", incident_id=incident.id)
        staged.append((message.id, jobs.ALERTS, message.purpose))
    return staged


def alert_officers(incident):
    """Alert the county's officers again (a report that got worse: more dead or trapped), on the
    alerts queue like the first alert; the messages are stored before their jobs are queued."""
    staged = _stage_alerts(incident)
    db.session.commit()
    for message_id, queue, purpose in staged:
        outbound.enqueue_send(message_id, queue, purpose, alert_since=incident.reported_at)
    log.info("incident %s: urgent alerts queued again for county %s", incident.reference, incident.county or "-")


def reporter_locale(incident):
    """The reporter's language now (a registered miner may have changed it), else the report's."""
    if incident.reporter_phone:
        return locale_for(incident.reporter_phone, incident.locale)
    return incident.locale


def _miner_link(incident):
    """The miner a message to the reporter is filed under: none for an anonymous report."""
    return None if incident.anonymous else incident.miner_id


def incident_filed(incident: Incident):
    """Store the alerts and the receipt for a newly stored incident and queue their sending,
    once per incident whoever calls it (the filing job, the sweep, both at the same moment).
    Returns how many messages it queued (0 when the incident was already done)."""
    now = utcnow()
    # The claim: one UPDATE that only one transaction can make (the row lock / write lock
    # makes a second one wait, then find alerted_at set). Committed with the messages.
    claimed = db.session.execute(
        db.update(Incident).where(Incident.id == incident.id, Incident.alerted_at.is_(None))
        .values(alerted_at=now).execution_options(synchronize_session=False)).rowcount
    if not claimed:
        db.session.rollback()
        return 0
    staged = []  # (message id, queue, purpose)
    if incident.urgent:
        staged.extend(_stage_alerts(incident))
    if incident.channel == "ussd" and incident.reporter_phone and (not incident.anonymous or incident.notify_reporter):
        locale = reporter_locale(incident)
        message = outbound.stage_sms(incident.reporter_phone, texts.receipt_text(locale, incident), locale=locale,
                                     purpose="incident_receipt", miner_id=_miner_link(incident),
                                     incident_id=incident.id)
        staged.append((message.id, jobs.ALERTS if incident.urgent else jobs.REPLIES, message.purpose))
    db.session.commit()
    db.session.refresh(incident)
    for message_id, queue, purpose in staged:
        # The officers' alert reports how long after the report AT took it (core.metrics).
        since = incident.reported_at if purpose == "incident_alert" else None
        outbound.enqueue_send(message_id, queue, purpose, alert_since=since)
    if incident.urgent:
        log.info("incident %s: urgent alerts queued for county %s", incident.reference, incident.county or "-")
    return len(staged)


def status_changed(incident: Incident, new_status):
    """Tell the reporter about a status change (if they may be told)."""
    if not incident.reporter_phone or not incident.notify_reporter:
        return False
    locale = reporter_locale(incident)
    outbound.queue_sms(incident.reporter_phone, texts.status_text(locale, incident.reference, new_status),
                       locale=locale, purpose="incident_status", queue=jobs.REPLIES, miner_id=_miner_link(incident),
                       incident_id=incident.id)
    return True


def sweep_unalerted(older_than_seconds=60, limit=100):
    """The cron job (every minute): alerts and receipts of incidents stored more than a
    minute ago that nothing has queued (Redis lost the filing job, or was down when it was
    queued). Exactly once with the filing job (see incident_filed). Returns how many."""
    from datetime import timedelta

    cutoff = utcnow() - timedelta(seconds=older_than_seconds)
    rows = db.session.execute(
        db.select(Incident).where(Incident.alerted_at.is_(None), Incident.created_at < cutoff)
        .order_by(Incident.urgent.desc(), Incident.id).limit(limit)
    ).scalars().all()
    done = 0
    for incident in rows:
        incident_filed(incident)
        done += 1
    if done:
        log.warning("%d stored incident(s) had no alerts queued; queued them now", done)
    return done


__all__ = ["alert_officers", "alert_recipients", "incident_filed", "status_changed", "sweep_unalerted"]
