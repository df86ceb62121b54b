"""The national standard's vocabularies (Lieux de médiation numérique v1.0.2).

Generated from directory/opendata/schemas/schema.json by hand-run script; values are the
exact strings of the standard, so import and export need no mapping.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Typologie(models.TextChoices):
    """Types of structure (data·inclusion vocabulary referenced by the standard)."""

    ACI = "ACI", _("Structures porteuses d’ateliers et chantiers d’insertion (ACI)")
    ACIPHC = "ACIPHC", _("SIAE — Atelier chantier d’insertion premières heures en chantier")
    AFPA = "AFPA", _("Agence nationale pour la formation professionnelle des adultes (AFPA)")
    AI = "AI", _("Associations intermédiaires (AI)")
    ASE = "ASE", _("Aide sociale à l’enfance (ASE)")
    ASSO = "ASSO", _("Associations")
    ASSO_CHOMEUR = "ASSO_CHOMEUR", _("Associations de chômeurs")
    AVIP = "AVIP", _("Crèche À Vocation d’Insertion Professionnelle (AVIP)")
    AUTRE = "Autre", _("Autre")
    BIB = "BIB", _("Bibliothèque / Médiathèque")
    CAARUD = (
        "CAARUD",
        _("CAARUD - Centre d’accueil et d’accompagnement à la réduction de risques pour usagers de drogues"),
    )
    CADA = "CADA", _("Centres d’accueil de demandeurs d’asile (CADA)")
    CAF = "CAF", _("Caisses d’allocation familiale (CAF)")
    CAP_EMPLOI = "CAP_EMPLOI", _("Cap Emploi")
    CAVA = "CAVA", _("Centres d’adaptation à la vie active (CAVA)")
    CC = "CC", _("Communautés de Commune")
    CCAS = "CCAS", _("Centres communaux d’action sociale (CCAS)")
    CCONS = "CCONS", _("Chambres consulaires (CCI, CMA, CA)")
    CD = "CD", _("Conseils Départementaux (CD)")
    CDAS = "CDAS", _("Centre Départementale d’Action Sociale (CDAS)")
    CFP = "CFP", _("Centre des Finances Publiques (CFP)")
    CHRS = "CHRS", _("Centres d’hébergement et de réinsertion sociale (CHRS)")
    CHU = "CHU", _("Centres d’hébergement d’urgence (CHU)")
    CIAS = "CIAS", _("Centres intercommunaux d’action sociale (CIAS)")
    CIDFF = "CIDFF", _("Centres d’information sur les droits des femmes et des familles (CIDFF)")
    CITMET = "CITMET", _("Cité des métiers")
    CMP = "CMP", _("Centre Médico-Psychologique (CMP)")
    CMS = "CMS", _("Centre Médico-Social (CMS)")
    CPAM = "CPAM", _("Caisse Primaire d’Assurance Maladie (CPAM)")
    CPH = "CPH", _("Centres provisoires d’hébergement (CPH)")
    CS = "CS", _("Centre social")
    CSAPA = "CSAPA", _("CSAPA - Centre de soins, d’accompagnement et de prévention en addictologie")
    CSC = "CSC", _("Centre Socio-Culturel (CSC)")
    DEETS = "DEETS", _("Directions de l’Economie, de l’Emploi, du Travail et des Solidarités (DEETS)")
    DEPT = "DEPT", _("Services sociaux du Conseil départemental")
    DIPLP = "DIPLP", _("Délégation interministérielles à la prévention et à la lutte contre la pauvreté")
    E2C = "E2C", _("E2C - École de la 2e chance")
    EA = "EA", _("Entreprise adaptée (EA)")
    EATT = "EATT", _("Entreprise Adaptée (EATT)")
    EI = "EI", _("Entreprises d’insertion (EI)")
    EITI = "EITI", _("Entreprises d’insertion par le travail indépendant (EITI)")
    ENM = "ENM", _("Espace Numérique Mobile (ENM)")
    EPCI = "EPCI", _("Intercommunalité (EPCI)")
    EPI = "EPI", _("Espace Public Internet (EPI)")
    EPIDE = "EPIDE", _("EPIDE - Établissement pour l’insertion dans l’emploi")
    EPN = "EPN", _("Espace Public Numérique (EPN)")
    ES = "ES", _("Épicerie Solidaire")
    ESS = "ESS", _("Entreprise de l’Économie Sociale et Solidaire")
    ETABL_PRI = "ETABL_PRI", _("Établissement privé")
    ETABL_PUB = "ETABL_PUB", _("Établissement public")
    ETAT = "ETAT", _("Service de l’État")
    ETTI = "ETTI", _("Entreprises de travail temporaire d’insertion (ETTI)")
    EVS = "EVS", _("Espace de Vie Sociale (EVS)")
    FABLAB = "FABLAB", _("Fablab / Atelier partagé")
    FAIS = "FAIS", _("Fédérations d’acteurs de l’insertion et de la solidarité")
    FT = "FT", _("France Travail")
    GEIQ = "GEIQ", _("Groupements d’employeurs pour l’insertion et la qualification (GEIQ)")
    HUDA = "HUDA", _("HUDA - Hébergement d’urgence pour demandeurs d’asile")
    LA_POSTE = "LA_POSTE", _("Bureau de poste / Agence postale")
    MDE = "MDE", _("Maison de l’emploi")
    MDEF = "MDEF", _("Maison de l’emploi et de la formation")
    MDPH = "MDPH", _("Maison Départementale des Personnes Handicapées")
    MDS = "MDS", _("Maison Départementale des Solidarités")
    MJC = "MJC", _("Maison des jeunes et de la culture")
    ML = "ML", _("Mission Locale")
    MQ = "MQ", _("Maison de quartier")
    MSA = "MSA", _("Mutualité Sociale Agricole")
    MSAP = "MSAP", _("Maison de Services Au Public (MSAP)")
    MUNI = "MUNI", _("Municipalités")
    OACAS = "OACAS", _("Structures agréées Organisme d’accueil communautaire et d’activité solidaire (OACAS)")
    ODC = "ODC", _("Organisation délégataire d’un CD")
    OF = "OF", _("Organisme de formations")
    OIL = "OIL", _("Opérateur d’intermédiation locative")
    OPCS = "OPCS", _("Organisation porteuse de la clause sociale")
    PAD = "PAD", _("Point d’Accès au Droit")
    PENSION = "PENSION", _("Pension de famille / résidence accueil")
    PI = "PI", _("Point Information (PI)")
    PIJ_BIJ = "PIJ_BIJ", _("Points et bureaux information jeunesse (PIJ/BIJ)")
    PIMMS = "PIMMS", _("Point Information Médiation Multi Services (PIMMS)")
    PJJ = "PJJ", _("Protection judiciaire de la jeunesse (PJJ)")
    PLIE = "PLIE", _("Plans locaux pour l’insertion et l’emploi (PLIE)")
    PREF = "PREF", _("Préfecture, Sous-Préfecture")
    PREVENTION = "PREVENTION", _("Service ou club de prévention")
    REG = "REG", _("Région")
    RESSOURCERIE = "RESSOURCERIE", _("Ressourcerie")
    RFS = "RFS", _("Réseau France Services")
    RS_FJT = "RS_FJT", _("Résidence sociale / FJT - Foyer de Jeunes Travailleurs")
    SCP = "SCP", _("Services et clubs de prévention")
    SPIP = "SPIP", _("Services pénitentiaires d’insertion et de probation (SPIP)")
    TIERS_LIEUX = "TIERS_LIEUX", _("Tiers lieu & coworking")
    UDAF = "UDAF", _("Union Départementale d’Aide aux Familles (UDAF)")


class Service(models.TextChoices):
    """Values of the standard's `services` field."""

    AIDE_AUX_DEMARCHES_ADMINISTRATIVES = "Aide aux démarches administratives", _("Aide aux démarches administratives")
    MAITRISE_DES_OUTILS_NUMERIQUES_DU_QUOTIDIEN = (
        "Maîtrise des outils numériques du quotidien",
        _("Maîtrise des outils numériques du quotidien"),
    )
    INSERTION_PROFESSIONNELLE_VIA_LE_NUMERIQUE = (
        "Insertion professionnelle via le numérique",
        _("Insertion professionnelle via le numérique"),
    )
    UTILISATION_SECURISEE_DU_NUMERIQUE = "Utilisation sécurisée du numérique", _("Utilisation sécurisée du numérique")
    PARENTALITE_ET_EDUCATION_AVEC_LE_NUMERIQUE = (
        "Parentalité et éducation avec le numérique",
        _("Parentalité et éducation avec le numérique"),
    )
    LOISIRS_ET_CREATIONS_NUMERIQUES = "Loisirs et créations numériques", _("Loisirs et créations numériques")
    COMPREHENSION_DU_MONDE_NUMERIQUE = "Compréhension du monde numérique", _("Compréhension du monde numérique")
    ACCES_INTERNET_ET_MATERIEL_INFORMATIQUE = (
        "Accès internet et matériel informatique",
        _("Accès internet et matériel informatique"),
    )
    ACQUISITION_DE_MATERIEL_INFORMATIQUE_A_PRIX_SOLIDAIRE = (
        "Acquisition de matériel informatique à prix solidaire",
        _("Acquisition de matériel informatique à prix solidaire"),
    )


