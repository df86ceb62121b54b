"""Load French régions, départements, EPCI and communes (INSEE COG 2026) in bulk, and the
aliases of communes (delegated and associated communes, municipal arrondissements, old INSEE
codes, La Poste's delivery labels) that the commune resolver reads.

Idempotent: rows are upserted on their INSEE/SIREN code, so a second run updates names,
populations and postal codes in place and duplicates nothing; aliases are replaced whole
(nothing points to them).
"""

import gzip
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from tqdm import tqdm

from directory.cache import bump_data_version
from directory.models import Commune, CommuneAlias, Departement, Epci, Region
from directory.territories import forget_shared_index
from directory.text import fold

DATA_FILE = Path(__file__).resolve().parents[2] / "data" / "territories.json.gz"
BATCH = 2000


class Command(BaseCommand):
    help = "Charge les régions, départements, EPCI et communes de France (COG 2026)."

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(DATA_FILE), help="Fichier territories.json.gz à charger.")
        parser.add_argument(
            "--departements",
            default="",
            help="Codes de départements séparés par des virgules (par défaut : toute la France).",
        )
        parser.add_argument("--no-progress", action="store_true", help="Sans barre de progression.")
        parser.add_argument(
            "--if-needed",
            action="store_true",
            help="Ne rien faire si toutes les communes sont déjà chargées (pour `make run`).",
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.exists():
            raise CommandError(f"Fichier introuvable : {path}")
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            data = json.load(handle)
        only = {code.strip() for code in options["departements"].split(",") if code.strip()}
        communes = [c for c in data["communes"] if not only or c[2] in only]
        epci_codes = {c[3] for c in communes if c[3]}
        show = not options["no_progress"] and options["verbosity"] > 0
        commune_codes = {c[0] for c in communes}
        aliases = [a for a in data.get("aliases", []) if a[3] in commune_codes]
        if (
            options["if_needed"]
            and Commune.objects.filter(code__in=commune_codes).count() == len(communes)
            # A database loaded before aliases existed gets them on its next ``--if-needed``.
            and CommuneAlias.objects.filter(commune__in=commune_codes).count() == len(aliases)
        ):
            self.stdout.write(f"{len(communes)} communes déjà chargées : rien à faire.")
            return

        with transaction.atomic():
            Region.objects.bulk_create(
                [Region(code=code, name=name) for code, name in data["regions"]],
                update_conflicts=True,
                unique_fields=["code"],
                update_fields=["name"],
            )
            Departement.objects.bulk_create(
                [Departement(code=code, name=name, region_id=region) for code, name, region in data["departements"]],
                update_conflicts=True,
                unique_fields=["code"],
                update_fields=["name", "region"],
            )
            epcis = [
                Epci(code=code, name=name, kind=kind, population=population or 0, search_name=fold(name))
                for code, name, kind, population in data["epci"]
                if not only or code in epci_codes
            ]
            Epci.objects.bulk_create(
                epcis,
                update_conflicts=True,
                unique_fields=["code"],
                update_fields=["name", "kind", "population", "search_name"],
                batch_size=BATCH,
            )
            rows = [
                Commune(
                    code=code,
                    name=name,
                    search_name=fold(name),
                    departement_id=departement,
                    epci_id=epci,
                    postal_codes=postal_codes,
                    population=population or 0,
                )
                for code, name, departement, epci, postal_codes, population in communes
            ]
            with tqdm(total=len(rows), desc="Communes", unit=" communes", disable=not show) as bar:
                for start in range(0, len(rows), BATCH):
                    chunk = rows[start : start + BATCH]
                    Commune.objects.bulk_create(
                        chunk,
                        update_conflicts=True,
                        unique_fields=["code"],
                        update_fields=["name", "search_name", "departement", "epci", "postal_codes", "population"],
                    )
                    bar.update(len(chunk))
            CommuneAlias.objects.filter(commune__in=commune_codes).delete()
            CommuneAlias.objects.bulk_create(
                [
                    CommuneAlias(
                        code=code,
                        name=name,
                        search_name=fold(name),
                        kind=kind,
                        commune_id=commune,
                        postal_codes=postal_codes,
                    )
                    for code, name, kind, commune, postal_codes in aliases
                ],
                batch_size=BATCH,
            )
        forget_shared_index()
        # Commune names and populations are on cached pages and coverage figures (keyed on the
        # data version); bulk_create sends no signal.
        bump_data_version()
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(data['regions'])} régions, {len(data['departements'])} départements, "
                f"{len(epcis)} EPCI et {len(rows)} communes chargés ({len(aliases)} autres noms de communes)."
            )
        )
