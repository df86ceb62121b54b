"""Venues (lieux de médiation numérique): the model, its querysets and its indexes."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.postgres.fields import ArrayField, IntegerRangeField
from django.contrib.postgres.indexes import GinIndex, GistIndex
from django.contrib.postgres.search import (
    SearchVector,
    SearchVectorField,
)
from django.core.exceptions import EmptyResultSet, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connections, models
from django.db.backends.postgresql.psycopg_any import NumericRange
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from directory import enums
from directory.models import triggers
from directory.models.closures import ClosurePeriod
from directory.models.common import (
    VersionConflict,
    choices_array,
    pivot_validator,
    postal_code_validator,
    unique_slug,
)
from directory.models.distance import (
    DistanceFrom,
    NearestStop,
    home_chord,
    placed_at_home,
    placed_by_stops,
    stop_points_of,
)
from directory.models.search import TextSearch, VenueSearch  # noqa: F401  (TextSearch re-exported)
from directory.models.structures import Structure
from directory.models.territories import Commune
from directory.text import fold, validate_no_invisible_characters

DEPARTEMENT_CODE = models.Func(F("commune_id"), function="gll_departement_code", output_field=models.CharField())


class _AnyRangeHas(models.Func):
    """``value <@ ANY(ranges)``: an int (a minute) in one of the ranges, or with ``&&`` a
    range overlapping one of them."""

    template = "(%(expressions)s))"
    output_field = models.BooleanField()

    def __init__(self, value, field, operator="<@"):
        self.arg_joiner = f" {operator} ANY("
        super().__init__(value, F(field))


def _overlaps(start: int, end: int, field: str):
    span = models.Func(models.Value(start), models.Value(end), function="int4range", output_field=models.TextField())
    return _AnyRangeHas(span, field, "&&")


def _open_at_minute(day: datetime.date, minute: int) -> Q:
    """Open at ``minute`` of ``day`` by the hours (closures aside): the typical week, or on a
    public holiday the holiday's own hours when the expression has some."""
    weekly = Q(_AnyRangeHas(models.Value(day.weekday() * 1440 + minute), "weekly_hours"))
    return _on_holidays(day, weekly, Q(_AnyRangeHas(models.Value(minute), "holiday_hours")))


def _open_during(day: datetime.date, start: int, end: int) -> Q:
    offset = day.weekday() * 1440
    weekly = Q(_overlaps(offset + start, offset + end, "weekly_hours"))
    return _on_holidays(day, weekly, Q(_overlaps(start, end, "holiday_hours")))


def _on_holidays(day: datetime.date, weekly: Q, holiday: Q) -> Q:
    """``weekly`` on a working day; on a public holiday (national, or local to the venue's
    département: ``hours.local_holidays``) the holiday's own hours when the expression has
    some (``holiday_hours``), else ``weekly``: the SQL twin of ``hours.hours_of``."""
    from directory.hours import departements_on_local_holiday, is_public_holiday

    on_holiday = (Q(holiday_hours__isnull=True) & weekly) | (Q(holiday_hours__isnull=False) & holiday)
    if is_public_holiday(day):
        return on_holiday
    local = departements_on_local_holiday(day)
    if not local:
        return weekly
    here = Q(models.lookups.In(DEPARTEMENT_CODE, local))
    return (here & on_holiday) | (~here & weekly)


def _overseas_zones():
    """[(département codes, ZoneInfo)] of the overseas time zones."""
    from directory.hours import OVERSEAS_TIME_ZONES, zone_named

    zones: dict[str, list[str]] = {}
    for code, name in OVERSEAS_TIME_ZONES.items():
        zones.setdefault(name, []).append(code)
    return [(codes, zone_named(name)) for name, codes in zones.items()]


def _km_from(lat: float, lon: float):
    """Kilometres from (lat, lon) to where the venue can be met: its home base, or for a mobile
    venue its nearest stop (``directory/models/distance.py``); None when nothing is placed."""
    return models.ExpressionWrapper(DistanceFrom(lat, lon) / 1000.0, output_field=models.FloatField())


def _stop_name(code_expression):
    """The name of the commune whose INSEE code ``code_expression`` gives (NULL for none)."""
    return models.Subquery(Commune.objects.filter(code=code_expression).values("name")[:1])


# The order of a list by distance that ``nearest_ids_sql`` reads fast (KNN + the mobile venues).
NEAREST_ORDER = ("distance_order", "sort_name", "pk")
NEAREST_IDS_SQL = """
SELECT u.pk FROM (({home}) UNION ALL ({stops})) AS u(pk, name, d)
ORDER BY u.d, u.name, u.pk OFFSET %s LIMIT %s
"""


