"""Commune resolution that knows France: which current commune a postal address means.

One place for the rules, used by the importer (``directory/opendata/importer.py``) and
reusable by anything that must recognise a commune from what a person typed.

Two entry points:

``CommuneIndex.resolve(insee, postal, name, latitude, longitude) -> Resolution``
    For one row of a file. Tries, in order of trust (docs/open-data.md, « Commune
    resolution »):

    1. ``code_insee``: a current commune; or a delegated / associated commune, a municipal
       arrondissement, an old code → its current commune (warning). Checked against the postal
       code (another département → error) and the name (another commune → error).
    2. postal code + name, forgiving case, accents, « St/Ste/Saint », hyphens, spaces,
       apostrophes, « CEDEX », arrondissement forms (« MARSEILLE 4E ARRONDISSEMENT »,
       « Paris 15e », « LYON 3EME ») and the aliases above, including La Poste's delivery labels
       (« CANNES LA BOCCA », « MONTFAVET »);
    3. the name within the département (or overseas collectivity) of the postal code: the
       postal code of another commune (98800 for Le Mont-Dore) or a CEDEX / company code
       (16016), warning; a commune of another département is never taken, and its name is
       not overruled by the postal code alone (only the coordinates may pick one of the
       postal code's communes);
    4. a commune of the postal code whose name is inside the given name (« CANNES
       CALIFORNIE »), or spelt almost alike (« VILLENEUVE D ASQ »), warning;
    5. the postal code alone when it names exactly one commune, warning;
    6. the coordinates, to choose between the communes of the postal code (warning), else an
       error listing the candidates.

    Then the coordinates are checked: outside the commune's département → error; far from the
    commune's position → warning. A commune outside the département that the postal code
    points to is never chosen.

``find_communes(text, limit=10) -> list[Candidate]``
    For free text typed by a resident: « st etienne », « MARSEILLE 4E ARRONDISSEMENT »,
    « Paris 15e », « LYON 3EME », « mansle », « 59246 », « 59000 Lille ». Returns the matching
    current communes (with the alias that matched, e.g. the arrondissement), the most populated
    first: a postal code gives its communes, an INSEE code its commune, a name its communes in
    every département (homonyms included), else the communes whose name starts with the text.
    Reads a process-wide index (``shared_index()``, reloaded every ten minutes).

Every message is French (gettext), with the column it is about, for the importer's report.
"""

from __future__ import annotations

import dataclasses
import difflib
import gzip
import json
import math
import re
import sys
import threading
import time
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _

POSITIONS_FILE = Path(__file__).resolve().parent / "data" / "commune_positions.json.gz"

# Beyond this distance from a commune's position (its town centre), coordinates are suspect.
# Communes are larger overseas (Guyane, Polynesian atolls spread over hundreds of km).
NEAR_KM = 20.0
NEAR_KM_OVERSEAS = {"973": 150.0, "987": 400.0, "988": 60.0, "975": 40.0, "986": 60.0, "974": 30.0}
# Département boxes (from the positions) are widened by this margin before a point is said
# to lie outside: a refusal must never come from the box being too tight.
BOX_MARGIN_DEGREES = 0.25
# How much farther than the nearest candidate the next one must be for coordinates to choose.
CLEAR_WINNER_KM = 2.0
SHARED_INDEX_SECONDS = 600

OVERSEAS = {"971", "972", "973", "974", "975", "976", "977", "978", "986", "987", "988"}
POSTAL_CODE = re.compile(r"^\d{5}$")
INSEE_CODE = re.compile(r"^(?:\d{5}|2[AB]\d{3})$")
# Départements and the overseas collectivities the COG lists beside them (975, 977, 978,
# 984, 986–989): one pattern for the list, the API and its schema.
DEPARTEMENT_CODE_PATTERN = r"^([0-9]{2}|2[AB]|9[78][0-9])$"
WORD = re.compile(r"[a-z0-9]+")
ORDINAL = re.compile(r"^(\d{1,2})(?:er|re|e|eme|ieme|em|me|d|nd)?$")
ARRONDISSEMENT_WORDS = {"arrondissement", "arrondissements", "arr", "arrt", "ardt", "arrdt", "arrond"}
ARTICLES = {"le", "la", "les", "l"}
# « ST », « STE », and La Poste's « S/ » (« BOULOGNE S/ MER »).
ABBREVIATIONS = {"st": "saint", "ste": "sainte", "s": "sur"}
_NO_ACCENTS = dict.fromkeys(range(0x300, 0x370))


