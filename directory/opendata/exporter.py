"""Export of venues, streamed row by row.

Two profiles:

- ``standard``: exactly the columns of « Lieux de médiation numérique » v1.0.2, in the schema's
  order; permanently closed venues are left out (the standard has no way to say "closed");
- ``rich``: the same columns, then what this project adds (status, closures, typed channels
  with their access scenario, service area), described by ``schemas/gardez-le-lien-lieux.schema.json``.

Both come as CSV (every value quoted, like the standard's example file) or JSON (a list of
objects). Rows are produced from ``iterator(chunk_size=…)`` with prefetches, so memory does not
grow with the number of venues.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Case, F, Prefetch, Value, When
from django.utils import timezone

from directory import enums
from directory.models import Channel, ClosurePeriod, Venue
from directory.opendata import csvsafe, standard

CHUNK_SIZE = 2000
PROFILES = ("standard", "rich")
FORMATS = ("csv", "json")

RICH_FIELDS: tuple[str, ...] = (
    *standard.FIELDS,
    "slug",
    "url",
    "statut",
    "ferme_definitivement_le",
    "structure",
    "zone_desservie",
    "communes_desservies",
    "canaux",
    "fermetures",
    "verifie_le",
    "langues",
)
# Rich columns holding lists or objects: JSON text in CSV, real JSON values in JSON.
RICH_JSON_FIELDS = frozenset({"communes_desservies", "canaux", "fermetures"})
NUMBER_FIELDS = frozenset({"latitude", "longitude"})


def default_source() -> str:
    """``source`` of venues entered here rather than imported."""
    return settings.SITE_NAME


# What the standard export reads of a venue: plain values, no model instances (20,000 venues
# and their channels in a few seconds).
STANDARD_VALUES = (
    "pk",
    "external_id",
    "slug",
    "source",
    "pivot",
    "name",
    "commune_id",
    "commune__name",
    "postal_code",
    "address",
    "address_complement",
    "latitude",
    "longitude",
    "typologie",
    "opening_hours",
    "presentation_resume",
    "presentation_detail",
    "itinerance",
    "structure_parente",
    "date_maj",
    "services",
    "publics",
    "prise_en_charge",
    "frais",
    "dispositifs",
    "formations_labels",
    "autres_formations_labels",
    "modalites_acces",
    "modalites_accompagnement",
    "fiche_acces_libre",
    "prise_rdv",
)


def _ordered(qs):
    # The order the file is written in: by its own id, so that an export imported elsewhere
    # and exported again comes out in the same order.
    export_id = Case(When(external_id="", then=F("slug")), default=F("external_id"))
    export_source = Case(When(source="", then=Value(default_source())), default=F("source"))
    return qs.order_by(export_id, export_source, "pk")


def export_queryset(profile: str = "standard"):
    """Venues of the export: values for ``standard``, model instances for ``rich``."""
    if profile == "standard":
        return _ordered(Venue.objects.not_permanently_closed()).values(*STANDARD_VALUES)
    today = timezone.localdate()
    channels = Prefetch("channels", queryset=Channel.objects.order_by("position", "pk"))
    return _ordered(
        Venue.objects.select_related("commune", "structure").prefetch_related(
            channels,
            # Current and future closures only: enough for today's status, and the past is history.
            Prefetch("closures", queryset=ClosurePeriod.objects.current_or_upcoming(today).order_by("starts_on", "pk")),
            Prefetch("service_area_communes", to_attr="export_area"),
        )
    )


@dataclass(frozen=True)
class ExportedChannel:
    """A channel as the exporter reads it (and the importer, to compare a row with its export)."""

    kind: str
    value: str
    standard_field: str


def _telephone(channels) -> str:
    # The standard allows one number; prefer the one that came from the standard.
    phones = [c for c in channels if c.kind == enums.ChannelKind.PHONE]
    phones.sort(key=lambda c: c.standard_field != "telephone")
    for channel in phones:
        if standard.TELEPHONE_PATTERN.match(channel.value):
            return channel.value
    return ""


def standard_row(venue: dict, channels) -> dict:
    """One row of the standard (column → str, or float/None for coordinates), from the values
    of ``STANDARD_VALUES`` and the venue's channels ordered by position."""
    emails = [c.value for c in channels if c.kind == enums.ChannelKind.EMAIL]
    websites = [
        c.value
        for c in channels
        if c.kind in (enums.ChannelKind.WEBSITE, enums.ChannelKind.FACEBOOK) and c.standard_field != "prise_rdv"
    ]
    rdv = venue["prise_rdv"] or next((c.value for c in channels if c.standard_field == "prise_rdv"), "")
    join = standard.SEPARATOR.join
    return {
        "id": venue["external_id"] or venue["slug"],
        "pivot": venue["pivot"],
        "nom": venue["name"],
        "commune": venue["commune__name"],
        "code_postal": venue["postal_code"],
        "code_insee": venue["commune_id"],
        "adresse": venue["address"],
        "complement_adresse": venue["address_complement"],
        "latitude": venue["latitude"],
        "longitude": venue["longitude"],
        "typologie": join(venue["typologie"]),
        "telephone": _telephone(channels),
        "courriels": join(_unique(emails)),
        "site_web": join(_unique(websites)),
        "horaires": venue["opening_hours"],
        "presentation_resume": venue["presentation_resume"],
        "presentation_detail": venue["presentation_detail"],
        "source": venue["source"] or default_source(),
        "itinerance": join(venue["itinerance"]),
        "structure_parente": venue["structure_parente"],
        "date_maj": venue["date_maj"].isoformat() if venue["date_maj"] else "",
        "services": join(venue["services"]),
        "publics_specifiquement_adresses": join(venue["publics"]),
        "prise_en_charge_specifique": join(venue["prise_en_charge"]),
        "frais_a_charge": join(venue["frais"]),
        "dispositif_programmes_nationaux": join(venue["dispositifs"]),
        "formations_labels": join(venue["formations_labels"]),
        "autres_formations_labels": venue["autres_formations_labels"],
        "modalites_acces": join(venue["modalites_acces"]),
        "modalites_accompagnement": join(venue["modalites_accompagnement"]),
        "fiche_acces_libre": venue["fiche_acces_libre"],
        "prise_rdv": rdv,
    }