class VenueQuerySet(VenueSearch, models.QuerySet):
    # --- status -----------------------------------------------------------------------------
    def with_status(self, on: datetime.date | None = None):
        on = on or timezone.localdate()
        return self.annotate(
            is_closed_on_date=Exists(ClosurePeriod.objects.covering(on).filter(venue=OuterRef("pk"))),
        )

    def open_on(self, on: datetime.date):
        return self.exclude(Q(closed_permanently_on__lte=on)).exclude(
            Exists(ClosurePeriod.objects.covering(on).filter(venue=OuterRef("pk")))
        )

    def temporarily_closed_on(self, on: datetime.date):
        return self.exclude(Q(closed_permanently_on__lte=on)).filter(
            Exists(ClosurePeriod.objects.covering(on).filter(venue=OuterRef("pk")))
        )

    def permanently_closed_on(self, on: datetime.date):
        return self.filter(closed_permanently_on__lte=on)

    def in_status_on(self, status: enums.VenueStatus, on: datetime.date):
        """Venues whose status on ``on`` is ``status`` (the SQL twin of ``Venue.status_on``):
        the ``statut`` filter of the list, the API and the admin."""
        return {
            enums.VenueStatus.OPEN: self.open_on,
            enums.VenueStatus.TEMPORARILY_CLOSED: self.temporarily_closed_on,
            enums.VenueStatus.PERMANENTLY_CLOSED: self.permanently_closed_on,
        }[status](on)

    def not_permanently_closed(self, on: datetime.date | None = None):
        on = on or timezone.localdate()
        return self.exclude(closed_permanently_on__lte=on)

    # --- time filters (« ouvert maintenant », « le samedi », « après 18 h », « le … à … ») ---
    # On ``weekly_hours`` / ``holiday_hours`` (see the fields), honouring closures and public
    # holidays; Python's ``hours.venue_status`` says the same for one venue
    # (``tests/test_time_filters.py`` checks them against each other).
    def open_at(self, moment: datetime.datetime):
        """Open at ``moment`` (naive: the local wall-clock time of each venue)."""
        day = moment.date()
        return self.open_on(day).filter(_open_at_minute(day, moment.hour * 60 + moment.minute))

    def open_now(self, now: datetime.datetime | None = None):
        """Open right now, each venue in its own time zone (overseas venues are hours apart)."""
        from directory import hours

        now = now or timezone.now()
        by_date: dict[datetime.date, list] = {}
        paris = hours.local_now("75056", now)
        for zone_codes, zone in [(None, None), *_overseas_zones()]:
            local = paris if zone is None else timezone.localtime(now, zone).replace(tzinfo=None)
            by_date.setdefault(local.date(), []).append((zone_codes, local))
        condition = Q()
        for day, zones in by_date.items():
            in_zones = Q()
            for zone_codes, local in zones:
                where = (
                    ~Q(departement_code__in=hours.OVERSEAS_TIME_ZONES)
                    if zone_codes is None
                    else Q(departement_code__in=zone_codes)
                )
                in_zones |= where & _open_at_minute(day, local.hour * 60 + local.minute)
            closed = ClosurePeriod.objects.covering(day).filter(venue=OuterRef("pk"))
            condition |= in_zones & ~Q(closed_permanently_on__lte=day) & ~Exists(closed)
        return self.alias(departement_code=DEPARTEMENT_CODE).filter(condition)

    def open_during(self, day: datetime.date, start_minute: int = 0, end_minute: int = 24 * 60):
        """Open at some moment of ``day`` between the two times (minutes from midnight)."""
        return self.open_on(day).filter(_open_during(day, start_minute, end_minute))

    def open_after_in_a_week(self, minute: int, on: datetime.date):
        """Open after ``minute`` (from midnight) on some day of a typical week, and not closed on
        ``on`` (« ouvert après 18 h », no day given)."""
        condition = Q()
        for weekday in range(7):
            condition |= Q(_overlaps(weekday * 1440 + minute, (weekday + 1) * 1440, "weekly_hours"))
        return self.open_on(on).filter(condition)

    # --- reachability -----------------------------------------------------------------------
    def reachable_in(self, scenario: int, on: datetime.date | None = None):
        """Venues reachable by a resident in ``scenario`` on ``on`` (today by default): not
        closed for good, with a channel usable in that scenario that works that day (the one
        definition, ``directory.reachability``)."""
        from directory.reachability import reachable_q

        return self.filter(reachable_q(int(scenario), on or timezone.localdate()))

    def has_channel_usable_in(self, scenario: int):
        """Venues with a channel usable in ``scenario``, whatever their status today: what a
        venue has set up (the back office's « canaux prévus par scénario » filter), not whether
        residents can reach it today, which is ``reachable_in`` and only that."""
        from directory.models.channels import Channel
        from directory.reachability import usable_q

        return self.filter(Exists(Channel.objects.filter(usable_q(int(scenario)), venue=OuterRef("pk"))))

    def with_channel_kinds(self, kinds):
        """Venues with at least one channel of one of ``kinds``: an index probe per venue
        (``channel_kind_venue``). A column of kinds kept by triggers saved under 10 % at
        200,000 venues (``bench/machinery.py``, docs/proof.md): retired."""
        from directory.models.channels import Channel

        return self.filter(Exists(Channel.objects.filter(venue=OuterRef("pk"), kind__in=sorted(kinds))))

    def serving(self, commune: Commune):
        """Venues whose service area includes ``commune`` (or located in it).

        A UNION of venue ids, one branch per kind of service area, each served by an index
        (``commune_id``; the communes of the EPCI or département by ``epci_id`` /
        ``departement_id``; the explicit list by the through table's ``commune_id``): an OR of
        these conditions made PostgreSQL scan every venue and hash every commune. No join, so no
        DISTINCT, and the queryset stays orderable by any annotation."""
        codes_sql = "SELECT %s::varchar AS code, %s::varchar AS epci_id, %s::varchar AS departement_id"
        return self.filter(pk__in=_serving_ids_sql(codes_sql, [commune.pk, commune.epci_id, commune.departement_id]))

    def serving_any(self, communes, postal_code: str = ""):
        """Venues whose service area includes at least one commune of the ``communes``
        queryset (e.g. every commune of a postal code), or whose address has ``postal_code``."""
        sql, params = communes.order_by().values("code", "epci_id", "departement_id").query.sql_with_params()
        return self.filter(pk__in=_serving_ids_sql(sql, list(params), postal_code))

    def serving_place(self, codes: list[str], postal_code: str = "", position: tuple[float, float] | None = None):
        """Venues serving a place typed by a resident (``directory/places.py``: the communes
        ``codes``, a postal code), annotated for the list's groups: ``place_group`` 1 located
        there, 2 the others serving it from nearby (their commune, EPCI or list of communes),
        3 the services covering its whole département; ``place_km`` the distance from the
        place's ``position`` (None without coordinates)."""
        return self.serving_any(Commune.objects.filter(code__in=codes), postal_code).place_annotations(codes, position)

    def place_annotations(self, codes: list[str], position: tuple[float, float] | None = None):
        """``serving_place``'s annotations alone (``place_group``, ``place_km``, ``stops_here``,
        ``nearest_stop``, ``nearest_stop_name``), no filter: the rows of a page whose ids the
        filtered list gave (``VenueFilter.page_rows``)."""
        area = enums.ServiceArea
        stops_here = Q(stop_communes__overlap=list(codes))
        queryset = self.annotate(
            place_group=models.Case(
                models.When(commune_id__in=codes, then=models.Value(1)),
                # A mobile venue stopping there is there, on its day.
                models.When(stops_here, then=models.Value(1)),
                models.When(service_area=area.DEPARTEMENT, then=models.Value(3)),
                default=models.Value(2),
                output_field=models.IntegerField(),
            ),
            stops_here=models.ExpressionWrapper(stops_here, output_field=models.BooleanField()),
        )
        if position is None:
            # A typed NULL: ordered by, a bare NULL is refused (« non-integer constant in ORDER BY »).
            none = models.Value(None, output_field=models.CharField())
            return queryset.annotate(
                place_km=Cast(models.Value(None), models.FloatField()), nearest_stop=none, nearest_stop_name=none
            )
        # A mobile venue is as near as its nearest stop (at the place itself when it stops
        # there): the one distance (``directory/models/distance.py``).
        return queryset.annotate(place_km=_km_from(*position), nearest_stop=NearestStop(*position)).annotate(
            nearest_stop_name=_stop_name(OuterRef("nearest_stop"))
        )

    def located_in_departement(self, code: str):
        """Venues whose commune is in the département ``code`` (``venue_departement_name``)."""
        return self.alias(departement_code=DEPARTEMENT_CODE).filter(departement_code=code)

    def located_in_epci(self, siren: str):
        """Venues whose commune is in the EPCI ``siren``."""
        # Constant SQL, ``siren`` is a parameter.
        return self.filter(pk__in=RawSQL(LOCATED_IN_EPCI_IDS_SQL, [siren]))  # noqa: S611  # nosec B611

    # --- freshness --------------------------------------------------------------------------
    def stale(self, now=None):
        return self.filter(Q(verified_at__lt=Venue.freshness_cutoff(now)) | Q(verified_at__isnull=True))

    def fresh(self, now=None):
        return self.filter(verified_at__gte=Venue.freshness_cutoff(now))

    def hidden_as_unverified(self, now=None):
        """Venues nobody confirmed for ``FRESHNESS_HIDE_AFTER_DAYS`` (never confirmed: since
        they were created or imported): out of the default results until someone confirms."""
        cutoff = Venue.hiding_cutoff(now)
        return self.filter(Q(verified_at__lt=cutoff) | Q(verified_at__isnull=True, created_at__lt=cutoff))

    def shown_by_default(self, now=None):
        cutoff = Venue.hiding_cutoff(now)
        return self.exclude(Q(verified_at__lt=cutoff) | Q(verified_at__isnull=True, created_at__lt=cutoff))

    # --- search and distance ----------------------------------------------------------------
    def near(self, lat: float, lon: float):
        """Venues with coordinates, nearest first to (lat, lon), a mobile venue by its nearest
        stop (``directory/models/distance.py``), annotated with ``distance_order`` (metres,
        straight line through the Earth), ``distance_km`` (the same in km: under 0.1 % from
        the great-circle distance within 500 km), ``nearest_stop`` / ``nearest_stop_name``
        (the stop at that distance, None for the home base).

        Ordered by ``distance_order`` alone, PostgreSQL would compute every venue's distance;
        ``nearest_ids_sql`` reads a page of ids with the ``venue_earth_knn`` index instead
        (``VenuePaginator(near=…)``, ``nearest``)."""
        queryset = self.filter(latitude__isnull=False, longitude__isnull=False).annotate(
            distance_order=DistanceFrom(lat, lon)
        )
        return queryset.distance_from(lat, lon)

    def distance_from(self, lat: float, lon: float):
        """Annotate ``distance_km`` (km from (lat, lon) to where the venue can be met: its home
        base, or for a mobile venue its nearest stop; ``directory/models/distance.py``),
        ``nearest_stop`` and ``nearest_stop_name`` (the stop at that distance, None for the
        home base). No filter, no order: a venue page from « Autour de moi » reads it."""
        return self.annotate(distance_km=_km_from(lat, lon), nearest_stop=NearestStop(lat, lon)).annotate(
            nearest_stop_name=_stop_name(OuterRef("nearest_stop"))
        )

    def nearest_ids_sql(self, point, offset: int, limit: int) -> tuple[str, list] | None:
        """SQL (and parameters) for the ids of venues ``offset`` to ``offset + limit`` of this
        ``near(*point)`` list in its order (``NEAREST_ORDER``), or None when the list is not in
        that order. The venues placed at their home base come from the KNN walk of
        ``venue_earth_knn`` (index order, stops after ``offset + limit`` rows); the venues with
        stops (``venue_placed_by_stops``: a few) have their distance computed; one ``UNION
        ALL`` sorted in the same statement."""
        if point is None or tuple(self.query.order_by) != NEAREST_ORDER or self.query.is_sliced:
            return None
        if self.query.distinct or self.query.combinator:
            return None
        wanted = offset + limit
        at_home = (
            self.filter(placed_at_home())
            .annotate(gll_home=home_chord(*point))
            .order_by("gll_home", "sort_name", "pk")
            .values_list("pk", "sort_name", "gll_home")[:wanted]
        )
        with_stops = self.filter(placed_by_stops()).values_list("pk", "sort_name", "distance_order")[:wanted]
        try:
            home_sql, home_params = at_home.query.sql_with_params()
            stops_sql, stops_params = with_stops.query.sql_with_params()
        except EmptyResultSet:
            return ("SELECT NULL::bigint WHERE false", [])
        sql = NEAREST_IDS_SQL.format(home=home_sql, stops=stops_sql)
        return sql, [*home_params, *stops_params, offset, limit]

    def nearest_ids(self, point, offset: int, limit: int) -> list[int] | None:
        """The ids read by ``nearest_ids_sql`` (one query), or None when it does not apply."""
        found = self.nearest_ids_sql(point, offset, limit)
        if found is None:
            return None
        sql, params = found
        with connections[self.db].cursor() as cursor:
            # Django's own SQL for both halves, with their parameters; the frame is constant.
            cursor.execute(sql, params)  # nosec B608
            return [row[0] for row in cursor.fetchall()]

    def nearest(self, point, limit: int):
        """The ``limit`` venues nearest first of this ``near(*point)`` list, in one query (the
        ids of ``nearest_ids_sql`` as a subquery), without computing every distance."""
        ordered = self.order_by(*NEAREST_ORDER)
        found = ordered.nearest_ids_sql(point, 0, limit)
        if found is None:
            return ordered[:limit]
        sql, params = found
        # Django's own SQL in a constant frame (``nearest_ids_sql``), every value a parameter.
        return ordered.filter(pk__in=RawSQL(sql, params))[:limit]  # noqa: S611  # nosec B611

    def open_alternatives_to(self, venue, scenario: int | None, on: datetime.date):
        """While ``venue`` is closed: the other venues serving its commune that are open on
        ``on`` (no closure, not closed for good) and reachable in ``scenario`` by a channel that
        works (``reachable_in``); in scenario 1, those with a drop-in first; then the
        nearest to ``venue`` (``alternative_km``, a mobile venue by its nearest stop:
        ``directory/models/distance.py``; from the venue's commune centre when it has no
        coordinates; unknown distances last), then by name. The « Pendant la fermeture » block
        of a venue page reads the first 2-3."""
        from directory.models.channels import Channel
        from directory.territories import positions

        queryset = self.serving(venue.commune).exclude(pk=venue.pk).open_on(on)
        if scenario:
            queryset = queryset.reachable_in(int(scenario), on)
        ordering = []
        if scenario == enums.AccessScenario.OFFLINE:
            drop_in = Channel.objects.filter(venue_id=OuterRef("pk"), kind__in=enums.ON_SITE_KINDS, scenario__lte=1)
            queryset = queryset.annotate(has_drop_in=Exists(drop_in))
            ordering.append(F("has_drop_in").desc())
        point = None
        if venue.latitude is not None and venue.longitude is not None:
            point = (venue.latitude, venue.longitude)
        elif venue.commune_id:
            point = positions().get(venue.commune_id)
        if point is not None:
            queryset = queryset.annotate(alternative_km=_km_from(*point), nearest_stop=NearestStop(*point))
            queryset = queryset.annotate(nearest_stop_name=_stop_name(OuterRef("nearest_stop")))
            ordering.append(F("alternative_km").asc(nulls_last=True))
        else:
            none = models.Value(None, output_field=models.CharField())
            queryset = queryset.annotate(
                alternative_km=models.Value(None, output_field=models.FloatField()),
                nearest_stop=none,
                nearest_stop_name=none,
            )
            ordering.append(models.Case(models.When(commune_id=venue.commune_id, then=0), default=1))
        return queryset.order_by(*ordering, "sort_name", "pk")

    # --- permissions ------------------------------------------------------------------------
    def editable_by(self, user):
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(structure__memberships__user=user).distinct()

    def viewable_by(self, user):
        """Venues a back-office user may see: their structures' venues, and for département
        staff every venue of their départements."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(Q(structure__memberships__user=user) | Q(commune__departement__staff__user=user)).distinct()

    def verifiable_by(self, user):
        return self.viewable_by(user)

    def with_rights_of(self, user):
        """Annotate ``user_can_edit`` and ``user_can_verify`` (back-office lists, no N+1)."""
        if user.is_authenticated and user.is_active and user.is_superuser:
            return self.annotate(user_can_edit=models.Value(True), user_can_verify=models.Value(True))
        editable = Venue.objects.editable_by(user).filter(pk=OuterRef("pk"))
        verifiable = Venue.objects.verifiable_by(user).filter(pk=OuterRef("pk"))
        return self.annotate(user_can_edit=Exists(editable), user_can_verify=Exists(verifiable))

    def deletable_by(self, user):
        """Deleting a venue loses its public page: structure managers and superusers only
        (mediators declare a permanent closure instead)."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(
            structure__memberships__user=user, structure__memberships__role=enums.MembershipRole.MANAGER
        ).distinct()

    # --- public listing ---------------------------------------------------------------------
    def public(self):
        return self.select_related("commune", "commune__departement", "structure")


