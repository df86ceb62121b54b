"""Opening hours in OpenStreetMap syntax, parsed with ``opening-hours-py``.

Turns a venue's ``horaires`` into what residents need: "open now", "opens at 14:00",
today's hours, and a readable week.
"""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
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


def state(expression: str, now: datetime.datetime | None = None, commune_code: str = "") -> HoursState:
    now = timezone.localtime(now or timezone.now(), PARIS).replace(tzinfo=None, second=0, microsecond=0)
    oh = hours_of(expression, commune_code, now.date())
    if oh is None:
        return HoursState(known=False)
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


def week(expression: str, reference: datetime.date | None = None, commune_code: str = "") -> list[tuple[str, str]]:
    """[(day name, "9 h – 12 h, 14 h – 17 h" or "Fermé")] for the 7 days from Monday (the
    public holidays of that week, national and local to ``commune_code``, as the expression
    says)."""
    ref = reference or timezone.localdate()
    oh = hours_of(expression, commune_code, ref)
    if oh is None:
        return []
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


# --- the venue's time zone --------------------------------------------------------------------

# Overseas départements and collectivities by INSEE code (the start of the commune code); every
# other one (metropolitan France, Corsica) lives on Paris time.
OVERSEAS_TIME_ZONES = {
    "971": "America/Guadeloupe",
    "972": "America/Martinique",
    "973": "America/Cayenne",
    "974": "Indian/Reunion",
    "975": "America/Miquelon",
    "976": "Indian/Mayotte",
    "977": "America/St_Barthelemy",
    "978": "America/Marigot",
    "984": "Indian/Kerguelen",
    "986": "Pacific/Wallis",
    "987": "Pacific/Tahiti",
    "988": "Pacific/Noumea",
    "989": "Pacific/Pitcairn",
}


def departement_code_of(commune_code: str) -> str:
    """The département of an INSEE commune code: 3 characters overseas (``97411`` → ``974``),
    2 elsewhere (``59350`` → ``59``, ``2A004`` → ``2A``). Same rule as SQL ``gll_departement_code``."""
    code = commune_code or ""
    return code[:3] if code[:2] in ("97", "98") else code[:2]


@lru_cache(maxsize=32)
def zone_named(name: str) -> ZoneInfo:
    """The time zone called ``name`` (« America/Cayenne »), built once."""
    return ZoneInfo(name)


def time_zone_of(commune_code: str) -> ZoneInfo:
    """The time zone residents of that commune live in (Paris unless overseas)."""
    name = OVERSEAS_TIME_ZONES.get(departement_code_of(commune_code))
    return zone_named(name) if name else PARIS


def local_now(commune_code: str, now: datetime.datetime | None = None) -> datetime.datetime:
    """``now`` (aware) as the wall-clock time of the commune, naive, to the minute."""
    now = now or timezone.now()
    return timezone.localtime(now, time_zone_of(commune_code)).replace(tzinfo=None, second=0, microsecond=0)


@lru_cache(maxsize=1)
def _public_holidays():
    # opening-hours-py knows the national French calendar: the expression « PH » is open
    # exactly on public holidays.
    return opening_hours.OpeningHours("PH", country="FR")


@lru_cache(maxsize=512)
def is_public_holiday(day: datetime.date) -> bool:
    """A national public holiday (see ``local_holidays`` for the local ones)."""
    return bool(_public_holidays().is_open(datetime.datetime.combine(day, datetime.time(12))))


# Where the law adds public holidays to the national ones, by département (the start of the
# INSEE code): Alsace-Moselle (Good Friday, 26 December), the overseas départements (abolition
# of slavery, on each one's date) and collectivities. opening-hours-py's « PH » knows the
# national calendar only; the dates come from the ``holidays`` package, written once into
# ``directory/data/local_holidays.json`` (``scripts/build_local_holidays.py``).
LOCAL_HOLIDAYS_FILE = Path(__file__).resolve().parent / "data" / "local_holidays.json"


@lru_cache(maxsize=1)
def _local_holiday_table() -> dict[str, dict[int, frozenset[datetime.date]]]:
    """Département → year → its public holidays beyond the national ones (read once)."""
    data = json.loads(LOCAL_HOLIDAYS_FILE.read_text(encoding="utf-8"))
    table: dict[str, dict[int, set]] = {}
    for code, days in data["holidays"].items():
        years = table.setdefault(code, {})
        for text in days:
            day = datetime.date.fromisoformat(text)
            if not is_public_holiday(day):  # opening-hours-py's national calendar already has it
                years.setdefault(day.year, set()).add(day)
    return {code: {year: frozenset(days) for year, days in years.items()} for code, years in table.items()}


