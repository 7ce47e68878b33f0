"""Fixed lists the journeys offer (domain.md section 3), as (code, msgid) pairs.

Codes are what the database stores; labels are translated when shown.
"""
from core.i18n import N_

# Kenya's gold-mining counties: the Lake Victoria belt first (most miners), then the other
# counties named by the ASM association and the Ministry (domain.md section 3).
MINING_COUNTIES = (
    "Migori", "Kakamega", "Vihiga", "Narok", "Siaya", "Homa Bay", "West Pokot", "Turkana",
    "Nandi", "Kisumu", "Busia", "Taita Taveta", "Kitui", "Kajiado", "Machakos", "Kilifi",
    "Uasin Gishu", "Isiolo", "Marsabit",
)

ROLES = (
    ("digger", N_("Digger / miner")),
    ("processor", N_("Crusher / processor")),
    ("buyer", N_("Gold buyer")),
    ("owner", N_("Pit owner / sponsor")),
    ("other", N_("Other")),
)

GENDERS = (
    ("woman", N_("Woman")),
    ("man", N_("Man")),
    ("undisclosed", N_("Prefer not to say")),
)

ROLE_LABELS = dict(ROLES)
GENDER_LABELS = dict(GENDERS)


def county_code(name):
    """The canonical spelling of a county name typed by a person, or None."""
    wanted = " ".join(name.split()).casefold()
    for county in MINING_COUNTIES:
        if county.casefold() == wanted:
            return county
    return None
