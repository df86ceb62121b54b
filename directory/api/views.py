"""The public read-only API: venues list (the HTML directory's filters, from the same
FilterSet and the same prefetches) and venue detail.

Every response carries an ``ETag`` derived from the data version (bumped on every write) and the
day (a venue's status depends on it), and a ``Last-Modified`` once the second of the last write
is over (``cache.last_modified``); a conditional GET that matches answers 304 with no body."""

from __future__ import annotations

import datetime
import hashlib

from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date, parse_http_date_safe, quote_etag
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from directory import enums
from directory.api.pagination import VenuePagination
from directory.api.serializers import VenueDetailSerializer, VenueSerializer
from directory.api.throttling import ApiThrottle
from directory.cache import data_version, last_modified
from directory.filters import VenueFilter, with_page_prefetches
from directory.models import Venue
from directory.territories import DEPARTEMENT_CODE_PATTERN

CACHE_SECONDS = 60


ERROR_400 = OpenApiResponse(
    response={
        "type": "object",
        "additionalProperties": {"type": "array", "items": {"type": "string"}},
        "description": "Clé : le paramètre fautif ; valeur : ses messages d'erreur en français.",
    },
    description=_("Paramètre invalide : un objet dont chaque clé est un paramètre fautif, avec ses messages."),
    examples=[
        OpenApiExample(
            "Scénario inconnu",
            value={"scenario": ["Situation inconnue : choisissez 1, 2 ou 3."]},
            response_only=True,
            status_codes=["400"],
        )
    ],
)
DETAIL = inline_serializer("ErrorDetail", {"detail": serializers.CharField(help_text=_("Message en français."))})
ERROR_404 = OpenApiResponse(response=DETAIL, description=_("Lieu ou page introuvable."))
ERROR_429 = OpenApiResponse(
    response=DETAIL, description=_("Trop de requêtes : réessayez après le délai de l'en-tête Retry-After.")
)
NOT_MODIFIED = OpenApiResponse(description=_("Rien n'a changé depuis l'ETag (If-None-Match) ou la date donnés."))
CONDITIONAL_PARAMETERS = [
    OpenApiParameter(
        "If-None-Match",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        description=_("ETag d'une réponse précédente : 304 si rien n'a changé."),
    ),
    OpenApiParameter(
        "If-Modified-Since",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        description=_("Date HTTP d'une réponse précédente : 304 si rien n'a changé depuis."),
    ),
]


def _q(name, description, type_=OpenApiTypes.STR, **kwargs):
    return OpenApiParameter(name, type_, OpenApiParameter.QUERY, description=description, **kwargs)


# The FilterSet's parameters, described for API users (drf-spectacular reads names and enums
# from the FilterSet; these replace the ones it cannot type, and add examples).
FILTER_PARAMETERS = [
    _q(
        "ouvert",
        _(
            "« maintenant » : les lieux ouverts à cet instant selon leurs horaires, dans leur fuseau horaire, hors fermetures."
        ),
        enum=["maintenant"],
    ),
    _q(
        "jour",
        _("Jour de la semaine (lundi … dimanche) : les lieux ouverts ce jour-là (le prochain, aujourd'hui compris)."),
        enum=["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"],
    ),
    _q(
        "apres",
        _("Heure (18:00, 18h30) : les lieux ouverts après cette heure (le jour demandé, sinon un jour de la semaine)."),
        {"type": "string", "pattern": r"^[0-9]{1,2}([:h][0-9]{2})?$"},
    ),
    _q(
        "date",
        _(
            "Date (AAAA-MM-JJ, dans l'année qui vient) : les lieux ouverts ce jour-là, fermetures et jours fériés compris."
        ),
        OpenApiTypes.DATE,
    ),
    _q(
        "heure",
        _("Heure (18:00) : avec « date », ouverts à ce moment ; seule, ouverts aujourd'hui à cette heure."),
        {"type": "string", "pattern": r"^[0-9]{1,2}([:h][0-9]{2})?$"},
    ),
    _q(
        "q",
        _(
            "Texte libre : nom du lieu, commune, code postal ou structure. Accents et fautes de frappe pardonnés ; "
            "résultats par pertinence. 200 caractères au plus. Ex. « villeneuve d'ascq »."
        ),
    ),
    _q(
        "commune",
        _(
            "Code INSEE d'une commune : les lieux qui la desservent, ceux qui s'y trouvent d'abord. "
            "Un code bien formé mais inconnu donne une erreur 400. Ex. 59350 (Lille)."
        ),
        {"type": "string", "pattern": r"^(\d{5}|2[AB]\d{3})$"},
    ),
    _q(
        "code_postal",
        _("Code postal (5 chiffres) : les lieux qui desservent une commune de ce code postal."),
        {"type": "string", "pattern": r"^\d{5}$"},
    ),
    _q(
        "departement",
        _(
            "Code du département (59, 2A, 974) : les lieux situés dans ce département. "
            "Un code bien formé mais inconnu donne une erreur 400."
        ),
        {"type": "string", "pattern": DEPARTEMENT_CODE_PATTERN},
    ),
    _q(
        "epci",
        _(
            "SIREN (9 chiffres) de l'intercommunalité : les lieux situés dans une de ses communes. "
            "Un SIREN bien formé mais inconnu donne une erreur 400."
        ),
        {"type": "string", "pattern": r"^\d{9}$"},
    ),
    _q(
        "scenario",
        _(
            "Ce dont dispose l'habitant : 1 ni internet ni réseau, 2 un téléphone sans internet, 3 équipé et connecté. "
            "Seuls les lieux joignables dans ce scénario sont donnés, avec les seuls canaux utilisables."
        ),
        OpenApiTypes.INT,
        enum=[1, 2, 3],
    ),
    _q(
        "typologie",
        _(
            "Type de structure (vocabulaire du standard national, répétable) : le lieu doit porter chaque valeur donnée."
        ),
        {"type": "array", "items": {"type": "string", "enum": list(enums.Typologie.values)}},
        explode=True,
        style="form",
    ),
    _q(
        "near",
        _(
            "Position « latitude,longitude » : seuls les lieux géolocalisés, du plus proche au plus lointain, avec "
            "`distance_km`. Latitude de -90 à 90, longitude de -180 à 180. Ex. 50.63,3.06."
        ),
        {"type": "string", "pattern": r"^-?\d{1,3}(\.\d+)?,-?\d{1,3}(\.\d+)?$"},
    ),
]


