"""Import of « Lieux de médiation numérique » files (standard v1.0.2, and v0.1.x mapped).

Two passes over the file, so memory stays flat whatever its size:

1. **validate** every row (schema rules and domain rules: commune, channel values, rights of
   the person importing) and collect the problems (the first ``MAX_LISTED_PROBLEMS`` listed,
   the rest counted); nothing is written. Refused rows go, as read, to an optional rejects file
   (``RejectsWriter``), streamed;
2. only when there is no problem — or, with ``skip_invalid``, for the valid rows only —
   **apply** the rows in batches inside one transaction: venues are matched on (``source``,
   ``id``), created or updated with bulk queries; the channels that came from the standard
   (``Channel.standard_field``) are replaced, the others are kept.

``--dry-run`` (and the first step of the staff upload, and the public validator) runs the
second pass without writing, to count what would be created, updated and left unchanged.

Three shapes of file are read: the standard v1.0.2, v0.1.x (translated by
``standard.translate_v0``) and the national France Services list (``france_services``).
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
from directory.models import Channel, Commune, DepartementStaff, Venue
from directory.opendata import csvsafe, france_services, standard
from directory.opendata.copy import copy_insert_values
from directory.opendata.exporter import STANDARD_VALUES, default_source
from directory.territories import CommuneIndex
from directory.text import invisible_characters

BATCH_SIZE = 1000
PROGRESS_MIN_BYTES = 1_000_000
# Problems kept in the report (the rest are only counted): a file of 500,000 bad rows must not
# hold 500,000 messages in memory (issue 17, finding 10).
MAX_LISTED_PROBLEMS = 1000
# Reasons written for one row in the rejects file (a cell of 10,000 unknown values is one row).
MAX_REASONS_PER_ROW = 20
# A value kept in a problem is cut to this length (the message shows 80 characters of it).
MAX_PROBLEM_VALUE = 200
# Characters PostgreSQL or UTF-8 cannot store: NUL, and lone surrogates (JSON « \ud800 »).
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# Columns the rejects file adds in front of the original ones; ignored when it is imported again.
REJECT_COLUMNS = ("ligne_origine", "motifs_refus")
DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
FRENCH_DATE_PATTERN = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
DATETIME_PATTERN = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
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


# Set only by the France Services list (its « commentaire », for staff): a standard file never
# carries it, so never clears it.
EXTRA_ATTRIBUTES = ("staff_comment",)

# What the comparison with the stored venues reads (plain values, no model instances).
COMPARED_VALUES = (
    tuple(dict.fromkeys(("pk", "slug", "source", "external_id", "date_maj", *STANDARD_VALUES, *VENUE_ATTRIBUTES)))
    + EXTRA_ATTRIBUTES
)


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


def printable(text: str) -> str:
    """``text`` with what cannot be stored or shown (NUL, lone surrogates) as U+FFFD: a problem
    about such a value must not itself fail to render or encode."""
    return UNSTORABLE.sub("\ufffd", text) if text else text


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


# --- reading ---------------------------------------------------------------------------------


class Source:
    """The file's rows as ``(line, {column: text}, raw)``, read lazily. ``raw`` is the row as
    read (the CSV values, or the JSON object), for the rejects file."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.size = self.path.stat().st_size
        self.format = "csv"
        self.header: list[str] = []
        self.raw_header: list[str] = []
        self.delimiter = ","
        self.list_separator = standard.SEPARATOR
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
                self.raw_header = header
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
                            values,
                        )
                        continue
                    # Undo the exporter's formula neutralisation: the round trip stays exact.
                    yield line, dict(zip(self.header, map(csvsafe.restore, values), strict=True)), values
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
        except RecursionError:
            raise ImportAborted(
                _("JSON illisible : listes ou objets imbriqués trop profondément (un lieu est un objet simple).")
            ) from None
        except ValueError:
            # Python refuses to convert integers of more than 4,300 digits (a denial-of-service guard).
            raise ImportAborted(_("JSON illisible : un nombre comporte trop de chiffres.")) from None
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
        self.header = self.raw_header = list(header)
        # A JSON list becomes the text of a multi-valued cell: joined with the separator its
        # version splits on (« ; » in v0.1, « | » in v1.0.2).
        self.list_separator = standard.SEPARATOR_V0 if standard.is_v0_header(self.header) else standard.SEPARATOR
        for number, item in enumerate(data, start=1):
            if not isinstance(item, dict):
                yield number, {"__width__": _("chaque enregistrement doit être un objet JSON")}, item
                continue
            try:
                yield number, {key: _json_text(value, self.list_separator) for key, value in item.items()}, item
            except (RecursionError, ValueError):
                yield number, {"__width__": _("valeur illisible (imbriquée trop profondément ou trop longue)")}, item