# --- names ------------------------------------------------------------------------------------


def name_words(text: str) -> tuple[str, ...]:
    """The words that identify a commune name, so that every spelling of a name gives the
    same words: accents and case folded, punctuation dropped, « St/Ste/S/ » → « saint/sainte/sur »,
    « CEDEX » and what follows dropped, postal codes dropped, and a trailing arrondissement
    number (« 4E ARRONDISSEMENT », « 15e », « 3EME », « 01 ») turned into ``#4``, and an
    article written after the name (« HAVRE (LE) ») put back first."""
    words = []
    folded = unicodedata.normalize("NFKD", text.lower().replace("œ", "oe").replace("æ", "ae"))
    # Combining accents removed with one C-level translate (35,000 names per index build).
    for word in WORD.findall(folded.translate(_NO_ACCENTS)):
        if word == "cedex":
            break
        if len(word) == 5 and word.isdigit():
            continue  # a postal code written with the name
        words.append(ABBREVIATIONS.get(word, word))
    if len(words) >= 2 and words[-1] in ARTICLES and "(" in text:
        # The old INSEE style « HAVRE (LE) », « ROCHELLE (LA) »: the article goes first.
        words.insert(0, words.pop())
    if len(words) >= 2 and words[-1] in ARRONDISSEMENT_WORDS:
        words.pop()
    if len(words) >= 2 and words[-2] in ARRONDISSEMENT_WORDS:  # « arrondissement 4 »
        del words[-2]
    if len(words) >= 2:
        ordinal = ORDINAL.match(words[-1])
        if ordinal:
            words[-1] = f"#{int(ordinal.group(1))}"
    return tuple(words)


def name_key(text: str) -> str:
    return "".join(name_words(text))


def name_keys(words: tuple[str, ...]) -> tuple[str, str]:
    """The full key and the key without a leading article (« Le Mont-Dore » → « montdore »)."""
    full = "".join(words)
    loose = "".join(words[1:]) if len(words) > 1 and words[0] in ARTICLES else full
    return full, loose


# --- data ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CommuneInfo:
    code: str
    name: str
    departement: str
    postal_codes: tuple[str, ...]
    population: int = 0

    @property
    def label(self) -> str:
        return f"{self.name} ({self.code})"


@dataclass(frozen=True, slots=True)
class AliasInfo:
    code: str
    name: str
    kind: str
    commune: str
    postal_codes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Note:
    """A warning or an error about one column of a row."""

    column: str
    value: str
    text: str


@dataclass(frozen=True, slots=True)
class Candidate:
    commune: CommuneInfo
    alias: AliasInfo | None = None


@dataclass
class Resolution:
    commune: CommuneInfo | None = None
    alias: AliasInfo | None = None  # the alias the row was written with (arrondissement…)
    warnings: list[Note] = field(default_factory=list)
    errors: list[Note] = field(default_factory=list)


@dataclass(frozen=True)
class _Base:
    """What the codes and the name say, before the coordinates (cached per distinct triple)."""

    commune: CommuneInfo | None = None
    alias: AliasInfo | None = None
    warnings: tuple[Note, ...] = ()
    errors: tuple[Note, ...] = ()
    candidates: tuple[CommuneInfo, ...] = ()  # undecided: the coordinates may choose
    # Found by a fallback (extra words, the département, the postal code alone): coordinates
    # in another département then refuse the row instead of warning.
    weak: bool = False
    undecided: Note | None = None  # the error if they cannot


def _kind_label(kind: str) -> str:
    from directory.models import CommuneAlias

    return str(CommuneAlias.Kind(kind).label)


def _listing(communes) -> str:
    shown = sorted(communes, key=lambda c: (-c.population, c.code))
    return ", ".join(f"{c.name} ({c.code}, {c.departement})" for c in shown[:8]) + (" …" if len(shown) > 8 else "")


