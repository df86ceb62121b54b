"""Reading an open-data file, the importer's first step (``directory/opendata/importer.py``).

``Source`` checks the file (size, encoding, CSV or JSON) and yields its rows lazily, each as
``(line, {column: text}, raw)``; ``RejectsWriter`` writes the refused rows back, as read, in
a CSV file that can be fixed in a spreadsheet and imported again.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from directory.opendata import csvsafe, standard

# Characters PostgreSQL or UTF-8 cannot store: NUL, and lone surrogates (JSON « \ud800 »).
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# Columns the rejects file adds in front of the original ones; ignored when it is imported again.
REJECT_COLUMNS = ("ligne_origine", "motifs_refus")
# Reasons written for one row in the rejects file (a cell of 10,000 unknown values is one row).
MAX_REASONS_PER_ROW = 20


class ImportAborted(Exception):
    """The file cannot be read at all (size, encoding, format): one message, nothing written."""


def printable(text: str) -> str:
    """``text`` with what cannot be stored or shown (NUL, lone surrogates) as U+FFFD: a problem
    about such a value must not itself fail to render or encode."""
    return UNSTORABLE.sub("\ufffd", text) if text else text


def encoding_message(error: UnicodeDecodeError) -> str:
    return _(
        "Le fichier n'est pas encodé en UTF-8 (octet invalide 0x%(byte)02x à la position %(position)s). "
        "Enregistrez-le en « CSV UTF-8 » et réessayez."
    ) % {"byte": error.object[error.start], "position": error.start}


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
                raise ImportAborted(encoding_message(error)) from None
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
                raise ImportAborted(encoding_message(error)) from None
            except csv.Error as error:
                raise ImportAborted(
                    _("Fichier CSV illisible (ligne %(line)s) : %(error)s.") % {"line": reader.line_num, "error": error}
                ) from None

    def _json_rows(self):
        try:
            with self.path.open("rb") as raw:
                data = json.loads(raw.read().decode("utf-8-sig"))
        except UnicodeDecodeError as error:
            raise ImportAborted(encoding_message(error)) from None
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
