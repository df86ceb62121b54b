"""« Reachable in scenario s on date d »: the one definition shared by the directory's scenario
filter, the coverage page, the paper sheets and the SMS reply.

A venue is reachable in scenario ``s`` on ``d`` when it is not closed for good on ``d`` and at
least one of its channels **works** on ``d`` and is **usable** in ``s``:

- *usable in s*: the channel's scenario is ≤ s; in scenario 1 (no internet, no network) only
  the kinds a resident can use without any device count (in-person drop-in, signage, post),
  whatever scenario a mediator typed on another kind;
- *works on d*: every channel of an open venue works. While a closure period covers ``d``, only
  the channels the covering closure(s) name as staying open (« canaux qui restent ouverts »)
  work; a closure naming none leaves the venue unreachable. This is what the paper sheet and
  the SMS reply already did (the coverage page used to keep every channel but the drop-in): a
  resident is never sent to a number nobody said was answered, and staff see the gap.

Where a venue is reachable from is its service area (``VenueQuerySet.serving``): its commune,
its EPCI, its département or its list of communes. A mobile venue (a bus) lists the communes
where it stops: it counts in each of them, its stop days being its hours, not a condition of
reachability. The « proximité » view of the coverage leaves out the venues whose service area
is the whole département (``PROXIMITY_EXCLUDED_AREAS``).

The Python twin is ``working_channels`` / ``is_reachable`` below (on prefetched channels and
closures), the ORM twin ``reachable_q`` (``VenueQuerySet.reachable_in``), and the SQL twin the
``ch``/``named``/``vr`` steps of ``directory.coverage._coverage_sql``; ``tests/test_coverage_reach.py``
checks that all of them, the sheet and the SMS reply agree on a table of cases. The « what still
works during a closure » rule lives in ``works_during_closure`` (Python) and
``reachable_q`` (ORM): change both, and the SQL twin, together.
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


def works_during_closure(channel, named_ids: set[int]) -> bool:
    """Whether ``channel`` still works while its venue is closed by closures naming
    ``named_ids`` as staying open."""
    return channel.pk in named_ids


def working_channels(venue, on: datetime.date) -> list:
    """The venue's channels that work on ``on`` (reads prefetched ``channels`` and
    ``closures`` with their ``open_channels`` when present)."""
    if venue.closed_permanently_on and venue.closed_permanently_on <= on:
        return []
    channels = list(venue.channels.all())
    covering = venue.closures_on(on)
    if not covering:
        return channels
    named = set()
    for closure in covering:
        ids = getattr(closure, "open_channel_ids", None)
        named.update(ids if ids is not None else (c.pk for c in closure.open_channels.all()))
    return [c for c in channels if works_during_closure(c, named)]


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
    from directory.models import Channel, ClosurePeriod

    covering = ClosurePeriod.objects.covering(on).filter(venue=OuterRef("pk"))
    usable = Channel.objects.filter(usable_q(scenario), venue=OuterRef("pk"))
    if kinds is not None:
        usable = usable.filter(kind__in=list(kinds))
    # The channels named by a covering closure of the channel's venue.
    named_here = ClosurePeriod.objects.covering(on).filter(venue=OuterRef("venue_id"), open_channels=OuterRef("pk"))
    not_gone = Q(closed_permanently_on__isnull=True) | Q(closed_permanently_on__gt=on)
    # A usable channel, and the venue open that day or that channel named by its closure. Written
    # so that an open venue (most of them) costs two index probes, in the order of the list
    # walk: the directory's scenario filter runs this on every venue of a page.
    q = not_gone & Exists(usable) & (~Exists(covering) | Exists(usable.filter(Exists(named_here))))
    if scenario < 2:
        # The kinds a venue has are on its row (``channel_kinds``, in the name and département
        # indexes): venues without any scenario-1 kind are dropped before any sub-query.
        q = Q(channel_kinds__overlap=list(SCENARIO_1_KINDS if kinds is None else kinds)) & q
    return q