def _json_text(value, separator: str = standard.SEPARATOR) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        # One level: the standard's lists hold plain values; anything deeper is shown as JSON.
        return separator.join(_json_scalar(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _json_scalar(value) -> str:
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return _json_text(value)


def json_cells(header: list[str], item, separator: str = standard.SEPARATOR) -> list[str]:
    """A JSON record as the cells of ``header`` (for the rejects file)."""
    if not isinstance(item, dict):
        return ["" for _column in header]
    cells = []
    for column in header:
        try:
            cells.append(_json_text(item.get(column), separator))
        except (RecursionError, ValueError):
            cells.append("")
    return cells


class RejectsWriter:
    """The refused rows, as read, in a CSV file that can be fixed in a spreadsheet and imported
    again: ``ligne_origine`` and ``motifs_refus`` first (ignored on import), then the file's own
    columns and values. Same delimiter as the file read (``;`` for a JSON file, as French
    spreadsheets expect), UTF-8 with a BOM (so Excel does not read it as Windows-1252), every
    value quoted. Written row by row: nothing is held in memory."""

    def __init__(self, target):
        self.target = target
        self._handle = None
        self._writer = None
        self._keep: list[int] | None = None
        self.count = 0

    def open(self, source: Source) -> None:
        if hasattr(self.target, "write"):
            handle = self.target
        else:
            handle = self._handle = open(self.target, "w", encoding="utf-8-sig", newline="")  # noqa: SIM115
        self._source = source
        delimiter = source.delimiter if source.format == "csv" else ";"
        self._writer = csv.writer(handle, delimiter=delimiter, quoting=csv.QUOTE_ALL)
        # The columns of an earlier rejects file are replaced, not repeated.
        self._keep = [i for i, column in enumerate(source.header) if column not in REJECT_COLUMNS]
        self._writer.writerow([*REJECT_COLUMNS, *(printable(source.raw_header[i]) for i in self._keep)])

    def write(self, line: int, raw, reasons: list[str]) -> None:
        if self._writer is None:
            return
        if self._source.format == "csv":
            cells = [raw[i] for i in self._keep if i < len(raw)] if len(raw) == len(self._source.header) else raw
        else:
            cells = json_cells([self._source.header[i] for i in self._keep], raw, self._source.list_separator)
        shown = reasons[:MAX_REASONS_PER_ROW]
        if len(reasons) > MAX_REASONS_PER_ROW:
            shown.append(_("… et %(count)s autres") % {"count": len(reasons) - MAX_REASONS_PER_ROW})
        # Opened in a spreadsheet like the exports, so formula-like cells are neutralised the
        # same way; reading the file back restores them (csvsafe.restore in _csv_rows).
        self._writer.writerow(
            [line, csvsafe.neutralise(" ; ".join(shown)), *(csvsafe.neutralise(printable(c)) for c in cells)]
        )
        self.count += 1

    def close(self, discard: bool = False) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
            if discard:
                Path(self.target).unlink(missing_ok=True)


def _encoding_message(error: UnicodeDecodeError) -> str:
    return _(
        "Le fichier n'est pas encodé en UTF-8 (octet invalide 0x%(byte)02x à la position %(position)s). "
        "Enregistrez-le en « CSV UTF-8 » et réessayez."
    ) % {"byte": error.object[error.start], "position": error.start}


# --- the importer ----------------------------------------------------------------------------


class LieuxImporter:
    """``skip_invalid``: import the valid rows and refuse the others (the default refuses the
    whole file at the first problem); ``rejects``: a path or text file where refused rows are
    written (``RejectsWriter``)."""

    def __init__(
        self,
        path,
        user=None,
        progress: bool = False,
        max_bytes: int | None = None,
        skip_invalid: bool = False,
        rejects=None,
    ):
        self.source = Source(path)
        self.user = user
        self.progress = progress
        self.max_bytes = max_bytes if max_bytes is not None else settings.IMPORT_MAX_BYTES
        self.skip_invalid = skip_invalid
        self.rejects = RejectsWriter(rejects) if rejects is not None else None
        self.report = Report()
        self._communes: CommuneIndex | None = None
        # None: every département (no user, i.e. the command line, or a superuser).
        self.allowed_departements = None if user is None else DepartementStaff.departements_of(user)
        self.is_v0 = False
        self.is_france_services = False
        self._default_scenarios: dict[str, int] = {}
        self._normalised: dict[tuple[str, str], tuple[bool, str]] = {}
        # Reasons of the rows read but not yet sent to the spool or the rejects file, by line.
        self._row_reasons: dict[int, list[str]] = {}
        self._count_inline = False

    # -- entry point --
    def run(self, dry_run: bool = False) -> Report:
        with tempfile.TemporaryFile() as self._spool:
            try:
                return self._run(dry_run)
            finally:
                if self.rejects is not None:
                    # A file that could not be read to its end has no trustworthy rejects.
                    self.rejects.close(discard=self.report.aborted)

    def _run(self, dry_run: bool) -> Report:
        # A dry run counts each batch of valid rows as soon as it is checked: no spool file to
        # write and read back (a third of the validator's time on 20,000 rows).
        self._count_inline = dry_run
        try:
            self.source.check(self.max_bytes)
            self.report.format = self.source.format
            self._validate()
            if self.report.error_count and not self.skip_invalid:
                # All or nothing: nothing would be imported, so nothing is counted.
                self.report.created = self.report.updated = self.report.unchanged = 0
                return self.report
            if not self.report.rows or dry_run:
                return self.report
            with transaction.atomic(), _gin_merged_once(Venue):
                self._apply(write=True)
            self.report.written = True
            if self.report.created >= maintenance.BULK_LOAD_ROWS:
                # New venues by the thousand: search entries in list order now
                # (``directory/maintenance.py``), not at night.
                maintenance.after_bulk_load()
            bump_data_version()
        except _HeaderInvalid:
            self.report.aborted = True  # its problems are already in the report
        except ImportAborted as error:
            self.report.aborted = True
            self.report.add_error(Problem(None, "", "", str(error)))
        return self.report

    @functools.cached_property
    def duplicates(self):
        # Likely duplicates (``directory/duplicates.py``): a warning per row, pairs for staff.
        from directory.duplicates import ImportDuplicates

        return ImportDuplicates()

    @property
    def communes(self) -> CommuneIndex:
        if self._communes is None:
            self._communes = CommuneIndex.from_database()
        return self._communes

    # -- pass 1 --
    def _validate(self) -> None:
        # Identifiers already met, by hash (8 bytes each, whatever their length), with their line.
        seen: dict[int, int] = {}
        pending: list[tuple[int, object, NormalRow | None]] = []
        for line, row, raw in self._rows(desc="Validation"):
            normal = None
            if "__width__" in row:
                self._error(line, "", "", row["__width__"])
            elif self._storable(line, row):
                row = self._translate(line, row)
                identifier = (row.get("id") or "").strip()
                first = seen.get(hash(identifier)) if identifier else None
                if first is not None:
                    self._error(line, "id", identifier, _("identifiant déjà utilisé ligne %(line)s") % {"line": first})
                elif identifier:
                    seen[hash(identifier)] = line
                normal = self._normalise(line, row)
                if normal is not None and self.is_france_services:
                    normal.values["staff_comment"] = row.get(france_services.STAFF_COMMENT, "")
                    normal.date_defaulted = bool(row.get(france_services.DATE_DEFAULTED))
            pending.append((line, raw, normal))
            if len(pending) >= BATCH_SIZE:
                self._settle(pending)
                pending = []
        self._settle(pending)
        if not self.report.error_count and self.report.rows == 0:
            self.report.add_error(Problem(None, "", "", _("Le fichier ne contient aucun lieu.")))
        self.duplicates.warn(self._warn)

    def _settle(self, pending) -> None:
        """Rights of a batch of rows, then each row to the spool (valid) or the rejects file,
        in the file's order."""
        if self.allowed_departements is not None:
            self._check_rights([normal for line, raw, normal in pending if normal and line not in self._row_reasons])
        accepted = []
        for line, raw, normal in pending:
            reasons = self._row_reasons.pop(line, None)
            if normal is not None and reasons is None:
                self.report.rows += 1
                self.duplicates.add(normal)
                if self._count_inline:
                    accepted.append(normal)
                elif self.skip_invalid or not self.report.error_count:
                    # Valid rows go to a spool file: the second pass reads them back instead of
                    # parsing and normalising the file again, and memory stays flat.
                    pickle.dump(normal, self._spool, protocol=pickle.HIGHEST_PROTOCOL)
            else:
                self.report.rejected += 1
                if self.rejects is not None:
                    self.rejects.write(line, raw, reasons or [])
        if accepted and (self.skip_invalid or not self.report.error_count):
            self._apply_batch(accepted, write=False)

    def _storable(self, line: int, row: dict[str, str]) -> bool:
        """False (with a problem per column) when a value holds NUL or a lone surrogate: PostgreSQL
        refuses the first, UTF-8 the second, so the dry run must refuse them too."""
        joined = "".join(row.values())
        if "\x00" not in joined and (joined.isascii() or not UNSTORABLE.search(joined)):
            return True
        for column, value in row.items():
            if UNSTORABLE.search(value):
                self._error(
                    line,
                    column,
                    value,
                    _("caractère interdit (caractère nul ou caractère Unicode isolé) : retapez cette valeur"),
                )
        return False

    def _translate(self, line: int, row: dict[str, str]) -> dict[str, str]:
        """The row as a v1.0.2 row (v0.1.x and France Services files are translated)."""
        for column in REJECT_COLUMNS:
            row.pop(column, None)
        if self.is_france_services:
            return france_services.translate(
                row,
                warn=lambda c, v, r: self._warn(line, c, v, r),
                error=lambda c, v, r: self._error(line, c, v, r),
            )
        if self.is_v0:
            return standard.translate_v0(
                row,
                warn=lambda c, v, r: self._warn(line, c, v, r),
                error=lambda c, v, r: self._error(line, c, v, r),
            )
        return row

    def _rows(self, desc: str):
        rows = self.source.rows()
        first = next(rows, None)
        if first is None:
            if not self.source.header:
                raise ImportAborted(_("Le fichier est vide."))
            raise ImportAborted(_("Le fichier ne contient que l'en-tête, aucun lieu."))
        self._check_header()
        if self.rejects is not None:
            self.rejects.open(self.source)
        rows = itertools.chain([first], rows)
        if self.progress and self.source.size >= PROGRESS_MIN_BYTES:
            from tqdm import tqdm

            return tqdm(rows, desc=desc, unit=" lignes")
        return rows

    def _check_header(self) -> None:
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
                self._warn(self._header_line, column, "", _("colonne inconnue de la liste France Services, ignorée"))
        for column in france_services.REQUIRED:
            if column not in seen:
                problems.append(Problem(self._header_line, column, "", _("colonne obligatoire absente")))
        if "pivot" not in seen and "siret" not in seen:
            self._warn(
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
        """``row`` (a v1.0.2 row, see ``_translate``) as Venue values and channels, or None
        with its problems in the report."""
        errors_before = self.report.error_count
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

        # The model's validator (directory/text.py) does not run on bulk writes: same rule here.
        hidden = invisible_characters(values["name"])
        if hidden:
            self._error(
                line,
                "nom",
                values["name"],
                _("caractère invisible ou qui inverse le sens d'écriture (%(characters)s) : retirez-le")
                % {"characters": ", ".join(hidden)},
            )

        pivot = values["pivot"]
        if pivot and not standard.PIVOT_PATTERN.match(pivot):
            self._error(line, "pivot", pivot, _("le pivot doit être un SIRET (14 chiffres), un SIREN ou un RNA"))
        if values["opening_hours"] and parse_hours(values["opening_hours"]) is None:
            self._error(
                line, "horaires", values["opening_hours"], _("horaires illisibles (format OpenStreetMap attendu)")
            )

        # Commune: one set of rules, in directory/territories.py (docs/open-data.md).
        postal = get("code_postal", "")
        if len(postal) == 4 and postal.isdigit():
            # A spreadsheet dropped the leading zero (« 6370 » for 06370).
            self._warn(
                line, "code_postal", postal, _("code postal complété d'un zéro : 0%(postal)s") % {"postal": postal}
            )
            postal = "0" + postal
        if postal and not standard.POSTAL_CODE_PATTERN.match(postal):
            self._error(line, "code_postal", postal, _("le code postal doit comporter 5 chiffres"))
        values["postal_code"] = postal
        insee = get("code_insee", "").upper()
        if len(insee) == 4 and insee.isdigit():
            self._warn(line, "code_insee", insee, _("code INSEE complété d'un zéro : 0%(insee)s") % {"insee": insee})
            insee = "0" + insee
        if insee and not standard.INSEE_PATTERN.match(insee):
            self._error(line, "code_insee", insee, _("code INSEE invalide (5 caractères, ex. 59350 ou 2A004)"))
            insee = ""
        commune_name, departement = "", ""
        commune_text = get("commune", "")
        postal_usable = bool(postal and standard.POSTAL_CODE_PATTERN.match(postal))
        if insee or (postal_usable and commune_text) or standard.POSTAL_CODE_PATTERN.match(commune_text):
            found = self.communes.resolve(
                insee, postal if postal_usable else "", commune_text, get("latitude", ""), get("longitude", "")
            )
            for note in found.warnings:
                self._warn(line, note.column, note.value, note.text)
            for note in found.errors:
                self._error(line, note.column, note.value, note.text)
            if found.commune is not None and not found.errors:
                commune_name, departement = found.commune.name, found.commune.departement
                values["commune_id"] = found.commune.code

        values["latitude"] = self._coordinate(line, "latitude", get("latitude", ""), 90)
        values["longitude"] = self._coordinate(line, "longitude", get("longitude", ""), 180)
        if (values["latitude"] is None) != (values["longitude"] is None) and self.report.error_count == errors_before:
            self._error(line, "latitude", "", _("indiquez la latitude et la longitude, ou aucune des deux"))

        date_text = get("date_maj", "")
        values["date_maj"] = None
        if date_text:
            values["date_maj"] = self._date(line, date_text)

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

    def _date(self, line, text) -> datetime.date | None:
        """``date_maj``: AAAA-MM-JJ; also, with a warning, JJ/MM/AAAA (what a French spreadsheet
        writes back when a rejects file is fixed and saved) and a date-time (the date is kept)."""
        try:
            if DATE_PATTERN.match(text):
                return datetime.date.fromisoformat(text)
            if match := FRENCH_DATE_PATTERN.match(text):
                day, month, year = (int(g) for g in match.groups())
                date = datetime.date(year, month, day)
                self._warn(line, "date_maj", text, _("date JJ/MM/AAAA lue comme le %(date)s") % {"date": date})
                return date
            if match := DATETIME_PATTERN.match(text):
                date = datetime.date.fromisoformat(match.group(1))
                self._warn(line, "date_maj", text, _("date et heure : seule la date est gardée"))
                return date
        except ValueError:
            pass
        self._error(line, "date_maj", text, _("date invalide (format attendu : AAAA-MM-JJ)"))
        return None

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
        problem = Problem(line, column, _clip(value), reason, self.source.row_label)
        self.report.add_error(problem)
        if line is not None:
            self._row_reasons.setdefault(line, []).append(problem.detail())

    def _warn(self, line, column, value, reason):
        self.report.add_warning(Problem(line, column, _clip(value), reason, self.source.row_label))

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
            if normal.date_defaulted:
                normal.values["date_maj"] = venue["date_maj"]
            if not venue["external_id"]:
                # A venue entered here, exported under its slug, keeps its own identity and its
                # typed channels: it is unchanged when it would export to the same row.
                normal.values.update(external_id="", source=venue["source"])
                changed = _as_exported(venue, channels) != _as_exported(venue, normal.channels, normal)
            else:
                changed = _current(venue, [c for c in channels if c.standard_field], normal.values) != (
                    normal.values,
                    normal.channels,
                )
            if changed:
                if normal.date_defaulted:
                    normal.values["date_maj"] = datetime.date.today()
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
            # The time filters' columns, as ``Venue.refresh_weekly_hours`` computes them: an
            # UPDATE per distinct expression after the COPY took a sixth of a first import.
            values["weekly_hours"], values["holiday_hours"] = _hours_literals(values.get("opening_hours") or "")
            new_rows.append(values)
        new_ids = copy_insert_values(Venue, new_rows, user=user, change_reason="import")
        self.duplicates.record(new_ids, to_create)
        changed = []
        for venue, normal in to_update:
            for attribute, value in normal.values.items():
                setattr(venue, attribute, value)
            if venue.commune_id != normal.values["commune_id"] or venue.commune.name != normal.commune_name:
                venue.commune = Commune(code=normal.values["commune_id"], name=normal.commune_name)
            venue.version += 1
            venue.updated_at = now
            venue.refresh_search_text()
            venue.refresh_weekly_hours()
            changed.append(venue)
        if changed:
            extra = [a for a in EXTRA_ATTRIBUTES if any(a in normal.values for _venue, normal in to_update)]
            bulk_update_with_history(
                changed,
                Venue,
                [*VENUE_ATTRIBUTES, *extra, "version", "updated_at", "search_text", "weekly_hours", "holiday_hours"],
                batch_size=BATCH_SIZE,
                default_user=user,
                default_change_reason="import",
            )
            Channel.objects.filter(venue__in=changed).exclude(standard_field="").delete()
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


def _clip(value) -> str:
    value = value or ""
    return value if len(value) <= MAX_PROBLEM_VALUE else value[:MAX_PROBLEM_VALUE]


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


def _hours_literals(expression: str) -> tuple[list[str], list[str] | None]:
    """``hours.weekly_spans`` of ``expression`` (cached per expression and day) as COPY values
    of ``int4range[]`` items."""
    from directory.hours import weekly_spans

    week, holiday = weekly_spans(expression)
    return [f"[{a},{b})" for a, b in week], None if holiday is None else [f"[{a},{b})" for a, b in holiday]


def _search_text(values: dict, commune_name: str) -> str:
    """``Venue.build_search_text`` of a new venue given as a dict (no structure yet)."""
    commune = SimpleNamespace(name=commune_name)
    venue = SimpleNamespace(**values, commune=commune, structure_id=None, structure=None)
    return Venue.build_search_text(venue)


def _current(venue: dict, standard_channels: list[_StoredChannel], attributes):
    """The venue (``COMPARED_VALUES``) as the importer would have written it (``attributes``:
    those the row sets), to spot unchanged rows."""
    values = {attribute: venue[attribute] for attribute in attributes}
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


def import_file(
    path, user=None, dry_run=False, progress=False, max_bytes=None, skip_invalid=False, rejects=None
) -> Report:
    return LieuxImporter(
        path, user=user, progress=progress, max_bytes=max_bytes, skip_invalid=skip_invalid, rejects=rejects
    ).run(dry_run=dry_run)
