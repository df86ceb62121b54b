"""Import of « Lieux de médiation numérique » files (standard v1.0.2, and v0.1.x mapped).

Two passes over the file, so memory stays flat whatever its size:

1. **validate** every row (schema rules and domain rules: commune, channel values, rights of
   the person importing) and collect every problem; nothing is written;
2. only when there is none, **apply** the rows in batches inside one transaction: venues are
   matched on (``source``, ``id``), created or updated with bulk queries; the channels that came
   from the standard (``Channel.standard_field``) are replaced, the others are kept.

``--dry-run`` (and the first step of the staff upload) runs the second pass without writing,
to count what would be created, updated and left unchanged.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import functools
import io
import itertools
import json
import math
import pickle  # nosec B403: only our own spool file, written in the same run
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from simple_history.utils import bulk_update_with_history

from directory import enums, maintenance
from directory.cache import bump_data_version
from directory.channels import FACEBOOK_DOMAINS, get_kind, host_matches, normalise_url
from directory.hours import parse as parse_hours
from directory.models import Channel, Commune, DepartementStaff, Venue, listing
from directory.opendata import standard
from directory.opendata.copy import copy_insert_values
from directory.opendata.exporter import STANDARD_VALUES, default_source
from directory.text import fold

BATCH_SIZE = 1000
PROGRESS_MIN_BYTES = 1_000_000
DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
NUMBER_PATTERN = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")

# Venue attributes an import sets (the rest — structure, closures, service area, freshness —
# belong to this product and an import never touches them).
VENUE_ATTRIBUTES = (
    *(attr for attr, _max in standard.TEXT_COLUMNS.values()),
    "commune_id",
    "postal_code",
    "latitude",
    "longitude",
    "date_maj",
    "prise_rdv",
    *(v.attribute for v in standard.VOCABULARIES),
)


# What the comparison with the stored venues reads (plain values, no model instances).
COMPARED_VALUES = tuple(dict.fromkeys(("pk", "slug", "source", "external_id", *STANDARD_VALUES, *VENUE_ATTRIBUTES)))


class _StoredChannel(NamedTuple):
    pk: int
    venue_id: int
    kind: str
    value: str
    standard_field: str
    position: int


class ImportAborted(Exception):
    """The file cannot be read at all (size, encoding, format): one message, nothing written."""


@dataclass(frozen=True)
class Problem:
    line: int | None
    column: str
    value: str
    reason: str
    label: str = gettext_noop("Ligne")

    def __str__(self):
        value = self.value if len(self.value) <= 80 else self.value[:77] + "…"
        # The label is stored untranslated (the report is kept between requests): translated here.
        where = f"{_(self.label)} {self.line}" if self.line is not None else _("Fichier")
        column = (_(", champ %(column)s") % {"column": self.column}) if self.column else ""
        shown = (_(", valeur « %(value)s »") % {"value": value}) if self.value else ""
        return _("%(where)s%(column)s%(value)s : %(reason)s") % {
            "where": where,
            "column": column,
            "value": shown,
            "reason": self.reason,
        }


@dataclass
class Report:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    version: str = "1.0.2"
    format: str = "csv"
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self, dry_run: bool) -> str:
        if dry_run:
            return (
                _(
                    "%(rows)s lignes valides : %(created)s lieux seraient créés, "
                    "%(updated)s mis à jour, %(unchanged)s inchangés (aucune écriture)."
                )
                % self._counts()
            )
        return (
            _("%(rows)s lignes importées : %(created)s lieux créés, %(updated)s mis à jour, %(unchanged)s inchangés.")
            % self._counts()
        )

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


# --- reading ---------------------------------------------------------------------------------


class Source:
    """The file's rows as ``(line, {column: text})``, read lazily; re-iterable for pass two."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.size = self.path.stat().st_size
        self.format = "csv"
        self.header: list[str] = []
        self.delimiter = ","
        self.row_label = gettext_noop("Ligne")

    def check(self, max_bytes: int) -> None:
        if self.size > max_bytes:
            raise ImportAborted(
                _("Le fichier pèse %(size).1f Mo : la limite est de %(limit).0f Mo. Découpez-le en plusieurs fichiers.")
                % {"size": self.size / 1_000_000, "limit": max_bytes / 1_000_000}
            )
        with self.path.open("rb") as handle:
            head = handle.read(65536)
        if head.startswith(b"\xef\xbb\xbf"):
            head = head[3:]
        if not head.strip():
            raise ImportAborted(_("Le fichier est vide."))
        try:
            # A multi-byte character may be cut at the end of the sample: ignore only that.
            head.decode("utf-8")
        except UnicodeDecodeError as error:
            if error.start < len(head) - 4:
                raise ImportAborted(_encoding_message(error)) from None
        if head.lstrip()[:1] in (b"[", b"{") or self.path.suffix.lower() == ".json":
            self.format = "json"
            self.row_label = gettext_noop("Enregistrement")
        else:
            first_line = head.split(b"\n", 1)[0].decode("utf-8", "ignore")
            self.delimiter = ";" if first_line.count(";") > first_line.count(",") else ","

    def rows(self) -> Iterator[tuple[int, dict[str, str]]]:
        if self.format == "json":
            yield from self._json_rows()
        else:
            yield from self._csv_rows()

    def _csv_rows(self):
        with self.path.open("rb") as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            reader = csv.reader(text, delimiter=self.delimiter)
            try:
                header = next(reader, None)
                if header is None:
                    raise ImportAborted(_("Le fichier est vide."))
                self.header = [h.strip() for h in header]
                previous_end = reader.line_num
                for values in reader:
                    line = previous_end + 1
                    previous_end = reader.line_num
                    if not any(v.strip() for v in values):
                        continue
                    if len(values) != len(self.header):
                        yield (
                            line,
                            {
                                "__width__": _("%(values)s valeurs pour %(columns)s colonnes dans l'en-tête")
                                % {"values": len(values), "columns": len(self.header)}
                            },
                        )
                        continue
                    yield line, dict(zip(self.header, values, strict=True))
            except UnicodeDecodeError as error:
                raise ImportAborted(_encoding_message(error)) from None
            except csv.Error as error:
                raise ImportAborted(
                    _("Fichier CSV illisible (ligne %(line)s) : %(error)s.") % {"line": reader.line_num, "error": error}
                ) from None

    def _json_rows(self):
        try:
            with self.path.open("rb") as raw:
                data = json.loads(raw.read().decode("utf-8-sig"))
        except UnicodeDecodeError as error:
            raise ImportAborted(_encoding_message(error)) from None
        except json.JSONDecodeError as error:
            raise ImportAborted(
                _("JSON illisible (ligne %(line)s, colonne %(column)s) : %(error)s.")
                % {"line": error.lineno, "column": error.colno, "error": error.msg}
            ) from None
        if isinstance(data, dict) and isinstance(data.get("data"), list):
            data = data["data"]
        if not isinstance(data, list):
            raise ImportAborted(_("Le JSON doit être une liste d'objets, ou un objet dont « data » est cette liste."))
        if not data:
            raise ImportAborted(_("Le fichier ne contient aucun lieu."))
        header: dict[str, None] = {}
        for item in data:
            if isinstance(item, dict):
                header.update(dict.fromkeys(item))
        self.header = list(header)
        for number, item in enumerate(data, start=1):
            if not isinstance(item, dict):
                yield number, {"__width__": _("chaque enregistrement doit être un objet JSON")}
                continue
            yield number, {key: _json_text(value) for key, value in item.items()}


