"""« Reachable in scenario s on date d »: the one definition shared by the directory's scenario
filter, the coverage page, the paper sheets and the SMS reply.

A venue is reachable in scenario ``s`` on ``d`` when it is not closed for good on ``d`` and at
least one of its channels **works** on ``d`` and is **usable** in ``s``:

- *usable in s*: the channel's scenario is ≤ s; in scenario 1 (no internet, no network) only
  the kinds a resident can use without any device count (in-person drop-in, signage, post),
  whatever scenario a mediator typed on another kind;
- *works on d*: the one « what still works during a closure » rule, decided on the model:
  ``ClosurePeriod.keeps_working`` (Python) and ``Channel.objects.working_on`` (its SQL twin).
  Every channel of an open venue works; while closures cover ``d``, a channel works when every
  covering closure keeps it: a closure naming channels staying open keeps exactly those, a
  closure naming none keeps everything but the drop-in at the venue (phone, SMS, post, the
  sign on the door and online channels go on). A venue closed for good reaches nobody.

Where a venue is reachable from is its service area (``VenueQuerySet.serving``): its commune,
its EPCI, its département or its list of communes. A mobile venue (a bus) lists the communes
where it stops: it counts in each of them, its stop days being its hours, not a condition of
reachability. The « proximité » view of the coverage leaves out the venues whose service area
is the whole département (``PROXIMITY_EXCLUDED_AREAS``).

The Python twin is ``working_channels`` / ``is_reachable`` below (on prefetched channels and
closures), the ORM twin ``reachable_q`` (``VenueQuerySet.reachable_in``), and the SQL twin the
``ch``/``named``/``vr`` steps of ``directory.coverage._coverage_sql``; ``tests/test_coverage_reach.py``
checks that all of them, the sheet and the SMS reply agree on a table of cases. The closure
rule is not decided here: it is ``ClosurePeriod.keeps_working`` / ``Channel.objects.working_on``
(``tests/test_closure_rule.py``), and the coverage SQL's ``tw`` step repeats it.
"""

from __future__ import annotations

import datetime

from django.db.models import Exists, OuterRef, Q

from directory import enums

# Channels a resident without internet nor network (scenario 1) can use.
SCENARIO_1_KINDS = (enums.ChannelKind.IN_PERSON, enums.ChannelKind.SIGNAGE, enums.ChannelKind.POST)
# Kinds that need the resident to come (the 10 / 20 / 30 km figures).
IN_PERSON_KINDS = (enums.ChannelKind.IN_PERSON,)
# Service areas left out of the « proximité » view: a line for the whole département reaches
# every commune on paper, which hides the gaps.
PROXIMITY_EXCLUDED_AREAS = (enums.ServiceArea.DEPARTEMENT,)

ANY, PROXIMITY = "tout", "proximite"
VIEWS = (ANY, PROXIMITY)


def channel_usable_in(kind: str, channel_scenario: int, scenario: int) -> bool:
    if channel_scenario > scenario:
        return False
    return scenario >= 2 or kind in SCENARIO_1_KINDS


def working_channels(venue, on: datetime.date) -> list:
    """The venue's channels that work on ``on`` (reads prefetched ``channels`` and
    ``closures`` with their ``open_channels`` when present): ``Venue.channels_working_on``."""
    return venue.channels_working_on(on)


def is_reachable(venue, scenario: int, on: datetime.date) -> bool:
    return any(channel_usable_in(c.kind, c.scenario, scenario) for c in working_channels(venue, on))


def is_in_view(venue, view: str) -> bool:
    return view != PROXIMITY or venue.service_area not in PROXIMITY_EXCLUDED_AREAS


# --- ORM twin -----------------------------------------------------------------------------------


def usable_q(scenario: int, prefix: str = "") -> Q:
    q = Q(**{f"{prefix}scenario__lte": scenario})
    if scenario < 2:
        q &= Q(**{f"{prefix}kind__in": SCENARIO_1_KINDS})
    return q


def reachable_q(scenario: int, on: datetime.date, kinds=None) -> Q:
    """Q on venues: reachable in ``scenario`` on ``on`` (see the module docstring), through a
    channel of one of ``kinds`` when given (the SMS reply gives phone numbers only)."""
    from directory.models import Channel

    usable = Channel.objects.filter(usable_q(scenario), venue=OuterRef("pk"))
    if kinds is not None:
        usable = usable.filter(kind__in=list(kinds))
    not_gone = Q(closed_permanently_on__isnull=True) | Q(closed_permanently_on__gt=on)
    # One EXISTS over the channels that work (``Channel.objects.working_on``: the venue not
    # closed for good, checked here on the venue's own row, and the closure rule), not « a
    # usable channel and (no closure or a working one) »: PostgreSQL turned that OR into a
    # hashed subplan over every channel of France, built before the first row of
    # « scenario=2 » (benchmark query ``scenario``; figures in docs/proof.md).
    return not_gone & Exists(usable.kept_by_closures(on))
