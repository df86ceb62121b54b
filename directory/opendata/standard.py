"""The national standard « Lieux de médiation numérique » (v1.0.2), as this project reads and
writes it: the column list, how each column maps to ``Venue``, the vocabularies, and how the
older v0.1.x files are translated to v1.0.2.

Importer and exporter both read this module, so a column can only be mapped one way.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.utils.translation import gettext as _

from directory import enums
from directory.text import fold

SCHEMAS_DIR = Path(__file__).resolve().parent / "schemas"
SCHEMA_PATH = SCHEMAS_DIR / "schema.json"
SCHEMA_V0_PATH = SCHEMAS_DIR / "schema-v0.1.1.json"
RICH_SCHEMA_PATH = SCHEMAS_DIR / "gardez-le-lien-lieux.schema.json"
EXAMPLE_PATH = SCHEMAS_DIR / "exemple-valide.csv"
EXAMPLE_V0_PATH = SCHEMAS_DIR / "exemple-valide-v0.1.1.csv"

SEPARATOR = "|"
SEPARATOR_V0 = ";"


@cache
def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@cache
def schema_v0() -> dict:
    return json.loads(SCHEMA_V0_PATH.read_text(encoding="utf-8"))


# The columns of v1.0.2, in the schema's order (the export writes exactly these).
FIELDS: tuple[str, ...] = tuple(f["name"] for f in schema()["fields"])
REQUIRED: frozenset[str] = frozenset(f["name"] for f in schema()["fields"] if f.get("constraints", {}).get("required"))
FIELDS_V0: tuple[str, ...] = tuple(f["name"] for f in schema_v0()["fields"])
# Columns only v0.1.x has: their presence in a header identifies an old file.
V0_ONLY: frozenset[str] = frozenset(FIELDS_V0) - frozenset(FIELDS)


@dataclass(frozen=True)
class Vocabulary:
    """A multi-valued column whose values come from a closed list."""

    column: str
    attribute: str
    choices: type

    @property
    def lookup(self) -> dict[str, str]:
        return _lookup(self.choices)

    def canonical(self, item: str) -> str | None:
        """The standard's spelling of ``item``, or None when it is not in the vocabulary."""
        if item in self.choices._value2member_map_:
            return item  # the common case, without folding
        return self.lookup.get(_key(item))


@cache
def _lookup(choices) -> dict[str, str]:
    # Accents, case and spacing forgiven: « comprehension du monde numerique » is the value the
    # schema's own description spells without its accent.
    table = {}
    for value in choices.values:
        table[_key(value)] = value
    return table


@cache
def _key(value: str) -> str:
    return re.sub(r"[\s()]+", "", fold(value))


VOCABULARIES: tuple[Vocabulary, ...] = (
    Vocabulary("typologie", "typologie", enums.Typologie),
    Vocabulary("itinerance", "itinerance", enums.Itinerance),
    Vocabulary("services", "services", enums.Service),
    Vocabulary("publics_specifiquement_adresses", "publics", enums.Public),
    Vocabulary("prise_en_charge_specifique", "prise_en_charge", enums.PriseEnCharge),
    Vocabulary("frais_a_charge", "frais", enums.Frais),
    Vocabulary("dispositif_programmes_nationaux", "dispositifs", enums.Dispositif),
    Vocabulary("formations_labels", "formations_labels", enums.FormationLabel),
    Vocabulary("modalites_acces", "modalites_acces", enums.ModaliteAcces),
    Vocabulary("modalites_accompagnement", "modalites_accompagnement", enums.ModaliteAccompagnement),
)
VOCABULARY_BY_COLUMN = {v.column: v for v in VOCABULARIES}

# Plain text columns → Venue attribute and the model's maximum length.
TEXT_COLUMNS: dict[str, tuple[str, int | None]] = {
    "id": ("external_id", 200),
    "source": ("source", 200),
    "pivot": ("pivot", 14),
    "nom": ("name", 250),
    "adresse": ("address", 250),
    "complement_adresse": ("address_complement", 250),
    "horaires": ("opening_hours", 500),
    "presentation_resume": ("presentation_resume", 280),
    "presentation_detail": ("presentation_detail", None),
    "structure_parente": ("structure_parente", 250),
    "autres_formations_labels": ("autres_formations_labels", 500),
    "fiche_acces_libre": ("fiche_acces_libre", 500),
}

