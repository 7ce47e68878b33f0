"""The USSD engine, the menus and the widgets journeys share; `build_flow` assembles journeys.

A journey module (`<capability>/journey.py`) declares `STATES` and, when it has a menu
number, `MENU_ENTRY` (or `MENU_ENTRIES`, a tuple, for a capability with two numbers: the
miners' 4 and 5). The capability registry (core/capability.py) builds the one Flow of the
app from its capabilities' journeys: `registry.flow`. Nothing here knows a journey by name.
"""
from flows.engine import Flow, Reply, Session
from flows.main_menu import MENUS, MORE, main_menu, more_entry, more_menu, resume_states


def journey_menu_entries(journey):
    """The MenuEntry objects a journey module declares (MENU_ENTRIES, else MENU_ENTRY)."""
    entries = getattr(journey, "MENU_ENTRIES", None)
    if entries is None:
        entry = getattr(journey, "MENU_ENTRY", None)
        entries = () if entry is None else (entry,)
    return tuple(entries)


def menu_entries(journeys):
    """{menu: [MenuEntry]} of the journeys; the main menu gets 6 when "more" has any entry."""
    entries = {menu: [] for menu in MENUS}
    for journey in journeys:
        for entry in journey_menu_entries(journey):
            if entry.menu not in entries:
                raise ValueError(f"{journey.__name__}: MENU_ENTRY names menu {entry.menu!r} (main or more)")
            entries[entry.menu].append(entry)
    if entries[MORE]:
        entries["main"].append(more_entry())
    for menu, listed in entries.items():
        numbers = [e.number for e in listed]
        if len(set(numbers)) != len(numbers):
            raise ValueError(f"two journeys take the same number on the {menu} menu: {sorted(numbers)}")
    return entries


def build_flow(journeys, sources=None):
    """One Flow of `journeys`, with their menus; `sources` maps snapshot names to functions
    returning their data (what `session.snapshot(name)` reads)."""
    journeys = sorted(journeys,
                      key=lambda j: min((e.number for e in journey_menu_entries(j)), default=99))
    entries = menu_entries(journeys)
    extra = [[more_menu(entries[MORE])]] if entries[MORE] else []
    return Flow(
        [main_menu(entries["main"])],
        resume_states(entries["main"]),
        *extra,
        *(j.STATES for j in journeys),
        sources=sources,
    )


__all__ = ["Flow", "Reply", "Session", "build_flow", "journey_menu_entries"]
