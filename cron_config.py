"""RQ cron schedule: `rq cron cron_config --url $REDIS_URL` (the Procfile's cron line).

The cron process only enqueues; the workers (worker.AppWorker) run the jobs inside the app.
Jobs here are idempotent and check the time themselves (in Africa/Nairobi, whatever the
server's zone), so a second cron process or a missed tick does no harm.

The core jobs are listed here; each capability declares its own (`Capability.cron`) and the
registry hands them over. The sweeps are what makes "nothing acknowledged is ever lost" hold
when Redis was down or lost its data (docs/durability.md): each finds in the database what
no job holds any more.
"""
from rq import cron

from app import CAPABILITIES
from core.capability import Registry
from core.jobs import DEFAULT, REPLIES
from ops.balance import check_balance_job
from sms.inbound import drain_pending, sweep as sweep_inbound
from sms.outbound import sweep_stuck


def schedule(registry):
    """Register every cron job: the core ones, then each capability's."""
    # Inbound SMS waiting for a drain job that was lost (a worker died before it ran): at most a
    # minute late. Does nothing when the list is empty.
    cron.register(drain_pending, queue_name=REPLIES, cron="* * * * *", name="sms-inbound-drain", job_timeout=300)
    # Acknowledged inbound SMS that no job holds (Redis down at the callback, or its data lost),
    # and those spooled to disk while the database was down.
    cron.register(sweep_inbound, queue_name=REPLIES, cron="* * * * *", name="sms-inbound-sweep", job_timeout=300)
    # Messages stored `queued` whose send job never reached a queue (a status change during a
    # Redis outage) or was lost with Redis's data.
    cron.register(sweep_stuck, queue_name=REPLIES, cron="* * * * *", name="sms-queued-sweep", job_timeout=300)
    # Africa's Talking balance: kept for the dashboard and broadcast previews; the admins are
    # texted once when it falls below AT_BALANCE_WARN_KES.
    cron.register(check_balance_job, queue_name=DEFAULT, cron="7 * * * *", name="at-balance-check", job_timeout=60)
    for entry in registry.cron:
        cron.register(entry.func, queue_name=entry.queue, cron=entry.cron, name=entry.name, job_timeout=entry.timeout)


schedule(Registry.load(CAPABILITIES))