class Public(models.TextChoices):
    """Values of the standard's `publics_specifiquement_adresses` field."""

    JEUNES = "Jeunes", _("Jeunes")
    ETUDIANTS = "Étudiants", _("Étudiants")
    FAMILLES_ET_OU_ENFANTS = "Familles et/ou enfants", _("Familles et/ou enfants")
    SENIORS = "Seniors", _("Seniors")
    FEMMES = "Femmes", _("Femmes")


class PriseEnCharge(models.TextChoices):
    """Values of the standard's `prise_en_charge_specifique` field."""

    SURDITE = "Surdité", _("Surdité")
    HANDICAPS_MOTEURS = "Handicaps moteurs", _("Handicaps moteurs")
    HANDICAPS_MENTAUX = "Handicaps mentaux", _("Handicaps mentaux")
    ILLETTRISME = "Illettrisme", _("Illettrisme")
    LANGUES_ETRANGERES_ANGLAIS = "Langues étrangères (anglais)", _("Langues étrangères (anglais)")
    LANGUES_ETRANGERES_AUTRES = "Langues étrangères (autres)", _("Langues étrangères (autres)")
    DEFICIENCE_VISUELLE = "Déficience visuelle", _("Déficience visuelle")


class Frais(models.TextChoices):
    """Values of the standard's `frais_a_charge` field."""

    GRATUIT = "Gratuit", _("Gratuit")
    GRATUIT_SOUS_CONDITION = "Gratuit sous condition", _("Gratuit sous condition")
    PAYANT = "Payant", _("Payant")


