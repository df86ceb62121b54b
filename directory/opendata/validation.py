"""Validating the rows of an open-data file, the importer's second step
(``directory/opendata/importer.py``).

``RowValidator`` checks the header, then turns each row (a v1.0.2 row; v0.1.x and France
Services rows are translated first) into a ``NormalRow`` of Venue values and channels, or into
``Problem``s: the schema's rules and the domain's (commune, channel values, rights of the
person importing). The ``Report`` holds the counts and the first ``MAX_LISTED_PROBLEMS``
problems; nothing here writes to the database.
"""

from __future__ import annotations

import datetime
import functools
import math
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from directory import enums
from directory.channels import FACEBOOK_DOMAINS, get_kind, host_matches, normalise_url
from directory.hours import parse as parse_hours
from directory.models import DepartementStaff, Venue
from directory.opendata import france_services, standard
from directory.opendata.reading import REJECT_COLUMNS, UNSTORABLE, ImportAborted, Source, printable
from directory.opendata.writing import existing_venues
from directory.territories import CommuneIndex
from directory.text import invisible_characters

# Problems kept in the report (the rest are only counted): a file of 500,000 bad rows must not
# hold 500,000 messages in memory (issue 17, finding 10).
MAX_LISTED_PROBLEMS = 1000
# A value kept in a problem is cut to this length (the message shows 80 characters of it).
MAX_PROBLEM_VALUE = 200
DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
FRENCH_DATE_PATTERN = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
DATETIME_PATTERN = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
NUMBER_PATTERN = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


class HeaderInvalid(ImportAborted):
    """The header is refused; its problems are already in the report."""


@dataclass(frozen=True)
class Problem:
    line: int | None
    column: str
    value: str
    reason: str
    label: str = gettext_noop("Ligne")

    def __str__(self):
        # The label is stored untranslated (the report is kept between requests): translated here.
        where = f"{_(self.label)} {self.line}" if self.line is not None else _("Fichier")
        return _("%(where)s%(detail)s") % {"where": where, "detail": self._detail(", ")}

    def detail(self) -> str:
        """The problem without its location (the rejects file has a column for the line)."""
        return self._detail("")

    def _detail(self, lead: str) -> str:
        value = self.value if len(self.value) <= 80 else self.value[:77] + "…"
        column = (_("champ %(column)s") % {"column": printable(self.column)}) if self.column else ""
        shown = (_("valeur « %(value)s »") % {"value": printable(value)}) if self.value else ""
        where = ", ".join(part for part in (column, shown) if part)
        if not where:
            return _(" : %(reason)s") % {"reason": self.reason} if lead else self.reason
        return _("%(lead)s%(where)s : %(reason)s") % {"lead": lead, "where": where, "reason": self.reason}


@dataclass
class Report:
    rows: int = 0  # valid rows (imported, or importable)
    rejected: int = 0  # rows refused (they go to the rejects file)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    version: str = "1.0.2"
    format: str = "csv"
    # The first MAX_LISTED_PROBLEMS problems; ``error_count``/``warning_count`` count them all.
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    error_count: int = 0
    warning_count: int = 0
    written: bool = False
    # The file could not be read to its end (size, encoding, format, header): no row is usable.
    aborted: bool = False

    @property
    def ok(self) -> bool:
        return not self.error_count

    @property
    def format_label(self) -> str:
        if self.version == "france-services":
            return _("liste France Services")
        return _("standard v%(version)s") % {"version": self.version}

    @property
    def partial(self) -> bool:
        """Some rows were refused, the others are (or can be) imported."""
        return bool(self.error_count) and not self.aborted and self.rows > 0

    @property
    def errors_not_listed(self) -> int:
        return self.error_count - len(self.errors)

    @property
    def warnings_not_listed(self) -> int:
        return self.warning_count - len(self.warnings)

    def add_error(self, problem: Problem) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_LISTED_PROBLEMS:
            self.errors.append(problem)

    def add_warning(self, problem: Problem) -> None:
        self.warning_count += 1
        if len(self.warnings) < MAX_LISTED_PROBLEMS:
            self.warnings.append(problem)

    def summary(self, dry_run: bool) -> str:
        if dry_run:
            text = (
                _(
                    "%(rows)s lignes valides : %(created)s lieux seraient créés, "
                    "%(updated)s mis à jour, %(unchanged)s inchangés (aucune écriture)."
                )
                % self._counts()
            )
        else:
            text = (
                _(
                    "%(rows)s lignes importées : %(created)s lieux créés, "
                    "%(updated)s mis à jour, %(unchanged)s inchangés."
                )
                % self._counts()
            )
        if self.rejected:
            text += " " + (_("%(rejected)s lignes refusées.") % {"rejected": self.rejected})
        return text

    def _counts(self):
        return {"rows": self.rows, "created": self.created, "updated": self.updated, "unchanged": self.unchanged}


