"""Build directory/data/territories.json.gz from the INSEE COG 2026 reference files.

Run once when the reference changes (see docs/open-data.md, « Rebuilding the data files »):

    npm pack codes-postaux@4.1.2 && tar xzf codes-postaux-4.1.2.tgz   # La Poste delivery labels
    python scripts/build_territories.py ../shared/reference/territories package/codes-postaux.json

Keeps only what the product needs: current communes (with their postal codes, population,
département and EPCI), EPCI, départements and régions, and the **aliases** under which real
files write a current commune:

- delegated and associated communes of a merger (``commune-deleguee``, ``commune-associee``,
  with their ``chefLieu``) and the municipal arrondissements of Paris, Lyon and Marseille
  (``arrondissement-municipal``, with their postal codes), from the COG;
- old INSEE codes of current communes (``anciensCodes``) that are not already one of those;
- La Poste's delivery labels (« libellé d'acheminement ») that differ from the commune's name
  (« CANNES LA BOCCA » 06150 → Cannes, « MONTFAVET » 84140 → Avignon), from the npm package
  ``codes-postaux`` (MIT; data from the COG and the DGFiP, Licence Ouverte). Optional: without
  its path, no such alias is built.

Each alias is ``[code, name, kind, current commune code, [postal codes]]``.
"""

import gzip
import json
import re
import sys
import unicodedata
from pathlib import Path


def _key(name: str) -> str:
    text = unicodedata.normalize("NFKD", name.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"\bste\b", "sainte", re.sub(r"\bst\b", "saint", re.sub(r"[^a-z0-9]+", " ", text)))
    return text.replace(" ", "")


def build_aliases(communes: list[dict], postal_labels: list[dict]) -> list[list]:
    current = {c["code"]: c for c in communes if c["type"] == "commune-actuelle"}
    parent = {}  # any COG code → current commune code
    aliases = []
    for c in communes:
        if c["type"] in ("commune-deleguee", "commune-associee"):
            parent.setdefault(c["code"], c["chefLieu"])
            aliases.append([c["code"], c["nom"], c["type"], c["chefLieu"], []])
        elif c["type"] == "arrondissement-municipal":
            parent[c["code"]] = c["commune"]
            aliases.append([c["code"], c["nom"], c["type"], c["commune"], c.get("codesPostaux", [])])
    named_codes = {a[0] for a in aliases}
    for c in current.values():
        for old in c.get("anciensCodes", []):
            if old not in current and old not in named_codes:
                aliases.append([old, "", "ancien-code", c["code"], []])
                parent.setdefault(old, c["code"])
    for code in current:
        parent[code] = code

    labels: dict[tuple[str, str], list] = {}
    for row in postal_labels:
        commune = parent.get(row["codeCommune"])
        label = row["libelleAcheminement"].strip()
        if commune is None or not label:
            continue
        name_keys = {_key(current[commune]["nom"])} | {_key(a[1]) for a in aliases if a[3] == commune and a[1]}
        if _key(label) in name_keys:
            continue
        alias = labels.setdefault((label, commune), ["", label, "libelle-acheminement", commune, []])
        if row["codePostal"] not in alias[4]:
            alias[4].append(row["codePostal"])
    aliases.extend(labels.values())
    aliases.sort(key=lambda a: (a[3], a[2], a[1], a[0]))
    return aliases


def main(source: Path, target: Path, postal_labels_path: Path | None = None) -> None:
    def load(name):
        with gzip.open(source / name, "rt", encoding="utf-8") as handle:
            return json.load(handle)

    communes, epcis = load("communes.json.gz"), load("epci.json.gz")
    departements, regions = load("departements.json.gz"), load("regions.json.gz")
    postal_labels = json.loads(postal_labels_path.read_text(encoding="utf-8")) if postal_labels_path else []
    epci_of = {member["code"]: epci["code"] for epci in epcis for member in epci["membres"]}
    data = {
        "source": "INSEE COG 2026 via @etalab/decoupage-administratif 6.0.0 (MIT)"
        + (", libellés d'acheminement via codes-postaux 4.1.2 (MIT)" if postal_labels else ""),
        "regions": [[r["code"], r["nom"]] for r in regions],
        "departements": [[d["code"], d["nom"], d["region"]] for d in departements],
        "epci": [[e["code"], e["nom"], e["type"], e.get("populationTotale", 0)] for e in epcis],
        "communes": [
            [
                c["code"],
                c["nom"],
                c["departement"],
                epci_of.get(c["code"]),
                c.get("codesPostaux", []),
                c.get("population", 0),
            ]
            for c in communes
            if c["type"] == "commune-actuelle"
        ],
        "aliases": build_aliases(communes, postal_labels),
    }
    with gzip.open(target, "wt", encoding="utf-8", compresslevel=9) as handle:
        json.dump(data, handle, ensure_ascii=False, separators=(",", ":"))
    print(f"{target}: {len(data['communes'])} communes, {len(data['aliases'])} aliases, {len(data['epci'])} EPCI")


if __name__ == "__main__":
    main(
        Path(sys.argv[1]),
        Path(__file__).resolve().parent.parent / "directory/data/territories.json.gz",
        Path(sys.argv[2]) if len(sys.argv) > 2 else None,
    )
