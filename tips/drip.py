"""The weekly tip drip: every miner who agreed to SMS gets one tip a week, on
TIP_DRIP_WEEKDAY (0 = Monday) at TIP_DRIP_HOUR, Africa/Nairobi time.

Exactly once per miner per ISO week, however many workers run it and however often: the
tip's delivery row carries the week (`2026-W48`) and (miner_id, drip_week) is unique, so
the worker whose insert lands sends, every other one skips (models/claim.py). The job runs
every few minutes (cron_config.py, RQ cron); a run before this week's slot does nothing,
a run after it sends to whoever has not had this week's tip yet, so a restart or an
outage late in the week catches up, but only in daytime (no tips at 3 am).
"""
import logging
from datetime import datetime, time, timedelta

from flask import current_app

from core import jobs
from sms import encoding
from core.i18n import NAIROBI, N_, translate
from models import Miner, TipDelivery, db, utcnow
from models.claim import claim
from sms.outbound import queue_sms
from tips.catalogue import catalogue
from tips.delivery import choose_tips

log = logging.getLogger(__name__)

# Catch-up sends (a day after the slot) only within these local hours.
DAYTIME = (7, 19)
BATCH = 500

MSG_STOP = N_("TIP STOP to end tips")


def week_key(local):
    year, week, _ = local.isocalendar()
    return f"{year}-W{week:02d}"


def slot_for(now, weekday, hour):
    """(ISO week key, this week's drip time as an aware datetime) for the instant `now`."""
    local = now.astimezone(NAIROBI)
    monday = local.date() - timedelta(days=local.weekday())
    slot = datetime.combine(monday + timedelta(days=weekday), time(hour), tzinfo=NAIROBI)
    return week_key(local), slot


def is_due(now, weekday, hour):
    week, slot = slot_for(now, weekday, hour)
    local = now.astimezone(NAIROBI)
    if local < slot:
        return None
    if local.date() != slot.date() and not DAYTIME[0] <= local.hour < DAYTIME[1]:
        return None
    return week


def run_weekly_drip(now=None):
    """Send this week's tip to every consented miner who has not had it; returns how many."""
    now = now or utcnow()
    weekday, hour = current_app.config["TIP_DRIP_WEEKDAY"], current_app.config["TIP_DRIP_HOUR"]
    if not (0 <= weekday <= 6 and 0 <= hour <= 23):
        raise ValueError(f"TIP_DRIP_WEEKDAY must be 0-6 (Monday=0) and TIP_DRIP_HOUR 0-23, got {weekday}, {hour}")
    week = is_due(now, weekday, hour)
    if week is None:
        return 0
    cat = catalogue()
    if not cat.order:
        log.warning("weekly tip drip: no tips loaded (flask --app app tips load)")
        return 0
    done_this_week = db.select(TipDelivery.miner_id).filter(TipDelivery.drip_week == week,
                                                             TipDelivery.miner_id.is_not(None))
    sent, last_id = 0, 0
    while True:
        batch = db.session.execute(
            db.select(Miner.id, Miner.phone, Miner.locale)
            .filter(Miner.id > last_id, Miner.sms_consent_at.is_not(None), Miner.sms_opt_out_at.is_(None),
                    Miner.tips_opt_out_at.is_(None),
                    Miner.unreachable_at.is_(None), Miner.id.not_in(done_this_week))
            .order_by(Miner.id).limit(BATCH)
        ).all()
        if not batch:
            return sent
        chosen = choose_tips([phone for _, phone, _ in batch], cat)
        for miner_id, phone, locale in batch:
            last_id = miner_id
            tip_id, cycle = chosen[phone]
            won = claim(TipDelivery, phone=phone, miner_id=miner_id, tip_id=tip_id, channel="drip",
                        cycle=cycle, drip_week=week, sent_at=now)
            db.session.commit()
            if not won:
                continue  # another worker sent this miner's tip this week
            text = drip_text(cat.tips[tip_id]["en" if locale == "en" else "sw"], locale)
            queue_sms(phone, text, locale=locale, purpose="tip_drip", queue=jobs.BULK, miner_id=miner_id)
            sent += 1


def drip_text(tip, locale):
    """The tip, and how to stop these texts when that still fits one SMS (most tips)."""
    return encoding.fit_one_sms((f"{tip} {translate(locale, MSG_STOP)}", tip))


def weekly_drip_job():
    """The RQ cron entry point (runs inside the app context of worker.AppWorker)."""
    sent = run_weekly_drip()
    if sent:
        log.info("weekly tip drip: %s tips queued", sent)
    return sent
