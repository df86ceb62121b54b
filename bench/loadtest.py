"""Load and fault test (`make loadtest`), loopback only, bounded in time (about 2 minutes).

1. Load: gunicorn as `make serve` runs it (DJANGO_DEBUG=0, 2 workers × 4 threads) on
   127.0.0.1:8009, over the demo data in its own database; wrk at 64 connections for 60 s on a mix
   of directory URLs (home, lists with every filter, venue sheets, posters, coverage summary).
   Asserted: zero socket errors and zero non-2xx responses.
2. Fault: writes are committed, then PostgreSQL is stopped (``pg_ctl stop -m fast``) while a
   client keeps asking for pages that need the database. Asserted: every answer while it is down
   is the 503 page, in under 2 s, without a traceback; after ``pg_ctl start`` the service answers
   200 again within 5 s by itself (no gunicorn restart); every write confirmed before the stop is
   there after it.

The database is ``gll_loadtest`` on the private cluster of bench/pgserver.py (127.0.0.1:8019), so
stopping it cuts nobody else's connections. Results: bench/loadtest-results.json, and the summary
printed at the end (copied into docs/proof.md).
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import pgserver  # noqa: E402
from bench.run import Gunicorn, wrk  # noqa: E402
from mediation.production_env import production_env  # noqa: E402

DATABASE = "gll_loadtest"
PORT = int(os.environ.get("LOADTEST_HTTP_PORT", "8009"))
SECONDS = int(os.environ.get("LOADTEST_SECONDS", "60"))
CONNECTIONS = 64
RESULTS = ROOT / "bench" / "loadtest-results.json"


def environment() -> dict[str, str]:
    return production_env(
        loopback=True,
        DATABASE_URL=pgserver.database_url(DATABASE),
        DJANGO_CACHE_DIR=str(ROOT / "var" / "loadtest-cache"),
        # Production settings on the demo data, on loopback: load_demo refuses without this.
        DJANGO_ALLOW_DEMO="1",
    )


def manage(env, *args):
    subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "manage.py", *args], cwd=ROOT, env=env, check=True)


def get(url: str, timeout: float = 10) -> tuple[int, float, str]:
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            body = response.read().decode("utf-8", "replace")
            status = response.status
    except urllib.error.HTTPError as error:
        body = error.read().decode("utf-8", "replace")
        status = error.code
    except OSError as error:
        return 0, time.perf_counter() - start, str(error)
    return status, time.perf_counter() - start, body


def directory_paths() -> list[str]:
    from directory.models import Commune, Venue

    venues = list(Venue.objects.filter(closed_permanently_on__isnull=True).values_list("slug", flat=True)[:20])
    communes = list(Commune.objects.filter(venues__isnull=False).distinct().values_list("code", flat=True)[:10])
    paths = ["/", "/lieux/", "/lieux/?q=lille", "/lieux/?q=medaitheque", "/lieux/?code_postal=59000",
             "/lieux/?scenario=1", "/lieux/?scenario=2&canal=sms", "/lieux/?canal=phone&statut=ouvert",
             "/lieux/?near=50.63,3.06", "/lieux/?departement=62", "/lieux/?page=2", "/couverture/public/",
             "/territoires/59350/fiche/"]  # fmt: skip
    paths += [f"/lieux/?commune={code}" for code in communes]
    paths += [f"/lieux/{slug}/" for slug in venues]
    paths += [f"/lieux/{slug}/affiche/" for slug in venues[:5]]
    return paths


def load_phase(base: str, paths: list[str]) -> dict:
    # Every URL must answer 200 before the load: a 404 in the mix would be a test bug.
    broken = {p: s for p in paths if (s := get(base + p)[0]) != 200}
    assert not broken, f"URL du mélange en erreur avant la charge : {broken}"
    template = (ROOT / "bench" / "list_urls.lua").read_text()
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(template.replace("--PATHS--", ",\n".join(json.dumps(p) for p in paths)))
    try:
        result = wrk(base + "/", SECONDS, CONNECTIONS, script=handle.name)
    finally:
        os.unlink(handle.name)
    print(result.pop("raw"))
    return result


class Prober(threading.Thread):
    """Asks for an uncached page (new query string each time) every 100 ms; records everything."""

    def __init__(self, base: str):
        super().__init__(daemon=True)
        self.base, self.samples, self.stop = base, [], threading.Event()

    def run(self):
        n = 0
        while not self.stop.is_set():
            n += 1
            status, seconds, body = get(f"{self.base}/lieux/?q=sonde{n}", timeout=10)
            self.samples.append((time.monotonic(), status, seconds, body))
            time.sleep(0.1)


def fault_phase(base: str) -> dict:
    from django.db import connections

    from directory.models import Commune, Structure, Venue

    commune = Commune.objects.get(code="59350")
    structure = Structure.objects.order_by("pk").first()
    stamp = int(time.time())
    written = []
    for i in range(20):
        venue = Venue.objects.create(
            name=f"Lieu d'essai de panne {stamp}-{i}",
            pivot=f"{21590000900000 + i}",
            structure=structure,
            commune=commune,
            postal_code="59000",
            address=f"{i + 1} rue de l'Essai",
            latitude=50.63,
            longitude=3.06,
        )
        written.append(venue.pk)  # create() returned: the row is committed (autocommit)
    connections.close_all()

    prober = Prober(base)
    prober.start()
    time.sleep(1.0)
    stopped_at = time.monotonic()
    pgserver.stop("fast")
    time.sleep(5.0)
    down_samples = [s for s in prober.samples if s[0] > stopped_at + 0.5]
    restart_started = time.monotonic()
    pgserver.start()
    back_at = time.monotonic()
    recovered_at = None
    deadline = back_at + 15
    while time.monotonic() < deadline:
        recent = [s for s in prober.samples if s[0] >= back_at and s[1] == 200]
        if recent:
            recovered_at = recent[0][0]
            break
        time.sleep(0.05)
    time.sleep(1.0)
    prober.stop.set()
    prober.join(15)

    down = [s for s in down_samples if s[0] < restart_started]
    after = [s for s in prober.samples if recovered_at and s[0] > recovered_at]
    present = Venue.objects.filter(pk__in=written).count()
    result = {
        "writes_confirmed_before_stop": len(written),
        "writes_present_after_restart": present,
        "requests_while_down": len(down),
        "statuses_while_down": sorted({s[1] for s in down}),
        "max_seconds_while_down": round(max((s[2] for s in down), default=0), 3),
        "all_503_page": all(s[1] == 503 and "Service momentanément indisponible" in s[3] for s in down),
        "no_traceback": not any("Traceback" in s[3] or "OperationalError" in s[3] for s in down),
        "postgres_restart_seconds": round(back_at - restart_started, 2),
        "recovered_seconds_after_restart": None if recovered_at is None else round(recovered_at - back_at, 2),
        "all_200_after_recovery": bool(after) and all(s[1] == 200 for s in after),
    }
    return result


def main() -> int:
    env = environment()
    pgserver.start()
    pgserver.recreate_database(DATABASE)
    manage(env, "migrate", "--noinput", "--verbosity", "0")
    manage(env, "load_territories", "--departements", "59,62", "--no-progress", "--verbosity", "0")
    manage(env, "load_demo", "--verbosity", "0")
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    os.environ.update(env)
    import django

    django.setup()
    paths = directory_paths()
    with Gunicorn(env, port=PORT) as server:
        print(f"== charge : wrk -c{CONNECTIONS} -d{SECONDS}s sur {len(paths)} URL de l'annuaire")
        load = load_phase(server.base, paths)
        print("== panne : arrêt et redémarrage de PostgreSQL sous sondage")
        fault = fault_phase(server.base)
    results = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu_count": os.cpu_count(),
        "command": "make loadtest",
        "load": {"wrk": f"-t2 -c{CONNECTIONS} -d{SECONDS}s", "urls": len(paths), **load},
        "fault": fault,
    }
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(results, indent=2, ensure_ascii=False))
    failures = []
    if load["socket_errors"]:
        failures.append(f"{load['socket_errors']} erreurs de socket")
    if load["non_2xx_3xx"]:
        failures.append(f"{load['non_2xx_3xx']} réponses non 2xx")
    if not fault["requests_while_down"] or not fault["all_503_page"] or not fault["no_traceback"]:
        failures.append("pendant la panne, des réponses autres que la page 503")
    if fault["max_seconds_while_down"] >= 2:
        failures.append(f"réponse lente pendant la panne ({fault['max_seconds_while_down']} s)")
    if fault["recovered_seconds_after_restart"] is None or fault["recovered_seconds_after_restart"] > 5:
        failures.append("pas de retour à la normale dans les 5 s")
    if fault["writes_present_after_restart"] != fault["writes_confirmed_before_stop"]:
        failures.append("écritures perdues")
    if failures:
        print("ÉCHEC : " + " ; ".join(failures))
        return 1
    print("OK : charge sans erreur, panne de base de données gérée (503 rapide, reprise seule, rien de perdu).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
