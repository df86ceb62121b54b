"""Bulk inserts with PostgreSQL ``COPY … FROM STDIN`` (psycopg 3), with their history rows.

``bulk_create`` builds one huge parameterised INSERT per batch, and most of an import's time
went into binding those parameters; COPY streams rows instead and is several times faster.
Primary keys are reserved from the table's sequence first, so the caller knows every new id
(channels need their venue's) without ``RETURNING``.

Signals are not sent (as with ``bulk_create``): callers bump the data version themselves.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.utils import timezone
from psycopg import sql


def reserve_ids(model, count: int) -> list[int]:
    if not count:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def _copy(table: str, columns: list[str], rows) -> None:
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    )
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def _array_literal(items, cache: dict) -> str | None:
    """A list of strings as PostgreSQL array text (``{"a","b"}``), cached per distinct list:
    psycopg's list dumper, in Python, was a third of the COPY's client time (ten vocabulary
    arrays per venue, twice with the history row), and the same few lists come back often."""
    if items is None:
        return None
    key = tuple(items)
    literal = cache.get(key)
    if literal is None:
        quoted = ('"' + str(item).replace("\\", "\\\\").replace('"', '\\"') + '"' for item in key)
        literal = cache[key] = "{" + ",".join(quoted) + "}"
    return literal


def copy_insert_values(model, rows: list[dict], user=None, change_reason: str = "") -> list[int]:
    """Insert ``rows``, plain dicts of attribute values (``attname`` → value), and, when the
    model keeps a history, one « created » history row each. No model instance per row:
    building 20,000 instances and their ``pre_save`` cost more than the COPY itself. Missing attributes take the field's default (computed once per call, as
    every default here is a constant, ``list`` or ``date.today``), ``auto_now``/``auto_now_add``
    fields the current time. Returns the new primary keys, in the order of ``rows``."""
    if not rows:
        return []
    ids = reserve_ids(model, len(rows))
    fields = [f for f in model._meta.concrete_fields if not f.generated]  # PostgreSQL computes those
    now = timezone.now()
    defaults = {}
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            defaults[f.attname] = now
        elif not f.primary_key:
            defaults[f.attname] = f.get_default()
    pk_name = model._meta.pk.attname
    names = [f.attname for f in fields]
    arrays = [i for i, f in enumerate(fields) if isinstance(f, ArrayField)]
    literals: dict[tuple, str] = {}
    values = []
    for row, pk in zip(rows, ids, strict=True):
        row[pk_name] = pk
        line = [row[name] if name in row else defaults[name] for name in names]
        for i in arrays:
            line[i] = _array_literal(line[i], literals)
        values.append(line)
    _copy(model._meta.db_table, [f.column for f in fields], values)

    history = getattr(model, "history", None)
    if history is not None:
        historical = history.model
        extra = {
            "history_date": now,
            "history_change_reason": change_reason or None,
            "history_type": "+",
            "history_user_id": getattr(user, "pk", None),
        }
        columns = [f for f in historical._meta.concrete_fields if not f.primary_key]
        by_attname = {name: i for i, name in enumerate(names)}
        picks = [(True, extra[f.attname]) if f.attname in extra else (False, by_attname[f.attname]) for f in columns]
        history_rows = ([value if fixed else row[value] for fixed, value in picks] for row in values)
        _copy(historical._meta.db_table, [f.column for f in columns], history_rows)
    return ids
