"""Read-only representation of venues for the public API.

Channels are rendered through the channel-kind registry (``Channel.href`` / ``display_value``),
never re-implemented here; the venue's status is computed from the prefetched closures."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from directory import enums
from directory.models import Channel, ClosurePeriod, Commune, Venue


class CommuneSerializer(serializers.ModelSerializer):
    code = serializers.CharField(help_text=_("Code INSEE de la commune."))
    name = serializers.CharField(help_text=_("Nom officiel de la commune."))
    departement = serializers.CharField(source="departement_id", help_text=_("Code du département."))

    class Meta:
        model = Commune
        fields = ["code", "name", "departement"]


class ChannelSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=enums.ChannelKind.choices, help_text=_("Type de canal."))
    kind_label = serializers.SerializerMethodField(help_text=_("Libellé du type de canal, en français."))
    label = serializers.CharField(help_text=_("Intitulé libre (ex. « Accueil »), peut être vide."))
    value = serializers.CharField(
        help_text=_(
            "Valeur normalisée : numéro E.164, adresse web, e-mail, ou texte pour l'affichage, "
            "la permanence et le courrier."
        )
    )
    display_value = serializers.CharField(help_text=_("La valeur telle qu'on la lit (ex. « 03 53 01 00 00 »)."))
    href = serializers.CharField(
        allow_null=True,
        help_text=_(
            "Lien qui agit (tel:, sms:, mailto:, https://wa.me/…), ou null pour l'affichage, "
            "la permanence et le courrier."
        ),
    )
    availability = serializers.CharField(help_text=_("Disponibilité en texte libre (ex. « mardi 14h-17h »)."))
    scenario = serializers.ChoiceField(
        choices=enums.AccessScenario.choices,
        help_text=_(
            "Le scénario d'accès le moins équipé qui peut utiliser ce canal : 1 ni internet ni réseau, "
            "2 un téléphone sans internet, 3 équipé et connecté."
        ),
    )
    standard_field = serializers.CharField(
        help_text=_(
            "Champ du standard national d'où vient le canal (telephone, courriels, site_web, prise_rdv), vide sinon."
        )
    )

    class Meta:
        model = Channel
        fields = [
            "kind",
            "kind_label",
            "label",
            "value",
            "display_value",
            "href",
            "availability",
            "scenario",
            "standard_field",
        ]

    def get_kind_label(self, channel) -> str:
        return str(channel.kind_spec.label)


class ClosureSerializer(serializers.ModelSerializer):
    starts_on = serializers.DateField(help_text=_("Premier jour de fermeture."))
    ends_on = serializers.DateField(
        allow_null=True, help_text=_("Dernier jour de fermeture (inclus) ; null si inconnu.")
    )
    reason = serializers.ChoiceField(choices=enums.ClosureReason.choices, help_text=_("Motif de la fermeture."))
    public_message = serializers.CharField(help_text=_("Message au public, peut être vide."))

    class Meta:
        model = ClosurePeriod
        fields = ["starts_on", "ends_on", "reason", "public_message"]


class StatusNowSerializer(serializers.Serializer):
    """``Venue.status_at()``: the one status function, as the pages word it."""

    etat = serializers.ChoiceField(
        choices=["open", "closed", "unknown", "paused", "gone"],
        help_text=_(
            "Maintenant, dans le fuseau horaire du lieu : open (ouvert selon ses horaires), closed (fermé "
            "selon ses horaires), unknown (horaires non renseignés), paused (fermé temporairement), gone "
            "(fermé définitivement)."
        ),
    )
    texte = serializers.CharField(help_text=_("Le statut en mots, comme sur le site : « Ouvert · jusqu'à 12 h »."))
    ouvre_a = serializers.CharField(
        allow_null=True, help_text=_("Prochaine ouverture, heure locale du lieu (ISO 8601).")
    )
    ferme_a = serializers.CharField(
        allow_null=True, help_text=_("Heure locale de fermeture quand il est ouvert (ISO 8601).")
    )
    fermeture_jusqu_au = serializers.CharField(
        allow_null=True, help_text=_("Dernier jour de la fermeture temporaire en cours, si elle a une fin.")
    )


class StatusSerializer(serializers.Serializer):
    now = StatusNowSerializer(help_text=_("Le statut maintenant, avec son libellé."))
    code = serializers.ChoiceField(
        choices=enums.VenueStatus.choices,
        help_text=_("Statut aujourd'hui : open, temporarily_closed ou permanently_closed."),
    )
    label = serializers.CharField(help_text=_("Libellé du statut, en français."))
    closure = ClosureSerializer(allow_null=True, help_text=_("La fermeture en cours, null si le lieu est ouvert."))
    closed_permanently_on = serializers.DateField(
        allow_null=True, help_text=_("Date de fermeture définitive, null si le lieu est en activité.")
    )


class StructureSerializer(serializers.Serializer):
    name = serializers.CharField(help_text=_("Nom de la structure gestionnaire."))
    slug = serializers.CharField(help_text=_("Identifiant d'URL de la structure."))


class ServiceAreaSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=enums.ServiceArea.choices,
        help_text=_(
            "commune (sa commune), epci (son intercommunalité), departement (son département), "
            "communes (une liste de communes, donnée dans la fiche détaillée)."
        ),
    )
    label = serializers.CharField(help_text=_("Libellé, en français."))


class VenueSerializer(serializers.ModelSerializer):
    """A venue as listed: everything a result card needs."""

    url = serializers.SerializerMethodField(help_text=_("Adresse de cette fiche dans l'API."))
    html_url = serializers.SerializerMethodField(help_text=_("Adresse de la fiche publique du lieu."))
    structure = serializers.SerializerMethodField(help_text=_("Structure gestionnaire, null si aucune."))
    commune = CommuneSerializer(help_text=_("Commune où se trouve le lieu."))
    status = serializers.SerializerMethodField(help_text=_("Statut d'ouverture aujourd'hui."))
    stale = serializers.SerializerMethodField(
        help_text=_("Vrai si les informations n'ont pas été vérifiées depuis plus de 6 mois (ou jamais).")
    )
    service_area = serializers.SerializerMethodField(help_text=_("Zone dont les habitants peuvent s'adresser au lieu."))
    channels = ChannelSerializer(
        many=True,
        help_text=_(
            "Canaux de contact, du scénario le moins équipé au plus équipé. Quand la liste est filtrée "
            "par `scenario`, seuls les canaux utilisables dans ce scénario sont donnés."
        ),
    )
    distance_km = serializers.SerializerMethodField(
        help_text=_(
            "Distance en km depuis la position `near` (un lieu mobile : depuis son arrêt le plus proche), "
            "null sans ce filtre."
        )
    )

    class Meta:
        model = Venue
        fields = [
            "slug",
            "url",
            "html_url",
            "name",
            "structure",
            "commune",
            "postal_code",
            "address",
            "address_complement",
            "latitude",
            "longitude",
            "distance_km",
            "status",
            "opening_hours",
            "verified_at",
            "stale",
            "service_area",
            "languages",
            "channels",
            # The national standard's fields.
            "external_id",
            "source",
            "pivot",
            "structure_parente",
            "typologie",
            "itinerance",
            "presentation_resume",
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
            "date_maj",
        ]

    def _today(self):
        return self.context.get("today") or timezone.localdate()

    def get_url(self, venue) -> str:
        return self._absolute(reverse("api:venue-detail", kwargs={"slug": venue.slug}))

    def get_html_url(self, venue) -> str:
        return self._absolute(venue.get_absolute_url())

    def _absolute(self, path):
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    @extend_schema_field(StructureSerializer(allow_null=True))
    def get_structure(self, venue):
        if not venue.structure_id:
            return None
        return {"name": venue.structure.name, "slug": venue.structure.slug}

    @extend_schema_field(StatusSerializer)
    def get_status(self, venue):
        today = self._today()
        status = venue.status_on(today)
        closure = venue.current_closure(today) if status == enums.VenueStatus.TEMPORARILY_CLOSED else None
        return {
            "now": venue.status_at(self.context.get("now")).as_api(),
            "code": status.value,
            "label": str(status.label),
            "closure": ClosureSerializer(closure).data if closure else None,
            "closed_permanently_on": venue.closed_permanently_on,
        }

    def get_stale(self, venue) -> bool:
        return venue.is_stale

    @extend_schema_field(ServiceAreaSerializer)
    def get_service_area(self, venue):
        return {"kind": venue.service_area, "label": str(venue.get_service_area_display())}

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_distance_km(self, venue) -> float | None:
        distance = getattr(venue, "distance_km", None)
        return round(distance, 2) if distance is not None else None


class VenueDetailSerializer(VenueSerializer):
    """A venue sheet: the list representation, plus what only the sheet shows."""

    presentation_detail = serializers.CharField(help_text=_("Présentation détaillée."))
    closures = ClosureSerializer(
        many=True, source="closures.all", help_text=_("Fermetures en cours ou à venir, par date de début.")
    )
    service_area_communes = CommuneSerializer(
        many=True, help_text=_("Communes desservies quand la zone desservie est « communes ».")
    )

    class Meta(VenueSerializer.Meta):
        fields = [*VenueSerializer.Meta.fields, "presentation_detail", "closures", "service_area_communes"]
