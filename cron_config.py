"""RQ cron schedule: `rq cron cron_config --url $REDIS_URL` (the Procfile's cron line).

The cron process only enqueues; the workers (core.jobs.AppWorker) run the jobs inside the
app. Jobs here are idempotent and check the time themselves (in Africa/Nairobi, whatever
the server's zone), so a second cron process or a missed tick does no harm.

The sweeps are what makes "nothing acknowledged is ever lost" hold when Redis was down or
lost its data (docs/durability.md): each finds in the database what no job holds any more.
"""
from rq import cron

from core.jobs import ALERTS, DEFAULT, REPLIES
from incidents import spool as incident_spool
from incidents.notify import sweep_unalerted
from ops.balance import check_balance_job
from sms.inbound import drain_pending, sweep as sweep_inbound
from sms.outbound import sweep_stuck
from tips.drip import weekly_drip_job

cron.register(weekly_drip_job, queue_name=DEFAULT, cron="*/10 * * * *", name="tips-weekly-drip", job_timeout=3600)
# Inbound SMS waiting for a drain job that was lost (a worker died before it ran): at most a
# minute late. Does nothing when the list is empty.
cron.register(drain_pending, queue_name=REPLIES, cron="* * * * *", name="sms-inbound-drain", job_timeout=300)
# Acknowledged inbound SMS that no job holds (Redis down at the callback, or its data lost),
# and those spooled to disk while the database was down.
cron.register(sweep_inbound, queue_name=REPLIES, cron="* * * * *", name="sms-inbound-sweep", job_timeout=300)
# Incident reports spooled to local files while the database and Redis were both down.
cron.register(incident_spool.drain, queue_name=DEFAULT, cron="* * * * *", name="incidents-spool-drain",
              job_timeout=300)
# Urgent incidents whose officers' alerts were never queued (alerted_at still empty).
cron.register(sweep_unalerted, queue_name=ALERTS, cron="* * * * *", name="incidents-alert-sweep", job_timeout=120)
# Messages stored `queued` whose send job never reached a queue (a status change during a
# Redis outage) or was lost with Redis's data.
cron.register(sweep_stuck, queue_name=REPLIES, cron="* * * * *", name="sms-queued-sweep", job_timeout=300)
# Africa's Talking balance: kept for the dashboard and broadcast previews; the admins are
# texted once when it falls below AT_BALANCE_WARN_KES.
cron.register(check_balance_job, queue_name=DEFAULT, cron="7 * * * *", name="at-balance-check", job_timeout=60)