class Venue(models.Model):
    """A lieu de médiation numérique: every field of the national standard v1.0.2, plus what
    this product adds (structure, service area, closures, typed channels, freshness)."""

    # Identity in the national standard.
    external_id = models.CharField(
        _("identifiant (standard)"),
        max_length=200,
        blank=True,
        help_text=_("Champ « id » du standard national ; attribué automatiquement s'il est vide."),
    )
    source = models.CharField(_("source"), max_length=200, blank=True)
    pivot = models.CharField(_("pivot (SIRET ou RNA)"), max_length=14, validators=[pivot_validator])
    name = models.CharField(_("nom"), max_length=250, validators=[validate_no_invisible_characters])
    # What lists sort by: the name without case or accents (``text.sort_name``; computed by
    # PostgreSQL's twin ``gll_sort_name``, so COPY, bulk updates and SQL writers keep it right).
    sort_name = models.GeneratedField(
        expression=models.Func(F("name"), function="gll_sort_name", output_field=models.CharField(max_length=250)),
        output_field=models.CharField(max_length=250),
        db_persist=True,
    )
    slug = models.SlugField(_("identifiant d'URL"), max_length=80, unique=True, blank=True)
    structure = models.ForeignKey(
        Structure, models.PROTECT, related_name="venues", verbose_name=_("structure"), null=True, blank=True
    )
    structure_parente = models.CharField(_("structure parente (standard)"), max_length=250, blank=True)

    # Address.
    commune = models.ForeignKey(Commune, models.PROTECT, related_name="venues", verbose_name=_("commune"))
    postal_code = models.CharField(_("code postal"), max_length=5, validators=[postal_code_validator])
    address = models.CharField(_("adresse"), max_length=250)
    address_complement = models.CharField(_("complément d'adresse"), max_length=250, blank=True)
    latitude = models.FloatField(
        _("latitude"), null=True, blank=True, validators=[MinValueValidator(-90), MaxValueValidator(90)]
    )
    longitude = models.FloatField(
        _("longitude"), null=True, blank=True, validators=[MinValueValidator(-180), MaxValueValidator(180)]
    )

    # Description and vocabularies of the standard.
    typologie = choices_array(enums.Typologie, _("typologie"), max_length=20)
    opening_hours = models.CharField(
        _("horaires (format OpenStreetMap)"),
        max_length=500,
        blank=True,
        help_text=_("Ex. « Mo-Fr 09:00-12:00,14:00-17:30; Sa 09:00-12:00 »"),
    )
    presentation_resume = models.CharField(_("présentation courte"), max_length=280, blank=True)
    presentation_detail = models.TextField(_("présentation détaillée"), blank=True)
    itinerance = choices_array(enums.Itinerance, _("itinérance"), max_length=20)
    services = choices_array(enums.Service, _("services"))
    publics = choices_array(enums.Public, _("publics spécifiquement adressés"))
    prise_en_charge = choices_array(enums.PriseEnCharge, _("prise en charge spécifique"))
    frais = choices_array(enums.Frais, _("frais à charge"))
    dispositifs = choices_array(enums.Dispositif, _("dispositifs et programmes nationaux"))
    formations_labels = choices_array(enums.FormationLabel, _("formations et labels"))
    autres_formations_labels = models.CharField(_("autres formations et labels"), max_length=500, blank=True)
    modalites_acces = choices_array(enums.ModaliteAcces, _("modalités d'accès"))
    modalites_accompagnement = choices_array(enums.ModaliteAccompagnement, _("modalités d'accompagnement"))
    # Not in the national standard (exported in the rich profile only). ``db_default`` so rows
    # written outside the ORM (COPY in bulk loads, bench/build_dataset.py) get ``{}``.
    languages = ArrayField(
        models.CharField(max_length=3, choices=enums.Language.choices),
        default=list,
        db_default=models.Value("{}"),
        blank=True,
        verbose_name=_("langues parlées"),
        help_text=_("Langues dans lesquelles l'équipe peut accompagner les habitants."),
    )
    fiche_acces_libre = models.URLField(_("fiche Acceslibre"), max_length=500, blank=True)
    prise_rdv = models.URLField(_("prise de rendez-vous en ligne"), max_length=500, blank=True)
    date_maj = models.DateField(_("date de mise à jour (standard)"), default=datetime.date.today)

    # What this product adds.
    # ``db_default`` too: rows written outside the ORM (COPY in bulk loads, the benchmark's
    # builder) that do not name the column get "" instead of violating NOT NULL.
    staff_comment = models.TextField(
        _("commentaire interne"),
        blank=True,
        default="",
        db_default="",
        help_text=_("Pour l'équipe seulement, jamais publié (ex. « commentaire » de la liste France Services)."),
    )
    service_area = models.CharField(
        _("zone desservie"), max_length=20, choices=enums.ServiceArea.choices, default=enums.ServiceArea.EPCI
    )
    service_area_communes = models.ManyToManyField(
        Commune, blank=True, related_name="served_by", verbose_name=_("communes desservies")
    )
    closed_permanently_on = models.DateField(
        _("fermé définitivement le"), null=True, blank=True, help_text=_("Laisser vide si le lieu est en activité.")
    )
    verified_at = models.DateTimeField(_("informations vérifiées le"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("vérifiées par"),
    )
    # Bumped on every save; a form that carries an older value is refused (no lost update).
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)
    search_text = models.TextField(editable=False, default="")
    # Stored, not computed in the query: PostgreSQL rechecks each candidate row of a bitmap
    # scan, and recomputing to_tsvector there took most of a search request (``make bench``,
    # measure ``text_common``).
    search_vector = models.GeneratedField(
        expression=SearchVector("search_text", config="french"),
        output_field=SearchVectorField(),
        db_persist=True,
        editable=False,
    )

    # The opening hours as the time filters query them (« ouvert maintenant », « le samedi »,
    # « après 18 h », « le … à … »; ``VenueQuerySet.open_at`` and co.): the spans of a typical
    # week in minutes from Monday 00:00, local time, and of a public holiday when the
    # expression has a « PH » rule (NULL: a holiday is a weekday like the others). Derived from
    # ``opening_hours`` by ``hours.weekly_spans``: on save, by the importer, and nightly by
    # ``maintain_directory`` (``maintenance.refresh_weekly_hours``).
    weekly_hours = ArrayField(
        IntegerRangeField(), default=list, db_default=models.Value("{}"), blank=True, editable=False
    )
    holiday_hours = ArrayField(IntegerRangeField(), null=True, blank=True, editable=False)
    # A mobile venue's stops: the communes its in-person channels name (« Parking de la salle des
    # fêtes de Mons-en-Pévèle »), in its département (``places.communes_named_in``). A place
    # search lists it « À Mons-en-Pévèle », « arrêt à … », not by the distance of its home base.
    # Kept by ``refresh_stops`` (channel saves and deletes) and after bulk loads.
    stop_communes = ArrayField(
        models.CharField(max_length=5), default=list, db_default=models.Value("{}"), blank=True, editable=False
    )
    # Where each stop is: ``[latitude, longitude]`` of the stop commune's centre
    # (``directory/data/commune_positions.json.gz``), in the order of ``stop_communes``,
    # ``[NULL, NULL]`` when unknown (that stop is then placed at the home base). Kept with
    # ``stop_communes``, so that « Autour de moi », the cards and « Pendant la fermeture » place
    # a mobile venue at its nearest stop in SQL (``directory/models/distance.py``).
    stop_points = ArrayField(
        ArrayField(models.FloatField(null=True), size=2),
        default=list,
        db_default=models.Value("{}"),
        blank=True,
        editable=False,
    )

    objects = VenueQuerySet.as_manager()
    history = HistoricalRecords(
        excluded_fields=[
            "search_text",
            "sort_name",
            "search_vector",
            "updated_at",
            "weekly_hours",
            "holiday_hours",
            "stop_communes",
            "stop_points",
        ],
        m2m_fields=[service_area_communes],
    )

    class Meta:
        verbose_name = _("lieu de médiation numérique")
        verbose_name_plural = _("lieux de médiation numérique")
        ordering = ["sort_name", "pk"]
        # The word list and the search entries, kept exact on every write
        # (``directory/models/triggers.py``).
        triggers = triggers.VENUE_TRIGGERS
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~Q(external_id=""),
                name="venue_unique_source_external_id",
                violation_error_message=_("Un lieu de cette source porte déjà cet identifiant."),
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="venue_coordinates_both_or_none",
                violation_error_message=_("Indiquez la latitude et la longitude, ou aucune des deux."),
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="venue_latitude_range",
                violation_error_message=_("La latitude doit être comprise entre -90 et 90."),
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="venue_longitude_range",
                violation_error_message=_("La longitude doit être comprise entre -180 et 180."),
            ),
            models.CheckConstraint(
                condition=Q(postal_code__regex=r"^\d{5}$"),
                name="venue_postal_code_format",
                violation_error_message=_("Le code postal doit comporter 5 chiffres."),
            ),
        ]
        indexes = [
            # Free-text search: French full-text (typos: the word list, ``SearchWord``).
            GinIndex(fields=["search_vector"], name="venue_search_fts"),
            # ``near()``: nearest-first (KNN) on the earthdistance position.
            GistIndex(
                models.Func(F("latitude"), F("longitude"), function="ll_to_earth", output_field=models.FloatField()),
                condition=Q(latitude__isnull=False),
                name="venue_earth_knn",
            ),
            # ``near()``: the venues placed by their stops (mobile venues), read apart from the
            # KNN walk of the others (``VenueQuerySet.nearest_ids_sql``): a few rows.
            models.Index(fields=["id"], condition=placed_by_stops(), name="venue_placed_by_stops"),
            # The count of a distance search reads this index only (``closed_permanently_on``
            # included: the list hides permanently closed venues), never the wide rows.
            models.Index(fields=["latitude", "longitude"], include=["closed_permanently_on"], name="venue_coordinates"),
            # The default order (sort name, id): a page is an index range, the count an
            # index-only scan.
            models.Index(
                fields=["sort_name", "id"],
                include=["closed_permanently_on"],
                name="venue_sort_name_id",
            ),
            # ``departement=``: a département's venues in list order, so a page of them (with a
            # scenario or channel condition checked row by row) stops after 21 matches instead
            # of sorting all of them.
            models.Index(
                DEPARTEMENT_CODE,
                "sort_name",
                "id",
                include=["closed_permanently_on"],
                name="venue_departement_sort_name",
            ),
            # Coverage: each venue's commune, service area, status and position without its wide
            # row (services, search vector, hours: 1.4 KB a venue): the France-wide statement and
            # the drop-ins of the distance figures read this index only (``make bench SCALE=10``,
            # measure ``coverage_france_s``; docs/proof.md).
            models.Index(
                fields=["id"],
                include=["commune", "service_area", "closed_permanently_on", "verified_at", "latitude", "longitude"],
                name="venue_coverage",
            ),
            # ``serving()``: venues of a given service area located in the communes of an EPCI or
            # a département.
            models.Index(fields=["service_area", "commune"], name="venue_area_commune"),
            # ``serving_any(postal_code=…)``.
            models.Index(fields=["postal_code"], name="venue_postal_code"),
            # Staleness lists and reminders.
            models.Index(fields=["verified_at"], name="venue_verified_at"),
            # Venues never confirmed, by age: « is any venue hidden as unverified? » on each list.
            models.Index(fields=["created_at"], condition=Q(verified_at__isnull=True), name="venue_never_verified"),
            GinIndex(fields=["typologie"], name="venue_typologie_gin"),
            GinIndex(fields=["services"], name="venue_services_gin"),
            GinIndex(fields=["publics"], name="venue_publics_gin"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("directory:venue", kwargs={"slug": self.slug})

    @property
    def language_labels(self) -> list[str]:
        """« Arabe, Langue des signes française (LSF) »…: the languages spoken, in the
        vocabulary's order (French first), as residents read them."""
        spoken = set(self.languages or ())
        return [str(label) for value, label in enums.Language.choices if value in spoken]

    # --- persistence ------------------------------------------------------------------------
    def build_search_text(self) -> str:
        commune = self.commune if self.commune_id else None
        parts = [
            self.name,
            commune.name if commune else "",
            self.postal_code,
            self.structure.name if self.structure_id and self.structure else "",
            self.structure_parente,
        ]
        return fold(" ".join(p for p in parts if p))

    def refresh_search_text(self):
        self.search_text = self.build_search_text()

    def stops_named(self, in_person_values) -> list[str]:
        """The stop communes of this venue if it is mobile (``itinerance``), from its in-person
        channels' texts."""
        if enums.Itinerance.ITINERANT not in (self.itinerance or []) or not self.commune_id:
            return []
        from directory.hours import departement_code_of
        from directory.places import communes_named_in

        departement = departement_code_of(self.commune_id)
        codes = []
        for value in in_person_values:
            codes += communes_named_in(value, {departement})
        return list(dict.fromkeys(codes))

    def refresh_stops(self):
        """Recompute ``stop_communes`` and their ``stop_points`` from the channels in the
        database (one UPDATE)."""
        from directory.models.channels import Channel

        values = Channel.objects.filter(venue_id=self.pk, kind__in=enums.ON_SITE_KINDS).values_list("value", "label")
        self.stop_communes = self.stops_named(f"{value} {label}" for value, label in values)
        self.stop_points = stop_points_of(self.stop_communes)
        Venue.objects.filter(pk=self.pk).update(stop_communes=self.stop_communes, stop_points=self.stop_points)

    def refresh_weekly_hours(self):
        from directory.hours import weekly_spans

        week, holiday = weekly_spans(self.opening_hours or "")
        self.weekly_hours = [NumericRange(a, b) for a, b in week]
        self.holiday_hours = None if holiday is None else [NumericRange(a, b) for a, b in holiday]

    def save(self, *args, **kwargs):
        if not self.slug:
            base = f"{self.name} {self.commune.name}" if self.commune_id else self.name
            self.slug = unique_slug(Venue, base, self.pk)
        self.refresh_search_text()
        self.refresh_weekly_hours()
        if self._state.adding:
            super().save(*args, **kwargs)
            return
        # Compare-and-increment: the UPDATE only matches the row if nobody saved it since this
        # instance (or the form that built it) read ``version`` (see ``_do_update``).
        self._expected_version = self.version
        self.version = self.version + 1
        try:
            super().save(*args, **kwargs)
        except VersionConflict:
            self.version = self._expected_version
            raise
        finally:
            self._expected_version = None

    def _do_update(self, base_qs, using, pk_val, values, update_fields, forced_update):
        expected = getattr(self, "_expected_version", None)
        if expected is None:
            return super()._do_update(base_qs, using, pk_val, values, update_fields, forced_update)
        updated = super()._do_update(
            base_qs.filter(version=expected), using, pk_val, values, update_fields, forced_update
        )
        if not updated and base_qs.filter(pk=pk_val).exists():
            raise VersionConflict(self, expected)
        return updated

    def clean(self):
        super().clean()
        if (
            self.commune_id
            and self.postal_code
            and self.commune.postal_codes
            and (self.postal_code not in self.commune.postal_codes)
        ):
            raise ValidationError(
                {
                    "postal_code": _("Le code postal %(code)s ne correspond pas à la commune %(commune)s.")
                    % {"code": self.postal_code, "commune": self.commune.name}
                }
            )
        if self.opening_hours:
            from directory.hours import validate_opening_hours

            validate_opening_hours(self.opening_hours)
        if (self.latitude is None) != (self.longitude is None):
            raise ValidationError(_("Indiquez la latitude et la longitude, ou aucune des deux."))

    # --- status -----------------------------------------------------------------------------
    @staticmethod
    def freshness_cutoff(now=None):
        now = now or timezone.now()
        return now - datetime.timedelta(days=settings.FRESHNESS_THRESHOLD_DAYS)

    @staticmethod
    def hiding_cutoff(now=None):
        now = now or timezone.now()
        return now - datetime.timedelta(days=settings.FRESHNESS_HIDE_AFTER_DAYS)

    @property
    def is_stale(self) -> bool:
        return self.verified_at is None or self.verified_at < Venue.freshness_cutoff()

    @property
    def last_checked_at(self):
        """When the information was last confirmed; never confirmed: when it was entered."""
        return self.verified_at or self.created_at

    @property
    def unverified_since(self) -> datetime.date | None:
        """The date residents read in « Informations non vérifiées depuis le … », once stale."""
        checked = self.last_checked_at
        return timezone.localdate(checked) if self.is_stale and checked else None

    @property
    def is_hidden_as_unverified(self) -> bool:
        checked = self.last_checked_at
        return bool(checked) and checked < Venue.hiding_cutoff()

    def _closure_list(self):
        # Result cards read closures from the page's own query (``listed_closures``, set by
        # ``directory.presenters.venue_cards``), not from a related-manager prefetch.
        listed = getattr(self, "listed_closures", None)
        return listed if listed is not None else self.closures.all()

    def closures_on(self, on: datetime.date):
        """Closure periods covering ``on``; uses prefetched ``closures`` when present."""
        return [c for c in self._closure_list() if c.covers(on)]

    def current_closure(self, on: datetime.date | None = None):
        on = on or timezone.localdate()
        # With overlapping closures, residents need the real reopening date: an open-ended
        # closure wins, else the one ending last.
        covering = sorted(self.closures_on(on), key=lambda c: (c.ends_on is not None, -(c.ends_on or on).toordinal()))
        return covering[0] if covering else None

    def upcoming_closures(self, on: datetime.date | None = None):
        on = on or timezone.localdate()
        return sorted((c for c in self._closure_list() if c.starts_on > on), key=lambda c: c.starts_on)

    def status_on(self, on: datetime.date | None = None) -> enums.VenueStatus:
        on = on or timezone.localdate()
        if self.closed_permanently_on and self.closed_permanently_on <= on:
            return enums.VenueStatus.PERMANENTLY_CLOSED
        if self.current_closure(on):
            return enums.VenueStatus.TEMPORARILY_CLOSED
        return enums.VenueStatus.OPEN

    @property
    def status(self) -> enums.VenueStatus:
        return self.status_on()

    def status_at(self, now: datetime.datetime | None = None):
        """The status now (or at ``now``) with its wording, in the venue's time zone: the one
        function every page, poster, sheet, SMS reply and the API print (``hours.venue_status``)."""
        from directory.hours import venue_status

        return venue_status(self, now)

    def channels_working_on(self, on: datetime.date | None = None, channels=None) -> list:
        """The channels (default: ``self.channels.all()``) that still work on ``on``: none when
        closed for good; during closures, those every covering closure keeps
        (``ClosurePeriod.keeps_working``). Channels may be model instances or objects with ``pk``
        and ``kind``."""
        on = on or timezone.localdate()
        if self.closed_permanently_on and self.closed_permanently_on <= on:
            return []
        channels = list(self.channels.all()) if channels is None else list(channels)
        closures = self.closures_on(on)
        return [c for c in channels if all(closure.keeps_working(c.pk, c.kind) for closure in closures)]

    def channels_for(self, scenario: int | None = None):
        channels = list(self.channels.all())
        if scenario:
            channels = [c for c in channels if c.usable_in(scenario)]
        return channels

    def working_channels(self, on: datetime.date | None = None):
        """Channels that work on ``on`` (closures and the channels they keep open:
        ``directory.reachability``)."""
        from directory.reachability import working_channels

        return working_channels(self, on or timezone.localdate())

    def is_reachable_in(self, scenario: int, on: datetime.date | None = None) -> bool:
        """Python twin of ``VenueQuerySet.reachable_in``."""
        from directory.reachability import is_reachable

        return is_reachable(self, int(scenario), on or timezone.localdate())

    def missing_for(self, scenario: int) -> list[str]:
        """What the venue lacks to be usable in ``scenario`` (empty: complete), in French, for
        « Mon lieu » and the staff's « lieux incomplets » list (``directory.completeness``)."""
        from directory.completeness import missing_for

        return missing_for(self, int(scenario))

    def channels_by_scenario(self):
        """[(scenario, [channels usable from that scenario on])] with only non-empty groups."""
        groups = {s: [] for s in enums.AccessScenario}
        for channel in self.channels.all():
            groups[enums.AccessScenario(channel.scenario)].append(channel)
        return [(s, chans) for s, chans in groups.items() if chans]

    # --- permissions ------------------------------------------------------------------------
    def can_edit(self, user) -> bool:
        if not (user.is_authenticated and user.is_active):
            return False
        if user.is_superuser:
            return True
        return bool(self.structure_id) and self.structure.is_member(user)

    def can_view_admin(self, user) -> bool:
        if self.can_edit(user):
            return True
        return self.is_in_departement_of(user)

    def is_in_departement_of(self, user) -> bool:
        """True when ``user`` is staff of this venue's département."""
        return bool(
            user.is_authenticated
            and user.is_active
            and self.commune_id
            and user.departement_assignments.filter(departement__communes__pk=self.commune_id).exists()
        )

    def can_verify(self, user) -> bool:
        return self.can_view_admin(user)

    def can_delete(self, user) -> bool:
        if not (user.is_authenticated and user.is_active):
            return False
        if user.is_superuser:
            return True
        return bool(self.structure_id) and self.structure.can_manage_members(user)

    def current_version_info(self):
        """The latest history record (who saved it, when), for conflict messages."""
        return self.history.select_related("history_user").order_by("-history_date", "-history_id").first()

    def mark_verified(self, user, when=None):
        # The shared write path: a history row and a new public data version.
        from directory.actions import confirm_venue

        confirm_venue(self, user, when=when)


def _serving_ids_sql(codes_sql: str, codes_params: list, postal_code: str = "") -> RawSQL:
    """Ids of the venues serving one of the communes selected by ``codes_sql`` (columns
    ``code``, ``epci_id``, ``departement_id``): see ``VenueQuerySet.serving``."""
    area = enums.ServiceArea
    sql = SERVING_IDS_SQL
    params = [*codes_params, area.EPCI.value, area.DEPARTEMENT.value, area.COMMUNES.value]
    if postal_code:
        sql += " UNION SELECT v.id FROM directory_venue v WHERE v.postal_code = %s"
        params.append(postal_code)
    # ``codes_sql`` is compiled by Django (or a constant) and every value is a parameter.
    return RawSQL(f"WITH t AS MATERIALIZED ({codes_sql}) {sql}", params)  # noqa: S611  # nosec B611


# Ids of the venues located in the communes of an EPCI: an array of communes (``epci_id``
# index) then the ``commune_id`` index. A join with the communes (or ``IN (SELECT …)``) made
# PostgreSQL scan every venue and hash the communes.
LOCATED_IN_EPCI_IDS_SQL = (
    "SELECT v.id FROM directory_venue v WHERE v.commune_id = ANY(ARRAY("
    "SELECT c.code FROM directory_commune c WHERE c.epci_id = %s))"
)


# One branch per kind of service area, each served by an index; ``t`` holds the communes
# (MATERIALIZED: computed once, not once per branch). ``= ANY(ARRAY(…))`` rather than
# ``IN (SELECT …)``: the arrays are computed first (InitPlans) and each branch is an index
# look-up, where a semi-join's row estimate sometimes chose to hash every commune.
SERVING_IDS_SQL = """
SELECT v.id FROM directory_venue v WHERE v.commune_id = ANY(ARRAY(SELECT t.code FROM t))
UNION SELECT v.id FROM directory_venue v WHERE v.service_area = %s AND v.commune_id = ANY(ARRAY(
    SELECT c.code FROM directory_commune c WHERE c.epci_id = ANY(ARRAY(SELECT DISTINCT t.epci_id FROM t))))
UNION SELECT v.id FROM directory_venue v WHERE v.service_area = %s AND v.commune_id = ANY(ARRAY(
    SELECT c.code FROM directory_commune c WHERE c.departement_id = ANY(ARRAY(SELECT DISTINCT t.departement_id FROM t))))
UNION SELECT s.venue_id FROM directory_venue_service_area_communes s JOIN directory_venue v ON v.id = s.venue_id
    WHERE s.commune_id = ANY(ARRAY(SELECT t.code FROM t)) AND v.service_area = %s
"""
