"""The overview's "Service checks" panel for admins: the warnings of `flask doctor` (ops/doctor.py),
with the balance the cron process last read (no call to Africa's Talking on a page view)."""
from flask_babel import lazy_gettext as _l

from ops import doctor

# What each check means for the people the service is for, in the officer's language; the
# check's own line (English, with the command to run) is shown under it.
HEADLINES = {
    "config": _l("Settings are not safe for production."),
    "database": _l("The database is not reachable or not up to date."),
    "redis": _l("Redis is not reachable: USSD and SMS stop."),
    "workers": _l("No worker is running: SMS replies and alerts are waiting."),
    "cron": _l("The cron process is not running: weekly tips and checks do not happen."),
    "queues": _l("Jobs are waiting too long in the queues."),
    "content": _l("Shipped safety tips are missing."),
    "counties": _l("Some counties with miners have no officer with a phone for urgent alerts."),
    "balance": _l("The SMS balance at Africa's Talking is low."),
}


def service_checks(officer, county):
    """The overview panel (dashboard.views.CORE_PANELS), first of all for admins."""
    if officer is None or officer.role != "admin":
        return None
    problems = [check for check in doctor.run(live=False) if check.status != doctor.OK
                and not (check.name == "config" and check.status == doctor.WARN)]  # development defaults
    if not problems:
        return None
    return {"template": "dashboard/_panel_checks.html", "checks": problems, "headlines": HEADLINES}
