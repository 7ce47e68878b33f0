"""Licensed gold buyers (issue 16 item 2): a directory officers keep, shown to miners.

- Officers keep the directory (name, licence number, licence expiry, county, market, phone)
  from the dashboard (/dashboard/buyers), the API (/api/v1/buyers) or the CLI
  (`flask --app app buyers ...`); every change goes through `service`, which applies the
  county rule and writes the audit entry. A bad field is refused with the field named
  (`rules`: the licence number pattern, the phone, the county...).
- A buyer whose licence has expired is never shown to miners; the dashboard lists the
  licences that end within 30 days (and the overview panel counts them).
- Miners: USSD 6 -> 2 (`journey`): the county's buyers with today's guide price for 1 g at
  90% from the price board, details, "1 Send me by SMS" (a job), "Report a buyer" (false
  scale, paid too little, no licence), filed in the incidents inbox under the non-urgent
  category MARKET. SMS `BUYER [county]` / `MNUNUZI [kaunti]` (`sms`).
- Screens read the `buyers` snapshot (and the `prices` one), never the database.
- Personal data: the directory holds buyers' business lines, not miners' data. A miner's
  report is an incident (erased with the incidents capability's hook); the details SMS is a
  message row (erased with messages). Nothing else about a miner's phone is kept here.

Docs: docs/buyers.md.
"""
from buyers.capability import CAPABILITY  # noqa: E402,F401
