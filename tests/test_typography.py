"""French as it should be printed: no-break spaces where French typography wants them (checked
on every rendered page), « 0 commune », French sort order, rewritten admin wording."""

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import ngettext

from directory import enums
from directory.text import french_sort_key
from directory.typography import NBSP, NNBSP, fix_html, fix_text
from tests.factories import ChannelFactory, ClosurePeriodFactory, UserFactory, VenueFactory


@pytest.mark.parametrize(
    ("raw", "printed"),
    [
        ("Aucun lieu ne contient « médis » : voici", f"Aucun lieu ne contient «{NNBSP}médis{NNBSP}»{NBSP}: voici"),
        ("De quoi disposez-vous ?", f"De quoi disposez-vous{NNBSP}?"),
        ("Attention ! Oui ; non", f"Attention{NNBSP}! Oui{NNBSP}; non"),
        ("9 h – 12 h, 14 h 30 – 17 h", f"9{NNBSP}h – 12{NNBSP}h, 14{NNBSP}h{NNBSP}30 – 17{NNBSP}h"),
        ("Plus de 20 000 lieux", f"Plus de 20{NNBSP}000{NBSP}lieux"),
        ("Téléphone : 03 53 01 00 00", f"Téléphone{NBSP}: 03{NBSP}53{NBSP}01{NBSP}00{NBSP}00"),
        ("le 12 mai 2026", f"le 12{NBSP}mai 2026"),
        # Left alone: URLs, a lone question mark, times written in English.
        ("http://127.0.0.1:8000/lieux/?q=a", "http://127.0.0.1:8000/lieux/?q=a"),
        ("?", "?"),
        ("09:00-12:00", "09:00-12:00"),
    ],
)
def test_fix_text(raw, printed):
    assert fix_text(raw) == printed


def test_scripts_preformatted_text_form_values_and_urls_are_left_alone():
    html = (
        '<p title="Voir ?">Voir ?</p><script>var a = "x ?";</script><pre>Tél. 03 53 01 00 00</pre>'
        '<input value="a ?"><a href="/lieux/?q=a b">x</a><textarea>b ?</textarea>'
    )
    assert fix_html(html) == (
        f'<p title="Voir{NNBSP}?">Voir{NNBSP}?</p><script>var a = "x ?";</script><pre>Tél. 03 53 01 00 00</pre>'
        '<input value="a ?"><a href="/lieux/?q=a b">x</a><textarea>b ?</textarea>'
    )


