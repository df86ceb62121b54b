"""Every choice list of the domain, in one place.

The national standard's vocabularies live in ``standard_vocabularies`` (generated from the
schema) and are re-exported here so callers import choices from a single module.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from directory.standard_vocabularies import (  # noqa: F401  (re-exported)
    Dispositif,
    FormationLabel,
    Frais,
    Itinerance,
    ModaliteAcces,
    ModaliteAccompagnement,
    PriseEnCharge,
    Public,
    Service,
    Typologie,
)


class AccessScenario(models.IntegerChoices):
    """What a resident has. A channel usable in scenario s is usable in every scenario above s."""

    OFFLINE = 1, _("Ni internet ni couverture réseau")
    DEVICE_NO_NETWORK = 2, _("Un téléphone ou un ordinateur, sans accès au réseau internet")
    CONNECTED = 3, _("Équipé et connecté à internet")

    @property
    def short_label(self):
        return {
            1: _("Je n'ai ni internet ni réseau"),
            2: _("J'ai un téléphone, sans internet"),
            3: _("J'ai un appareil connecté"),
        }[self.value]

    @property
    def description(self):
        return {
            1: _("Affichage à l'entrée, permanence sur place, courrier, fiches papier."),
            2: _("Appels téléphoniques et SMS, en plus de tout ce qui précède."),
            3: _(
                "WhatsApp, Facebook, e-mail, site web, vidéos, classes en visio et formations en ligne, "
                "en plus de tout ce qui précède."
            ),
        }[self.value]


class ChannelKind(models.TextChoices):
    PHONE = "phone", _("Téléphone")
    SMS = "sms", _("SMS")
    WHATSAPP = "whatsapp", _("WhatsApp")
    FACEBOOK = "facebook", _("Facebook")
    SIGNAGE = "signage", _("Affichage à l'entrée")
    IN_PERSON = "in_person", _("Permanence sur place")
    POST = "post", _("Courrier postal")
    EMAIL = "email", _("E-mail")
    WEBSITE = "website", _("Site web")
    VIDEO_STREAM = "video_stream", _("Vidéo en direct ou en replay")
    VIDEO_CLASS = "video_class", _("Classe en visio")
    ONLINE_COURSE = "online_course", _("Formation en ligne")


class ClosureReason(models.TextChoices):
    HEALTH_CRISIS = "health_crisis", _("Crise sanitaire")
    WORKS = "works", _("Travaux")
    HOLIDAYS = "holidays", _("Congés")
    STAFF = "staff", _("Absence du personnel")
    OTHER = "other", _("Autre")


class ServiceArea(models.TextChoices):
    COMMUNE = "commune", _("Sa commune")
    EPCI = "epci", _("Son intercommunalité (EPCI)")
    DEPARTEMENT = "departement", _("Son département")
    COMMUNES = "communes", _("Une liste de communes")


class VenueStatus(models.TextChoices):
    OPEN = "open", _("Ouvert")
    TEMPORARILY_CLOSED = "temporarily_closed", _("Fermé temporairement")
    PERMANENTLY_CLOSED = "permanently_closed", _("Fermé définitivement")


class StructureKind(models.TextChoices):
    SOCIAL_CENTRE_NETWORK = "centres_sociaux", _("Réseau de centres sociaux")
    CAF = "caf", _("Caisse d'allocations familiales")
    FRANCE_SERVICES = "france_services", _("Opérateur France Services")
    ASSOCIATION = "association", _("Association")
    COMMUNE = "commune", _("Commune")
    EPCI = "epci", _("Intercommunalité")
    DEPARTEMENT = "departement", _("Département")
    LIBRARY = "mediatheque", _("Médiathèque")
    OTHER = "autre", _("Autre")


class MembershipRole(models.TextChoices):
    MEDIATOR = "mediator", _("Médiateur ou médiatrice")
    MANAGER = "manager", _("Responsable de la structure")


class ReportTopic(models.TextChoices):
    STATUS = "status", _("Ouverture ou fermeture")
    HOURS = "hours", _("Horaires")
    CHANNELS = "channels", _("Moyens de contact")
    ADDRESS = "address", _("Adresse")
    OTHER = "other", _("Autre")


class ReportStatus(models.TextChoices):
    OPEN = "open", _("À traiter")
    CLOSED = "closed", _("Traité")


class DuplicateStatus(models.TextChoices):
    """A likely duplicate pair (``directory/duplicates.py``): proposed to staff until merged
    (the pair disappears with the absorbed venue) or marked distinct (never proposed again)."""

    PROPOSED = "proposed", _("À examiner")
    DISTINCT = "distinct", _("Lieux distincts")


class DuplicateOrigin(models.TextChoices):
    IMPORT = "import", _("Import")
    SCAN = "scan", _("Recherche dans l'annuaire")


class SuggestionKind(models.TextChoices):
    NEW_VENUE = "new_venue", _("Nouveau lieu")
    CHANGE = "change", _("Modification d'un lieu")


class SuggestionStatus(models.TextChoices):
    OPEN = "open", _("À traiter")
    ACCEPTED = "accepted", _("Acceptée")
    REFUSED = "refused", _("Refusée")
