"""Real-browser harness: Debian's Chromium driven by Playwright against pytest-django's live server.

One browser per test session; each test gets a fresh context (phone-sized by default). axe-core
comes from npm (package.json at the repository root); it is installed with ``npm ci`` on first use
when ``node_modules/axe-core`` is missing.

Without /usr/bin/chromium the tests are skipped with one line saying how to enable them, except
on CI (``CI`` set), where a missing browser is a failure.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the main thread; Django refuses ORM calls from a
# thread with a running loop unless told this is deliberate (test code only).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SKIP_MESSAGE = "Chromium absent : apt-get install -y chromium pour activer les tests navigateur"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
PHONE = {"width": 360, "height": 740}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


BROWSER_MISSING = not CHROMIUM.exists() and not os.environ.get("CI")
if BROWSER_MISSING:
    # Not collected at all, and one line in the summary rather than one skip per test.
    collect_ignore_glob = ["test_*.py"]


def pytest_terminal_summary(terminalreporter):
    if BROWSER_MISSING:
        terminalreporter.write_line(f"SKIPPED tests/browser: {SKIP_MESSAGE}", yellow=True)


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in item.nodeid:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        # Only reachable on CI (see BROWSER_MISSING): there a missing browser is a failure.
        pytest.fail(f"CI sans Chromium ({CHROMIUM}) : .ci/run doit l'installer avec apt-get.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def base_url(live_server):
    return live_server.url


def _new_page(browser, **options):
    context = browser.new_context(viewport=PHONE, locale="fr-FR", **options)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.console_problems = []

    def on_console(message):
        text = message.text
        # Failed loads are reported with their URL by on_response below.
        if "Failed to load resource" in text:
            return
        if message.type == "error" or "Content Security Policy" in text:
            page.console_problems.append(text)

    def on_response(response):
        # Browsers ask for /favicon.ico by themselves; a missing one is not a page defect.
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            page.console_problems.append(f"HTTP {response.status}: {response.url}")

    page.on("console", on_console)
    page.on("response", on_response)
    page.on("pageerror", lambda error: page.console_problems.append(f"pageerror: {error}"))
    return context, page


@pytest.fixture
def page(browser, live_server):
    """A phone-sized page with JavaScript, under the real Content-Security-Policy."""
    context, page = _new_page(browser)
    yield page
    context.close()


@pytest.fixture
def nojs_page(browser, live_server):
    context, page = _new_page(browser, java_script_enabled=False)
    yield page
    context.close()


@pytest.fixture
def desktop_page(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def _ensure_axe() -> Path:
    if not AXE_JS.exists():
        npm = shutil.which("npm")
        if not npm:
            pytest.fail("axe-core absent et npm introuvable : installez Node.js puis lancez `npm ci`.")
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=ROOT, check=True)
    return AXE_JS


@pytest.fixture(scope="session")
def axe_source():
    return _ensure_axe()


@pytest.fixture
def axe_page(browser, live_server, axe_source):
    """A page on which axe-core can be injected: the CSP forbids inline scripts (as it should),
    so this one context bypasses it; `page` checks the CSP itself."""
    context, page = _new_page(browser, bypass_csp=True)
    page.axe_source = axe_source
    yield page
    context.close()


def format_violations(violations) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']} — {violation['helpUrl']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {' '.join(node['target'])}: {node['failureSummary'].splitlines()[-1].strip()}")
            lines.append(f"      {node['html'][:200]}")
    return "\n".join(lines)


def axe_violations(page):
    page.add_script_tag(path=str(page.axe_source))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        AXE_TAGS,
    )
    return result["violations"]


def assert_accessible(page, url: str):
    response = page.goto(url)
    assert response is not None and response.ok, f"{url} → {response and response.status}"
    violations = axe_violations(page)
    assert violations == [], f"axe-core sur {url} :\n{format_violations(violations)}\n" + json.dumps(
        [v["id"] for v in violations]
    )
