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

# Roughly the middle of each county (latitude, longitude), to find the nearest market with a
# price for a caller whose county has none. Straight-line distance is enough for that.
COUNTY_POSITIONS = {
    "Migori": (-1.07, 34.47), "Kakamega": (0.28, 34.75), "Vihiga": (0.07, 34.72), "Narok": (-1.08, 35.87),
    "Siaya": (0.06, 34.29), "Homa Bay": (-0.53, 34.46), "West Pokot": (1.62, 35.39), "Turkana": (3.12, 35.60),
    "Nandi": (0.18, 35.13), "Kisumu": (-0.09, 34.77), "Busia": (0.46, 34.11), "Taita Taveta": (-3.32, 38.48),
    "Kitui": (-1.37, 38.01), "Kajiado": (-2.10, 36.78), "Machakos": (-1.52, 37.26), "Kilifi": (-3.51, 39.91),
    "Uasin Gishu": (0.52, 35.27), "Isiolo": (0.35, 37.58), "Marsabit": (2.33, 37.99),
}

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
