"""Training sessions (issue 16 item 1): mercury-free processing, safe shafts, first aid, groups
and permits, savings and finance.

- Officers create sessions (topic, title per language, county, venue, start, seats) from the
  dashboard (/dashboard/trainings), the API (/api/v1/trainings) or the CLI (`flask training`),
  invite the county's miners by SMS through a broadcast that says how to book, and tick who
  came (a phone-sized checklist, or POST .../attendance). County rule and audit are inside
  training.service, whichever door the action came through.
- Miners book by USSD (6 -> 1: the county's upcoming sessions, paged; pick; book or cancel) or
  by SMS (TRAINING / MAFUNZO lists, MAFUNZO 2 books the 2nd). A full session takes a waiting
  list; a freed seat goes to the first waiting, who is told by SMS. Registration is needed.
- The cron process sends the reminder the day before, exactly once per booking
  (`reminded_at` is the claim).
- My account (menu 4) offers "My trainings" (sessions attended) once the miner attended one:
  read from the caller detail `training:caller:{phone}`, written after every change.
- `impact_summary(start, end, county)`: sessions held, seats booked, miners who attended and
  the women among them, for the finance capability's impact summary page.

Storage: models/training.py (migration 0021). Texts: training/texts.py. Docs: docs/training.md.

The capability declares itself below; app.py lists it by name (core/capability.py).
"""
from flask_babel import lazy_gettext as _l

from core.capability import CallerDetail, Capability, CronEntry, Keyword, NavEntry, Panel
from core.jobs import DEFAULT
from training import journey
from training.api import bp as api_bp
from training.cli import training_cli
from training.dashboard import bp as dashboard_bp
from training.dashboard import overview_panel
from training.effects import EFFECTS
from training.keywords import training_keyword
from training.service import CALLER_KEY, forget_bookings, impact_summary, read_caller_detail, reminders_job
from training.snapshot import SNAPSHOT

CAPABILITY = Capability(
    name="training",
    journey=journey,
    effects=EFFECTS,
    keywords=(Keyword("TRAINING", "MAFUNZO", training_keyword),),
    # The caller's bookings and the sessions attended, read with the session on the first hop
    # (the journey and My account show them without a query).
    caller_details=(CallerDetail(CALLER_KEY, read_caller_detail),),
    erasure=(forget_bookings,),
    forget_keys=(CALLER_KEY,),
    snapshots=(SNAPSHOT,),
    commands=(training_cli,),
    api=api_bp,  # /api/v1/trainings...
    dashboard=dashboard_bp,  # /dashboard/trainings...
    nav=(NavEntry("trainings.trainings", _l("Trainings"), action="read", order=55),),
    panels=(Panel(overview_panel, order=55),),
    # The day-before reminder, once per booking (claimed with reminded_at); checks the hour itself.
    cron=(CronEntry(reminders_job, cron="*/15 * * * *", name="training-reminders", queue=DEFAULT, timeout=600),),
)

__all__ = ["CAPABILITY", "impact_summary"]
