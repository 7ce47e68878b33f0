"""RQ cron schedule: `rq cron cron_config --url $REDIS_URL` (the Procfile's cron line).

The cron process only enqueues; the workers (core.jobs.AppWorker) run the jobs inside the
app. Jobs here are idempotent and check the time themselves (in Africa/Nairobi, whatever
the server's zone), so a second cron process or a missed tick does no harm.
"""
from rq import cron

from core.jobs import DEFAULT, REPLIES
from ops.balance import check_balance_job
from sms.inbound import drain_pending
from tips.drip import weekly_drip_job

cron.register(weekly_drip_job, queue_name=DEFAULT, cron="*/10 * * * *", name="tips-weekly-drip", job_timeout=3600)
# Inbound SMS waiting for a drain job that was lost (a worker died before it ran): at most a
# minute late. Does nothing when the list is empty.
cron.register(drain_pending, queue_name=REPLIES, cron="* * * * *", name="sms-inbound-drain", job_timeout=300)
# Africa's Talking balance: kept for the dashboard and broadcast previews; the admins are
# texted once when it falls below AT_BALANCE_WARN_KES.
cron.register(check_balance_job, queue_name=DEFAULT, cron="7 * * * *", name="at-balance-check", job_timeout=60)