# Columns that become contact channels; ``Channel.standard_field`` remembers which.
CHANNEL_COLUMNS = ("telephone", "courriels", "site_web", "prise_rdv")

# The schema's pattern for ``telephone`` (one number, E.164, overseas prefixes included).
TELEPHONE_PATTERN = re.compile(
    next(f for f in schema()["fields"] if f["name"] == "telephone")["constraints"]["pattern"]
)
PIVOT_PATTERN = re.compile(r"^[a-zA-Z0-9]{9,14}$")
POSTAL_CODE_PATTERN = re.compile(r"^\d{5}$")
INSEE_PATTERN = re.compile(r"^([013-9]\d|2[AB1-9])\d{3}$")


# --- v0.1.x → v1.0.2 ------------------------------------------------------------------------
# Renamed columns. Columns absent from this table and from v1.0.2 (``cle_ban``) are dropped
# with a warning.
V0_RENAMED = {
    "courriel": "courriels",
    "labels_autres": "autres_formations_labels",
    "accessibilite": "fiche_acces_libre",
}
# Old column → {old value: (new column, new value) or None when v1.0.2 has no equivalent}.
V0_VALUES: dict[str, dict[str, tuple[str, str] | None]] = {
    "services": {
        "Devenir autonome dans les démarches administratives": ("services", "Aide aux démarches administratives"),
        "Réaliser des démarches administratives avec un accompagnement": (
            "services",
            "Aide aux démarches administratives",
        ),
        "Prendre en main un smartphone ou une tablette": ("services", "Maîtrise des outils numériques du quotidien"),
        "Prendre en main un ordinateur": ("services", "Maîtrise des outils numériques du quotidien"),
        "Utiliser le numérique au quotidien": ("services", "Maîtrise des outils numériques du quotidien"),
        "Approfondir ma culture numérique": ("services", "Compréhension du monde numérique"),
        "Favoriser mon insertion professionnelle": ("services", "Insertion professionnelle via le numérique"),
        "Accéder à une connexion internet": ("services", "Accès internet et matériel informatique"),
        "Accéder à du matériel": ("services", "Accès internet et matériel informatique"),
        "S'équiper en matériel informatique": ("services", "Acquisition de matériel informatique à prix solidaire"),
        "Créer et développer mon entreprise": ("services", "Insertion professionnelle via le numérique"),
        "Créer avec le numérique": ("services", "Loisirs et créations numériques"),
        "Accompagner les démarches de santé": ("services", "Aide aux démarches administratives"),
        "Promouvoir la citoyenneté numérique": ("services", "Compréhension du monde numérique"),
        "Soutenir la parentalité et l'éducation avec le numérique": (
            "services",
            "Parentalité et éducation avec le numérique",
        ),
    },
    "publics_accueillis": {
        "Seniors (+ 65 ans)": ("publics_specifiquement_adresses", "Seniors"),
        "Familles/enfants": ("publics_specifiquement_adresses", "Familles et/ou enfants"),
        "Adultes": None,
        "Jeunes (16-26 ans)": ("publics_specifiquement_adresses", "Jeunes"),
        "Uniquement femmes": ("publics_specifiquement_adresses", "Femmes"),
        "Public langues étrangères": ("prise_en_charge_specifique", "Langues étrangères (autres)"),
        "Déficience visuelle": ("prise_en_charge_specifique", "Déficience visuelle"),
        "Surdité": ("prise_en_charge_specifique", "Surdité"),
        "Handicaps psychiques : troubles psychiatriques donnant lieu à des atteintes comportementales": (
            "prise_en_charge_specifique",
            "Handicaps mentaux",
        ),
        "Handicaps mentaux : déficiences limitant les activités d'une personne": (
            "prise_en_charge_specifique",
            "Handicaps mentaux",
        ),
        "Personnes en situation d'illettrisme": ("prise_en_charge_specifique", "Illettrisme"),
    },
    "conditions_acces": {
        "Gratuit : Je peux accéder gratuitement au lieu et à ses services": ("frais_a_charge", "Gratuit"),
        "Gratuit sous condition : La gratuité est conditionnée à des critères (situation familiale, "
        "convention avec un organisme social...)": ("frais_a_charge", "Gratuit sous condition"),
        "Payant : L'accès au lieu et/ou à ses services est payant": ("frais_a_charge", "Payant"),
        "Accepte le Pass numérique : Il est possible d'utiliser un Pass numérique pour accéder au lieu": None,
        "Adhésion : L'accès au lieu et/ou à ses services nécessite d'y adhérer": None,
    },
    "labels_nationaux": {
        "France Services": ("dispositif_programmes_nationaux", "France Services"),
        "CNFS": ("dispositif_programmes_nationaux", "Conseillers numériques"),
        "Aidants Connect": ("dispositif_programmes_nationaux", "Aidants Connect"),
        "Grandes écoles du numérique": ("dispositif_programmes_nationaux", "Grande école du numérique"),
        "Point relais CAF": ("dispositif_programmes_nationaux", "Point d'accès numérique CAF"),
        "Point numérique CAF": ("dispositif_programmes_nationaux", "Point d'accès numérique CAF"),
        "Fabriques de Territoire": ("formations_labels", "Fabriques de Territoire"),
        "APTIC": None,
        "Relais pôle emploi": None,
        "French Tech": None,
        "Campus connecté": None,
    },
    "modalites_accompagnement": {
        "Seul : j'ai accès à du matériel et une connexion": ("modalites_accompagnement", "En autonomie"),
        "Avec de l'aide : je suis accompagné seul dans l'usage du numérique": (
            "modalites_accompagnement",
            "Accompagnement individuel",
        ),
        "Dans un atelier : j'apprends collectivement à utiliser le numérique": (
            "modalites_accompagnement",
            "Dans un atelier collectif",
        ),
        # « Someone does it for me »: the closest v1.0.2 value is individual support.
        "A ma place : une personne habilitée fait les démarches à ma place": (
            "modalites_accompagnement",
            "Accompagnement individuel",
        ),
    },
}
# v0.1 columns whose values are ``;``-separated lists.
V0_MULTI = frozenset({"typologie", "courriel", "site_web", "telephone", *V0_VALUES})


