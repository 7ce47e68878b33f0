"""Incident categories (domain.md 1.3), life-threatening first, and what makes a report urgent.

Pure data and rules: the USSD flow, the SMS keyword guesser, the alerts and the API all
read them from here. Codes are what the database stores; labels are msgids.
"""
from core.i18n import N_

# Order matters: the USSD menu shows them in this order, so a caller in a hurry finds the
# deadly ones on the first page.
CATEGORIES = (
    ("COLLAPSE", N_("Pit or tunnel collapse")),
    ("FLOOD", N_("Flooding")),
    ("AIR", N_("Bad air, fumes, smoke")),
    ("BLAST", N_("Blast, explosives")),
    ("FALL", N_("Fall, rope or ladder broke")),
    ("INJURY", N_("Other injury")),
    ("CYANIDE", N_("Cyanide")),
    ("MERCURY", N_("Mercury")),
    ("VIOLENCE", N_("Violence, theft")),
    ("CHILD", N_("Child labour")),
    ("ENV", N_("Pollution, open pits")),
    ("NEARMISS", N_("Danger, nobody hurt")),
)
UNCLASSIFIED = "UNCLASSIFIED"  # an SMS report whose words matched no category
# A miner's report about a gold buyer (false scale, underpaying, no licence), filed from the
# buyers journey (menu 6 -> 2): never urgent, so no officer is paged for it, and not on the
# incident menu (it is not a safety incident). Its code fits the 20-character column.
MARKET = "MARKET"
NEVER_URGENT = frozenset({MARKET})
CATEGORY_LABELS = dict(CATEGORIES) | {UNCLASSIFIED: N_("Other incident"), MARKET: N_("Gold buyer problem")}
CATEGORY_CODES = tuple(CATEGORY_LABELS)

# Ground and air accidents where an injured person is still in danger (rescuers too).
DANGEROUS_GROUND = frozenset({"COLLAPSE", "FLOOD", "BLAST", "AIR"})

STATUSES = ("new", "acknowledged", "responding", "resolved", "rejected")
OPEN_STATUSES = ("new", "acknowledged", "responding")

OCCURRED = (
    ("now", N_("Now")),
    ("today", N_("Earlier today")),
    ("earlier", N_("Another day")),
)
OCCURRED_LABELS = dict(OCCURRED)

MAX_COUNT = 500  # more people than this in one report is a typing mistake


def is_urgent(category, dead=0, injured=0, trapped=0, underground=False):
    """Anyone dead, trapped or missing; anyone hurt in a collapse, flood, blast or bad air
    (fainting from fumes included); anyone hurt underground (still in the pit or shaft).
    A report about a gold buyer (MARKET) never is."""
    if category in NEVER_URGENT:
        return False
    if (dead or 0) > 0 or (trapped or 0) > 0:
        return True
    return (injured or 0) > 0 and (category in DANGEROUS_GROUND or bool(underground))
