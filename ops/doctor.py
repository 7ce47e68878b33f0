"""`flask --app app doctor`: what would fail silently in a deployment, one line per check.

Each check returns a Check with `ok`, `warn` or `fail` and, when not ok, what to do. The
same checks (less the live questions to AT) feed the warnings on the dashboard overview.
"""
import logging
import time
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, text

from core import jobs
from ops.balance import FAKE_AT_KEY

log = logging.getLogger(__name__)

OK, WARN, FAIL = "ok", "warn", "fail"
DEFAULT_SECRET_KEY = "dev-only-change-me"
WORKER_STALE_SECONDS = 600  # RQ workers heartbeat about every 7 minutes at most
CRON_STALE_SECONDS = 300  # the cron process heartbeats every minute
QUEUE_AGE_WARN, QUEUE_AGE_FAIL = 60, 600  # seconds the oldest waiting job has waited


@dataclass(frozen=True)
class Check:
    name: str
    status: str
    detail: str
    fix: str = ""

    def line(self):
        text_ = f"{self.status.upper():<4} {self.name}: {self.detail}"
        return text_ + (f" -> {self.fix}" if self.fix and self.status != OK else "")


# --- configuration ------------------------------------------------------------------------

def check_config(config):
    """SECRET_KEY, CALLBACK_TOKEN, AT_* for the environment (MADINI_ENV)."""
    production = config.get("ENV_NAME") == "production"
    bad = WARN if not production else FAIL
    where = "production" if production else "development"
    problems, fixes, status = [], [], OK
    secret = config.get("SECRET_KEY") or ""
    if secret == DEFAULT_SECRET_KEY or len(secret) < 32:
        problems.append("SECRET_KEY is the default or shorter than 32 characters")
        fixes.append('set SECRET_KEY to a long random value (python3 -c "import secrets; print(secrets.token_hex(32))")')
    if not config.get("CALLBACK_TOKEN"):
        problems.append("CALLBACK_TOKEN is not set: anyone can post to the callbacks")
        fixes.append("set CALLBACK_TOKEN and put ?token=<it> in every callback URL at Africa's Talking")
    if config.get("AT_API_KEY") in (None, "", FAKE_AT_KEY):
        problems.append("AT_API_KEY is the fake gateway's")
        fixes.append("set AT_USERNAME and AT_API_KEY from the Africa's Talking dashboard")
    elif config.get("AT_USERNAME") == "sandbox" and production:
        problems.append("AT_USERNAME is sandbox: nothing reaches real phones")
        fixes.append("set AT_USERNAME to the live application's username")
    if production and not config.get("AT_SENDER_ID"):
        problems.append("AT_SENDER_ID is not set (AT's shared sender is used)")
        fixes.append("set AT_SENDER_ID to your registered sender ID or shortcode")
    if problems:
        status = bad
    return Check("config", status, f"{where}: " + ("; ".join(problems) if problems else "settings are set"),
                 "; ".join(fixes))


# --- database and Redis -------------------------------------------------------------------

def migration_state(app=None):
    """(the database's revisions, the code's head revisions)."""
    from alembic.script import ScriptDirectory
    from sqlalchemy import inspect

    from models import db

    app = app or current_app._get_current_object()
    script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
    # Alembic's own table, read directly (its MigrationContext logs two lines each time).
    with db.engine.connect() as connection:
        current = set()
        if inspect(connection).has_table("alembic_version"):
            current = set(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())
    return current, set(script.get_heads())


def check_database():
    from models import db

    try:
        db.session.execute(text("SELECT 1"))
        current, heads = migration_state()
    except Exception as exc:
        db.session.rollback()
        return Check("database", FAIL, f"not reachable ({type(exc).__name__})",
                     "check DATABASE_URL and that the database server is up")
    if current != heads:
        return Check("database", FAIL, f"at revision {', '.join(sorted(current)) or 'none'}, code needs "
                     f"{', '.join(sorted(heads))}", "run: .venv/bin/flask --app app release")
    return Check("database", OK, f"reachable, at the head revision {', '.join(sorted(heads))}")


def check_redis():
    try:
        current_app.extensions["redis"].ping()
    except Exception as exc:
        return Check("redis", FAIL, f"not reachable ({type(exc).__name__})", "check REDIS_URL and that Redis is up")
    return Check("redis", OK, "reachable")


# --- background processes -----------------------------------------------------------------

def check_workers(queues=jobs.QUEUES):
    from rq import Worker

    redis = current_app.extensions["redis"]
    try:
        workers = Worker.all(connection=redis)
    except Exception as exc:
        return Check("workers", FAIL, f"cannot read RQ's workers ({type(exc).__name__})", "check Redis")
    now, served = time.time(), {}
    for worker in workers:
        beat = jobs.unix_time(worker.last_heartbeat)
        if now - beat <= WORKER_STALE_SECONDS:
            for name in worker.queue_names():
                served[name] = served.get(name, 0) + 1
    unserved = [name for name in queues if not served.get(name)]
    if unserved:
        return Check("workers", FAIL, f"no live RQ worker on queue(s) {', '.join(unserved)}: SMS and alerts wait",
                     "start the Procfile's worker process (rq worker ... " + " ".join(queues) + ")")
    return Check("workers", OK, ", ".join(f"{name} {served[name]}" for name in queues) + " worker(s)")


