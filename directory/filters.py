"""The one filter of the public directory, shared by the HTML pages and the API.

Usage (HTML list and API list run exactly this)::

    filterset = VenueFilter(request.GET, queryset=Venue.objects.public())
    venues = with_page_prefetches(filterset.qs, filterset.selected_scenario)
    # paginate ``venues``; each page costs a constant number of queries.
    if filterset.errors:           # invalid parameters are ignored by ``qs``
        filterset.error_messages()  # → ["Scénario : …", …] in French, for the page or a 400

Query parameters (all optional, all GET):

``q``            free text: name, commune, postal code, structure; accents and typos forgiven
                 (``Venue.objects.search``), results ordered by relevance.
``commune``      INSEE code: venues *serving* the commune, those located in it first.
``code_postal``  5 digits: venues serving any commune with that postal code.
``departement``  département code (``59``, ``2A``, ``971``).
``epci``         SIREN of the EPCI (9 digits).
``scenario``     1, 2 or 3: venues with at least one channel usable in that scenario.
``canal``        channel kinds (``ChannelKind`` values), repeatable: at least one of them.
``statut``       ``ouvert`` (open today), ``ferme`` (temporarily closed today),
                 ``ferme_definitivement`` (``enums.STATUS_URL_WORDS``; the ``VenueStatus``
                 values ``open``… are accepted too). Permanently closed venues are hidden otherwise.
``typologie``, ``service``, ``public``: national-standard vocabularies, repeatable; the venue
                 must list every value given.
``langue``       languages spoken (``Language`` codes: ``ar``, ``fsl``…), repeatable; every one.
``near``         ``lat,lon``: venues with coordinates, nearest first (a mobile venue by its
                 nearest stop: ``directory/models/distance.py``), with ``distance_km``.

``with_page_prefetches(queryset, scenario=None, *, today=None, cards_only=False)`` adds what a
result list shows: ``channels`` (only those usable in ``scenario`` when given, ordered by
scenario, position) and ``closures`` (current or upcoming on ``today``); as prefetches for the
API, as JSON arrays on the rows for the HTML cards (``cards_only``).

``directory.pagination.VenuePaginator`` (a Django ``Paginator``) reads the ids of a page first (sort keys and id
only, often an index range), then the full rows of those ids only, and counts lazily (capped
with ``count_limit``).
"""

from __future__ import annotations

import datetime
import re

import django_filters
from django import forms
from django.contrib.postgres.expressions import ArraySubquery
from django.core.validators import RegexValidator
from django.db.models import Case, F, IntegerField, OuterRef, Prefetch, Value, When
from django.db.models.functions import JSONObject
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from directory import enums
from directory.models import Channel, ClosurePeriod, Commune, Departement, Epci, Venue
from directory.places import PlaceReading, read_place
from directory.territories import DEPARTEMENT_CODE_PATTERN
from directory.text import fold

Q_MAX_LENGTH = 200


class Statut:
    """The ``statut`` parameter: the URL words of ``enums.STATUS_URL_WORDS``, labelled for the
    list's form (« aujourd'hui »); the admin list filter offers the same words."""

    OPEN = enums.STATUS_URL_WORDS[enums.VenueStatus.OPEN]
    TEMPORARILY_CLOSED = enums.STATUS_URL_WORDS[enums.VenueStatus.TEMPORARILY_CLOSED]
    PERMANENTLY_CLOSED = enums.STATUS_URL_WORDS[enums.VenueStatus.PERMANENTLY_CLOSED]

    choices = [
        (OPEN, _("Ouvert aujourd'hui")),
        (TEMPORARILY_CLOSED, _("Fermé temporairement")),
        (PERMANENTLY_CLOSED, _("Fermé définitivement")),
    ]


class StatutField(forms.ChoiceField):
    """A ``statut`` word, its aliases (``enums.STATUS_FROM_URL``) read as the URL word."""

    def to_python(self, value):
        value = super().to_python(value)
        status = enums.STATUS_FROM_URL.get(value)
        return enums.STATUS_URL_WORDS[status] if status is not None else value


