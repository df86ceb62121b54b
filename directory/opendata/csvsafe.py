"""Spreadsheet formula neutralisation for CSV files we write, undone when we read them back.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return runs as a formula
when the file is opened in a spreadsheet (OWASP « CSV injection »). Such a cell is written with
a leading apostrophe, which spreadsheets show as text. Numbers (``-3.5``) and E.164 telephone
numbers (``+33353010000``) are spared: they are what the standard expects and are harmless.

The pair is exact: ``restore(neutralise(v)) == v`` for every string, so an export imported
back is the same data. A value that already starts with apostrophes before a dangerous
character gets one more (``'=x`` → ``''=x``), which ``restore`` takes off again.
"""

from __future__ import annotations

import re

DANGEROUS_FIRST = frozenset("=+-@\t\r")
PREFIX = "'"
# A plain number (coordinates, counts) or an E.164 telephone number: no formula there.
_HARMLESS = re.compile(r"[+-]?\d+(?:[.,]\d+)?|\+\d{6,15}")


def _is_dangerous(value: str) -> bool:
    core = value.lstrip(PREFIX)
    return bool(core) and core[0] in DANGEROUS_FIRST and not _HARMLESS.fullmatch(core)


def neutralise(value):
    """``value`` safe to open in a spreadsheet (non-strings are returned unchanged)."""
    if isinstance(value, str) and value and value[0] in DANGEROUS_FIRST | {PREFIX} and _is_dangerous(value):
        return PREFIX + value
    return value


def restore(value: str) -> str:
    """The value ``neutralise`` was given (cells read from a CSV file)."""
    if value.startswith(PREFIX) and _is_dangerous(value[1:]):
        return value[1:]
    return value