class ConditionalMixin:
    """ETag / Last-Modified from the data version: no query when the client is up to date."""

    authentication_classes: list = []  # public data: no session, no CSRF, everyone is a client
    throttle_classes = [ApiThrottle]

    def _validators(self, request):
        version = data_version()
        today = timezone.localdate()
        key = f"{version}:{today.isoformat()}:{get_language()}:{request.get_full_path()}"
        etag = quote_etag(hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32])
        midnight = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min)).timestamp()
        # Status « today » changes at midnight even without a write. None while the second of
        # the last write is not over (``cache.last_modified``): the ETag alone validates.
        return etag, last_modified(version, not_before=midnight)

    def get(self, request, *args, **kwargs):
        etag, modified = self._validators(request)
        response = super().get(request, *args, **kwargs)
        # Checked after the view ran, so an unknown venue or an invalid filter still answers
        # 404/400 whatever validators the client sends; a 304 saves the transfer, not the query.
        if response.status_code == 200 and self._not_modified(request, etag, modified):
            response = Response(status=304)
        if response.status_code in (200, 304):
            response["ETag"] = etag
            if modified is not None:
                response["Last-Modified"] = http_date(modified)
            response["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
        return response

    @staticmethod
    def _not_modified(request, etag, modified) -> bool:
        if_none_match = request.headers.get("If-None-Match")
        if if_none_match:
            return etag in [t.strip() for t in if_none_match.split(",")]
        since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
        return since is not None and modified is not None and modified <= since


@extend_schema(
    tags=["lieux"],
    summary=_("Liste des lieux"),
    description=(
        _(
            "Les lieux de médiation numérique, avec les filtres de l'annuaire public (mêmes paramètres, "
            "même logique). Sans `statut=ferme_definitivement`, les lieux fermés définitivement sont exclus. "
            "Ordre : distance (avec `near`), lieux situés dans la commune puis ceux qui la desservent (avec "
            "`commune`), pertinence (avec `q`), puis nom."
        )
    ),
    parameters=[*FILTER_PARAMETERS, *CONDITIONAL_PARAMETERS],
    responses={200: VenueSerializer(many=True), 304: NOT_MODIFIED, 400: ERROR_400, 404: ERROR_404, 429: ERROR_429},
)
class VenueList(ConditionalMixin, generics.ListAPIView):
    serializer_class = VenueSerializer
    pagination_class = VenuePagination
    # The backend documents the FilterSet's parameters in the OpenAPI schema; filtering itself
    # is done in ``filter_queryset`` below so the page prefetches follow the chosen scenario.
    filter_backends = [DjangoFilterBackend]
    filterset_class = VenueFilter

    def get_queryset(self):
        return Venue.objects.public()

    def filter_queryset(self, queryset):
        today = timezone.localdate()
        filterset = VenueFilter(self.request.query_params, queryset=queryset, request=self.request, today=today)
        if not filterset.is_valid():
            raise ValidationError({name: [str(e) for e in errors] for name, errors in filterset.errors.items()})
        # The paginator reads a ``near`` list's pages by the KNN index (``VenuePagination``).
        self.near_point = filterset.near_point
        return with_page_prefetches(filterset.qs, filterset.selected_scenario, today=today)


@extend_schema(
    tags=["lieux"],
    summary=_("Fiche d'un lieu"),
    description=_("Un lieu, avec tous ses canaux de contact, ses fermetures en cours ou à venir et sa zone desservie."),
    parameters=[
        OpenApiParameter(
            "slug",
            {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$"},
            OpenApiParameter.PATH,
            description=_("Identifiant d'URL du lieu (champ `slug` de la liste)."),
            examples=[OpenApiExample("Un lieu", value="centre-social-arbrisseau-lille")],
        ),
        *CONDITIONAL_PARAMETERS,
    ],
    responses={200: VenueDetailSerializer, 304: NOT_MODIFIED, 404: ERROR_404, 429: ERROR_429},
)
class VenueDetail(ConditionalMixin, generics.RetrieveAPIView):
    serializer_class = VenueDetailSerializer
    lookup_field = "slug"

    def get_queryset(self):
        return with_page_prefetches(Venue.objects.public(), today=timezone.localdate()).prefetch_related(
            "service_area_communes"
        )


CHANGE_FIELDS = {
    "lieu": serializers.CharField(help_text=_("Identifiant d'URL du lieu (`slug`).")),
    "nom": serializers.CharField(help_text=_("Nom du lieu.")),
    "type": serializers.ChoiceField(
        choices=["creation", "modification", "suppression"],
        help_text=_("Ce qui est arrivé au lieu pendant la période (création, modification ou suppression)."),
    ),
    "date": serializers.DateTimeField(help_text=_("Date de sa dernière modification dans la période.")),
    "code_insee": serializers.CharField(allow_null=True, help_text=_("Code INSEE de sa commune.")),
    "url": serializers.URLField(allow_null=True, help_text=_("Sa fiche dans l'API (null pour un lieu supprimé).")),
}


@extend_schema(
    tags=["changements"],
    summary=_("Lieux modifiés depuis une date"),
    description=_(
        "Les lieux créés, modifiés (y compris leurs canaux et leurs fermetures) ou supprimés depuis `depuis`, "
        "un par lieu, du plus ancien changement au plus récent. Pour moissonner : gardez la date de votre "
        "dernier passage, puis suivez `suivant` (pagination par curseur, constante à toute profondeur)."
    ),
    parameters=[
        _q(
            "depuis",
            _("Date ou date et heure ISO 8601 (sans fuseau : heure de Paris). Ex. 2026-11-30 ou 2026-11-30T08:00:00Z."),
            {"type": "string", "minLength": 1, "maxLength": 40},
            required=True,
        ),
        _q("curseur", _("Curseur de la page suivante (champ `suivant` de la page précédente)."), {"type": "string"}),
        _q(
            "territoire",
            _("Limite aux lieux d'un territoire : code INSEE de commune, code de département ou SIREN d'EPCI."),
            {"type": "string", "pattern": r"^(\d{5}|2[AB]\d{3}|\d{2}|2[AB]|9[78]\d|\d{9})$"},
        ),
        _q(
            "limite",
            _("Nombre de lieux par page (100 par défaut, 200 au plus)."),
            {"type": "integer", "minimum": 1, "maximum": 200},
        ),
    ],
    responses={
        200: inline_serializer(
            "Changements",
            {
                "suivant": serializers.URLField(allow_null=True, help_text=_("Page suivante, ou null.")),
                "resultats": inline_serializer("Changement", CHANGE_FIELDS, many=True),
            },
        ),
        400: ERROR_400,
        429: ERROR_429,
    },
)
class ChangeList(generics.GenericAPIView):
    """The change feed (``directory/changes.py``)."""

    authentication_classes: list = []
    throttle_classes = [ApiThrottle]
    pagination_class = None

    def get(self, request, *args, **kwargs):
        from directory.changes import changes_since, decode_cursor, parse_since, territory_level

        errors = {}
        since = parse_since(request.query_params.get("depuis", ""))
        if since is None:
            errors["depuis"] = [_("Indiquez une date ISO 8601, par exemple 2026-11-30 ou 2026-11-30T08:00:00Z.")]
        after = None
        if request.query_params.get("curseur"):
            after = decode_cursor(request.query_params["curseur"])
            if after is None:
                errors["curseur"] = [_("Curseur invalide : reprenez le lien `suivant` de la page précédente.")]
        territory = None
        if request.query_params.get("territoire"):
            territory = territory_level(request.query_params["territoire"])
            if territory is None:
                errors["territoire"] = [
                    _("Territoire inconnu : code INSEE de commune, de département ou SIREN d'EPCI.")
                ]
        limit = 100
        if request.query_params.get("limite") is not None:
            try:
                limit = int(request.query_params["limite"])
            except ValueError:
                limit = 0
            if not 1 <= limit <= 200:
                errors["limite"] = [_("La limite doit être un nombre entier, de 1 à 200.")]
        if errors:
            raise ValidationError(errors)
        changes = changes_since(since, after=after, limit=limit + 1, territory=territory)
        more = len(changes) > limit
        changes = changes[:limit]
        next_url = None
        if more and changes:
            query = request.query_params.copy()
            query["curseur"] = changes[-1].cursor
            next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
        results = [
            {
                "lieu": change.slug,
                "nom": change.name,
                "type": change.kind,
                "date": change.at.isoformat(),
                "code_insee": change.commune_id,
                "url": None
                if change.kind == "suppression"
                else request.build_absolute_uri(reverse("api:venue-detail", args=[change.slug])),
            }
            for change in changes
        ]
        response = Response({"suivant": next_url, "resultats": results})
        response["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
        return response
