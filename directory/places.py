"""What a resident typed in the one search box, read as a place: « mons en pevele », « 59246 »,
« st etienne », « Paris 15e », « mansle » (a delegated commune), « 59000 lille », or
« cysoing mediatheque » (a commune and venue words).

Built on the commune resolver (``directory/territories.py``: names with every spelling the
import accepts, aliases, arrondissements; an in-memory index, no query) and on its commune
positions (for « the nearest »). ``VenueFilter`` asks ``read_place(q)`` before searching venue
names: a place lists the venues serving it (``VenueQuerySet.serving_place``), in groups.

    reading = read_place("mons en pevele")
    reading.place        # Place(communes=[…Mons-en-Pévèle], label="Mons-en-Pévèle (59246)", words="")
    reading.suggestions  # several communes when the text is truly ambiguous (homonyms, a prefix)

Decisions (docs/directory.md, « One box that understands places »):

- five digits are a postal code, never an INSEE code (« 59242 » is Templeuve-en-Pévèle's postal
  code; INSEE 59242 is another commune);
- a name is read whole, else its longest leading (then trailing) words that name a commune,
  the rest being venue words (« templeuve-en-pevele mediatheque »);
- homonyms are ambiguous unless one commune is ten times as populated as the next (then it is
  taken, the others offered); a text that only starts a name (« templeuve ») is a place when one
  commune starts so, suggestions otherwise (and only when no venue name matches: ``VenueFilter``);
- an unknown postal code or a name nothing resembles is not a place: the venue search runs.
"""

from __future__ import annotations

import bisect
import re
import weakref
from dataclasses import dataclass, field

from directory import territories
from directory.territories import CommuneInfo, name_keys, name_words

# One homonym this many times as populated as the next is the one meant (« Saint-Denis » ...
# would still be ambiguous: 93 and 974 are close).
DOMINANT_RATIO = 10
SUGGESTIONS = 5
# A leading or trailing part of the text is read as a commune only from this length (key
# letters): « bus numérique » is not Bus (62) + « numérique ».
MIN_PART_KEY = 5
# ... and as the start of a commune's name only from this length: « templeuve médiathèque » is
# Templeuve-en-Pévèle, « centre social » is not Centrès (12).
MIN_PART_PREFIX = 8


@dataclass(frozen=True)
class Place:
    communes: tuple[CommuneInfo, ...]
    label: str  # « Mons-en-Pévèle (59246) », « 59000 »
    postal_code: str = ""
    words: str = ""  # venue words typed with the place
    alias: str = ""  # the alias typed (« Paris 15e Arrondissement », « Mansle »)
    others: tuple[CommuneInfo, ...] = ()  # less populated homonyms, offered as links

    @property
    def codes(self) -> list[str]:
        return [c.code for c in self.communes]

    @property
    def departement(self) -> str:
        return self.communes[0].departement

    def position(self) -> tuple[float, float] | None:
        """The place's position (the commune's centre; for a postal code, the mean of its
        communes' centres), for « the nearest »."""
        found = [p for p in (territories.positions().get(code) for code in self.codes) if p]
        if not found:
            return None
        return (sum(p[0] for p in found) / len(found), sum(p[1] for p in found) / len(found))


@dataclass
class PlaceReading:
    place: Place | None = None
    suggestions: list[CommuneInfo] = field(default_factory=list)
    unknown_postal_code: str = ""
    # The suggestions come from a text that only starts commune names (« lill »): offered only
    # when no venue name matches it.
    partial: bool = False
    # The place was read from the start of a commune's name, not its whole name (« templeuve »
    # → Templeuve-en-Pévèle; « mairie » → Mairieux): ``word`` is the text taken as that start,
    # which the filter gives up when it is a word of the venues' own (``VenueFilter``).
    by_prefix: str = ""


def _label(commune: CommuneInfo, postal: str = "") -> str:
    return f"{commune.name} ({postal or (commune.postal_codes[0] if commune.postal_codes else commune.departement)})"


def _by_size(commune: CommuneInfo):
    return (-commune.population, commune.code)


def _communes(index, entries) -> list[tuple[CommuneInfo, object]]:
    seen, result = set(), []
    for code, alias in entries:
        commune = index.by_code.get(code)
        if commune is not None and code not in seen:
            seen.add(code)
            result.append((commune, alias))
    return sorted(result, key=lambda ca: _by_size(ca[0]))


def _exact(index, words: tuple[str, ...]):
    full, loose = name_keys(words)
    return _communes(index, index.national.get(full) or index.national.get(loose) or ())