def local_holidays(departement: str, year: int) -> frozenset[datetime.date]:
    """The public holidays of ``departement`` in ``year`` beyond the national ones."""
    return _local_holiday_table().get(departement, {}).get(year, frozenset())


def departements_on_local_holiday(day: datetime.date) -> list[str]:
    """The départements for which ``day`` is a local public holiday."""
    return sorted(code for code, years in _local_holiday_table().items() if day in years.get(day.year, ()))


def has_holiday_rule(expression: str) -> bool:
    """The expression says something of public holidays (« PH off », « Mo-Fr,PH 9:00-12:00 »)."""
    return re.search(r"\bPH\b", expression) is not None


def hours_of(expression: str, commune_code: str = "", around: datetime.date | None = None):
    """The parsed hours of a venue of ``commune_code``: ``parse(expression)``, and when the
    expression has its own rule for public holidays (« PH off », « PH 10:00-12:00 ») and the
    commune has local holidays, the same rule on those days (this year's, the previous and the
    next: ``around``, default today), as dated rules appended to the expression."""
    expression = (expression or "").strip()
    if not expression:
        return None
    departement = departement_code_of(commune_code)
    if departement not in _local_holiday_table() or not has_holiday_rule(expression):
        return parse(expression)
    return _with_local_holidays(expression, departement, (around or timezone.localdate()).year)


@lru_cache(maxsize=1024)
def _with_local_holidays(expression: str, departement: str, year: int):
    days = sorted(day for y in (year - 1, year, year + 1) for day in local_holidays(departement, y))
    _week, holiday = _weekly_spans(expression, datetime.date(year, 1, 1))
    if not days or holiday is None:
        return parse(expression)
    rule = ",".join(f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}" for a, b in holiday) or "off"
    dates = ",".join(f"{day.year} {OSM_MONTHS[day.month - 1]} {day.day:02d}" for day in days)
    # A later rule wins on the days it names: the holiday's hours on those dates.
    return parse(f"{expression}; {dates} {rule}") or parse(expression)


OSM_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


# --- the one status of a venue ----------------------------------------------------------------


class State:
    """What a venue is, right now: the CSS class of the status and the API's ``etat``."""

    OPEN = "open"  # open now by its hours
    CLOSED = "closed"  # closed now by its hours (opens later)
    UNKNOWN = "unknown"  # not closed, but no readable hours
    PAUSED = "paused"  # temporarily closed (a closure period covers today)
    GONE = "gone"  # closed for good


@dataclass(frozen=True)
class VenueStatus:
    """The status of a venue at a moment, and its wording. ``text`` is what every channel
    prints (list, page, poster, paper sheet, API); ``sms`` is the same words, compact."""

    state: str
    text: str
    sms: str
    opens_at: datetime.datetime | None = None  # local wall-clock time of the next opening
    closes_at: datetime.datetime | None = None  # local wall-clock time it closes, when open
    closure: object | None = None  # the current ClosurePeriod when temporarily closed
    reopens_on: datetime.date | None = None  # the day after the closure, when it has an end
    today: tuple = ()  # today's opening spans [(time, time)] by the hours, closures aside

    @property
    def is_open(self) -> bool:
        return self.state == State.OPEN

    @property
    def is_closed_temporarily(self) -> bool:
        return self.state == State.PAUSED

    @property
    def printed(self) -> str:
        """The part of the status that holds all day, for paper (door poster, sheet): a printed
        « Ouvert · jusqu'à 12 h » would be wrong by the afternoon, so « Ouvert » (the week's hours
        are printed beside it); closures, closed for good and unknown hours as in ``text``."""
        if self.state in (State.OPEN, State.CLOSED):
            return _("Ouvert")
        return self.text

    @property
    def printed_sms(self) -> str:
        """``printed`` in the SMS form: what « Envoyer » sends (read later, like paper)."""
        return _compact(self.printed)

    def as_api(self) -> dict:
        return {
            "etat": self.state,
            "texte": self.text,
            "ouvre_a": self.opens_at.isoformat() if self.opens_at else None,
            "ferme_a": self.closes_at.isoformat() if self.closes_at else None,
            "fermeture_jusqu_au": self.closure.ends_on.isoformat() if self.closure and self.closure.ends_on else None,
        }


