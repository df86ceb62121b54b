"""Writing the valid rows of an open-data file, the importer's last step
(``directory/opendata/importer.py``).

Rows come in batches of ``BATCH_SIZE``: matched to the stored venues on (``source``, ``id``)
(``existing_venues``), compared with what is stored, then — unless it is a dry run, which only
counts — new venues and their channels written with ``COPY`` (``directory/opendata/copy.py``),
changed ones with one bulk update; the channels that came from the standard
(``Channel.standard_field``) are replaced, the others kept.
"""

from __future__ import annotations

import contextlib
import datetime
from types import SimpleNamespace
from typing import TYPE_CHECKING, NamedTuple

from django.db import connection
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from directory.channels import get_kind
from directory.models import Channel, Commune, Venue
from directory.models.common import unique_slug
from directory.opendata import standard
from directory.opendata.copy import copy_insert_values
from directory.opendata.exporter import STANDARD_VALUES, ExportedChannel, default_source, standard_row

if TYPE_CHECKING:
    from directory.opendata.validation import NormalRow, Report

# Rows compared and written together (one query per batch for the stored venues, another for
# their channels).
BATCH_SIZE = 1000

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


class StoredChannel(NamedTuple):
    """A stored channel, as the comparison reads it."""

    pk: int
    venue_id: int
    kind: str
    value: str
    standard_field: str
    position: int


class Writer:
    """Compares batches of valid rows with the stored venues, counts them in ``report``
    (created, updated, unchanged) and, with ``write``, writes them. ``duplicates`` records the
    new venues' likely duplicates (``directory/duplicates.py``)."""

    def __init__(self, report: Report, duplicates, user=None):
        self.report = report
        self.duplicates = duplicates
        self.user = user
        self.slugs: set[str] = set()
        self.channels: dict[int, list[StoredChannel]] = {}
        # A channel kind's default scenario, looked up once per import.
        self._default_scenarios: dict[str, int] = {}

    def load_slugs(self) -> None:
        """Before writing: the slugs in use, so new venues get free ones without a query each."""
        self.slugs = set(Venue.objects.values_list("slug", flat=True))

    def apply_batch(self, batch: list[NormalRow], write: bool) -> None:
        # Only what the comparison reads, as plain values (model instances of 20,000 unchanged
        # venues and their channels took most of a re-import: ``make bench``, measure
        # ``reimport_20k_unchanged_s``); the few venues that change are fetched whole below.
        existing = existing_venues(batch, Venue.objects.values(*COMPARED_VALUES))
        self.channels = {}
        for channel in (
            Channel.objects.filter(venue_id__in=[v["pk"] for v in existing.values()])
            .order_by("position", "pk")
            .values_list(*StoredChannel._fields)
        ):
            channel = StoredChannel._make(channel)
            self.channels.setdefault(channel.venue_id, []).append(channel)
        to_create: list[NormalRow] = []
        to_update: list[tuple[dict, NormalRow]] = []
        for normal in batch:
            venue = existing.get(normal.key)
            if venue is None:
                self.report.created += 1
                to_create.append(normal)
                continue
            channels = self.channels.get(venue["pk"], [])
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
            self.write(to_create, to_update)

    def write(self, to_create: list[NormalRow], to_update) -> None:
        now = timezone.now()
        user = self.user if self.user is not None and self.user.is_authenticated else None
        # New venues as plain dicts (no model instances: they cost more than the COPY itself).
        new_rows = []
        for normal in to_create:
            values = dict(normal.values)
            values["slug"] = unique_slug(Venue, f"{values['name']} {normal.commune_name}", taken=self.slugs)
            values["search_text"] = _search_text(values, normal.commune_name)
            # The time filters' columns, as ``Venue.refresh_weekly_hours`` computes them: an
            # UPDATE per distinct expression after the COPY took a sixth of a first import
            # (``make bench``, measure ``import_20k_s``).
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
            kept = {(c.kind, c.value) for c in self.channels.get(venue_id, []) if not c.standard_field}
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


@contextlib.contextmanager
def gin_merged_once(model):
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


def _current(venue: dict, standard_channels: list[StoredChannel], attributes):
    """The venue (``COMPARED_VALUES``) as the importer would have written it (``attributes``:
    those the row sets), to spot unchanged rows."""
    values = {attribute: venue[attribute] for attribute in attributes}
    ordered = sorted(standard_channels, key=lambda c: (c.position, c.pk))
    return values, [(c.standard_field, c.kind, c.value) for c in ordered]


def _as_exported(venue: dict, channels, normal: NormalRow | None = None) -> dict:
    """The standard row ``venue`` (``COMPARED_VALUES``) exports to, with ``normal``'s values
    and channels if given."""
    values = {name: venue[name] for name in STANDARD_VALUES}
    if normal is not None:
        values.update({k: v for k, v in normal.values.items() if k in values})
        values.update(commune_id=normal.values["commune_id"], commune__name=normal.commune_name)
        channels = [ExportedChannel(kind, value, field) for field, kind, value in channels]
    return standard_row(values, channels)


def existing_venues(batch: list[NormalRow], queryset) -> dict[tuple[str, str], dict]:
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