def check_cron():
    from rq.cron_scheduler_registry import get_registry_key

    try:
        beats = current_app.extensions["redis"].zrange(get_registry_key(), 0, -1, withscores=True)
    except Exception as exc:
        return Check("cron", FAIL, f"cannot read ({type(exc).__name__})", "check Redis")
    latest = max((score for _name, score in beats), default=None)
    fix = "start the Procfile's cron process (rq cron cron_config): weekly tips, balance checks, sweeps"
    if latest is None:
        return Check("cron", FAIL, "no cron process has run", fix)
    age = time.time() - latest
    if age > CRON_STALE_SECONDS:
        return Check("cron", FAIL, f"the cron process was last seen {age / 60:.0f} minutes ago", fix)
    return Check("cron", OK, f"seen {age:.0f} s ago")


def check_queues():
    try:
        ages = jobs.queue_ages()
    except Exception as exc:
        return Check("queues", FAIL, f"cannot read ({type(exc).__name__})", "check Redis")
    worst = max(age for _depth, age in ages.values())
    detail = ", ".join(f"{name} {depth} waiting (oldest {age:.0f} s)" for name, (depth, age) in ages.items())
    if worst > QUEUE_AGE_FAIL:
        return Check("queues", FAIL, detail, "jobs are not being taken: check the workers and their logs")
    if worst > QUEUE_AGE_WARN:
        return Check("queues", WARN, detail, "the workers are behind: add worker processes")
    return Check("queues", OK, detail)


# --- data ---------------------------------------------------------------------------------

def check_content():
    from ops import content

    try:
        missing = content.missing()
    except Exception as exc:
        return Check("content", FAIL, f"cannot read ({type(exc).__name__})", "run: .venv/bin/flask --app app release")
    if missing:
        return Check("content", FAIL, "shipped content missing: " + ", ".join(f"{n} {k}" for k, n in missing.items()),
                     "run: .venv/bin/flask --app app release")
    return Check("content", OK, "shipped content is loaded")


def uncovered_counties():
    """(counties with registered miners but no active officer with a phone, admins with a phone)."""
    from models import Miner, Officer, db

    covered = {c for (c,) in db.session.execute(
        db.select(func.lower(Officer.county)).where(Officer.county.is_not(None), Officer.phone.is_not(None),
                                                    Officer.disabled_at.is_(None))).all()}
    counties = sorted({c for (c,) in db.session.execute(db.select(Miner.county).distinct()).all()
                       if c and c.strip().lower() not in covered})
    admins = db.session.execute(
        db.select(Officer.username).where(Officer.role == "admin", Officer.phone.is_not(None),
                                          Officer.disabled_at.is_(None)).order_by(Officer.username)).scalars().all()
    return counties, admins


def check_counties():
    try:
        counties, admins = uncovered_counties()
    except Exception as exc:
        return Check("counties", FAIL, f"cannot read ({type(exc).__name__})", "check the database")
    if not counties:
        return Check("counties", OK, "every county with miners has an officer with a phone")
    names = ", ".join(counties[:10]) + (f" and {len(counties) - 10} more" if len(counties) > 10 else "")
    fix = "add one: .venv/bin/flask --app app officer add NAME --role officer --county COUNTY --phone +2547..."
    if admins:
        return Check("counties", WARN, f"no officer with a phone in {names}: urgent alerts go to the admins "
                     f"({', '.join(admins)})", fix)
    return Check("counties", FAIL, f"no officer with a phone in {names}, and no admin with a phone: "
                 "urgent alerts there reach nobody", fix)


def check_balance(live=True):
    from ops import balance as at_balance

    config = current_app.config
    limit = config["AT_BALANCE_WARN_KES"]
    if not at_balance.askable(config):
        return Check("balance", WARN, "not checked: no Africa's Talking key, and AT_API_URL is not a local fake "
                     "gateway", "set AT_USERNAME and AT_API_KEY (bin/run points the service at its fake gateway)")
    if live:
        try:
            found = at_balance.refresh()
        except Exception as exc:
            return Check("balance", FAIL, str(getattr(exc, "reason", exc)),
                         "check AT_USERNAME, AT_API_KEY and AT_API_URL")
    else:
        found = at_balance.cached()
        if found is None:
            return Check("balance", OK, "not checked yet (the cron process checks hourly)")
    detail = f"{found.currency} {found.amount:,.2f}"
    if found.amount <= 0:
        return Check("balance", FAIL, detail + ": nothing can be sent", "top up the Africa's Talking account")
    if found.amount < limit:
        return Check("balance", WARN, f"{detail}, below AT_BALANCE_WARN_KES {limit:,.0f}",
                     "top up the Africa's Talking account")
    return Check("balance", OK, detail)


def run(live=True):
    """Every check, in order. live=False (the dashboard) uses the balance the cron process read."""
    config = current_app.config
    checks = [check_config(config), check_database(), check_redis()]
    if checks[-1].status != FAIL:
        checks += [check_workers(), check_cron(), check_queues()]
    if checks[1].status != FAIL:
        checks += [check_content(), check_counties()]
    checks.append(check_balance(live=live))
    return checks
