"""Scripted USSD walks the load generator repeats, as a list: a capability that adds a
journey (an incident report, tips, prices) adds its walk here and every benchmark run
exercises it from then on.

A walk is what a caller types after dialling, hop by hop; the first hop (the dial) sends
`text=""`. `ends` says the last screen must be an END; every screen before it must be CON.
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class Walk:
    name: str
    inputs: tuple  # what is typed on each hop after the dial
    weight: int = 1  # how often it is chosen relative to the others
    ends: bool = True


WALKS = [
    # Registration end to end (9 hops; the last one stores the miner): name with '*',
    # a county from the paged list, a site with '*'.
    Walk("registration", ("4", "Amina *Wanjiru", "2", "Rosterman*Shaft 3", "2", "1", "1", "1"), weight=3),
    # Registration with paging and back: 98 more counties, 0 back, a county from page 2.
    Walk("registration_paged", ("4", "Otieno Ochieng", "98", "0", "98", "10", "Macalder", "1", "2", "2", "1"),
         weight=1),
    # Language choice (menu 5): stores a preference for a caller who is not registered.
    Walk("language", ("5", "2"), weight=1, ends=False),  # goes on to the main menu
    # An incident report from a caller who is not registered (12 hops; the last one stores
    # the report and queues the officers' alerts): bad air, nobody trapped, injured or dead,
    # a county, a site, "now", a few words with '*' in them, confirm.
    Walk("incident", ("1", "3", "1", "1", "1", "3", "Mwibona", "1", "3", "Generator fumes *in shaft 2", "1"),
         weight=3),
    # The issue-18 walk the ceiling was compared with (dial, 4, a name): a first hop and two
    # middle hops, no database write. Not in the default mix (weight 0): `bin/bench ussd_hop
    # --walks register_start` measures it alone.
    Walk("register_start", ("4", "Amina Wanjiru"), weight=0, ends=False),
]


def by_name(names):
    """The walks called `names` (an unknown name is an error)."""
    known = {w.name: w for w in WALKS}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ValueError(f"unknown walk(s): {', '.join(unknown)}; known: {', '.join(known)}")
    return [known[name] for name in names]


def weighted(walks=WALKS, chosen=False):
    """The walks repeated by weight: cycling through this gives the mix. Walks `chosen` by
    name count at least once, whatever their weight."""
    return [w for w in walks for _ in range(max(w.weight, 1) if chosen else w.weight)]