class StatutFilter(django_filters.ChoiceFilter):
    field_class = StatutField


class NearField(forms.CharField):
    """``"50.63,3.06"`` → ``(50.63, 3.06)``, with French errors for anything else."""

    default_error_messages = {
        "invalid": _("Position invalide : attendu « latitude,longitude », par exemple « 50.63,3.06 »."),
        "range": _("Position hors limites : la latitude va de -90 à 90, la longitude de -180 à 180."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 60)
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        match = re.fullmatch(r"\s*(-?[0-9]{1,3}(?:\.[0-9]+)?)\s*,\s*(-?[0-9]{1,3}(?:\.[0-9]+)?)\s*", value)
        if not match:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        lat, lon = float(match[1]), float(match[2])
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise forms.ValidationError(self.error_messages["range"], code="range")
        return (lat, lon)

    def validate(self, value):
        # The parent checks emptiness on the raw string; ours is a tuple or None.
        if value is None and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")

    def run_validators(self, value):
        # max_length applies to the raw text, already bounded by the regex above.
        return None


# OpenAPI types for the API schema (drf-spectacular cannot infer them from a method filter).
NEAR_SCHEMA = {"type": "string", "pattern": r"^-?[0-9]{1,3}(\.[0-9]+)?,-?[0-9]{1,3}(\.[0-9]+)?$"}
COMMUNE_SCHEMA = {"type": "string", "pattern": r"^([0-9]{5}|2[AB][0-9]{3})$"}
POSTAL_CODE_SCHEMA = {"type": "string", "pattern": r"^[0-9]{5}$"}
DEPARTEMENT_SCHEMA = {"type": "string", "pattern": DEPARTEMENT_CODE_PATTERN}
SIREN_SCHEMA = {"type": "string", "pattern": r"^[0-9]{9}$"}
SCENARIO_SCHEMA = {"type": "integer", "enum": [1, 2, 3]}


TIME_SCHEMA = {"type": "string", "pattern": r"^[0-9]{1,2}([:h][0-9]{2})?$", "example": "18:00"}


class ClockTimeField(forms.TimeField):
    """« 18:00 », « 18:30 », « 18h », « 18 h 30 », « 18 »."""

    default_error_messages = {"invalid": _("Heure invalide : écrivez par exemple 18:00 ou 18 h 30.")}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime.time):
            return value
        match = re.fullmatch(r"\s*([0-9]{1,2})\s*(?:[:h]\s*([0-9]{2})?)?\s*", str(value)[:20])
        if not match or int(match[1]) > 23 or int(match[2] or 0) > 59:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return datetime.time(int(match[1]), int(match[2] or 0))


@extend_schema_field(TIME_SCHEMA)
class ClockTimeFilter(django_filters.Filter):
    field_class = ClockTimeField


class OpenDayField(forms.DateField):
    """A date residents may ask about: from yesterday to a year ahead."""

    default_error_messages = {
        "invalid": _("Date invalide : écrivez par exemple 2026-12-05."),
        "range": _("Date hors limites : choisissez une date dans l'année qui vient."),
    }

    def validate(self, value):
        super().validate(value)
        if value is not None:
            today = timezone.localdate()
            if not (today - datetime.timedelta(days=1) <= value <= today + datetime.timedelta(days=366)):
                raise forms.ValidationError(self.error_messages["range"], code="range")


class OpenDayFilter(django_filters.DateFilter):
    field_class = OpenDayField


# « Ouvert le samedi »: the days of the week as the parameter names them.
WEEKDAYS = [
    ("lundi", _("Lundi")),
    ("mardi", _("Mardi")),
    ("mercredi", _("Mercredi")),
    ("jeudi", _("Jeudi")),
    ("vendredi", _("Vendredi")),
    ("samedi", _("Samedi")),
    ("dimanche", _("Dimanche")),
]


@extend_schema_field(NEAR_SCHEMA)
class NearFilter(django_filters.Filter):
    field_class = NearField


