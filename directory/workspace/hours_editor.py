"""The day-by-day hours editor of « Mon lieu »: a week of morning and afternoon spans, closed
on public holidays or not, plus closed dates, read from and written to OpenStreetMap
``opening_hours`` (what the national standard stores).

Only the expressions this editor could have written are read back into the grid
(``from_osm`` returns None otherwise): the page then keeps the expression as it is and offers
the raw text field, so nothing a mediator did not touch is rewritten.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

DAYS = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
Span = tuple[datetime.time, datetime.time]

_TIME = r"(?:[01]\d|2[0-3]):[0-5]\d"
_SPAN = re.compile(rf"^({_TIME})-({_TIME}|24:00)$")
_DAY_RANGE = re.compile(r"^(Mo|Tu|We|Th|Fr|Sa|Su)(?:-(Mo|Tu|We|Th|Fr|Sa|Su))?$")
_DATE_OFF = re.compile(r"^(\d{4}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{1,2}) (?:off|closed)$")


@dataclass
class Week:
    """``days[i]`` is the list of at most two (start, end) spans of day ``i`` (Monday first)."""

    days: list[list[Span]] = field(default_factory=lambda: [[] for _ in DAYS])
    closed_on_holidays: bool = False
    closed_dates: list[datetime.date] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not any(self.days)


def _time(text: str) -> datetime.time:
    if text == "24:00":
        return datetime.time(23, 59)
    hour, minute = text.split(":")
    return datetime.time(int(hour), int(minute))


def _hm(value: datetime.time) -> str:
    return "24:00" if value == datetime.time(23, 59) else value.strftime("%H:%M")


def from_osm(expression: str) -> Week | None:
    """The week an expression describes, or None when it uses more than the editor offers."""
    week = Week()
    text = (expression or "").strip()
    if not text:
        return week
    seen_days: set[int] = set()
    for rule in (part.strip() for part in text.split(";")):
        if not rule:
            continue
        if rule in {"PH off", "PH closed"}:
            week.closed_on_holidays = True
            continue
        dated = _DATE_OFF.match(rule)
        if dated:
            year, month, day = dated.groups()
            try:
                week.closed_dates.append(datetime.date(int(year), MONTHS.index(month) + 1, int(day)))
            except ValueError:
                return None
            continue
        selector, _space, times = rule.partition(" ")
        days = _days(selector)
        if days is None or not times:
            return None
        if times in {"off", "closed"}:
            spans = []
        else:
            spans = []
            for chunk in times.split(","):
                match = _SPAN.match(chunk.strip())
                if not match:
                    return None
                spans.append((_time(match.group(1)), _time(match.group(2))))
            if len(spans) > 2:
                return None
        for day in days:
            # A later rule for the same day replaces the earlier one in OSM; the grid cannot
            # say « except »: keep it simple and refuse overlapping selectors.
            if day in seen_days:
                return None
            seen_days.add(day)
            week.days[day] = list(spans)
    return week


def _days(selector: str) -> list[int] | None:
    days: list[int] = []
    for part in selector.split(","):
        match = _DAY_RANGE.match(part.strip())
        if not match:
            return None
        start = DAYS.index(match.group(1))
        end = DAYS.index(match.group(2)) if match.group(2) else start
        if end < start:
            return None
        days.extend(range(start, end + 1))
    return days


def to_osm(week: Week) -> str:
    """``Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00; PH off``: consecutive days with the same
    spans share one rule; closed days are left out (closed is the default)."""
    rules = []
    i = 0
    while i < len(DAYS):
        spans = week.days[i]
        j = i
        while j + 1 < len(DAYS) and week.days[j + 1] == spans:
            j += 1
        if spans:
            selector = DAYS[i] if i == j else f"{DAYS[i]}-{DAYS[j]}"
            rules.append(f"{selector} " + ",".join(f"{_hm(a)}-{_hm(b)}" for a, b in spans))
        i = j + 1
    if rules and week.closed_on_holidays:
        rules.append("PH off")
    for day in sorted(set(week.closed_dates)):
        rules.append(f"{day.year} {MONTHS[day.month - 1]} {day.day:02d} off")
    return "; ".join(rules)
