"""Build directory/data/territories.json.gz from the INSEE COG 2026 reference files.

Run once when the reference changes:
    python scripts/build_territories.py ../shared/reference/territories
Keeps only what the product needs: current communes (with their postal codes, population,
département and EPCI), EPCI, départements and régions.
"""

import gzip
import json
import sys
from pathlib import Path


def main(source: Path, target: Path) -> None:
    def load(name):
        with gzip.open(source / name, "rt", encoding="utf-8") as handle:
            return json.load(handle)

    communes, epcis = load("communes.json.gz"), load("epci.json.gz")
    departements, regions = load("departements.json.gz"), load("regions.json.gz")
    epci_of = {member["code"]: epci["code"] for epci in epcis for member in epci["membres"]}
    data = {
        "source": "INSEE COG 2026 via @etalab/decoupage-administratif 6.0.0 (MIT)",
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
    }
    with gzip.open(target, "wt", encoding="utf-8", compresslevel=9) as handle:
        json.dump(data, handle, ensure_ascii=False, separators=(",", ":"))
    print(f"{target}: {len(data['communes'])} communes, {len(data['epci'])} EPCI")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(__file__).resolve().parent.parent / "directory/data/territories.json.gz")
