"""The national list of France Services (ANCT), as département staff receive it, read as venues.

Its CSV has its own columns (``id_fs, insee_dep, lib_fs, adresse, complement_adresse, insee_com,
code_postal, lib_com, latitude, longitude, mail, telephone, h_lundi … h_samedi, commentaire,
itinerance, format_fs, groupe, labellisation``): ``is_france_services_header`` recognises it and
``translate`` turns each row into a row of the standard v1.0.2, which the importer then checks
like any other. The mapping is documented in docs/open-data.md (« La liste France Services »).
"""

from __future__ import annotations

import datetime
import re

from django.utils.translation import gettext as _

from directory import enums
from directory.hours import parse as parse_hours
from directory.opendata import standard

SOURCE = "France Services"
# The standard requires a pivot (SIRET or RNA) and the national list has none: fourteen zeros
# is the value the national mapping (data.inclusion, the cartographie nationale) uses for
# « unknown »; it matches the schema's pattern and is replaced when a file brings a SIRET.
UNKNOWN_PIVOT = "00000000000000"

DAYS = (
    ("h_lundi", "Mo"),
    ("h_mardi", "Tu"),
    ("h_mercredi", "We"),
    ("h_jeudi", "Th"),
    ("h_vendredi", "Fr"),
    ("h_samedi", "Sa"),
    ("h_dimanche", "Su"),
)
COLUMNS = (
    "id_fs",
    "insee_dep",
    "lib_fs",
    "adresse",
    "complement_adresse",
    "insee_com",
    "code_postal",
    "lib_com",
    "latitude",
    "longitude",
    "mail",
    "telephone",
    *(column for column, _day in DAYS),
    "commentaire",
    "itinerance",
    "format_fs",
    "groupe",
    "labellisation",
)
# Columns some editions add, read when present.
OPTIONAL = ("siret", "pivot", "site_web", "date_maj")
KNOWN = frozenset((*COLUMNS, *OPTIONAL))
REQUIRED = ("id_fs", "lib_fs", "adresse", "code_postal", "lib_com")

# Keys of the translated row that are not standard columns (the importer reads them).
STAFF_COMMENT = "__commentaire__"
DATE_DEFAULTED = "__date_par_defaut__"

CLOSED = frozenset({"", "ferme", "fermee", "-", "/", "x", "non", "aucun", "aucune"})
TIME = r"(\d{1,2})\s*(?:[h:H.]\s*(\d{2})?)?"
RANGE = re.compile(rf"^{TIME}\s*(?:-|–|—|à|a)\s*{TIME}$")
RANGE_SEPARATORS = re.compile(r"\s*(?:/|,|;|\bet\b|\+)\s*")
YES = frozenset({"oui", "o", "1", "true", "vrai", "yes"})
NO = frozenset({"non", "n", "0", "false", "faux", "no"})
DATE_FR = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def is_france_services_header(header: list[str]) -> bool:
    return "id_fs" in header and "lib_fs" in header


def day_ranges(text: str) -> list[str] | None:
    """« 09:00 - 12:00 / 13:30 - 17:00 », « 9h-12h », « 9h30 à 12h » as OSM ranges
    (``["09:00-12:00", "13:30-17:00"]``); ``[]`` when closed or empty; None when unreadable."""
    folded = _fold(text)
    if folded in CLOSED:
        return []
    ranges = []
    for part in RANGE_SEPARATORS.split(folded):
        if not part:
            continue
        match = RANGE.match(part)
        if match is None:
            return None
        start, end = _time(match.group(1), match.group(2)), _time(match.group(3), match.group(4))
        if start is None or end is None or start >= end:
            return None
        ranges.append(f"{start}-{end}")
    return ranges


def _time(hours: str, minutes: str | None) -> str | None:
    h, m = int(hours), int(minutes or 0)
    if h > 24 or m > 59 or (h == 24 and m):
        return None
    return f"{h:02d}:{m:02d}"