def _place_of(found, words: str = "", postal: str = "") -> PlaceReading:
    communes = [c for c, _a in found]
    first, alias = found[0]
    dominant = len(communes) == 1 or first.population >= DOMINANT_RATIO * max(1, communes[1].population)
    if not dominant:
        return PlaceReading(suggestions=communes)
    alias_name = alias.name if alias is not None and alias.name else ""
    label = _label(first, postal or (alias.postal_codes[0] if alias is not None and alias.postal_codes else ""))
    if alias_name and territories.name_key(alias_name) != territories.name_key(first.name):
        label = f"{alias_name} — {label}"
    return PlaceReading(
        place=Place(
            communes=(first,),
            label=label,
            postal_code=postal,
            words=words,
            alias=alias_name,
            others=tuple(communes[1:SUGGESTIONS]),
        )
    )


_SORTED_KEYS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _sorted_keys(index) -> list[str]:
    # The index's name keys in order, once per index: « the names starting with » is a bisect.
    keys = _SORTED_KEYS.get(index)
    if keys is None:
        keys = _SORTED_KEYS[index] = sorted(index.national)
    return keys


def _starting(index, key: str, unique: bool = False):
    """The communes whose name starts with ``key`` (a bisect in the sorted keys); with
    ``unique``, only when there is exactly one."""
    keys = _sorted_keys(index)
    start = bisect.bisect_left(keys, key)
    entries = []
    for found in keys[start : start + 200]:
        if not found.startswith(key):
            break
        entries.extend(index.national[found])
    communes = _communes(index, entries)
    if unique and len(communes) != 1:
        return []
    return communes


def _foreign_start(words, found) -> str:
    """``words`` (read as the start of the name of ``found``'s commune) when they are not
    whole words of that name: « mairie » in Mairieux, not « templeuve » in
    Templeuve-en-Pévèle."""
    own = set(name_words(found[0][0].name))
    return "" if set(words) <= own else " ".join(words)


def read_place(text: str, index=None) -> PlaceReading:
    """``text`` as a place (see the module's docstring). In memory: no query."""
    index = index or territories.shared_index()
    text = (text or "").strip()[:200]
    postal = next(iter(re.findall(r"(?<!\d)\d{5}(?!\d)", text)), "")
    words = name_words(text)
    if postal:
        codes = index.by_postal.get(postal, ())
        communes = sorted((index.by_code[c] for c in codes if c in index.by_code), key=_by_size)
        if not communes:
            return PlaceReading(unknown_postal_code=postal)
        if words:
            found = [(c, a) for c, a in _exact(index, words) if c.code in codes]
            if found:
                return _place_of(found, postal=postal)
        label = _label(communes[0], postal) if len(communes) == 1 else postal
        rest = " ".join(w for w in words if not w.startswith("#"))
        return PlaceReading(place=Place(communes=tuple(communes), label=label, postal_code=postal, words=rest))
    if not words:
        return PlaceReading()
    found = _exact(index, words)
    if found:
        return _place_of(found)
    # A commune and venue words: the longest leading, then trailing, words that name one.
    for size in range(len(words) - 1, 0, -1):
        for part, rest in ((words[:size], words[size:]), (words[-size:], words[:-size])):
            if len("".join(part)) < MIN_PART_KEY:
                continue
            found = _exact(index, part)
            prefix = ""
            if not found and len("".join(part)) >= MIN_PART_PREFIX:
                found = _starting(index, "".join(part), unique=True)
                prefix = " ".join(part)
            if found:
                reading = _place_of(found, words=" ".join(rest))
                reading.by_prefix = _foreign_start(part, found) if prefix else ""
                return reading
    # The start of a name (« templeuve » → Templeuve-en-Pévèle).
    full = "".join(words)
    if len(full) >= 4:
        starting = _starting(index, full)
        if len(starting) == 1:
            reading = _place_of(starting)
            reading.by_prefix = _foreign_start(words, starting)
            return reading
        if starting:
            return PlaceReading(suggestions=[c for c, _a in starting[:50]], partial=True)
    return PlaceReading()


def rank_by_proximity(communes, departements) -> list[CommuneInfo]:
    """Suggestions nearest first: those in the ``departements`` of the other matches (the venues
    found by name), then the most populated."""
    departements = set(departements)
    return sorted(communes, key=lambda c: (c.departement not in departements, *_by_size(c)))[:SUGGESTIONS]


def communes_named_in(text: str, departements, index=None) -> list[str]:
    """INSEE codes of the communes of ``departements`` that ``text`` names (« Parking de la
    salle des fêtes de Mons-en-Pévèle » → Mons-en-Pévèle): the stops of a mobile venue, written
    in its in-person channels. Longest names first, each word used once; names shorter than 4
    letters are ignored (« Eu », « Y »)."""
    index = index or territories.shared_index()
    departements = set(departements)
    words = name_words(text or "")
    used = [False] * len(words)
    found = []
    for size in range(min(len(words), 8), 0, -1):
        for start in range(len(words) - size + 1):
            if any(used[start : start + size]):
                continue
            part = words[start : start + size]
            if len("".join(part)) < 4:
                continue
            matches = [c for c, _a in _exact(index, part) if c.departement in departements]
            if matches:
                found.append(matches[0].code)
                used[start : start + size] = [True] * size
    return list(dict.fromkeys(found))
