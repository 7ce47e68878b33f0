"""Finance and equipment: the kinds of interest a miner can register and their labels
(msgids). Pure data: the journey, the dashboard, the API and the CLI all read it."""
from core.i18n import N_

SAVINGS, LOAN, MERCURY_FREE = "savings_group", "equipment_loan", "mercury_free"
KINDS = (SAVINGS, LOAN, MERCURY_FREE)  # the order of the USSD menu
RETORT, SHAKING_TABLE, CRUSHER = "retort", "shaking_table", "crusher"
EQUIPMENT = (RETORT, SHAKING_TABLE, CRUSHER)

# Short labels: USSD menu options and dashboard columns.
KIND_LABELS = {
    SAVINGS: N_("Savings group"),
    LOAN: N_("Equipment loan"),
    MERCURY_FREE: N_("Mercury-free equipment"),
}
EQUIPMENT_LABELS = {
    RETORT: N_("Retort"),
    SHAKING_TABLE: N_("Shaking table"),
    CRUSHER: N_("Crusher"),
}
# What the consent screen and the confirmation name (a whole phrase per case, so that each
# language can phrase it its own way).
INTEREST_PHRASES = {
    SAVINGS: N_("joining a savings group"),
    MERCURY_FREE: N_("mercury-free processing equipment"),
    RETORT: N_("a loan for a retort"),
    SHAKING_TABLE: N_("a loan for a shaking table"),
    CRUSHER: N_("a loan for a crusher"),
}


def interest_phrase(kind, equipment=None):
    """The msgid naming what the miner asked for."""
    return INTEREST_PHRASES[equipment] if kind == LOAN and equipment in EQUIPMENT else INTEREST_PHRASES[kind]