class TerritoryCodeField(forms.ModelChoiceField):
    """A territory's code resolved to its row in one query: a commune's INSEE code, a
    département's code, an EPCI's SIREN (``pattern``). A malformed code gets the « invalid »
    message; a well-formed code nobody has gets « invalid_choice », not an empty list that
    reads as « nobody serves it »."""

    pattern = ""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        value = str(value).strip().upper()
        if not re.fullmatch(self.pattern, value):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class CommuneField(TerritoryCodeField):
    pattern = r"[0-9]{5}|2[AB][0-9]{3}"


class DepartementField(TerritoryCodeField):
    pattern = DEPARTEMENT_CODE_PATTERN


class SirenField(TerritoryCodeField):
    pattern = r"[0-9]{9}"


@extend_schema_field(COMMUNE_SCHEMA)
class CommuneFilter(django_filters.ModelChoiceFilter):
    field_class = CommuneField


@extend_schema_field(DEPARTEMENT_SCHEMA)
class DepartementFilter(django_filters.ModelChoiceFilter):
    field_class = DepartementField


@extend_schema_field(SIREN_SCHEMA)
class SirenFilter(django_filters.ModelChoiceFilter):
    field_class = SirenField


def _multiple(choices, label):
    return django_filters.MultipleChoiceFilter(
        choices=choices,
        label=label,
        method="filter_array_contains",
        error_messages={"invalid_choice": _("Valeur inconnue : %(value)s.")},
    )


def _is_a_venue_word(text: str) -> bool:
    """Every word of ``text`` is a word of some venue (``SearchWord``: one index probe)."""
    from directory.models import SearchWord

    words = fold(text).split()
    return bool(words) and SearchWord.objects.filter(word__in=words).count() == len(set(words))


class VenueFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Commune, code postal ou nom de lieu"),
        method="filter_q",
        max_length=Q_MAX_LENGTH,
        error_messages={"max_length": _("La recherche est trop longue (%(limit_value)d caractères au plus).")},
    )
    commune = CommuneFilter(
        label=_("Commune (code INSEE)"),
        queryset=Commune.objects.only("code", "name", "epci_id", "departement_id"),
        to_field_name="code",
        method="filter_commune",
        error_messages={
            "invalid": _("Commune inconnue : indiquez un code INSEE, par exemple 59350."),
            "invalid_choice": _("Commune inconnue : indiquez un code INSEE, par exemple 59350."),
        },
    )
    code_postal = django_filters.CharFilter(
        label=_("Code postal"),
        method="filter_code_postal",
        max_length=5,
        validators=[RegexValidator(r"^[0-9]{5}$", _("Le code postal doit comporter 5 chiffres."))],
        error_messages={"max_length": _("Le code postal doit comporter 5 chiffres.")},
    )
    departement = DepartementFilter(
        label=_("Département (code)"),
        queryset=Departement.objects.all(),
        method="filter_departement",
        error_messages={
            "invalid": _("Code de département invalide (ex. 59, 2A, 974)."),
            "invalid_choice": _("Département inconnu : %(value)s (ex. 59, 2A, 974)."),
        },
    )
    epci = SirenFilter(
        label=_("Intercommunalité (SIREN)"),
        queryset=Epci.objects.all(),
        method="filter_epci",
        error_messages={
            "invalid": _("Le SIREN d'une intercommunalité comporte 9 chiffres."),
            "invalid_choice": _("Intercommunalité inconnue : aucun EPCI n'a le SIREN %(value)s."),
        },
    )
    scenario = django_filters.TypedChoiceFilter(
        label=_("De quoi disposez-vous ?"),
        choices=enums.AccessScenario.choices,
        coerce=int,
        method="filter_scenario",
        error_messages={"invalid_choice": _("Situation inconnue : choisissez 1, 2 ou 3.")},
    )
    canal = django_filters.MultipleChoiceFilter(
        label=_("Moyens de contact"),
        choices=enums.ChannelKind.choices,
        method="filter_canal",
        error_messages={"invalid_choice": _("Moyen de contact inconnu : %(value)s.")},
    )
    statut = StatutFilter(
        label=_("Ouverture aujourd'hui"),
        choices=Statut.choices,
        method="filter_statut",
        error_messages={"invalid_choice": _("Statut inconnu : choisissez ouvert, fermé ou fermé définitivement.")},
    )
    typologie = _multiple(enums.Typologie.choices, _("Type de structure"))
    service = _multiple(enums.Service.choices, _("Services"))
    public = _multiple(enums.Public.choices, _("Publics"))
    langue = _multiple(enums.Language.choices, _("Langues parlées"))
    near = NearFilter(label=_("Autour de la position"), method="filter_near")
    # Time filters, combined in ``filter_queryset`` (``_filter_times``).
    ouvert = django_filters.ChoiceFilter(
        label=_("Ouvert maintenant"),
        choices=[("maintenant", _("Ouvert maintenant"))],
        method="filter_later",
        error_messages={"invalid_choice": _("Valeur inconnue : écrivez « maintenant ».")},
    )
    jour = django_filters.ChoiceFilter(
        label=_("Ouvert le (jour de la semaine)"),
        choices=WEEKDAYS,
        method="filter_later",
        error_messages={"invalid_choice": _("Jour inconnu : lundi, mardi… ou dimanche.")},
    )
    apres = ClockTimeFilter(label=_("Ouvert après"), method="filter_later")
    date = OpenDayFilter(label=_("Ouvert le (date)"), method="filter_later")
    heure = ClockTimeFilter(label=_("À (heure)"), method="filter_later")

    # Which model field each vocabulary parameter reads.
    ARRAY_FIELDS = {"typologie": "typologie", "service": "services", "public": "publics", "langue": "languages"}

    def __init__(
        self, data=None, *args, today: datetime.date | None = None, now: datetime.datetime | None = None, **kwargs
    ):
        super().__init__(data, *args, **kwargs)
        self.today = today or timezone.localdate()
        self.now = now or timezone.now()
        self.words_dropped = False
        # What the text search settled on (``VenueQuerySet.text_search``), for the paginator
        # (``text_search``) and the page (« voici les lieux avec … »): set by ``filter_q``.
        self.text_search = None

    # --- what the caller needs after validation ----------------------------------------------
    def _cleaned(self, name):
        if not self.is_bound:
            return None
        self.errors  # noqa: B018  (runs validation once)
        return self.form.cleaned_data.get(name)

    def _set_filters(self) -> set[str]:
        """The parameters given a valid value (invalid ones are ignored by ``qs``)."""
        if not self.is_bound:
            return set()
        self.errors  # noqa: B018  (runs validation once)
        return {name for name, value in self.form.cleaned_data.items() if value not in (None, "", [], ())}

    @property
    def shown_since(self) -> datetime.datetime:
        """The default results leave out venues nobody confirmed since this moment."""
        return Venue.hiding_cutoff(self.now)

    @property
    def is_text_search_only(self) -> bool:
        """Only ``q`` is set and it is not a place: ``qs`` is a text search of the venues not
        closed for good."""
        return self._set_filters() == {"q"} and self.place is None

    @property
    def full_text_query(self):
        """The full-text query of a list that is only a text search (else None): its pages can
        be read from ``VenueSearchEntry``."""
        self.qs  # noqa: B018  (filters first)
        if self.text_search is None or not self.is_text_search_only:
            return None
        return self.text_search.query

    @property
    def search_correction(self) -> str | None:
        self.qs  # noqa: B018
        return self.text_search.correction if self.text_search is not None else None

    @property
    def selected_scenario(self) -> int | None:
        return self._cleaned("scenario") or None

    @property
    def near_point(self) -> tuple[float, float] | None:
        return self._cleaned("near")

    @property
    def selected_commune(self):
        return self._cleaned("commune")

    def error_messages(self) -> list[str]:
        """One French sentence per invalid parameter: « Libellé : message »."""
        messages = []
        for name, errors in self.errors.items():
            label = self.filters[name].label if name in self.filters else ""
            for error in errors:
                messages.append(f"{label} : {error}" if label else str(error))
        return messages

    # --- filtering and ordering -------------------------------------------------------------
    def filter_queryset(self, queryset):
        data = self.form.cleaned_data
        if data.get("statut") != Statut.PERMANENTLY_CLOSED:
            queryset = queryset.not_permanently_closed(self.today)
        # Entries nobody confirmed for too long leave the results (their page stays reachable).
        queryset = queryset.shown_by_default(self.now)
        queryset = super().filter_queryset(queryset)
        queryset = self._filter_times(queryset, data)
        ordering = []
        if data.get("near"):
            ordering.append("distance_order")
        if data.get("commune"):
            ordering.append("located_elsewhere")
        if data.get("q") and self.place is not None:
            ordering += ["place_group", F("place_km").asc(nulls_last=True)]
        elif data.get("q"):
            ordering.append("-search_rank")
        return queryset.order_by(*ordering, "sort_name", "pk")

    def page_rows(self, queryset):
        """``queryset`` with the annotations a page's cards read from this list (distance from
        « Autour de moi », the place's groups and distances) and none of its conditions: the
        rows of the ids the list's own query chose (``VenuePaginator(rows=…)``). Its
        conditions, tested again on those few rows, cost more to compile and plan than to read."""
        near = self._cleaned("near")
        if near:
            queryset = queryset.distance_from(*near)
        place = self.place if self._cleaned("q") else None
        if place is not None:
            queryset = queryset.place_annotations(place.codes, place.position())
        return queryset

    def filter_later(self, queryset, name, value):
        # The time parameters work together: ``_filter_times``.
        return queryset

    def open_day(self, data=None) -> datetime.date | None:
        """The day asked about: ``date``, or the next ``jour`` (today if it is that day)."""
        data = self.form.cleaned_data if data is None else data
        if data.get("date"):
            return data["date"]
        if data.get("jour"):
            weekday = [value for value, _label in WEEKDAYS].index(data["jour"])
            return self.today + datetime.timedelta(days=(weekday - self.today.weekday()) % 7)
        return None

    def _filter_times(self, queryset, data):
        """« Ouvert maintenant », « le samedi », « après 18 h », « le … à … », honouring
        closures and public holidays (``VenueQuerySet.open_now`` / ``open_at`` / ``open_during``
        / ``open_after_in_a_week``)."""
        if data.get("ouvert"):
            queryset = queryset.open_now(self.now)
        day, at, after = self.open_day(data), data.get("heure"), data.get("apres")
        after_minute = after.hour * 60 + after.minute if after else 0
        if day is None and at:
            day = self.today
        if day is not None:
            if at:
                return queryset.open_at(datetime.datetime.combine(day, at))
            return queryset.open_during(day, after_minute)
        if after:
            return queryset.open_after_in_a_week(after_minute, self.today)
        return queryset

    @property
    def place_reading(self):
        """``q`` read as a place (``directory/places.py``), or None (no valid ``q``)."""
        if "_place_reading" not in self.__dict__:
            text = self._cleaned("q") if not (self.is_bound and self.errors.get("q")) else None
            reading = read_place(text) if text else None
            if reading is not None and reading.by_prefix and _is_a_venue_word(reading.by_prefix):
                # « mairie » starts one commune's name (Mairieux) but is what thousands of
                # venues are called: a text search, not that place.
                reading = PlaceReading()
            self._place_reading = reading
        return self._place_reading

    @property
    def place(self):
        """The place ``q`` names, when it names one: the list then shows the venues serving it."""
        reading = self.place_reading
        return reading.place if reading else None

    def filter_q(self, queryset, name, value):
        place = self.place
        if place is None:
            self.text_search = queryset.text_search(value)
            return self.text_search.venues
        serving = queryset.serving_place(place.codes, place.postal_code, place.position())
        if place.words:
            # « Cysoing médiathèque »: the venues serving Cysoing whose text has those words; if
            # none has, all those serving it (the page says so).
            with_words = serving.text_search(place.words)
            if with_words.venues.exists():
                self.text_search = with_words
                return with_words.venues
            self.words_dropped = True
        return serving

    def filter_commune(self, queryset, name, commune):
        return queryset.serving(commune).annotate(
            located_elsewhere=Case(
                When(commune_id=commune.pk, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )

    @extend_schema_field(POSTAL_CODE_SCHEMA)
    def filter_code_postal(self, queryset, name, value):
        return queryset.serving_any(Commune.objects.filter(postal_codes__contains=[value]), postal_code=value)

    def filter_departement(self, queryset, name, departement):
        return queryset.located_in_departement(departement.pk)

    def filter_epci(self, queryset, name, epci):
        return queryset.located_in_epci(epci.pk)

    @extend_schema_field(SCENARIO_SCHEMA)
    def filter_scenario(self, queryset, name, value):
        return queryset.reachable_in(int(value))

    def filter_canal(self, queryset, name, value):
        return queryset.with_channel_kinds(value)

    def filter_statut(self, queryset, name, value):
        return queryset.in_status_on(enums.STATUS_FROM_URL[value], self.today)

    def filter_array_contains(self, queryset, name, value):
        return queryset.filter(**{f"{self.ARRAY_FIELDS[name]}__contains": list(value)})

    def filter_near(self, queryset, name, value):
        lat, lon = value
        return queryset.near(lat, lon)


# What a result card (directory.presenters.venue_cards) and the map read, and nothing more:
# a venue row has some forty columns, and decoding them was a fifth of an uncached list page.
CARD_VENUE_FIELDS = (
    "name", "slug", "postal_code", "latitude", "longitude", "closed_permanently_on", "opening_hours",
    "commune__name", "verified_at", "created_at",
)  # fmt: skip
CARD_CHANNEL_FIELDS = ("kind", "value", "label", "availability")
CARD_CLOSURE_FIELDS = ("starts_on", "ends_on", "public_message")


def with_page_prefetches(
    queryset, scenario: int | None = None, *, today: datetime.date | None = None, cards_only: bool = False
):
    """Add what a list of venues shows: channels (usable in ``scenario`` if given, ordered by
    scenario, position) and the current or upcoming closures (by start date).

    By default, as two prefetches (``venue.channels.all()``, ``venue.closures.all()``): two
    queries per page, whatever the page size; the API serialises these model instances.

    ``cards_only`` is the HTML list's lean form: only the venue columns a card reads
    (``CARD_VENUE_FIELDS``), and channels and closures as JSON arrays on the page's own rows
    (``venue.card_channels``, ``venue.card_closures``: lists of dicts with ``CARD_*_FIELDS``,
    dates as ISO strings). No extra query and no model instance per channel: the prefetch
    machinery and a hundred Channel objects were a quarter of an uncached list page."""
    today = today or timezone.localdate()
    channels = Channel.objects.all()
    if scenario:
        channels = Channel.objects.usable_in(int(scenario))
    closures = ClosurePeriod.objects.current_or_upcoming(today)
    channels = channels.order_by("scenario", "position", "pk")
    closures = closures.order_by("starts_on", "pk")
    if cards_only:
        return (
            queryset.select_related(None)
            .select_related("commune")
            .only(*CARD_VENUE_FIELDS)
            .annotate(
                card_channels=json_rows(channels, CARD_CHANNEL_FIELDS),
                card_closures=json_rows(closures, CARD_CLOSURE_FIELDS),
            )
        )
    return queryset.prefetch_related(Prefetch("channels", queryset=channels), Prefetch("closures", queryset=closures))


def json_rows(queryset, fields, **expressions):
    """A venue annotation: its rows of ``queryset`` (channels, closures) as a list of dicts,
    ``ARRAY(SELECT json_build_object(...) … WHERE venue_id = venue.id ORDER BY …)``, with the
    ``fields`` and any extra ``expressions`` (evaluated on each row)."""
    columns = {name: name for name in fields} | expressions
    return ArraySubquery(queryset.filter(venue_id=OuterRef("pk")).values(row=JSONObject(**columns)))