def _json_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return standard.SEPARATOR.join(_json_text(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _encoding_message(error: UnicodeDecodeError) -> str:
    return _(
        "Le fichier n'est pas encodé en UTF-8 (octet invalide 0x%(byte)02x à la position %(position)s). "
        "Enregistrez-le en « CSV UTF-8 » et réessayez."
    ) % {"byte": error.object[error.start], "position": error.start}


# --- reference data --------------------------------------------------------------------------


class Communes:
    """Every commune in memory, keyed by INSEE code and by (postal code, folded name):
    35,000 small tuples, loaded once per import instead of one query per row."""

    def __init__(self):
        self.by_code: dict[str, tuple[str, str, tuple[str, ...]]] = {}
        self.by_postal_name: dict[tuple[str, str], str] = {}
        for code, name, search_name, departement, postal_codes in Commune.objects.values_list(
            "code", "name", "search_name", "departement_id", "postal_codes"
        ).iterator(chunk_size=5000):
            self.by_code[code] = (name, departement, tuple(postal_codes))
            key = _folded_name_key(search_name or fold(name))
            for postal in postal_codes:
                self.by_postal_name[(postal, key)] = code

    def resolve(self, insee: str, postal: str, name: str) -> str | None:
        if insee:
            return insee if insee in self.by_code else None
        return self.by_postal_name.get((postal, _name_key(name)))


def _name_key(name: str) -> str:
    return _folded_name_key(fold(name))


SAINT_PATTERN = re.compile(r"^(st|ste)\b")
NOT_ALPHANUMERIC = re.compile(r"[^a-z0-9]+")


def _folded_name_key(folded: str) -> str:
    # Precompiled: called for every commune (35,000) when an import starts.
    if folded.startswith("st"):
        folded = SAINT_PATTERN.sub(lambda m: "saint" if m.group(1) == "st" else "sainte", folded)
    return NOT_ALPHANUMERIC.sub("", folded)


# --- the importer ----------------------------------------------------------------------------


class LieuxImporter:
    def __init__(self, path, user=None, progress: bool = False, max_bytes: int | None = None):
        self.source = Source(path)
        self.user = user
        self.progress = progress
        self.max_bytes = max_bytes if max_bytes is not None else settings.IMPORT_MAX_BYTES
        self.report = Report()
        self._communes: Communes | None = None
        # None: every département (no user, i.e. the command line, or a superuser).
        self.allowed_departements = None if user is None else DepartementStaff.departements_of(user)
        self.is_v0 = False
        self._default_scenarios: dict[str, int] = {}
        self._normalised: dict[tuple[str, str], tuple[bool, str]] = {}

    # -- entry point --
    def run(self, dry_run: bool = False) -> Report:
        with tempfile.TemporaryFile() as self._spool:
            return self._run(dry_run)

    def _run(self, dry_run: bool) -> Report:
        try:
            self.source.check(self.max_bytes)
            self.report.format = self.source.format
            self._validate()
            if self.report.errors:
                return self.report
            if dry_run:
                self._apply(write=False)
            else:
                with transaction.atomic(), _gin_merged_once(Venue):
                    self._apply(write=True)
                self.report.written = True
                if self.report.created >= listing.BUCKET_STEP:
                    # New venues by the thousand: fresh name buckets and search entries in
                    # name order now (``directory/maintenance.py``), not at night.
                    maintenance.after_bulk_load()
                bump_data_version()
        except _HeaderInvalid:
            pass  # its problems are already in the report
        except ImportAborted as error:
            self.report.errors.append(Problem(None, "", "", str(error)))
        return self.report

    @property
    def communes(self) -> Communes:
        if self._communes is None:
            self._communes = Communes()
        return self._communes

    # -- pass 1 --
    def _validate(self) -> None:
        seen: dict[str, int] = {}
        batch: list[NormalRow] = []
        rows = self._rows(desc="Validation")
        for line, row in rows:
            normal = self._normalise(line, row)
            if normal is None:
                continue
            first = seen.get(normal.values["external_id"])
            if first is not None:
                self._error(
                    line,
                    "id",
                    normal.values["external_id"],
                    _("identifiant déjà utilisé ligne %(line)s") % {"line": first},
                )
                continue
            seen[normal.values["external_id"]] = line
            self.report.rows += 1
            if not self.report.errors:
                # Valid rows go to a spool file: the second pass reads them back instead of
                # parsing and normalising the file again, and memory stays flat.
                pickle.dump(normal, self._spool, protocol=pickle.HIGHEST_PROTOCOL)
            if self.allowed_departements is not None:
                batch.append(normal)
                if len(batch) >= BATCH_SIZE:
                    self._check_rights(batch)
                    batch = []
        if batch:
            self._check_rights(batch)
        if not self.report.errors and self.report.rows == 0:
            self.report.errors.append(Problem(None, "", "", _("Le fichier ne contient aucun lieu.")))

    def _rows(self, desc: str):
        rows = self.source.rows()
        first = next(rows, None)
        if first is None:
            if not self.source.header:
                raise ImportAborted(_("Le fichier est vide."))
            raise ImportAborted(_("Le fichier ne contient que l'en-tête, aucun lieu."))
        self._check_header()
        rows = itertools.chain([first], rows)
        if self.progress and self.source.size >= PROGRESS_MIN_BYTES:
            from tqdm import tqdm

            return tqdm(rows, desc=desc, unit=" lignes")
        return rows

    def _check_header(self) -> None:
        header = self.source.header
        self.is_v0 = standard.is_v0_header(header)
        self.report.version = "0.1" if self.is_v0 else "1.0.2"
        known = set(standard.FIELDS_V0 if self.is_v0 else standard.FIELDS)
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
        if problems:
            self.report.errors.extend(problems)
            raise _HeaderInvalid

    @property
    def _header_line(self):
        # The header is line 1 of a CSV; a JSON file has keys, reported for the whole file.
        return 1 if self.source.format == "csv" else None

    def _check_rights(self, batch: list[NormalRow]) -> None:
        for normal in batch:
            if normal.departement not in self.allowed_departements:
                self._error(
                    normal.line,
                    "code_insee",
                    normal.values["commune_id"],
                    _("vous ne pouvez importer que des lieux de vos départements"),
                )
        existing = _find_existing(
            batch, Venue.objects.values("source", "external_id", "slug", "commune__departement_id")
        )
        for normal in batch:
            venue = existing.get(normal.key)
            if venue is not None and venue["commune__departement_id"] not in self.allowed_departements:
                self._error(
                    normal.line,
                    "id",
                    normal.key[1],
                    _("ce lieu existe déjà dans un département où vous n'avez pas de droits"),
                )

    # -- one row --
    def _normalise(self, line: int, row: dict[str, str]) -> NormalRow | None:
        errors_before = len(self.report.errors)
        if "__width__" in row:
            self._error(line, "", "", row["__width__"])
            return None
        if self.is_v0:
            row = standard.translate_v0(
                row,
                warn=lambda c, v, r: self._warn(line, c, v, r),
                error=lambda c, v, r: self._error(line, c, v, r),
            )
        get = {k: (v or "").strip() for k, v in row.items()}.get
        values: dict = {}

        for column in standard.REQUIRED:
            if not get(column, ""):
                self._error(line, column, "", _("champ obligatoire vide"))

        for column, (attribute, max_length) in standard.TEXT_COLUMNS.items():
            value = get(column, "")
            if max_length and len(value) > max_length:
                self._error(
                    line,
                    column,
                    value,
                    _("texte trop long (%(length)s caractères, %(max)s au plus)")
                    % {"length": len(value), "max": max_length},
                )
            values[attribute] = value

        pivot = values["pivot"]
        if pivot and not standard.PIVOT_PATTERN.match(pivot):
            self._error(line, "pivot", pivot, _("le pivot doit être un SIRET (14 chiffres), un SIREN ou un RNA"))
        if values["opening_hours"] and parse_hours(values["opening_hours"]) is None:
            self._error(
                line, "horaires", values["opening_hours"], _("horaires illisibles (format OpenStreetMap attendu)")
            )

        postal = get("code_postal", "")
        if postal and not standard.POSTAL_CODE_PATTERN.match(postal):
            self._error(line, "code_postal", postal, _("le code postal doit comporter 5 chiffres"))
        values["postal_code"] = postal
        insee = get("code_insee", "").upper()
        if insee and not standard.INSEE_PATTERN.match(insee):
            self._error(line, "code_insee", insee, _("code INSEE invalide (5 caractères, ex. 59350 ou 2A004)"))
            insee = ""
        commune_name, departement = "", ""
        commune_text = get("commune", "")
        postal_usable = bool(postal and standard.POSTAL_CODE_PATTERN.match(postal))
        if insee or (postal_usable and commune_text):
            code = self.communes.resolve(insee, postal, commune_text)
            if code is None:
                if insee:
                    self._error(line, "code_insee", insee, _("commune inconnue pour ce code INSEE"))
                else:
                    self._error(
                        line,
                        "commune",
                        commune_text,
                        _("aucune commune de ce nom avec le code postal %(postal)s ; indiquez le code INSEE")
                        % {"postal": postal},
                    )
            else:
                commune_name, departement, postal_codes = self.communes.by_code[code]
                values["commune_id"] = code
                if postal_usable and postal_codes and postal not in postal_codes:
                    self._error(
                        line,
                        "code_postal",
                        postal,
                        _("ne correspond pas à la commune %(name)s (%(code)s)") % {"name": commune_name, "code": code},
                    )

        values["latitude"] = self._coordinate(line, "latitude", get("latitude", ""), 90)
        values["longitude"] = self._coordinate(line, "longitude", get("longitude", ""), 180)
        if (values["latitude"] is None) != (values["longitude"] is None) and len(self.report.errors) == errors_before:
            self._error(line, "latitude", "", _("indiquez la latitude et la longitude, ou aucune des deux"))

        date_text = get("date_maj", "")
        values["date_maj"] = None
        if date_text:
            try:
                if not DATE_PATTERN.match(date_text):
                    raise ValueError
                values["date_maj"] = datetime.date.fromisoformat(date_text)
            except ValueError:
                self._error(line, "date_maj", date_text, _("date invalide (format attendu : AAAA-MM-JJ)"))

        for vocabulary in standard.VOCABULARIES:
            text = get(vocabulary.column, "")
            chosen: list[str] = []
            for item in standard.split_multi(text):
                value = vocabulary.canonical(item)
                if value is None:
                    self._error(line, vocabulary.column, item, _("valeur inconnue du vocabulaire du standard"))
                elif value not in chosen:
                    chosen.append(value)
            values[vocabulary.attribute] = chosen

        channels: list[tuple[str, str, str]] = []
        for item in standard.split_multi(get("telephone", "")):
            channels.append(("telephone", *self._channel(line, "telephone", enums.ChannelKind.PHONE, item)))
        for item in standard.split_multi(get("courriels", "")):
            channels.append(("courriels", *self._channel(line, "courriels", enums.ChannelKind.EMAIL, item)))
        for item in standard.split_multi(get("site_web", "")):
            kind = enums.ChannelKind.FACEBOOK if _is_facebook(item) else enums.ChannelKind.WEBSITE
            channels.append(("site_web", *self._channel(line, "site_web", kind, item)))
        values["prise_rdv"] = ""
        rdv = get("prise_rdv", "")
        if rdv:
            kind, value = self._channel(line, "prise_rdv", enums.ChannelKind.WEBSITE, rdv)
            values["prise_rdv"] = value
            if len(value) > 500:
                self._error(line, "prise_rdv", rdv, _("adresse trop longue (500 caractères au plus)"))
            channels.append(("prise_rdv", kind, value))
        if values["fiche_acces_libre"]:
            _kind, values["fiche_acces_libre"] = self._channel(
                line, "fiche_acces_libre", enums.ChannelKind.WEBSITE, values["fiche_acces_libre"]
            )

        if len(self.report.errors) != errors_before:
            return None
        return NormalRow(
            line=line,
            key=(values["source"], values["external_id"]),
            values=values,
            channels=channels,
            commune_name=commune_name,
            departement=departement,
        )

    def _coordinate(self, line, column, text, bound):
        if not text:
            return None
        if not NUMBER_PATTERN.match(text):
            self._error(line, column, text, _("nombre attendu, avec un point décimal (ex. 50.6292)"))
            return None
        number = float(text)
        if not math.isfinite(number) or not -bound <= number <= bound:
            self._error(line, column, text, _("doit être comprise entre -%(bound)s et %(bound)s") % {"bound": bound})
            return None
        return number

    def _channel(self, line, column, kind, raw) -> tuple[str, str]:
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
            self._error(line, column, raw, value)
            return kind, raw
        if len(value) > 500:
            self._error(line, column, raw, _("valeur trop longue (500 caractères au plus)"))
        return kind, value

    def _error(self, line, column, value, reason):
        self.report.errors.append(Problem(line, column, value, reason, self.source.row_label))

    def _warn(self, line, column, value, reason):
        self.report.warnings.append(Problem(line, column, value, reason, self.source.row_label))

    # -- pass 2 --
    def _spooled(self) -> Iterator[NormalRow]:
        self._spool.seek(0)
        while True:
            try:
                yield pickle.load(self._spool)  # noqa: S301  # nosec B301  (our own file, written just before)
            except EOFError:
                return

    def _apply(self, write: bool) -> None:
        self._slugs = set(Venue.objects.values_list("slug", flat=True)) if write else set()
        batch: list[NormalRow] = []
        rows = self._spooled()
        if self.progress and self.source.size >= PROGRESS_MIN_BYTES:
            from tqdm import tqdm

            rows = tqdm(rows, desc="Import" if write else "Simulation", unit=" lignes", total=self.report.rows)
        for normal in rows:
            batch.append(normal)
            if len(batch) >= BATCH_SIZE:
                self._apply_batch(batch, write)
                batch = []
        if batch:
            self._apply_batch(batch, write)

    def _apply_batch(self, batch: list[NormalRow], write: bool) -> None:
        # Only what the comparison reads, as plain values (model instances of 20,000 unchanged
        # venues and their channels took most of a re-import); the few venues that change are
        # fetched whole below.
        existing = _find_existing(batch, Venue.objects.values(*COMPARED_VALUES))
        self._channels: dict[int, list[_StoredChannel]] = {}
        for channel in (
            Channel.objects.filter(venue_id__in=[v["pk"] for v in existing.values()])
            .order_by("position", "pk")
            .values_list(*_StoredChannel._fields)
        ):
            channel = _StoredChannel._make(channel)
            self._channels.setdefault(channel.venue_id, []).append(channel)
        to_create: list[NormalRow] = []
        to_update: list[tuple[dict, NormalRow]] = []
        for normal in batch:
            venue = existing.get(normal.key)
            if venue is None:
                self.report.created += 1
                to_create.append(normal)
                continue
            channels = self._channels.get(venue["pk"], [])
            if not venue["external_id"]:
                # A venue entered here, exported under its slug, keeps its own identity and its
                # typed channels: it is unchanged when it would export to the same row.
                normal.values.update(external_id="", source=venue["source"])
                changed = _as_exported(venue, channels) != _as_exported(venue, normal.channels, normal)
            else:
                changed = _current(venue, [c for c in channels if c.standard_field]) != (
                    normal.values,
                    normal.channels,
                )
            if changed:
                self.report.updated += 1
                to_update.append((venue, normal))
            else:
                self.report.unchanged += 1
        if write:
            if to_update:
                whole = Venue.objects.select_related("commune", "structure").in_bulk([v["pk"] for v, _n in to_update])
                to_update = [(whole[v["pk"]], n) for v, n in to_update]
            self._write(to_create, to_update)

    def _write(self, to_create: list[NormalRow], to_update) -> None:
        now = timezone.now()
        user = self.user if self.user is not None and self.user.is_authenticated else None
        # New venues as plain dicts (no model instances: they cost more than the COPY itself).
        new_rows = []
        for normal in to_create:
            values = dict(normal.values)
            values["slug"] = self._unique_slug(f"{values['name']} {normal.commune_name}")
            values["search_text"] = _search_text(values, normal.commune_name)
            # What the channel triggers would compute (migration 0008): loading the channels
            # then leaves the new rows alone instead of rewriting each of them once more.
            values["channel_kinds"] = sorted({kind for _field, kind, _value in normal.channels})
            new_rows.append(values)
        new_ids = copy_insert_values(Venue, new_rows, user=user, change_reason="import")
        changed = []
        for venue, normal in to_update:
            for attribute, value in normal.values.items():
                setattr(venue, attribute, value)
            if venue.commune_id != normal.values["commune_id"] or venue.commune.name != normal.commune_name:
                venue.commune = Commune(code=normal.values["commune_id"], name=normal.commune_name)
            venue.version += 1
            venue.updated_at = now
            venue.refresh_search_text()
            changed.append(venue)
        if changed:
            bulk_update_with_history(
                changed,
                Venue,
                [*VENUE_ATTRIBUTES, "version", "updated_at", "search_text"],
                batch_size=BATCH_SIZE,
                default_user=user,
                default_change_reason="import",
            )
            Channel.objects.filter(venue__in=changed).exclude(standard_field="").delete()
        # The time filters' columns, derived from the opening hours (COPY and bulk updates skip save()).
        maintenance.refresh_weekly_hours([*new_ids, *(venue.pk for venue in changed)])
        channels = []
        scenarios = self._default_scenarios
        targets = [*zip(new_ids, to_create, strict=True), *((venue.pk, normal) for venue, normal in to_update)]
        for venue_id, normal in targets:
            # Channels entered here are kept; a row never adds a second copy of one of them.
            kept = {(c.kind, c.value) for c in self._channels.get(venue_id, []) if not c.standard_field}
            for position, (standard_field, kind, value) in enumerate(normal.channels):
                if (kind, value) in kept:
                    continue
                if kind not in scenarios:
                    scenarios[kind] = get_kind(kind).default_scenario
                channels.append(
                    {
                        "venue_id": venue_id,
                        "kind": kind,
                        "value": value,
                        "position": position,
                        "scenario": scenarios[kind],
                        "standard_field": standard_field,
                    }
                )
        copy_insert_values(Channel, channels, user=user, change_reason="import")

    def _unique_slug(self, base: str) -> str:
        base = (slugify(base) or "lieu")[:74].strip("-")
        slug, n = base, 2
        while slug in self._slugs:
            slug, n = f"{base}-{n}", n + 1
        self._slugs.add(slug)
        return slug


class _HeaderInvalid(ImportAborted):
    pass


@contextlib.contextmanager
def _gin_merged_once(model):
    """Let the GIN indexes of ``model`` (search text trigrams and full text, vocabularies)
    collect the transaction's new entries in their pending list and merge them in one sort
    at the end, instead of merging every 4 MB: most of the database's time on a large first
    import. The lists are emptied before commit, so searches never scan a long pending list."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL gin_pending_list_limit = '256MB'")
        yield
        cursor.execute(
            "SELECT gin_clean_pending_list(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_am a ON a.oid = c.relam WHERE i.indrelid = %s::regclass AND a.amname = 'gin'",
            [model._meta.db_table],
        )


@functools.lru_cache(maxsize=4096)
def _is_facebook(url: str) -> bool:
    try:
        return host_matches(normalise_url(url), FACEBOOK_DOMAINS)
    except ValidationError:
        return False


def _search_text(values: dict, commune_name: str) -> str:
    """``Venue.build_search_text`` of a new venue given as a dict (no structure yet)."""
    commune = SimpleNamespace(name=commune_name)
    venue = SimpleNamespace(**values, commune=commune, structure_id=None, structure=None)
    return Venue.build_search_text(venue)


def _current(venue: dict, standard_channels: list[_StoredChannel]):
    """The venue (``COMPARED_VALUES``) as the importer would have written it, to spot unchanged rows."""
    values = {attribute: venue[attribute] for attribute in VENUE_ATTRIBUTES}
    ordered = sorted(standard_channels, key=lambda c: (c.position, c.pk))
    return values, [(c.standard_field, c.kind, c.value) for c in ordered]


def _as_exported(venue: dict, channels, normal: NormalRow | None = None) -> dict:
    """The standard row ``venue`` (``COMPARED_VALUES``) exports to, with ``normal``'s values
    and channels if given."""
    from directory.opendata.exporter import _Channel, standard_row

    values = {name: venue[name] for name in STANDARD_VALUES}
    if normal is not None:
        values.update({k: v for k, v in normal.values.items() if k in values})
        values.update(commune_id=normal.values["commune_id"], commune__name=normal.commune_name)
        channels = [_Channel(kind, value, field) for field, kind, value in channels]
    return standard_row(values, channels)


def _find_existing(batch: list[NormalRow], queryset) -> dict[tuple[str, str], dict]:
    """Existing venues of ``batch`` by row key, as the dicts of ``queryset`` (a ``values()``
    with ``source``, ``external_id`` and ``slug``): same (source, id); or, for venues entered
    here (no external id, exported with their slug as ``id``), same slug and source."""
    found = {
        (v["source"], v["external_id"]): v
        for v in queryset.filter(
            source__in={n.key[0] for n in batch}, external_id__in={n.key[1] for n in batch}
        ).exclude(external_id="")
    }
    missing = {n.key[1]: n.key for n in batch if n.key not in found}
    if missing:
        default = default_source()
        for venue in queryset.filter(external_id="", slug__in=list(missing)):
            key = missing[venue["slug"]]
            if (venue["source"] or default) == key[0]:
                found[key] = venue
    return found


def import_file(path, user=None, dry_run=False, progress=False, max_bytes=None) -> Report:
    return LieuxImporter(path, user=user, progress=progress, max_bytes=max_bytes).run(dry_run=dry_run)
