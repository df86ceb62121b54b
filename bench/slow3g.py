"""The first venue of a commune search on a phone over a slow network (issue 13).

Chromium (Playwright, /usr/bin/chromium) with DevTools' network emulation through CDP
(``Network.emulateNetworkConditions``: 2 s round trips, 400 kbit/s down and up, as « Slow 3G »),
a 360×740 viewport, an empty cache for every run. The time is from the start of the navigation
to the first frame the browser renders with the first venue of the results in the document
(a ``requestAnimationFrame`` callback: none runs while a render-blocking stylesheet is still
loading). Median of 3 runs. Target: ≤ 3 s (it was 4.8 s: the HTML, then a blocking stylesheet,
each cost a round trip).

    make bench                                   # measured there (``first_venue_slow3g_s``)
    .venv/bin/python bench/slow3g.py --serve --path "/lieux/?q=mons+en+pevele"   # alone, on $DATABASE_URL
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SLOW_3G = {"offline": False, "latency": 2000, "downloadThroughput": 400_000 / 8, "uploadThroughput": 400_000 / 8}
RUNS = 3
TARGET_S = 3.0
SELECTOR = ".venues .venue-name"


def first_venue_times(base: str, path: str, runs: int = RUNS) -> list[float]:
    from playwright.sync_api import sync_playwright

    times = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
        try:
            for _ in range(runs):
                context = browser.new_context(viewport={"width": 360, "height": 740}, locale="fr-FR")
                page = context.new_page()
                cdp = context.new_cdp_session(page)
                cdp.send("Network.enable")
                cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
                cdp.send("Network.emulateNetworkConditions", SLOW_3G)
                page.goto(base + path, wait_until="commit", timeout=60_000)
                page.wait_for_selector(SELECTOR, state="attached", timeout=60_000)
                # The next frame the browser renders, in ms from the navigation's start.
                rendered = page.evaluate("new Promise(done => requestAnimationFrame(() => done(performance.now())))")
                times.append(round(rendered / 1000, 2))
                context.close()
        finally:
            browser.close()
    return times


def warm_up(base: str, path: str, requests: int = 8) -> None:
    """Every worker has read the commune index (``directory/territories.shared_index``) and
    compiled its templates before the measure: what a resident meets on a running server."""
    import urllib.request

    for _ in range(requests):
        with urllib.request.urlopen(base + path, timeout=30) as response:
            response.read()


def measure(base: str, path: str, runs: int = RUNS) -> dict:
    warm_up(base, path)
    times = first_venue_times(base, path, runs)
    return {"path": path, "runs_s": times, "median_s": statistics.median(times), "target_s": TARGET_S}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="", help="a running server (default: --serve)")
    parser.add_argument("--serve", action="store_true", help="start gunicorn on $DATABASE_URL (production settings)")
    parser.add_argument("--path", default="/lieux/?q=lille")
    parser.add_argument("--runs", type=int, default=RUNS)
    args = parser.parse_args(argv)
    if args.base:
        result = measure(args.base, args.path, args.runs)
    else:
        sys.path.insert(0, str(ROOT))
        from bench.run import Gunicorn

        env = dict(os.environ)
        env.setdefault("DJANGO_DEBUG", "0")
        env.setdefault("DJANGO_SECURE", "0")
        env.setdefault("DJANGO_SECRET_KEY", "bench-slow3g-" + "x" * 50)
        env.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
        env["PUBLIC_PAGE_CACHE_SECONDS"] = "0"
        with Gunicorn(env, port=int(os.environ.get("BENCH_HTTP_PORT", "8018"))) as server:
            result = measure(server.base, args.path, args.runs)
    print(json.dumps(result, ensure_ascii=False))
    return 0 if result["median_s"] <= TARGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
