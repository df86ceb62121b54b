"""« Mon lieu » in a real Chromium on a 360×740 phone: the whole mediator task (declare a
closure with a message and a reopening date, add a WhatsApp group and an SMS number, confirm,
print the poster) counted in actions, and axe on the page."""

import datetime
import re

import pytest
from django.utils import timezone

from directory.models import ClosurePeriod
from tests.browser.conftest import axe_violations, format_violations
from tests.browser.world import PASSWORD, build_directory_world

MAX_ACTIONS = 10


@pytest.fixture
def world(live_server):
    return build_directory_world()


class Counted:
    """Every click and every field filled is one action of the person."""

    def __init__(self, page):
        self.page = page
        self.actions = []

    def click(self, locator, what):
        locator.click()
        self.actions.append(f"clic : {what}")

    def fill(self, locator, value, what):
        locator.fill(value)
        self.actions.append(f"saisie : {what}")


def log_in(page, base_url, username):
    page.goto(f"{base_url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("input[type=submit], button[type=submit]").first.click()


def test_the_whole_mediator_task_fits_in_ten_actions_on_a_phone(page, base_url, world):
    log_in(page, base_url, world.mediator.username)
    page.wait_for_url(re.compile(r"/mon-lieu/$"))  # mediators land on « Mon lieu »
    venue = world.mediatheque
    page.get_by_role("link", name=venue.name).click()
    page.wait_for_url(re.compile(r"/mon-lieu/\d+/$"))

    user = Counted(page)
    reopening = timezone.localdate() + datetime.timedelta(days=12)
    user.fill(page.get_by_label("Réouverture prévue le"), reopening.isoformat(), "date de réouverture")
    user.fill(page.get_by_label("Message au public"), "Fermé pour travaux : écrivez-nous sur WhatsApp.", "message")
    user.click(page.get_by_role("button", name="+ WhatsApp"), "ajouter WhatsApp")
    user.fill(page.locator("input[autofocus]"), "https://chat.whatsapp.com/AbCdEfGhIj1234", "lien du groupe")
    user.click(page.get_by_role("button", name="+ SMS"), "ajouter SMS")
    user.fill(page.locator("input[autofocus]"), "06 39 98 45 67", "numéro SMS")
    user.click(page.get_by_role("button", name="Enregistrer").first, "enregistrer")
    page.wait_for_url(re.compile(r"/mon-lieu/\d+/#enregistre$"))
    assert page.get_by_text("Les informations sont confirmées à jour").is_visible()
    user.click(page.get_by_role("link", name="Imprimer l'affiche pour la porte"), "affiche")
    page.wait_for_url(re.compile(r"/affiche/$"))
    assert page.locator(".poster-detail, .poster-message").first.inner_text().startswith("Fermé pour travaux")

    assert len(user.actions) <= MAX_ACTIONS, user.actions
    closure = ClosurePeriod.objects.get(venue=venue)
    assert closure.ends_on == reopening - datetime.timedelta(days=1)
    assert sorted(c.kind for c in closure.open_channels.all()) == ["sms", "whatsapp"]
    assert page.console_problems == []


def test_mon_lieu_works_without_javascript_and_fits_the_phone(nojs_page, base_url, world):
    page = nojs_page
    log_in(page, base_url, world.mediator.username)
    page.goto(f"{base_url}/mon-lieu/{world.mediatheque.pk}/")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    page.get_by_role("button", name="+ Téléphone").click()
    page.locator("input[autofocus]").fill("pas un numéro")
    page.get_by_role("button", name="Enregistrer").first.click()
    summary = page.locator("#erreurs")
    assert summary.is_visible()
    summary.get_by_role("link").first.click()
    assert page.url.endswith("-value")


def test_mon_lieu_has_no_axe_violations(axe_page, base_url, world):
    log_in(axe_page, base_url, world.mediator.username)
    axe_page.wait_for_url(re.compile(r"/mon-lieu/$"))
    found = {}
    for path in ["/mon-lieu/", f"/mon-lieu/{world.mediatheque.pk}/"]:
        axe_page.goto(f"{base_url}{path}")
        violations = axe_violations(axe_page)
        if violations:
            found[path] = format_violations(violations)
    # With every part unfolded and an error summary.
    axe_page.goto(f"{base_url}/mon-lieu/{world.mediatheque.pk}/")
    axe_page.get_by_role("button", name="+ WhatsApp").click()
    axe_page.locator("input[autofocus]").fill("Groupe entraide")
    axe_page.get_by_role("button", name="Enregistrer").first.click()
    axe_page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    violations = axe_violations(axe_page)
    if violations:
        found["erreurs"] = format_violations(violations)
    assert found == {}, "\n".join(f"{k}\n{v}" for k, v in found.items())


def test_suggestion_and_moderation_pages_have_no_axe_violations(axe_page, base_url, world):
    from directory import enums
    from directory.models import Suggestion

    venue = world.mediatheque
    suggestion = Suggestion.objects.create(
        kind=enums.SuggestionKind.CHANGE, venue=venue, comment="Nouveau numéro", phone="+33353014444"
    )
    found = {}
    for path in [f"{venue.get_absolute_url()}proposer/", "/proposer-un-lieu/"]:
        axe_page.goto(f"{base_url}{path}")
        violations = axe_violations(axe_page)
        if violations:
            found[path] = format_violations(violations)
    # The public form with its errors shown.
    axe_page.get_by_role("button", name="Envoyer la proposition").click()
    violations = axe_violations(axe_page)
    if violations:
        found["erreurs"] = format_violations(violations)
    log_in(axe_page, base_url, world.mediator.username)
    axe_page.wait_for_url(re.compile(r"/mon-lieu/$"))
    for path in ["/mon-lieu/propositions/", f"/mon-lieu/propositions/{suggestion.pk}/"]:
        axe_page.goto(f"{base_url}{path}")
        violations = axe_violations(axe_page)
        if violations:
            found[path] = format_violations(violations)
    assert found == {}, "\n".join(f"{k}\n{v}" for k, v in found.items())


def test_a_flagged_channel_is_announced_accessibly_and_confirmed_without_javascript(
    axe_page, nojs_page, base_url, world
):
    """Issue 19: the notice and its two actions pass axe, fit the phone, and « Le lien
    fonctionne » works without JavaScript."""
    from directory import enums
    from directory.models import ChannelCheck
    from tests.factories import ChannelFactory

    venue = world.mediatheque
    website = ChannelFactory(venue=venue, kind=enums.ChannelKind.WEBSITE, value="https://mediatheque.example/")
    now = timezone.now()
    ChannelCheck.objects.create(
        channel=website,
        checked_at=now,
        failing_since=now - datetime.timedelta(days=3),
        failures=4,
        reason="page introuvable (404)",
    )
    log_in(axe_page, base_url, world.mediator.username)
    axe_page.wait_for_url(re.compile(r"/mon-lieu/"))
    found = {}
    for path in ["/mon-lieu/", f"/mon-lieu/{venue.pk}/"]:
        axe_page.goto(f"{base_url}{path}")
        violations = axe_violations(axe_page)
        if violations:
            found[path] = format_violations(violations)
    assert found == {}, "\n".join(f"{k}\n{v}" for k, v in found.items())

    page = nojs_page
    log_in(page, base_url, world.mediator.username)
    page.goto(f"{base_url}/mon-lieu/{venue.pk}/")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    assert page.get_by_text("Ce lien ne répond plus depuis le").first.is_visible()
    page.get_by_role("link", name=re.compile("^Corriger le lien")).first.click()
    assert page.url.endswith(f"#panne-{website.pk}")
    page.get_by_role("button", name=re.compile("^Le lien fonctionne")).first.click()
    page.wait_for_url(re.compile(r"#canaux$"))
    assert page.get_by_text("ce lien est noté comme fonctionnel").is_visible()
    assert ChannelCheck.objects.get(channel=website).confirmed_by == world.mediator