def opening_hours(row: dict[str, str]) -> tuple[str, list[tuple[str, str]]]:
    """The ``h_lundi`` … ``h_dimanche`` columns as an OpenStreetMap ``opening_hours`` value
    (consecutive days with the same hours grouped: « Mo-Fr 09:00-12:00,13:30-17:00; Sa
    09:00-12:00 »), and the (column, text) of the days that could not be read."""
    unreadable = []
    days: list[tuple[str, str]] = []
    for column, day in DAYS:
        text = (row.get(column) or "").strip()
        ranges = day_ranges(text)
        if ranges is None:
            unreadable.append((column, text))
            continue
        days.append((day, ",".join(ranges)))
    rules = []
    index = 0
    while index < len(days):
        day, ranges = days[index]
        last = index
        while last + 1 < len(days) and days[last + 1][1] == ranges and _next_day(days[last][0]) == days[last + 1][0]:
            last += 1
        if ranges:
            span = day if last == index else f"{day}-{days[last][0]}"
            rules.append(f"{span} {ranges}")
        index = last + 1
    return "; ".join(rules), unreadable


def _next_day(day: str) -> str | None:
    order = [d for _c, d in DAYS]
    position = order.index(day)
    return order[position + 1] if position + 1 < len(order) else None


def translate(row: dict[str, str], warn, error) -> dict[str, str]:
    """A row of the France Services list as a v1.0.2 row (plus ``STAFF_COMMENT`` and
    ``DATE_DEFAULTED``). ``warn(column, value, reason)`` is called for every value changed or
    dropped, so nothing is lost silently."""
    get = {k: (v or "").strip() for k, v in row.items()}.get
    out = {
        "id": get("id_fs", ""),
        "source": SOURCE,
        "nom": get("lib_fs", ""),
        "adresse": get("adresse", ""),
        "complement_adresse": get("complement_adresse", ""),
        "commune": get("lib_com", ""),
        # A spreadsheet's « 1053 » for 01053: the importer puts the zero back, with a warning.
        "code_insee": get("insee_com", ""),
        "code_postal": get("code_postal", ""),
        "latitude": get("latitude", "").replace(",", "."),
        "longitude": get("longitude", "").replace(",", "."),
        "courriels": standard.SEPARATOR.join(_split(get("mail", ""))),
        "telephone": standard.SEPARATOR.join(_split(get("telephone", ""), phone=True)),
        "site_web": get("site_web", ""),
        "typologie": enums.Typologie.RFS.value,
        "dispositif_programmes_nationaux": enums.Dispositif.FRANCE_SERVICES.value,
        STAFF_COMMENT: get("commentaire", ""),
    }
    out["pivot"] = get("siret", "").replace(" ", "") or get("pivot", "") or UNKNOWN_PIVOT

    hours, unreadable = opening_hours(row)
    if unreadable:
        for column, text in unreadable:
            warn(column, text, _("horaires illisibles : les horaires de ce lieu ne sont pas importés"))
        hours = ""
    elif hours and parse_hours(hours) is None:
        warn("h_lundi", hours, _("horaires illisibles : les horaires de ce lieu ne sont pas importés"))
        hours = ""
    out["horaires"] = hours

    itinerance = _fold(get("itinerance", ""))
    mobile = itinerance in YES or any(word in _fold(get("format_fs", "")) for word in ("itinerant", "bus"))
    if mobile:
        out["itinerance"] = enums.Itinerance.ITINERANT.value
    elif itinerance in NO:
        out["itinerance"] = enums.Itinerance.FIXE.value
    elif itinerance:
        error("itinerance", get("itinerance", ""), _("valeur attendue : « Oui » ou « Non »"))

    date = get("date_maj", "")
    if not date:
        out[DATE_DEFAULTED] = "1"
        date = datetime.date.today().isoformat()
    else:
        match = DATE_FR.match(date)
        if match:
            date = f"{match.group(3)}-{int(match.group(2)):02d}-{int(match.group(1)):02d}"
    out["date_maj"] = date
    return out


def _split(value: str, phone: bool = False) -> list[str]:
    separators = r"[;/|]" if phone else r"[;,\s|]+"
    return [part.strip() for part in re.split(separators, value) if part.strip()]


def _fold(text: str) -> str:
    from directory.text import fold

    return fold(text or "").strip()
