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

This module runs the passes; each step has its own module: reading the file
(``reading.py``: ``Source``, ``RejectsWriter``), validating its rows (``validation.py``:
``RowValidator``, ``Problem``, ``Report``) and writing them (``writing.py``: ``Writer``,
``COPY``).
"""

from __future__ import annotations

import functools
import itertools
import pickle  # nosec B403: only our own spool file, written in the same run
import tempfile
from collections.abc import Iterator

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from directory import maintenance
from directory.cache import bump_data_version
from directory.models import Venue
from directory.opendata import france_services
from directory.opendata.reading import ImportAborted, RejectsWriter, Source
from directory.opendata.validation import HeaderInvalid, NormalRow, Problem, Report, RowValidator
from directory.opendata.writing import BATCH_SIZE, Writer, gin_merged_once

PROGRESS_MIN_BYTES = 1_000_000

__all__ = ["LieuxImporter", "Report", "import_file"]


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
        self.validator = RowValidator(self.source, self.report, user)
        self.writer = Writer(self.report, self.duplicates, user)
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
        # write and read back (a third of the validator's time: ``make bench``, measure
        # ``validator_20k_s``).
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
            with transaction.atomic(), gin_merged_once(Venue):
                self._apply(write=True)
            self.report.written = True
            if self.report.created >= maintenance.BULK_LOAD_ROWS:
                # New venues by the thousand: search entries in list order now
                # (``directory/maintenance.py``), not at night.
                maintenance.after_bulk_load()
            bump_data_version()
        except HeaderInvalid:
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

    # -- pass 1 --
    def _validate(self) -> None:
        # Identifiers already met, by hash (8 bytes each, whatever their length), with their line.
        seen: dict[int, int] = {}
        pending: list[tuple[int, object, NormalRow | None]] = []
        validator = self.validator
        for line, row, raw in self._rows(desc="Validation"):
            normal = None
            if "__width__" in row:
                validator.error(line, "", "", row["__width__"])
            elif validator.storable(line, row):
                row = validator.translate(line, row)
                identifier = (row.get("id") or "").strip()
                first = seen.get(hash(identifier)) if identifier else None
                if first is not None:
                    validator.error(
                        line, "id", identifier, _("identifiant déjà utilisé ligne %(line)s") % {"line": first}
                    )
                elif identifier:
                    seen[hash(identifier)] = line
                normal = validator.normalise(line, row)
                if normal is not None and validator.is_france_services:
                    normal.values["staff_comment"] = row.get(france_services.STAFF_COMMENT, "")
                    normal.date_defaulted = bool(row.get(france_services.DATE_DEFAULTED))
            pending.append((line, raw, normal))
            if len(pending) >= BATCH_SIZE:
                self._settle(pending)
                pending = []
        self._settle(pending)
        if not self.report.error_count and self.report.rows == 0:
            self.report.add_error(Problem(None, "", "", _("Le fichier ne contient aucun lieu.")))
        self.duplicates.warn(validator.warn)

    def _settle(self, pending) -> None:
        """Rights of a batch of rows, then each row to the spool (valid) or the rejects file,
        in the file's order."""
        reasons_by_line = self.validator.row_reasons
        if self.validator.allowed_departements is not None:
            self.validator.check_rights([n for line, _raw, n in pending if n and line not in reasons_by_line])
        accepted = []
        for line, raw, normal in pending:
            reasons = reasons_by_line.pop(line, None)
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
            self.writer.apply_batch(accepted, write=False)

    def _rows(self, desc: str):
        rows = self.source.rows()
        first = next(rows, None)
        if first is None:
            if not self.source.header:
                raise ImportAborted(_("Le fichier est vide."))
            raise ImportAborted(_("Le fichier ne contient que l'en-tête, aucun lieu."))
        self.validator.check_header()
        if self.rejects is not None:
            self.rejects.open(self.source)
        rows = itertools.chain([first], rows)
        if self.progress and self.source.size >= PROGRESS_MIN_BYTES:
            from tqdm import tqdm

            return tqdm(rows, desc=desc, unit=" lignes")
        return rows

    # -- pass 2 --
    def _spooled(self) -> Iterator[NormalRow]:
        self._spool.seek(0)
        while True:
            try:
                yield pickle.load(self._spool)  # noqa: S301  # nosec B301  (our own file, written just before)
            except EOFError:
                return

    def _apply(self, write: bool) -> None:
        if write:
            self.writer.load_slugs()
        batch: list[NormalRow] = []
        rows = self._spooled()
        if self.progress and self.source.size >= PROGRESS_MIN_BYTES:
            from tqdm import tqdm

            rows = tqdm(rows, desc="Import" if write else "Simulation", unit=" lignes", total=self.report.rows)
        for normal in rows:
            batch.append(normal)
            if len(batch) >= BATCH_SIZE:
                self.writer.apply_batch(batch, write)
                batch = []
        if batch:
            self.writer.apply_batch(batch, write)


def import_file(
    path, user=None, dry_run=False, progress=False, max_bytes=None, skip_invalid=False, rejects=None
) -> Report:
    return LieuxImporter(
        path, user=user, progress=progress, max_bytes=max_bytes, skip_invalid=skip_invalid, rejects=rejects
    ).run(dry_run=dry_run)
