"""Opening hours in OpenStreetMap syntax, parsed with ``opening-hours-py``.

Turns a venue's ``horaires`` into what residents need: "open now", "opens at 14:00",
today's hours, and a readable week.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

import opening_hours
from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

PARIS = ZoneInfo("Europe/Paris")


@lru_cache(maxsize=4096)
def parse(expression: str):
    try:
        # country=FR loads the French public holidays, so « PH off » closes on 25 December.
        return opening_hours.OpeningHours(expression, country="FR", max_interval_days=8)
    except Exception:  # the library raises its own ParserError and SyntaxError variants
        return None


def validate_opening_hours(expression: str) -> None:
    if expression and parse(expression.strip()) is None:
        raise ValidationError(
            {
                "opening_hours": gettext_lazy(
                    "Horaires illisibles : utilisez le format OpenStreetMap, "
                    "par exemple « Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00 »."
                )
            }
        )


@dataclass
class HoursState:
    known: bool
    is_open: bool = False
    next_change: datetime.datetime | None = None
    today: list[tuple[datetime.time, datetime.time]] | None = None

    @property
    def summary(self) -> str:
        if not self.known:
            return ""
        if self.is_open:
            if self.next_change and self.next_change.date() == self._now_date:
                return _("Ouvert maintenant, jusqu'à %(time)s") % {"time": _hm(self.next_change)}
            return _("Ouvert maintenant")
        if self.next_change:
            if self.next_change.date() == self._now_date:
                return _("Fermé pour le moment, ouvre à %(time)s") % {"time": _hm(self.next_change)}
            day = formats.date_format(self.next_change, "l j F")
            return _("Fermé pour le moment, ouvre %(day)s à %(time)s") % {"day": day, "time": _hm(self.next_change)}
        return _("Fermé pour le moment")

    _now_date: datetime.date | None = None


def _french_clock() -> bool:
    return (get_language() or "fr").startswith("fr")


def _hm(dt: datetime.datetime) -> str:
    if not _french_clock():
        # English: the 24-hour clock as written in English, "09:00", "14:30".
        return f"{dt.hour:02d}:{dt.minute:02d}"
    # French style: "9 h", "14 h 30" (no leading zero on the hour).
    return f"{dt.hour} h" if dt.minute == 0 else f"{dt.hour} h {dt.minute:02d}"


def _is_open_state(state) -> bool:
    # str(State.OPEN) is "open" (lower case): compare with the enum, not its text.
    return state == opening_hours.State.OPEN


def state(expression: str, now: datetime.datetime | None = None) -> HoursState:
    oh = parse((expression or "").strip()) if expression else None
    if oh is None:
        return HoursState(known=False)
    now = timezone.localtime(now or timezone.now(), PARIS).replace(tzinfo=None, second=0, microsecond=0)
    try:
        is_open = oh.is_open(now)
        nxt = oh.next_change(now)
        start = now.replace(hour=0, minute=0)
        today = [
            (a.time(), b.time() if b.date() == start.date() else datetime.time(23, 59))
            for a, b, st, _c in oh.intervals(start, start + datetime.timedelta(days=1))
            if _is_open_state(st)
        ]
    except Exception:
        return HoursState(known=False)
    if nxt is not None and nxt.tzinfo is not None:
        nxt = nxt.replace(tzinfo=None)
    if nxt is not None and (nxt - now).days > 7:
        nxt = None
    result = HoursState(known=True, is_open=bool(is_open), next_change=nxt, today=today)
    result._now_date = now.date()
    return result


DAYS = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]


def week(expression: str, reference: datetime.date | None = None) -> list[tuple[str, str]]:
    """[(day name, "9 h – 12 h, 14 h – 17 h" or "Fermé")] for the 7 days from Monday."""
    oh = parse((expression or "").strip()) if expression else None
    if oh is None:
        return []
    ref = reference or timezone.localdate()
    monday = datetime.datetime.combine(ref - datetime.timedelta(days=ref.weekday()), datetime.time())
    rows = []
    for i in range(7):
        day = monday + datetime.timedelta(days=i)
        try:
            spans = [
                f"{_hm(a)} – {_hm(b) if b.date() == day.date() else ('24 h' if _french_clock() else '24:00')}"
                for a, b, st, _c in oh.intervals(day, day + datetime.timedelta(days=1))
                if _is_open_state(st)
            ]
        except Exception:
            return []
        rows.append((formats.date_format(day, "l").capitalize(), ", ".join(spans) if spans else _("Fermé")))
    return rows