def _values_of(venue: Venue) -> dict:
    values = {name: getattr(venue, name) for name in STANDARD_VALUES if "__" not in name}
    values["commune__name"] = venue.commune.name
    return values


def rich_row(venue: Venue) -> dict:
    channels = list(venue.channels.all())
    row = standard_row(_values_of(venue), channels)
    today = timezone.localdate()
    row.update(
        {
            "slug": venue.slug,
            "url": settings.SITE_URL + venue.get_absolute_url(),
            "statut": str(venue.status_on(today).value),
            "ferme_definitivement_le": venue.closed_permanently_on.isoformat() if venue.closed_permanently_on else "",
            "structure": venue.structure.name if venue.structure_id else "",
            "langues": "|".join(venue.languages),
            "zone_desservie": venue.service_area,
            "communes_desservies": sorted(c.code for c in venue.export_area),
            "canaux": [
                {
                    "type": c.kind,
                    "valeur": c.value,
                    "lien": c.href or "",
                    "intitule": c.label,
                    "disponibilite": c.availability,
                    "scenario": c.scenario,
                    "champ_standard": c.standard_field,
                }
                for c in sorted(channels, key=lambda c: (c.scenario, c.position, c.pk))
            ],
            "fermetures": [
                {
                    "debut": c.starts_on.isoformat(),
                    "fin": c.ends_on.isoformat() if c.ends_on else None,
                    "motif": c.reason,
                    "message": c.public_message,
                }
                for c in venue.closures.all()
            ],
            "verifie_le": venue.verified_at.isoformat() if venue.verified_at else "",
        }
    )
    return row


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _standard_rows(qs) -> Iterator[dict]:
    """Venues in chunks; each chunk's channels in one query of plain tuples."""
    chunk: list[dict] = []
    for venue in qs.iterator(chunk_size=CHUNK_SIZE):
        chunk.append(venue)
        if len(chunk) >= CHUNK_SIZE:
            yield from _standard_chunk(chunk)
            chunk = []
    if chunk:
        yield from _standard_chunk(chunk)


def _standard_chunk(chunk: list[dict]) -> Iterator[dict]:
    channels: dict[int, list[ExportedChannel]] = {}
    kinds = (enums.ChannelKind.PHONE, enums.ChannelKind.EMAIL, enums.ChannelKind.WEBSITE, enums.ChannelKind.FACEBOOK)
    for venue_id, kind, value, standard_field in (
        Channel.objects.filter(venue_id__in=[v["pk"] for v in chunk], kind__in=kinds)
        .order_by("venue_id", "position", "pk")
        .values_list("venue_id", "kind", "value", "standard_field")
    ):
        channels.setdefault(venue_id, []).append(ExportedChannel(kind, value, standard_field))
    for venue in chunk:
        yield standard_row(venue, channels.get(venue["pk"], []))


def rows(profile: str = "standard", queryset=None) -> Iterator[dict]:
    qs = queryset if queryset is not None else export_queryset(profile)
    if profile == "standard":
        yield from _standard_rows(qs)
        return
    for venue in qs.iterator(chunk_size=CHUNK_SIZE):
        yield rich_row(venue)


def fields_for(profile: str) -> tuple[str, ...]:
    return standard.FIELDS if profile == "standard" else RICH_FIELDS


def _csv_value(column: str, value) -> str:
    if value is None:
        return ""
    if column in NUMBER_FIELDS:
        return repr(float(value))
    if column in RICH_JSON_FIELDS:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


class _Line:
    """A file-like object whose ``write`` returns what it is given (csv.writer → generator)."""

    def write(self, value):
        return value


def stream_csv(profile: str = "standard", queryset=None) -> Iterator[str]:
    columns = fields_for(profile)
    writer = csv.writer(_Line(), quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    yield writer.writerow(columns)
    # csv.writer already writes None as "" and str() of the rest: only coordinates and JSON
    # columns need converting (per column, not per value: 30 columns × 20,000 rows).
    special = [(i, column) for i, column in enumerate(columns) if column in NUMBER_FIELDS or column in RICH_JSON_FIELDS]
    for row in rows(profile, queryset):
        values = [row[column] for column in columns]
        for i, column in special:
            values[i] = _csv_value(column, values[i])
        # No cell may start a spreadsheet formula (the importer takes the apostrophe off again).
        yield writer.writerow([csvsafe.neutralise(value) for value in values])


def _json_value(column: str, value):
    if column in NUMBER_FIELDS or column in RICH_JSON_FIELDS:
        return value
    return value if value != "" else None


def stream_json(profile: str = "standard", queryset=None) -> Iterator[str]:
    columns = fields_for(profile)
    first = True
    yield "["
    for row in rows(profile, queryset):
        item = {column: _json_value(column, row[column]) for column in columns}
        yield ("\n" if first else ",\n") + json.dumps(item, ensure_ascii=False)
        first = False
    yield "\n]\n"


def stream(fmt: str = "csv", profile: str = "standard", queryset=None) -> Iterator[str]:
    if fmt not in FORMATS or profile not in PROFILES:
        raise ValueError(f"format {fmt!r} / profil {profile!r} inconnu")
    return stream_csv(profile, queryset) if fmt == "csv" else stream_json(profile, queryset)