class Dispositif(models.TextChoices):
    """Values of the standard's `dispositif_programmes_nationaux` field."""

    AIDANTS_CONNECT = "Aidants Connect", _("Aidants Connect")
    BIBLIOTHEQUES_NUMERIQUE_DE_REFERENCE = (
        "Bibliothèques numérique de référence",
        _("Bibliothèques numérique de référence"),
    )
    CERTIFICATION_PIX = "Certification PIX", _("Certification PIX")
    CONSEILLERS_NUMERIQUES = "Conseillers numériques", _("Conseillers numériques")
    EMMAUS_CONNECT = "Emmaüs Connect", _("Emmaüs Connect")
    FRANCE_SERVICES = "France Services", _("France Services")
    GRANDE_ECOLE_DU_NUMERIQUE = "Grande école du numérique", _("Grande école du numérique")
    LA_CROIX_ROUGE = "La Croix Rouge", _("La Croix Rouge")
    POINT_D_ACCES_NUMERIQUE_CAF = "Point d'accès numérique CAF", _("Point d'accès numérique CAF")
    PROMENEURS_DU_NET = "Promeneurs du net", _("Promeneurs du net")
    RELAIS_NUMERIQUE_EMMAUS_CONNECT = "Relais numérique (Emmaüs Connect)", _("Relais numérique (Emmaüs Connect)")