def _day_month(day: datetime.date, today: datetime.date) -> str:
    # « 21 décembre », with the year only when it is not this year's.
    return formats.date_format(day, "j F" if day.year == today.year else "j F Y")


def _opening_text(opens: datetime.datetime, now: datetime.datetime) -> str:
    time = _hm(opens)
    days = (opens.date() - now.date()).days
    if days == 0:
        return _("ouvre aujourd'hui à %(time)s") % {"time": time}
    if days < 7:
        return _("ouvre %(weekday)s à %(time)s") % {"weekday": formats.date_format(opens, "l"), "time": time}
    return _("ouvre le %(date)s à %(time)s") % {"date": _day_month(opens.date(), now.date()), "time": time}


def _compact(text: str) -> str:
    # The SMS form: « Ouvert, jusqu'à 12h » (a middle dot is not GSM-7; « 12 h » costs a septet).
    return re.sub(r"(\d) h( (\d\d))?\b", r"\1h\3", text.replace(" · ", ", "))


def _next_opening(oh, start: datetime.datetime, closed_days) -> datetime.datetime | None:
    """The first opening at or after ``start`` on a day no closure covers (a few hops: a
    closure of several weeks is one hop, not one per opening)."""
    moment = start
    for _hop in range(12):
        try:
            opens = moment if oh.is_open(moment) else oh.next_change(moment)
        except Exception:
            return None
        if opens is None:
            return None
        opens = opens.replace(tzinfo=None)
        if (opens - start).days > 60:
            return None
        blocked_until = closed_days(opens.date())
        if blocked_until is None:
            return opens
        if blocked_until == datetime.date.max:  # closed until further notice
            return None
        moment = datetime.datetime.combine(blocked_until + datetime.timedelta(days=1), datetime.time())
    return None


def venue_status(venue, now: datetime.datetime | None = None) -> VenueStatus:
    """THE status of ``venue`` at ``now`` (default: now), with its wording, in the venue's time
    zone: closed for good, temporarily closed (a closure period covers the local day), or by its
    opening hours (public holidays as the OpenStreetMap expression says: « PH off »). Reads
    ``venue.commune_id``, ``closed_permanently_on``, ``opening_hours`` and its closures
    (``venue.current_closure`` and ``closures_on``: prefetched or listed ones when present).

    Used by the list cards, the venue page, the door poster, the paper sheet, the SMS reply and
    the API: change the wording here, and only here."""
    local = local_now(venue.commune_id, now)
    today = local.date()
    if venue.closed_permanently_on and venue.closed_permanently_on <= today:
        text = _("Fermé définitivement")
        return VenueStatus(State.GONE, text, _compact(text))
    closure = venue.current_closure(today)
    if closure is not None:
        if closure.ends_on:
            text = _("Fermé temporairement jusqu'au %(date)s") % {"date": _day_month(closure.ends_on, today)}
            reopens = closure.ends_on + datetime.timedelta(days=1)
        else:
            text, reopens = _("Fermé temporairement"), None
        return VenueStatus(State.PAUSED, text, _compact(text), closure=closure, reopens_on=reopens)
    oh = hours_of(venue.opening_hours, venue.commune_id, today)
    if oh is None:
        text = _("Horaires non renseignés")
        return VenueStatus(State.UNKNOWN, text, _compact(text))

    def closed_days(day):
        # The last day of the closure covering ``day``, or None.
        covering = venue.closures_on(day)
        if not covering:
            return None
        if any(c.ends_on is None for c in covering):
            return datetime.date.max
        return max(c.ends_on for c in covering)

    try:
        is_open = bool(oh.is_open(local))
        change = oh.next_change(local)
        midnight = local.replace(hour=0, minute=0)
        spans = tuple(
            (a.time(), b.time() if b.date() == today else datetime.time(23, 59))
            for a, b, st, _c in oh.intervals(midnight, midnight + datetime.timedelta(days=1))
            if _is_open_state(st)
        )
    except Exception:
        text = _("Horaires non renseignés")
        return VenueStatus(State.UNKNOWN, text, _compact(text))
    change = change.replace(tzinfo=None) if change is not None else None
    if is_open:
        if change is not None and change - local <= datetime.timedelta(hours=24):
            text = _("Ouvert · jusqu'à %(time)s") % {"time": _hm(change)}
        else:
            text = _("Ouvert")
        return VenueStatus(State.OPEN, text, _compact(text), closes_at=change, today=spans)
    opens = _next_opening(oh, local, closed_days)
    text = _("Fermé") if opens is None else _("Fermé · %(opening)s") % {"opening": _opening_text(opens, local)}
    return VenueStatus(State.CLOSED, text, _compact(text), opens_at=opens, today=spans)


