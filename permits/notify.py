"""Telling a county's officers about a new call-back request, by SMS, from a job.

Recipients: the active officers (admins and officers) of the request's county with a
phone; when the county has none, every active admin with a phone, so that no request waits
unseen. Exactly once: the job claims the request (`officers_told_at`) and stores the
messages in one transaction; the sends are queued after the commit (a lost send is re-queued
by sms.outbound's sweep). `sweep_untold` (cron) catches requests whose job Redis lost.
"""
import logging
from datetime import timedelta


from core import jobs
from core.i18n import translate
from core.phones import dialled
from models import db, utcnow
from models import officer as officer_model
from models.permit import CallbackRequest
from permits import texts
from sms import encoding, outbound

log = logging.getLogger(__name__)
PURPOSE = "permit_callback"


def recipients(county):
    """The county's officers and admins with a phone (the admins when the county has none)."""
    return officer_model.to_tell(county, roles=("admin", "officer"))


def officer_text(locale, request):
    from permits.callbacks import reference

    text = translate(locale, texts.SMS_OFFICER, ref=reference(request), county=request.county,
                     topic=translate(locale, texts.TOPIC_WORDS.get(request.topic, texts.TOPIC_WORDS["permit"])),
                     phone=dialled(request.phone))
    return encoding.to_gsm7(text) if not encoding.is_gsm7(text) else text


def tell_officers(request_id):
    """The job: text the county's officers once about this request. Returns how many."""
    claimed = db.session.execute(
        db.update(CallbackRequest).where(CallbackRequest.id == request_id, CallbackRequest.officers_told_at.is_(None),
                                         CallbackRequest.status == "open")
        .values(officers_told_at=utcnow()).execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        db.session.rollback()
        return 0
    request = db.session.get(CallbackRequest, request_id)
    staged = []
    for officer in recipients(request.county):
        locale = officer.locale or "sw"
        message = outbound.stage_sms(officer.phone, officer_text(locale, request), locale=locale, purpose=PURPOSE)
        staged.append(message.id)
    db.session.commit()
    for message_id in staged:
        outbound.enqueue_send(message_id, jobs.REPLIES, PURPOSE)
    log.info("call-back %s: %d officer(s) of %s told", request_id, len(staged), request.county)
    return len(staged)


def sweep_untold(older_than_seconds=120, limit=100):
    """Cron: tell the officers of open requests whose job was lost."""
    before = utcnow() - timedelta(seconds=older_than_seconds)
    ids = db.session.execute(
        db.select(CallbackRequest.id).where(CallbackRequest.officers_told_at.is_(None),
                                            CallbackRequest.status == "open", CallbackRequest.created_at < before)
        .order_by(CallbackRequest.id).limit(limit)).scalars().all()
    return sum(tell_officers(request_id) for request_id in ids)
