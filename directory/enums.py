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


# The channels a temporary closure suspends when it names no channel staying open: the drop-in
# at the venue itself. The one rule is ``ClosurePeriod.keeps_working`` (models/venues.py).
ON_SITE_KINDS = (ChannelKind.IN_PERSON,)


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
    """Derived, never stored (``Venue.status_on``); these values are the API's ``status.code``.
    URLs spell it in French: ``STATUS_URL_WORDS``."""

    OPEN = "open", _("Ouvert")
    TEMPORARILY_CLOSED = "temporarily_closed", _("Fermé temporairement")
    PERMANENTLY_CLOSED = "permanently_closed", _("Fermé définitivement")


# ``?statut=`` in every URL (public list, API filter, admin list): the French words people read
# and share. The values above are accepted too, as aliases: links made with them (the admin's
# list filter spelled ``?statut=open`` until 2026-11-30) keep working.
STATUS_URL_WORDS = {
    VenueStatus.OPEN: "ouvert",
    VenueStatus.TEMPORARILY_CLOSED: "ferme",
    VenueStatus.PERMANENTLY_CLOSED: "ferme_definitivement",
}
STATUS_FROM_URL = {word: status for status, word in STATUS_URL_WORDS.items()} | {s.value: s for s in VenueStatus}


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


class Language(models.TextChoices):
    """Languages a venue's team can help in (``Venue.languages``): ISO 639-1 codes, and ISO
    639-3 ``fsl`` for the langue des signes française, which has no two-letter code. Ordered
    as residents look for them: French first, then the languages most asked for in France."""

    FRENCH = "fr", _("Français")
    FSL = "fsl", _("Langue des signes française (LSF)")
    ENGLISH = "en", _("Anglais")
    ARABIC = "ar", _("Arabe")
    SPANISH = "es", _("Espagnol")
    PORTUGUESE = "pt", _("Portugais")
    ITALIAN = "it", _("Italien")
    GERMAN = "de", _("Allemand")
    TURKISH = "tr", _("Turc")
    RUSSIAN = "ru", _("Russe")
    UKRAINIAN = "uk", _("Ukrainien")
    ROMANIAN = "ro", _("Roumain")
    POLISH = "pl", _("Polonais")
    CHINESE = "zh", _("Chinois")
    VIETNAMESE = "vi", _("Vietnamien")
    TAMIL = "ta", _("Tamoul")
    PERSIAN = "fa", _("Persan (farsi, dari)")
    PASHTO = "ps", _("Pachto")
    KURDISH = "ku", _("Kurde")
    ALBANIAN = "sq", _("Albanais")
    ARMENIAN = "hy", _("Arménien")
    GEORGIAN = "ka", _("Géorgien")
    SOMALI = "so", _("Somali")
    TIGRINYA = "ti", _("Tigrigna")
    WOLOF = "wo", _("Wolof")
    BAMBARA = "bm", _("Bambara")
    SONINKE = "snk", _("Soninké")
    FULA = "ff", _("Peul")
    LINGALA = "ln", _("Lingala")
    CREOLE_HT = "ht", _("Créole haïtien")
    BRETON = "br", _("Breton")
    OCCITAN = "oc", _("Occitan")
    BASQUE = "eu", _("Basque")
    CORSICAN = "co", _("Corse")
    ALSATIAN = "gsw", _("Alsacien")