class _Text(HTMLParser):
    """The text people read: text nodes (outside script, style, pre, textarea) and the title,
    alt, placeholder and aria-label attributes."""

    SKIPPED = {"script", "style", "pre", "textarea"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.skipping = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIPPED:
            self.skipping += 1
        for name, value in attrs:
            if name in {"title", "alt", "placeholder", "aria-label"} and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in self.SKIPPED and self.skipping:
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


BREAKABLE = [
    ("space inside « »", re.compile(r"« |(?<=\S) »")),
    ("space before ; ! ?", re.compile(r"(?<=[\w)»]) [;!?]")),
    ("space before :", re.compile(r"(?<=[\w)»]) :(?:\s|$)")),
    ("space in a time", re.compile(r"\d h\b|\dh \d\d\b")),
    ("space after a number", re.compile(r"\d (?=\w)")),
]


def breakable_spaces(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    found = []
    for part in parser.parts:
        for rule, pattern in BREAKABLE:
            for match in pattern.finditer(part):
                found.append(f"{rule}: …{part[max(0, match.start() - 30) : match.end() + 20]!r}…")
    return found


@pytest.fixture
def world(hauts_de_france):
    venue = VenueFactory(
        name="Médiathèque Jean Lévy", commune=hauts_de_france.lille, languages=["fr", "ar"], postal_code="59000"
    )
    ChannelFactory(venue=venue, value="+33353010101", availability="du lundi au vendredi, 9 h 30 – 12 h")
    ChannelFactory(venue=venue, sms=True)
    ChannelFactory(venue=venue, email=True)
    closed = VenueFactory(name="Centre social Fives", commune=hauts_de_france.lille)
    ChannelFactory(venue=closed)
    ClosurePeriodFactory(venue=closed)
    hauts_de_france.nord.contact_label = "Mission inclusion numérique"
    hauts_de_france.nord.contact_phone = "+33353019900"
    hauts_de_france.nord.save()
    return venue, closed


def test_no_rendered_page_has_a_breakable_space_where_french_forbids_one(client, world, settings, hauts_de_france):
    settings.FRENCH_TYPOGRAPHY = True
    settings.SMS_LOOKUP_NUMBER = "06 39 98 00 00"
    venue, closed = world
    lille = hauts_de_france.lille.code
    pages = [
        "/",
        "/lieux/",
        "/lieux/?q=mediateque",
        "/lieux/?q=zzzzzz&departement=59",
        f"/lieux/?commune={lille}&scenario=2",
        "/lieux/?scenario=9",
        venue.get_absolute_url(),
        closed.get_absolute_url(),
        f"{venue.get_absolute_url()}envoyer/?scenario=2",
        f"{venue.get_absolute_url()}imprimer/?format=a5",
        f"{venue.get_absolute_url()}affiche/",
        f"{venue.get_absolute_url()}signaler/",
        f"/territoires/{lille}/fiche/",
        f"/fiche-orientation/?lieu={venue.slug}&q=fives",
        f"/mes-lieux/?lieu={venue.slug}&lieu={closed.slug}",
        "/mentions-legales/",
        "/accessibilite/",
        "/donnees-personnelles/",
        "/contact/",
        "/open-data/",
        "/couverture/public/",
        "/compte/mot-de-passe/",
        "/admin/login/",
    ]
    admin = UserFactory(username="chef", is_staff=True, is_superuser=True)
    admin_pages = [
        "/admin/",
        "/admin/directory/venue/",
        f"/admin/directory/venue/{venue.pk}/change/",
        "/couverture/",
    ]
    found = {}
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        problems = breakable_spaces(response.content.decode())
        if problems:
            found[path] = problems
    client.force_login(admin)
    for path in admin_pages:
        response = client.get(path)
        assert response.status_code == 200, path
        problems = breakable_spaces(response.content.decode())
        if problems:
            found[path] = problems
    assert found == {}, "\n".join(f"{path}\n  " + "\n  ".join(p[:8]) for path, p in found.items())


def test_english_pages_are_left_as_english_writes_them(client, world, settings):
    settings.FRENCH_TYPOGRAPHY = True
    html = client.get("/lieux/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in html and NNBSP not in html


def test_zero_and_one_take_the_singular_in_french_and_not_in_english():
    with translation.override("fr"):
        assert ngettext(
            "%(n)s lieu n'existe plus dans l'annuaire.", "%(n)s lieux n'existent plus dans l'annuaire.", 0
        ) == ("%(n)s lieu n'existe plus dans l'annuaire.")
    with translation.override("en"):
        assert ngettext(
            "%(n)s lieu n'existe plus dans l'annuaire.", "%(n)s lieux n'existent plus dans l'annuaire.", 0
        ) == ("%(n)s venues no longer exist in the directory.")


def test_french_sort_order_puts_centre_before_corif_and_accents_among_their_letter():
    names = ["CORIF", "Espace", "Centre social", "École", "centre aéré"]
    assert sorted(names, key=french_sort_key) == ["centre aéré", "Centre social", "CORIF", "École", "Espace"]


def test_the_paper_sheet_lists_venues_in_french_order(client, hauts_de_france):
    for name in ("CORIF Lille", "Centre social Wazemmes", "École de la deuxième chance"):
        ChannelFactory(venue=VenueFactory(name=name, commune=hauts_de_france.lille, service_area="commune"))
    html = client.get(
        reverse("directory:territory_sheet", kwargs={"code": hauts_de_france.lille.code})
    ).content.decode()
    assert html.index("Centre social Wazemmes") < html.index("CORIF Lille") < html.index("École de la deuxième")


def test_the_admin_speaks_plain_french(client, hauts_de_france):
    venue = VenueFactory(commune=hauts_de_france.lille)
    ChannelFactory(venue=venue, kind=enums.ChannelKind.PHONE)
    client.force_login(UserFactory(username="chef", is_staff=True, is_superuser=True))
    changelist = client.get("/admin/directory/venue/").content.decode()
    assert "Sélectionnez l’objet" not in changelist
    assert "Choisir la fiche à modifier (lieu de médiation numérique)" in changelist
    home = client.get("/admin/").content.decode()
    assert "Aucun(e) disponible" not in home
    change = client.get(f"/admin/directory/venue/{venue.pk}/change/").content.decode()
    assert not re.search(r"Canal de contact:</b>", change)
    assert "#1</span>" not in change


def test_cached_pages_are_stored_with_their_typography_and_not_rewritten_on_each_hit(
    client, hauts_de_france, settings, monkeypatch
):
    """The page cache stores the typographed page: a hit is served as stored (the rewrite cost
    ~2 ms a request, a third of the list's throughput in make bench)."""
    from directory import typography

    settings.FRENCH_TYPOGRAPHY = True
    settings.PUBLIC_PAGE_CACHE_SECONDS = 60
    calls = []
    real = typography.fix_html
    monkeypatch.setattr(typography, "fix_html", lambda html: calls.append(1) or real(html))
    first = client.get("/lieux/")
    assert first["X-Page-Cache"] == "miss" and len(calls) == 1
    second = client.get("/lieux/")
    assert second["X-Page-Cache"] == "hit" and len(calls) == 1
    assert second.content == first.content
    assert "\u202f" in second.content.decode() or "\u00a0" in second.content.decode()
