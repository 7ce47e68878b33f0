"""Widgets journeys share: the free-text validator for names and places, and the county
picker (the mining counties, paged, or "Other county" and the county typed).

Registration (miners/journey.py) and the incident report (incidents/journey.py) ask for the
county the same way: one picker, two states, declared by the journey with its own ids.
"""
from core.i18n import N_
from flows.catalog import MINING_COUNTIES, county_code
from flows.engine import Ask, Invalid, Menu, Option

SITE_MIN, SITE_MAX = 2, 40  # a mine's or site's name, as registration and reports take it


def free_text(minimum, maximum, *, needs_letter=True):
    """A validator for names and places: trimmed, length-bounded, with at least one letter.

    Any character is kept as typed (including '*', accents, quotes): it is data, stored
    verbatim and escaped where it is shown.
    """

    def validate(raw, session):
        value = " ".join(raw.split())
        if len(value) < minimum:
            raise Invalid(N_("Too short. Try again."))
        if len(value) > maximum:
            raise Invalid(N_("At most %(max)s characters. Try again."), max=maximum)
        if needs_letter and not any(ch.isalpha() for ch in value):
            raise Invalid(N_("Please type letters, not only numbers."))
        return value

    return validate


def other_county(raw, session):
    """A county typed by the caller: a mining county's own spelling when it is one."""
    value = free_text(2, 30)(raw, session)
    return county_code(value) or value


def county_picker(menu_id, other_id, next_state, *, title, resumable=True, **menu_options):
    """The two states of the county question: the list (saved as "county"; "Other county"
    goes to `other_id`) and the typed county; both go on to `next_state`."""

    def options(session):
        return [Option(name, next_state, value=name, literal=True) for name in MINING_COUNTIES] + [
            Option(N_("Other county"), other_id, value=None)
        ]

    return [
        Menu(menu_id, title=title, options=options, save_as="county", resumable=resumable, **menu_options),
        Ask(other_id, prompt=N_("Type your county:"), validate=other_county, save_as="county", next=next_state,
            resumable=resumable),
    ]