def _parse_number(text) -> float | None:
    if text is None or text == "":
        return None
    try:
        number = float(str(text).strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


def load_positions() -> dict[str, tuple[float, float]]:
    with gzip.open(POSITIONS_FILE, "rt", encoding="utf-8") as handle:
        return {sys.intern(code): (lat, lon) for code, (lat, lon) in json.load(handle)["positions"].items()}


_positions_lock = threading.Lock()
_positions: dict[str, tuple[float, float]] | None = None


def positions() -> dict[str, tuple[float, float]]:
    global _positions
    with _positions_lock:
        if _positions is None:
            _positions = load_positions()
        return _positions


# --- the index ------------------------------------------------------------------------------------


class CommuneIndex:
    """Every current commune and alias in memory (35,000 communes, 5,800 aliases: loaded once
    per import, a few tenths of a second, instead of queries per row)."""

    def __init__(self, communes, aliases, positions_by_code=None):
        self.by_code: dict[str, CommuneInfo] = {c.code: c for c in communes}
        self.aliases_by_code: dict[str, list[AliasInfo]] = defaultdict(list)
        self.by_postal: dict[str, list[str]] = defaultdict(list)
        # Name key → [(commune code, alias or None)]. The entries of one postal code or one
        # département are filtered from it when asked (``at_postal``, ``in_departement``): a
        # key names a few communes at most, and indexes by (postal code, key) and (département,
        # key) held a third of the index's memory in every worker of the public site.
        self.national: dict[str, list] = defaultdict(list)
        self.words_at_postal: dict[str, list] = defaultdict(list)
        self.departements = {c.departement for c in self.by_code.values()}
        self.positions = positions() if positions_by_code is None else positions_by_code
        self._cache: dict[tuple[str, str, str], _Base] = {}

        for commune in self.by_code.values():
            self._add_name(commune.name, commune.code, None, commune.postal_codes)
            for postal in commune.postal_codes:
                self.by_postal[postal].append(commune.code)
        for alias in aliases:
            commune = self.by_code.get(alias.commune)
            if commune is None:
                continue
            if alias.code:
                self.aliases_by_code[alias.code].append(alias)
            if alias.name:
                self._add_name(alias.name, commune.code, alias, alias.postal_codes or commune.postal_codes)
            for postal in alias.postal_codes:
                if commune.code not in self.by_postal[postal]:
                    self.by_postal[postal].append(commune.code)
        order = {
            "arrondissement-municipal": 0,
            "commune-deleguee": 1,
            "commune-associee": 2,
            "ancien-code": 3,
            "libelle-acheminement": 4,
        }
        for found in self.aliases_by_code.values():
            found.sort(key=lambda a: order.get(a.kind, 9))
        self.boxes = self._departement_boxes()

    def _add_name(self, name, code, alias, postal_codes):
        words = tuple(map(sys.intern, name_words(name)))  # « saint », « sur »: one copy each
        if not words:
            return
        entry = (code, alias)
        for key in dict.fromkeys(name_keys(words)):
            self.national[key].append(entry)
        for postal in postal_codes:
            self.words_at_postal[postal].append((words, entry))

    def _departement_boxes(self):
        points = defaultdict(list)
        for code, point in self.positions.items():
            commune = self.by_code.get(code)
            if commune is not None:
                points[commune.departement].append(point)
        boxes = {}
        for departement, found in points.items():
            lats = [p[0] for p in found]
            lons = [p[1] for p in found]
            margin_lon = BOX_MARGIN_DEGREES / max(0.2, math.cos(math.radians(sum(lats) / len(lats))))
            boxes[departement] = (
                min(lats) - BOX_MARGIN_DEGREES,
                max(lats) + BOX_MARGIN_DEGREES,
                min(lons) - margin_lon,
                max(lons) + margin_lon,
            )
        return boxes

    @classmethod
    def from_database(cls) -> CommuneIndex:
        from directory.models import Commune, CommuneAlias

        # Codes interned: the same strings serve the index, its keys and the positions (one
        # copy per worker instead of one per use).
        intern = sys.intern
        communes = [
            CommuneInfo(intern(code), name, intern(departement), tuple(map(intern, postal_codes)), population or 0)
            for code, name, departement, postal_codes, population in Commune.objects.values_list(
                "code", "name", "departement_id", "postal_codes", "population"
            ).iterator(chunk_size=5000)
        ]
        aliases = [
            AliasInfo(code, name, intern(kind), intern(commune), tuple(map(intern, postal_codes)))
            for code, name, kind, commune, postal_codes in CommuneAlias.objects.values_list(
                "code", "name", "kind", "commune_id", "postal_codes"
            ).iterator(chunk_size=5000)
        ]
        return cls(communes, aliases)

    # -- helpers --
    def _postal_codes_of(self, entry) -> tuple[str, ...]:
        code, alias = entry
        return (alias.postal_codes if alias is not None else ()) or self.by_code[code].postal_codes

    def at_postal(self, postal: str, key: str) -> list:
        """The entries named ``key`` that have the postal code ``postal``."""
        return [entry for entry in self.national.get(key, ()) if postal in self._postal_codes_of(entry)]

    def in_departement(self, departement: str, key: str) -> list:
        """The entries named ``key`` in ``departement``."""
        return [entry for entry in self.national.get(key, ()) if self.by_code[entry[0]].departement == departement]

    def is_named(self, code: str, key: str) -> bool:
        """Whether the commune ``code`` (or one of its aliases) has a name of key ``key``."""
        return any(entry[0] == code for entry in self.national.get(key, ()))

    def departements_of_postal(self, postal: str) -> list[str]:
        """The départements a postal code points to: those of its communes, else (CEDEX and
        company codes) the one its first digits name (Corsica: both 2A and 2B, 2A first for
        200–201; overseas, three digits)."""
        found = dict.fromkeys(self.by_code[code].departement for code in self.by_postal.get(postal, ()))
        if postal[:2] in ("97", "98"):
            prefix = postal[:3] if postal[:3] in OVERSEAS else ""  # 980: Monaco
        elif postal[:2] == "20":
            # Corsica: 200–201 is mostly Corse-du-Sud, but a CEDEX code may be either.
            prefix = "2A" if postal[2] in "01" else "2B"
            if not found:
                found.setdefault(prefix)
                found.setdefault("2B" if prefix == "2A" else "2A")
        else:
            prefix = postal[:2] if postal[:2] != "00" else ""
        if prefix:
            found.setdefault(prefix)
        return list(found)

    def near_km(self, commune: CommuneInfo) -> float:
        return NEAR_KM_OVERSEAS.get(commune.departement, NEAR_KM)

    def _communes(self, entries) -> list[CommuneInfo]:
        return [self.by_code[code] for code in dict.fromkeys(code for code, _alias in entries)]

    def _alias_note(self, column, value, alias: AliasInfo, commune: CommuneInfo) -> Note:
        if alias.kind == "libelle-acheminement":
            text = _("libellé postal « %(name)s » → %(commune)s") % {"name": alias.name, "commune": commune.label}
        else:
            text = _("%(kind)s %(name)s → %(commune)s") % {
                "kind": _kind_label(alias.kind),
                "name": alias.name or alias.code,
                "commune": commune.label,
            }
        return Note(column, value, text)

    # -- one row --
    def resolve(self, insee="", postal="", name="", latitude=None, longitude=None) -> Resolution:
        """The commune of one row (see the module's docstring). ``postal`` must be five digits
        or empty; ``latitude``/``longitude`` may be text (ignored unless numbers)."""
        key = (insee or "", postal or "", name or "")
        base = self._cache.get(key)
        if base is None:
            base = self._base(*key)
            if len(self._cache) >= 50_000:
                self._cache.clear()  # bounded on huge files
            self._cache[key] = base
        result = Resolution(base.commune, base.alias, list(base.warnings), list(base.errors))
        lat, lon = _parse_number(latitude), _parse_number(longitude)
        point = (lat, lon) if lat is not None and lon is not None and abs(lat) <= 90 and abs(lon) <= 180 else None
        if point == (0.0, 0.0):
            point = None  # a placeholder some exports write for « no coordinates »
        refuse = base.weak
        if result.commune is None and base.undecided is not None and not base.candidates:
            result.errors.append(base.undecided)
        if result.commune is None and base.candidates:
            refuse = True
            chosen = self._closest(base.candidates, point) if point else None
            if chosen is None:
                result.errors.append(base.undecided)
                return result
            commune, km = chosen
            result.commune = commune
            result.warnings.append(
                Note(
                    "commune",
                    name,
                    _("%(commune)s choisie d'après les coordonnées (à %(km).0f km), parmi : %(candidates)s")
                    % {"commune": commune.label, "km": km, "candidates": _listing(base.candidates)},
                )
            )
        if result.commune is not None and point is not None:
            self._check_point(result, point, latitude, refuse=refuse)
        return result

    def _closest(self, candidates, point):
        placed = sorted((distance_km(point, self.positions[c.code]), c) for c in candidates if c.code in self.positions)
        if not placed:
            return None
        km, commune = placed[0]
        unplaced = len(placed) < len(candidates)
        if km > self.near_km(commune):
            return None
        # Only a clear winner: the next candidate at least twice as far and 2 km farther
        # (neighbouring communes' town halls are 3 to 5 km apart: asking for more would refuse
        # a point at the winner's own town hall); a candidate without a position could be
        # closer, so the winner must then be very close.
        if len(placed) > 1 and (placed[1][0] < 2 * km or placed[1][0] - km < CLEAR_WINNER_KM):
            return None
        if unplaced and km > 3:
            return None
        return commune, km

    def _check_point(self, result: Resolution, point, latitude_text, refuse: bool):
        commune = result.commune
        box = self.boxes.get(commune.departement)
        shown = f"{point[0]:.5g}, {point[1]:.5g}"
        if box and not (box[0] <= point[0] <= box[1] and box[2] <= point[1] <= box[3]):
            # A commune found by a fallback is not kept against coordinates elsewhere (a
            # wrong commune is worse than a refusal); one named by its code, or by its postal
            # code and its name, is: the coordinates are then the likely mistake.
            (result.errors if refuse else result.warnings).append(
                Note(
                    "latitude",
                    str(latitude_text),
                    _(
                        "les coordonnées (%(point)s) sont hors du département %(departement)s de la commune "
                        "%(commune)s : vérifiez la latitude, la longitude, le code postal et la commune"
                    )
                    % {"point": shown, "departement": commune.departement, "commune": commune.label},
                )
            )
            return
        position = self.positions.get(commune.code)
        if position is not None:
            km = distance_km(point, position)
            if km > self.near_km(commune):
                # Far from a commune found by a fallback: perhaps a hamlet of another commune
                # that bears this commune's name; refused rather than guessed.
                if refuse:
                    text = _(
                        "coordonnées à %(km).0f km de %(commune)s, trouvée sans que le nom et le code postal "
                        "concordent : vérifiez la commune, le code postal et les coordonnées"
                    )
                else:
                    text = _("coordonnées à %(km).0f km de %(commune)s : vérifiez-les")
                (result.errors if refuse else result.warnings).append(
                    Note("latitude", str(latitude_text), text % {"km": km, "commune": commune.label})
                )

    def _base(self, insee: str, postal: str, name: str) -> _Base:
        warnings: list[Note] = []
        text = name.strip()
        if POSTAL_CODE.match(text):
            # « 06370 » in the commune column: a postal code, not a name.
            if not postal:
                postal = text
            warnings.append(
                Note(
                    "commune",
                    name,
                    _("code postal écrit à la place du nom de la commune : %(postal)s") % {"postal": text},
                )
            )
            if text != postal:
                return _Base(
                    errors=(
                        Note(
                            "commune",
                            name,
                            _("le champ commune contient le code postal %(text)s, le champ code_postal %(postal)s")
                            % {"text": text, "postal": postal},
                        ),
                    )
                )
            text = ""
        words = name_words(text)
        if insee:
            found = self._by_insee(insee, postal, text, words, warnings)
            if found is not None:
                return found
        if not postal:
            return _Base(warnings=tuple(warnings))
        return self._by_postal_and_name(postal, name, words, warnings)

    def _by_insee(self, insee, postal, text, words, warnings) -> _Base | None:
        commune = self.by_code.get(insee)
        alias = None
        if commune is None:
            aliases = self.aliases_by_code.get(insee)
            if not aliases:
                if postal:
                    warnings.append(
                        Note(
                            "code_insee",
                            insee,
                            _("code INSEE inconnu : commune cherchée par le code postal et le nom"),
                        )
                    )
                    return None
                return _Base(errors=(Note("code_insee", insee, _("commune inconnue pour ce code INSEE")),))
            alias = aliases[0]
            commune = self.by_code[alias.commune]
            warnings.append(self._alias_note("code_insee", insee, alias, commune))
        errors = []
        if postal and postal not in commune.postal_codes and not (alias and postal in alias.postal_codes):
            departements = self.departements_of_postal(postal)
            if commune.departement not in departements:
                errors.append(
                    Note(
                        "code_postal",
                        postal,
                        _(
                            "le code postal est celui du département %(postal_dep)s, le code INSEE %(insee)s celui "
                            "de %(commune)s (département %(departement)s) : corrigez l'un des deux"
                        )
                        % {
                            "postal_dep": ", ".join(departements) or "?",
                            "insee": insee,
                            "commune": commune.label,
                            "departement": commune.departement,
                        },
                    )
                )
            else:
                warnings.append(
                    Note(
                        "code_postal",
                        postal,
                        _("code postal absent de la liste de %(commune)s (CEDEX ?) : commune prise du code INSEE")
                        % {"commune": commune.label},
                    )
                )
        full, loose = name_keys(words)
        if words and not self.is_named(commune.code, full) and not self.is_named(commune.code, loose):
            others = self._communes(self.at_postal(postal, full) or self.at_postal(postal, loose))
            others = [c for c in others if c.code != commune.code]
            contains = self._contained(postal, words) if postal else []
            if others and not any(c.code == commune.code for c in contains):
                errors.append(
                    Note(
                        "commune",
                        text,
                        _(
                            "le code INSEE %(insee)s désigne %(commune)s, mais le code postal et le nom désignent "
                            "%(others)s : corrigez l'un des deux"
                        )
                        % {"insee": insee, "commune": commune.label, "others": _listing(others)},
                    )
                )
            elif not any(c.code == commune.code for c in contains):
                warnings.append(
                    Note(
                        "commune",
                        text,
                        _("nom différent de celui du code INSEE : %(commune)s retenue") % {"commune": commune.label},
                    )
                )
        return _Base(commune, alias, tuple(warnings), tuple(errors))

    def _contained(self, postal, words) -> list[CommuneInfo]:
        """Communes of the postal code whose name's words appear, in order, inside ``words``
        (« cannes la bocca » holds « cannes »); the longest names win."""
        hits = []
        size = len(words)
        for candidate, entry in self.words_at_postal.get(postal, ()):
            n = len(candidate)
            if n < size and any(words[i : i + n] == candidate for i in range(size - n + 1)):
                hits.append((n, entry))
        if not hits:
            return []
        longest = max(n for n, _entry in hits)
        return self._communes(entry for n, entry in hits if n == longest)

    @staticmethod
    def _most_trusted(entries):
        """A commune's own name wins over the aliases, and the COG's aliases over La Poste's
        delivery labels: « MAZAMET » 81200 is the commune Mazamet, not a neighbour whose mail
        is labelled « MAZAMET »."""
        for tier in (
            lambda alias: alias is None,
            lambda alias: alias is not None and alias.kind != "libelle-acheminement",
        ):
            found = [(code, alias) for code, alias in entries if tier(alias)]
            if found:
                return found
        return entries

    def _close_spelling(self, postal, key) -> CommuneInfo | None:
        """The one commune of the postal code whose name (or alias) is spelt almost like
        ``key`` (« VILLENEUVE D ASQ »): a similarity of at least 0.85, and clearly ahead of the
        next commune's."""
        if len(key) < 4:
            return None
        best: dict[str, float] = {}
        for words, (code, _alias) in self.words_at_postal.get(postal, ()):
            ratio = difflib.SequenceMatcher(None, key, "".join(words)).ratio()
            best[code] = max(ratio, best.get(code, 0.0))
        ranked = sorted(best.items(), key=lambda item: -item[1])
        if not ranked or ranked[0][1] < 0.85 or (len(ranked) > 1 and ranked[1][1] > ranked[0][1] - 0.1):
            return None
        return self.by_code[ranked[0][0]]

    def _decided(self, entries, column, value, warnings) -> _Base | None:
        entries = self._most_trusted(entries)
        communes = self._communes(entries)
        if len(communes) != 1:
            return None
        commune = communes[0]
        aliases = [alias for code, alias in entries if alias is not None]
        # A name that is the commune's own wins over an alias of the same commune.
        alias = None if any(alias is None for _code, alias in entries) else aliases[0]
        if alias is not None:
            warnings.append(self._alias_note(column, value, alias, commune))
        return _Base(commune, alias, tuple(warnings))

    def _by_postal_and_name(self, postal, name, words, warnings) -> _Base:
        full, loose = name_keys(words)
        in_postal = self._communes((code, None) for code in self.by_postal.get(postal, ()))
        departements = self.departements_of_postal(postal)
        if words:
            entries = self.at_postal(postal, full) or self.at_postal(postal, loose)
            if entries:
                decided = self._decided(entries, "commune", name, warnings)
                if decided is not None:
                    return decided
                return self._undecided(self._communes(self._most_trusted(entries)), name, postal, warnings)
            found = []
            for departement in departements:
                found += self.in_departement(departement, full) or self.in_departement(departement, loose)
            if found:
                found = self._most_trusted(found)
                communes = self._communes(found)
                if len(communes) == 1:
                    commune = communes[0]
                    if in_postal:
                        text = _(
                            "le code postal %(postal)s n'est pas celui de %(commune)s : commune trouvée par son nom "
                            "dans le département %(departement)s"
                        )
                    else:
                        text = _(
                            "code postal %(postal)s (CEDEX ou code d'entreprise) : commune trouvée par son nom dans "
                            "le département %(departement)s"
                        )
                    warnings.append(
                        Note(
                            "code_postal",
                            postal,
                            text % {"postal": postal, "commune": commune.label, "departement": commune.departement},
                        )
                    )
                    alias_entries = [(code, alias) for code, alias in found if code == commune.code]
                    decided = self._decided(alias_entries, "commune", name, warnings)
                    return dataclasses.replace(decided, weak=True)
                return self._undecided(communes, name, postal, warnings)
            elsewhere = self._communes(self.national.get(full) or self.national.get(loose) or ())
            if elsewhere and in_postal:
                # The name is another département's commune: the postal code alone (or a name
                # inside it) must not overrule it, unless the coordinates point to one of the
                # postal code's communes.
                guesses = self._contained(postal, words) or in_postal
                return _Base(
                    warnings=tuple(warnings),
                    candidates=tuple(guesses),
                    weak=True,
                    undecided=Note(
                        "commune",
                        name,
                        _(
                            "« %(name)s » est le nom de %(elsewhere)s, hors du département du code postal "
                            "%(postal)s (%(departement)s) : corrigez la commune ou le code postal"
                        )
                        % {
                            "name": name,
                            "elsewhere": _listing(elsewhere),
                            "postal": postal,
                            "departement": ", ".join(departements) or "?",
                        },
                    ),
                )
            # After an exact name in the département: a hamlet written before or after its
            # commune's name is less sure than another commune's exact name.
            contained = self._contained(postal, words)
            if len(contained) == 1:
                warnings.append(
                    Note(
                        "commune",
                        name,
                        _("« %(name)s » lu comme %(commune)s (mots en plus ignorés)")
                        % {"name": name, "commune": contained[0].label},
                    )
                )
                return _Base(contained[0], None, tuple(warnings), weak=True)
            close = self._close_spelling(postal, full)
            if close is not None:
                warnings.append(
                    Note(
                        "commune",
                        name,
                        _("« %(name)s » lu comme %(commune)s (orthographe approchée)")
                        % {"name": name, "commune": close.label},
                    )
                )
                return _Base(close, None, tuple(warnings), weak=True)
        if len(in_postal) == 1:
            commune = in_postal[0]
            if words:
                text = _(
                    "« %(name)s » n'est pas une commune du code postal %(postal)s : %(commune)s, sa seule commune, retenue"
                )
            else:
                text = _("commune déduite du code postal %(postal)s : %(commune)s")
            warnings.append(Note("commune", name, text % {"name": name, "postal": postal, "commune": commune.label}))
            return _Base(commune, None, tuple(warnings), weak=True)
        if in_postal:
            return self._undecided(in_postal, name, postal, warnings)
        elsewhere = self._communes(self.national.get(full) or self.national.get(loose) or ()) if words else []
        if not departements:
            text = _("code postal %(postal)s inconnu, d'aucun département") % {"postal": postal}
        else:
            text = _(
                "aucune commune « %(name)s » avec le code postal %(postal)s ni dans le département %(departement)s"
            ) % {
                "name": name,
                "postal": postal,
                "departement": ", ".join(departements),
            }
        if elsewhere:
            text += _(" (ce nom existe ailleurs : %(communes)s)") % {"communes": _listing(elsewhere)}
        return _Base(warnings=tuple(warnings), errors=(Note("commune", name, text + _(" ; indiquez le code INSEE")),))

    def _undecided(self, communes, name, postal, warnings) -> _Base:
        return _Base(
            warnings=tuple(warnings),
            candidates=tuple(communes),
            undecided=Note(
                "commune",
                name,
                _("plusieurs communes possibles pour « %(name)s » (%(postal)s) : %(communes)s ; indiquez le code INSEE")
                % {"name": name, "postal": postal, "communes": _listing(communes)},
            ),
        )

    # -- free text --
    def find(self, text: str, limit: int = 10) -> list[Candidate]:
        """See ``find_communes``."""
        text = (text or "").strip()
        upper = text.upper()
        results: list[Candidate] = []

        def add(commune, alias=None):
            if commune is not None and all(r.commune.code != commune.code for r in results):
                results.append(Candidate(commune, alias))

        postal = next((t for t in re.findall(r"\b\d{5}\b", text)), "")
        words = name_words(text)
        full, loose = name_keys(words)
        if postal and words:
            for code, alias in self.at_postal(postal, full) or self.at_postal(postal, loose):
                add(self.by_code[code], alias)
        if postal and not words:
            # Five digits typed alone: a postal code first (what residents know), then the
            # commune whose INSEE code it is.
            for commune in sorted(self._communes((c, None) for c in self.by_postal.get(postal, ())), key=_by_size):
                add(commune)
        if INSEE_CODE.match(upper):
            add(self.by_code.get(upper))
            for alias in self.aliases_by_code.get(upper, ()):
                add(self.by_code.get(alias.commune), alias)
        if words and not results:
            entries = self.national.get(full) or self.national.get(loose) or ()
            for code, alias in sorted(entries, key=lambda e: _by_size(self.by_code[e[0]])):
                add(self.by_code[code], alias)
            if not results and len(full) >= 3:
                starting = [(k, e) for k, found in self.national.items() if k.startswith(full) for e in found]
                for _key, (code, alias) in sorted(starting, key=lambda ke: _by_size(self.by_code[ke[1][0]])):
                    add(self.by_code[code], alias)
                    if len(results) >= limit:
                        break
        return results[:limit]


def _by_size(commune: CommuneInfo):
    return (-commune.population, commune.code)


_shared_lock = threading.Lock()
_shared: tuple[float, CommuneIndex] | None = None


def shared_index() -> CommuneIndex:
    """A process-wide index for look-ups outside imports, reloaded every ten minutes so a
    ``load_territories`` shows without a restart."""
    global _shared
    with _shared_lock:
        if _shared is None or time.monotonic() - _shared[0] > SHARED_INDEX_SECONDS:
            _shared = (time.monotonic(), CommuneIndex.from_database())
        return _shared[1]


def forget_shared_index() -> None:
    """Drops the process-wide index (after ``load_territories``, and between tests that
    build different communes)."""
    global _shared
    with _shared_lock:
        _shared = None


def find_communes(text: str, limit: int = 10) -> list[Candidate]:
    """Current communes that free text typed by a person names, most populated first:
    « st etienne » (every Saint-Étienne), « MARSEILLE 4E ARRONDISSEMENT », « Paris 15e »,
    « LYON 3EME » (the city, with the arrondissement as ``alias``), « mansle » (delegated
    commune → Mansle-les-Fontaines), « 59246 » (the communes of that postal code),
    « 59000 Lille », « 2A004 ». Empty list when nothing matches."""
    return shared_index().find(text, limit)
