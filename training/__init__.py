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

Storage: models/training.py (migration 0021). Texts: training/texts.py. Docs: docs/training.md.
"""
