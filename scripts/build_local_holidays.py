"""Build directory/data/local_holidays.json: the public holidays that the law adds to the national
ones in Alsace-Moselle (Good Friday, 26 December) and in the overseas départements and
collectivities (the abolition of slavery on each one's date, and their own days), per
département code (the start of the INSEE commune code), for the years FIRST_YEAR to LAST_YEAR.

opening-hours-py, which reads the venues' OpenStreetMap hours, knows the national calendar only
(« PH »); ``directory.hours.local_holidays`` reads this file for the rest. The dates come from
the PyPI package ``holidays`` (MIT), a development dependency: importing it loads some 300
modules (about 19 MB in each web worker) for a few hundred dates, so they are written here once.
``tests/test_venue_status.py`` checks that the file still agrees with the installed package.

    .venv/bin/python scripts/build_local_holidays.py

Run it again when ``holidays`` is upgraded, and before LAST_YEAR comes close (a test fails five
years ahead). The output is deterministic.
"""

import json
import sys
from pathlib import Path

import holidays

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "directory" / "data" / "local_holidays.json"
FIRST_YEAR, LAST_YEAR = 2020, 2045
# Département code → subdivision of holidays.France.
SUBDIVISIONS = {
    "57": "57",
    "67": "6AE",
    "68": "6AE",
    "971": "971",
    "972": "972",
    "973": "973",
    "974": "974",
    "975": "PM",
    "976": "976",
    "977": "BL",
    "978": "MF",
    "984": "TF",
    "986": "WF",
    "987": "PF",
    "988": "NC",
}


def build() -> dict:
    years = range(FIRST_YEAR, LAST_YEAR + 1)
    national = holidays.France(years=years)
    local = {}
    for code, subdivision in SUBDIVISIONS.items():
        days = holidays.France(subdiv=subdivision, years=years)
        local[code] = sorted(day.isoformat() for day in days if day not in national)
    return {
        "source": f"PyPI holidays {holidays.__version__} (MIT), holidays.France(subdiv=…) minus the national days",
        "first_year": FIRST_YEAR,
        "last_year": LAST_YEAR,
        "holidays": local,
    }


def main() -> int:
    OUTPUT.write_text(json.dumps(build(), indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{OUTPUT.relative_to(ROOT)}: {sum(len(v) for v in build()['holidays'].values())} dates")
    return 0


if __name__ == "__main__":
    sys.exit(main())