@dataclass
class NormalRow:
    """One valid row, as Venue attributes and the channels it carries."""

    line: int
    key: tuple[str, str]
    values: dict
    channels: list[tuple[str, str, str]]  # (standard_field, kind, value)
    commune_name: str
    departement: str
    # No update date in the file (France Services): a re-import keeps the stored one unless
    # something else changed.
    date_defaulted: bool = False


class RowValidator:
    """The rules of one file: its header, then each row (``normalise``). Problems go to
    ``report``; ``row_reasons`` holds, by line, the reasons of the rows read but not yet
    settled (spooled or sent to the rejects file)."""

    def __init__(self, source: Source, report: Report, user=None):
        self.source = source
        self.report = report
        # None: every département (no user, i.e. the command line, or a superuser).
        self.allowed_departements = None if user is None else DepartementStaff.departements_of(user)
        self.is_v0 = False
        self.is_france_services = False
        self.row_reasons: dict[int, list[str]] = {}
        self._normalised: dict[tuple[str, str], tuple[bool, str]] = {}
        self._communes: CommuneIndex | None = None

    @property
    def communes(self) -> CommuneIndex:
        if self._communes is None:
            self._communes = CommuneIndex.from_database()
        return self._communes

    def storable(self, line: int, row: dict[str, str]) -> bool:
        """False (with a problem per column) when a value holds NUL or a lone surrogate: PostgreSQL
        refuses the first, UTF-8 the second, so the dry run must refuse them too."""
        joined = "".join(row.values())
        if "\x00" not in joined and (joined.isascii() or not UNSTORABLE.search(joined)):
            return True
        for column, value in row.items():
            if UNSTORABLE.search(value):
                self.error(
                    line,
                    column,
                    value,
                    _("caractère interdit (caractère nul ou caractère Unicode isolé) : retapez cette valeur"),
                )
        return False

    def translate(self, line: int, row: dict[str, str]) -> dict[str, str]:
        """The row as a v1.0.2 row (v0.1.x and France Services files are translated)."""
        for column in REJECT_COLUMNS:
            row.pop(column, None)
        if self.is_france_services:
            return france_services.translate(
                row,
                warn=lambda c, v, r: self.warn(line, c, v, r),
                error=lambda c, v, r: self.error(line, c, v, r),
            )
        if self.is_v0:
            return standard.translate_v0(
                row,
                warn=lambda c, v, r: self.warn(line, c, v, r),
                error=lambda c, v, r: self.error(line, c, v, r),
            )
        return row

    def check_header(self) -> None:
        header = self.source.header
        if france_services.is_france_services_header(header):
            self.is_france_services = True
            self.report.version = "france-services"
            self._check_france_services_header(header)
            return
        self.is_v0 = standard.is_v0_header(header)
        self.report.version = "0.1" if self.is_v0 else "1.0.2"
        known = {*(standard.FIELDS_V0 if self.is_v0 else standard.FIELDS), *REJECT_COLUMNS}
        problems = []
        seen = set()
        for column in header:
            if column in seen:
                problems.append(Problem(self._header_line, column, "", _("colonne en double dans l'en-tête")))
            seen.add(column)
            if column not in known:
                problems.append(
                    Problem(self._header_line, column, "", _("colonne inconnue du standard (vérifiez son orthographe)"))
                )
        required = {c for c in standard.REQUIRED if not self.is_v0 or c in known}
        for column in sorted(required - seen, key=standard.FIELDS.index):
            problems.append(Problem(self._header_line, column, "", _("colonne obligatoire absente")))
        self._header_problems(problems)

    def _check_france_services_header(self, header: list[str]) -> None:
        problems = []
        seen = set()
        for column in header:
            if column in seen:
                problems.append(Problem(self._header_line, column, "", _("colonne en double dans l'en-tête")))
            seen.add(column)
            if column not in france_services.KNOWN and column not in REJECT_COLUMNS:
                # The national list gains columns from time to time: say it, do not refuse the file.
                self.warn(self._header_line, column, "", _("colonne inconnue de la liste France Services, ignorée"))
        for column in france_services.REQUIRED:
            if column not in seen:
                problems.append(Problem(self._header_line, column, "", _("colonne obligatoire absente")))
        if "pivot" not in seen and "siret" not in seen:
            self.warn(
                self._header_line,
                "pivot",
                "",
                _("pas de SIRET dans la liste France Services : pivot « %(pivot)s » (inconnu) pour chaque lieu")
                % {"pivot": france_services.UNKNOWN_PIVOT},
            )
        self._header_problems(problems)

    def _header_problems(self, problems: list[Problem]) -> None:
        if problems:
            for problem in problems:
                self.report.add_error(problem)
            raise HeaderInvalid

    @property
    def _header_line(self):
        # The header is line 1 of a CSV; a JSON file has keys, reported for the whole file.
        return 1 if self.source.format == "csv" else None

    def check_rights(self, batch: list[NormalRow]) -> None:
        for normal in batch:
            if normal.departement not in self.allowed_departements:
                self.error(
                    normal.line,
                    "code_insee",
                    normal.values["commune_id"],
                    _("vous ne pouvez importer que des lieux de vos départements"),
                )
        existing = existing_venues(
            batch, Venue.objects.values("source", "external_id", "slug", "commune__departement_id")
        )
        for normal in batch:
            venue = existing.get(normal.key)
            if venue is not None and venue["commune__departement_id"] not in self.allowed_departements:
                self.error(
                    normal.line,
                    "id",
                    normal.key[1],
                    _("ce lieu existe déjà dans un département où vous n'avez pas de droits"),
                )

    # -- one row --
    def normalise(self, line: int, row: dict[str, str]) -> NormalRow | None:
        """``row`` (a v1.0.2 row, see ``translate``) as Venue values and channels, or None
        with its problems in the report."""
        errors_before = self.report.error_count
        get = {k: (v or "").strip() for k, v in row.items()}.get
        values: dict = {}

        for column in standard.REQUIRED:
            if not get(column, ""):
                self.error(line, column, "", _("champ obligatoire vide"))

        for column, (attribute, max_length) in standard.TEXT_COLUMNS.items():
            value = get(column, "")
            if max_length and len(value) > max_length:
                self.error(
                    line,
                    column,
                    value,
                    _("texte trop long (%(length)s caractères, %(max)s au plus)")
                    % {"length": len(value), "max": max_length},
                )
            values[attribute] = value

        # The model's validator (directory/text.py) does not run on bulk writes: same rule here.
        hidden = invisible_characters(values["name"])
        if hidden:
            self.error(
                line,
                "nom",
                values["name"],
                _("caractère invisible ou qui inverse le sens d'écriture (%(characters)s) : retirez-le")
                % {"characters": ", ".join(hidden)},
            )

        pivot = values["pivot"]
        if pivot and not standard.PIVOT_PATTERN.match(pivot):
            self.error(line, "pivot", pivot, _("le pivot doit être un SIRET (14 chiffres), un SIREN ou un RNA"))
        if values["opening_hours"] and parse_hours(values["opening_hours"]) is None:
            self.error(
                line, "horaires", values["opening_hours"], _("horaires illisibles (format OpenStreetMap attendu)")
            )

        # Commune: one set of rules, in directory/territories.py (docs/open-data.md).
        postal = get("code_postal", "")
        if len(postal) == 4 and postal.isdigit():
            # A spreadsheet dropped the leading zero (« 6370 » for 06370).
            self.warn(
                line, "code_postal", postal, _("code postal complété d'un zéro : 0%(postal)s") % {"postal": postal}
            )
            postal = "0" + postal
        if postal and not standard.POSTAL_CODE_PATTERN.match(postal):
            self.error(line, "code_postal", postal, _("le code postal doit comporter 5 chiffres"))
        values["postal_code"] = postal
        insee = get("code_insee", "").upper()
        if len(insee) == 4 and insee.isdigit():
            self.warn(line, "code_insee", insee, _("code INSEE complété d'un zéro : 0%(insee)s") % {"insee": insee})
            insee = "0" + insee
        if insee and not standard.INSEE_PATTERN.match(insee):
            self.error(line, "code_insee", insee, _("code INSEE invalide (5 caractères, ex. 59350 ou 2A004)"))
            insee = ""
        commune_name, departement = "", ""
        commune_text = get("commune", "")
        postal_usable = bool(postal and standard.POSTAL_CODE_PATTERN.match(postal))
        if insee or (postal_usable and commune_text) or standard.POSTAL_CODE_PATTERN.match(commune_text):
            found = self.communes.resolve(
                insee, postal if postal_usable else "", commune_text, get("latitude", ""), get("longitude", "")
            )
            for note in found.warnings:
                self.warn(line, note.column, note.value, note.text)
            for note in found.errors:
                self.error(line, note.column, note.value, note.text)
            if found.commune is not None and not found.errors:
                commune_name, departement = found.commune.name, found.commune.departement
                values["commune_id"] = found.commune.code

        values["latitude"] = self.coordinate(line, "latitude", get("latitude", ""), 90)
        values["longitude"] = self.coordinate(line, "longitude", get("longitude", ""), 180)
        if (values["latitude"] is None) != (values["longitude"] is None) and self.report.error_count == errors_before:
            self.error(line, "latitude", "", _("indiquez la latitude et la longitude, ou aucune des deux"))

        date_text = get("date_maj", "")
        values["date_maj"] = None
        if date_text:
            values["date_maj"] = self.date(line, date_text)

        for vocabulary in standard.VOCABULARIES:
            text = get(vocabulary.column, "")
            chosen: list[str] = []
            for item in standard.split_multi(text):
                value = vocabulary.canonical(item)
                if value is None:
                    self.error(line, vocabulary.column, item, _("valeur inconnue du vocabulaire du standard"))
                elif value not in chosen:
                    chosen.append(value)
            values[vocabulary.attribute] = chosen

        channels: list[tuple[str, str, str]] = []
        for item in standard.split_multi(get("telephone", "")):
            channels.append(("telephone", *self.channel(line, "telephone", enums.ChannelKind.PHONE, item)))
        for item in standard.split_multi(get("courriels", "")):
            channels.append(("courriels", *self.channel(line, "courriels", enums.ChannelKind.EMAIL, item)))
        for item in standard.split_multi(get("site_web", "")):
            kind = enums.ChannelKind.FACEBOOK if _is_facebook(item) else enums.ChannelKind.WEBSITE
            channels.append(("site_web", *self.channel(line, "site_web", kind, item)))
        values["prise_rdv"] = ""
        rdv = get("prise_rdv", "")
        if rdv:
            kind, value = self.channel(line, "prise_rdv", enums.ChannelKind.WEBSITE, rdv)
            values["prise_rdv"] = value
            if len(value) > 500:
                self.error(line, "prise_rdv", rdv, _("adresse trop longue (500 caractères au plus)"))
            channels.append(("prise_rdv", kind, value))
        if values["fiche_acces_libre"]:
            _kind, values["fiche_acces_libre"] = self.channel(
                line, "fiche_acces_libre", enums.ChannelKind.WEBSITE, values["fiche_acces_libre"]
            )

        if self.report.error_count != errors_before:
            return None
        return NormalRow(
            line=line,
            key=(values["source"], values["external_id"]),
            values=values,
            channels=channels,
            commune_name=commune_name,
            departement=departement,
        )

    def date(self, line, text) -> datetime.date | None:
        """``date_maj``: AAAA-MM-JJ; also, with a warning, JJ/MM/AAAA (what a French spreadsheet
        writes back when a rejects file is fixed and saved) and a date-time (the date is kept)."""
        try:
            if DATE_PATTERN.match(text):
                return datetime.date.fromisoformat(text)
            if match := FRENCH_DATE_PATTERN.match(text):
                day, month, year = (int(g) for g in match.groups())
                date = datetime.date(year, month, day)
                self.warn(line, "date_maj", text, _("date JJ/MM/AAAA lue comme le %(date)s") % {"date": date})
                return date
            if match := DATETIME_PATTERN.match(text):
                date = datetime.date.fromisoformat(match.group(1))
                self.warn(line, "date_maj", text, _("date et heure : seule la date est gardée"))
                return date
        except ValueError:
            pass
        self.error(line, "date_maj", text, _("date invalide (format attendu : AAAA-MM-JJ)"))
        return None

    def coordinate(self, line, column, text, bound):
        if not text:
            return None
        if not NUMBER_PATTERN.match(text):
            self.error(line, column, text, _("nombre attendu, avec un point décimal (ex. 50.6292)"))
            return None
        number = float(text)
        if not math.isfinite(number) or not -bound <= number <= bound:
            self.error(line, column, text, _("doit être comprise entre -%(bound)s et %(bound)s") % {"bound": bound})
            return None
        return number

    def channel(self, line, column, kind, raw) -> tuple[str, str]:
        # A plain str, not the enum member: rows are pickled to the spool file, and pickling
        # enum members made up most of the spool's cost.
        kind = getattr(kind, "value", kind)
        # The same numbers, addresses and sites come back on many rows (a network's call
        # centre, its web site), and parsing a phone number is the costliest check of a row.
        key = (kind, raw)
        outcome = self._normalised.get(key)
        if outcome is None:
            try:
                outcome = (True, get_kind(kind).normalise(raw))
            except ValidationError as error:
                outcome = (False, " ".join(str(m) for m in error.messages).rstrip("."))
            if len(self._normalised) >= 50_000:
                self._normalised.clear()  # memory stays bounded on huge files
            self._normalised[key] = outcome
        ok, value = outcome
        if not ok:
            self.error(line, column, raw, value)
            return kind, raw
        if len(value) > 500:
            self.error(line, column, raw, _("valeur trop longue (500 caractères au plus)"))
        return kind, value

    def error(self, line, column, value, reason):
        problem = Problem(line, column, _clip(value), reason, self.source.row_label)
        self.report.add_error(problem)
        if line is not None:
            self.row_reasons.setdefault(line, []).append(problem.detail())

    def warn(self, line, column, value, reason):
        self.report.add_warning(Problem(line, column, _clip(value), reason, self.source.row_label))


def _clip(value) -> str:
    value = value or ""
    return value if len(value) <= MAX_PROBLEM_VALUE else value[:MAX_PROBLEM_VALUE]


@functools.lru_cache(maxsize=4096)
def _is_facebook(url: str) -> bool:
    try:
        return host_matches(normalise_url(url), FACEBOOK_DOMAINS)
    except ValidationError:
        return False