class FormationLabel(models.TextChoices):
    """Values of the standard's `formations_labels` field."""

    FORME_A_MON_ESPACE_SANTE = "Formé à « Mon Espace Santé »", _("Formé à « Mon Espace Santé »")
    FORME_A_DUPLEX_ILLETTRISME = "Formé à « DUPLEX » (illettrisme)", _("Formé à « DUPLEX » (illettrisme)")
    ARNIA_MEDNUM_BFC_BOURGOGNE_FRANCHE_COMTE = (
        "Arnia/MedNum BFC (Bourgogne-Franche-Comté)",
        _("Arnia/MedNum BFC (Bourgogne-Franche-Comté)"),
    )
    COLLECTIF_RESSOURCES_ET_ACTEURS_REEMPLOI_NORMANDIE = (
        "Collectif ressources et acteurs réemploi (Normandie)",
        _("Collectif ressources et acteurs réemploi (Normandie)"),
    )
    ETAPES_NUMERIQUES_LA_POSTE = "Étapes numériques(La Poste)", _("Étapes numériques(La Poste)")
    FABRIQUES_DE_TERRITOIRE = "Fabriques de Territoire", _("Fabriques de Territoire")
    LES_ECLAIREURS_DU_NUMERIQUE_DROME = "Les Éclaireurs du numérique (Drôme)", _("Les Éclaireurs du numérique (Drôme)")
    MES_PAPIERS_METROPOLE_DE_LYON = "Mes Papiers (Métropole de Lyon)", _("Mes Papiers (Métropole de Lyon)")
    ORDI_3_0 = "ORDI 3.0", _("ORDI 3.0")
    SUD_LABS_PACA = "SUD LABS (PACA)", _("SUD LABS (PACA)")


class ModaliteAcces(models.TextChoices):
    """Values of the standard's `modalites_acces` field."""

    SE_PRESENTER = "Se présenter", _("Se présenter")
    TELEPHONER = "Téléphoner", _("Téléphoner")
    CONTACTER_PAR_MAIL = "Contacter par mail", _("Contacter par mail")
    PRENDRE_UN_RDV_EN_LIGNE = "Prendre un RDV en ligne", _("Prendre un RDV en ligne")
    CE_LIEU_N_ACCUEILLE_PAS_DE_PUBLIC = "Ce lieu n'accueille pas de public", _("Ce lieu n'accueille pas de public")
    ENVOYER_UN_MAIL_AVEC_UNE_FICHE_DE_PRESCRIPTION = (
        "Envoyer un mail avec une fiche de prescription",
        _("Envoyer un mail avec une fiche de prescription"),
    )


class ModaliteAccompagnement(models.TextChoices):
    """Values of the standard's `modalites_accompagnement` field."""

    EN_AUTONOMIE = "En autonomie", _("En autonomie")
    ACCOMPAGNEMENT_INDIVIDUEL = "Accompagnement individuel", _("Accompagnement individuel")
    DANS_UN_ATELIER_COLLECTIF = "Dans un atelier collectif", _("Dans un atelier collectif")
    A_DISTANCE = "À distance", _("À distance")


class Itinerance(models.TextChoices):
    """Values of the standard's `itinerance` field."""

    ITINERANT = "Itinérant", _("Itinérant")
    FIXE = "Fixe", _("Fixe")
