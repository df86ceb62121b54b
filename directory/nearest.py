"""Nearest first, a mobile venue by its nearest stop: the pages of « Autour de moi » and the
words of a distance (« à 2,3 km — arrêt à Mons-en-Pévèle, le jeudi »).

The distance itself is SQL, one definition (``directory/models/distance.py``); here:

- ``distance_words``: what a card, the « nearest » venues and « Pendant la fermeture » print;
- ``stop_days``: the day of a stop, read from the channel that names it.
"""

from __future__ import annotations

import re

from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _

from directory.enums import ON_SITE_KINDS
from directory.templatetags.directory_tags import distance as distance_text
from directory.territories import name_words
from directory.text import fold

# --- the day of a stop -------------------------------------------------------------------------

_DAY_WORDS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
_ORDINALS = {
    "1er": 1,
    "1re": 1,
    "premier": 1,
    "2e": 2,
    "2eme": 2,
    "deuxieme": 2,
    "3e": 3,
    "3eme": 3,
    "troisieme": 3,
    "4e": 4,
    "4eme": 4,
    "quatrieme": 4,
    "dernier": -1,
}
_DAY = re.compile(
    r"(?:\b(" + "|".join(_ORDINALS) + r")\s+)?\b(" + "|".join(_DAY_WORDS) + r")s?\b",
)
# Where one stop's words end and the next one's start, in a channel naming several
# (« Templeuve le mardi ; Mons-en-Pévèle le jeudi »).
_SEGMENTS = re.compile(r"[;\n|•]")


def _days_in(text: str) -> list[tuple[int, int]]:
    """(ordinal or 0, weekday 0-6) of the days ``text`` names, in its order, once each."""
    found = []
    for ordinal, day in _DAY.findall(fold(text or "")):
        item = (_ORDINALS.get(ordinal, 0), _DAY_WORDS.index(day))
        if item not in found:
            found.append(item)
    return found


def _names(text: str, commune_words: tuple[str, ...]) -> bool:
    words = name_words(text or "")
    size = len(commune_words)
    return bool(size) and any(words[i : i + size] == commune_words for i in range(len(words) - size + 1))


def stop_days(channels, commune_name: str) -> list[tuple[int, int]]:
    """The days of the stop in ``commune_name``, read from the in-person channel (rows with
    ``kind``, ``value``, ``label`` and ``availability``) that names it: the part of its text
    that names the commune (parts cut at « ; », line breaks, « | », « • »: « Templeuve le
    mardi ; Mons-en-Pévèle le jeudi »), else its label (« Arrêt du jeudi »), else its
    availability. Empty when no channel says it."""
    wanted = name_words(commune_name or "")
    for row in channels or ():
        if row.get("kind") not in ON_SITE_KINDS:
            continue
        value, label, availability = row.get("value", ""), row.get("label", ""), row.get("availability", "")
        if not (_names(value, wanted) or _names(label, wanted)):
            continue
        for part in [*_SEGMENTS.split(value), *_SEGMENTS.split(label)]:
            if _names(part, wanted) and _days_in(part):
                return _days_in(part)
        return _days_in(label) or _days_in(availability)
    return []


def days_text(days) -> str:
    """« le jeudi », « le mardi et le jeudi », « le premier jeudi du mois » (from « 1er jeudi »)."""
    ordinals = {1: _("premier"), 2: _("deuxième"), 3: _("troisième"), 4: _("quatrième"), -1: _("dernier")}
    parts = []
    for ordinal, weekday in days:
        day = str(WEEKDAYS[weekday])  # « jeudi » in French, « Thursday » in English
        if ordinal:
            parts.append(_("le %(ordinal)s %(day)s du mois") % {"ordinal": ordinals[ordinal], "day": day})
        else:
            parts.append(_("le %(day)s") % {"day": day})
    if len(parts) <= 1:
        return "".join(parts)
    return _("%(first)s et %(last)s") % {"first": ", ".join(parts[:-1]), "last": parts[-1]}


# --- the words of a distance -------------------------------------------------------------------


def stop_text(venue, channels=None) -> str:
    """« arrêt à Mons-en-Pévèle, le jeudi » for a venue whose nearest point is a stop
    (``nearest_stop`` / ``nearest_stop_name``, annotated by ``near()``, ``serving_place`` and
    ``open_alternatives_to``); « arrêt dans sa commune » when the stop is in its own commune (its
    name is already on the card); « » for a venue at its home base."""
    code = getattr(venue, "nearest_stop", None)
    name = getattr(venue, "nearest_stop_name", None)
    if not code or not name:
        return ""
    channels = getattr(venue, "card_channels", None) if channels is None else channels
    days = days_text(stop_days(channels, name))
    stop = _("arrêt dans sa commune") if code == venue.commune_id else _("arrêt à %(commune)s") % {"commune": name}
    return _("%(stop)s, %(days)s") % {"stop": stop, "days": days} if days else stop


def distance_words(venue, km, *, here: bool = False, channels=None) -> str:
    """« à 2,3 km », « à 2,3 km — arrêt à Mons-en-Pévèle, le jeudi », or with ``here`` (the
    stop is in the place searched, whose name heads the group) « arrêt à Mons-en-Pévèle, le
    jeudi » alone: the distance from a place to itself says nothing."""
    stop = stop_text(venue, channels)
    if here and stop:
        return stop
    if km is None:
        return stop
    at = _("à %(distance)s") % {"distance": distance_text(km)}
    return _("%(distance)s — %(stop)s") % {"distance": at, "stop": stop} if stop else at