@cache
def _v0_lookup(column: str) -> dict[str, tuple[str, str] | None]:
    return {_key(old): new for old, new in V0_VALUES[column].items()}


def translate_v0(row: dict[str, str], warn, error) -> dict[str, str]:
    """A v0.1.x row (column → raw text) as a v1.0.2 row. ``warn(column, value, reason)`` is
    called for every value dropped for want of an equivalent, ``error(...)`` for a value that
    v0.1.x itself did not allow."""
    out: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for column, raw in row.items():
        value = (raw or "").strip()
        if column in V0_VALUES:
            table = _v0_lookup(column)
            for item in _split(value, SEPARATOR_V0):
                key = _key(item)
                if key not in table:
                    error(column, item, _("valeur inconnue du standard v0.1"))
                    continue
                mapped = table[key]
                if mapped is None:
                    warn(column, item, _("valeur sans équivalent dans la version 1.0.2 du standard, ignorée"))
                    continue
                target, new_value = mapped
                bucket = multi.setdefault(target, [])
                if new_value not in bucket:
                    bucket.append(new_value)
            continue
        target = V0_RENAMED.get(column, column)
        if target not in FIELDS:
            if value:
                warn(column, value, _("colonne sans équivalent dans la version 1.0.2 du standard, ignorée"))
            continue
        if column in V0_MULTI:
            out[target] = SEPARATOR.join(_split(value, SEPARATOR_V0))
        else:
            out[target] = value
    for column, values in multi.items():
        out[column] = SEPARATOR.join(values)
    resume = out.get("presentation_resume", "")
    if len(resume) > 280:
        warn("presentation_resume", resume[:40] + "…", _("raccourcie à 280 caractères (limite de la version 1.0.2)"))
        out["presentation_resume"] = resume[:279].rstrip() + "…"
    return out


def _split(value: str, separator: str) -> list[str]:
    return [part.strip() for part in (value or "").split(separator) if part.strip()]


def split_multi(value: str) -> list[str]:
    return _split(value, SEPARATOR)


def is_v0_header(header: list[str]) -> bool:
    return bool(V0_ONLY & set(header))