def day_status(venue, day: datetime.date) -> VenueStatus:
    """``venue_status`` at noon of ``day`` in the venue's time zone: for what is read during
    the day rather than at a moment (door poster, paper sheet, a sent message), which print
    its ``printed`` form."""
    return venue_status(venue, datetime.datetime.combine(day, datetime.time(12), time_zone_of(venue.commune_id)))


def today_text(status: VenueStatus) -> str:
    """Today's hours in words (« aujourd'hui 9 h – 12 h, 14 h – 17 h »), for the alternatives
    offered during a closure; empty when closed today or unknown."""
    if not status.today:
        return ""
    spans = ", ".join(f"{clock_text(a)} – {clock_text(b)}" for a, b in status.today)
    return _("aujourd'hui %(spans)s") % {"spans": spans}


def clock_text(t: datetime.time) -> str:
    """``t`` as residents read it in the active language: « 9 h », « 14 h 30 »; « 09:00 » in English."""
    return _hm(datetime.datetime.combine(datetime.date(2000, 1, 1), t))


# --- the week as minute ranges, for the time filters in SQL --------------------------------------

MINUTES_A_DAY = 24 * 60
MINUTES_A_WEEK = 7 * MINUTES_A_DAY


@lru_cache(maxsize=8)
def reference_monday(today: datetime.date) -> datetime.datetime:
    """The Monday of the first week, from this one on, without a public holiday: a typical
    week (a holiday would read as a weekday closed every week)."""
    monday = today - datetime.timedelta(days=today.weekday())
    for _week in range(12):
        if not any(is_public_holiday(monday + datetime.timedelta(days=i)) for i in range(7)):
            break
        monday += datetime.timedelta(days=7)
    return datetime.datetime.combine(monday, datetime.time())


@lru_cache(maxsize=4)
def _a_public_holiday(today: datetime.date) -> datetime.date | None:
    for i in range(400):
        day = today + datetime.timedelta(days=i)
        if is_public_holiday(day):
            return day
    return None


def _merged(spans):
    merged = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def weekly_spans(expression: str, today: datetime.date | None = None):
    """``(week, holiday)`` of an OpenStreetMap expression: ``week`` the opening spans of a
    typical week as ``(start, end)`` minutes from Monday 00:00 (end excluded; a span past
    Sunday midnight wraps to Monday); ``holiday`` the spans of a public holiday in minutes from
    midnight when the expression has its own « PH » rule, else None (a holiday is then a
    weekday like the others). Empty and None for missing or unreadable hours. The time filters
    (``VenueQuerySet.open_at`` …) read them from ``Venue.weekly_hours`` / ``holiday_hours``."""
    # Cached per day, not once per process: seasonal rules give another typical week later on.
    return _weekly_spans(expression, today or timezone.localdate())


@lru_cache(maxsize=4096)
def _weekly_spans(expression: str, today: datetime.date):
    oh = parse((expression or "").strip()) if expression else None
    if oh is None:
        return (), None
    monday = reference_monday(today)
    try:
        spans = []
        for a, b, st, _c in oh.intervals(monday, monday + datetime.timedelta(days=7)):
            if not _is_open_state(st):
                continue
            start = int((a.replace(tzinfo=None) - monday).total_seconds() // 60)
            end = int((b.replace(tzinfo=None) - monday).total_seconds() // 60)
            spans.append((start, min(end, MINUTES_A_WEEK)))
        # A Sunday night running past midnight shows at the start of the reference Monday
        # (the week before spills into it): spans wrap by themselves.
        holiday = None
        if has_holiday_rule(expression):
            day = _a_public_holiday(monday.date())
            if day is not None:
                start_of_day = datetime.datetime.combine(day, datetime.time())
                holiday = tuple(
                    _merged(
                        (
                            int((a.replace(tzinfo=None) - start_of_day).total_seconds() // 60),
                            min(int((b.replace(tzinfo=None) - start_of_day).total_seconds() // 60), MINUTES_A_DAY),
                        )
                        for a, b, st, _c in oh.intervals(start_of_day, start_of_day + datetime.timedelta(days=1))
                        if _is_open_state(st)
                    )
                )
    except Exception:
        return (), None
    return tuple(_merged(spans)), holiday


def minute_of_week(moment: datetime.datetime) -> int:
    return moment.weekday() * MINUTES_A_DAY + moment.hour * 60 + moment.minute
