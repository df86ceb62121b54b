"""English catalogue: complete, compiled, in step with the marked strings, and used by the pages.

French is the source language (no French catalogue); ``locale/en`` holds the English one. The
compiled ``django.mo`` is committed because a fresh machine may lack gettext's ``msgfmt``, so
these tests check it against the ``.po`` without msgfmt (polib compiles nothing, it reads both).
"""

import ast
import datetime
import io
import re
import tokenize
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.translation.template import templatize

from tests.factories import ChannelFactory, VenueFactory

ROOT = Path(settings.BASE_DIR)
PO_PATH = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")
# Same scope as `make messages` (makemessages --ignore …).
IGNORED_DIRS = {".venv", "var", "staticfiles", "node_modules", "bench", "tests", ".git", "locale"}
FIX = "run `make messages`, translate the new entries in locale/en/LC_MESSAGES/django.po, and commit the .po and .mo"

# xgettext keywords as makemessages passes them: name -> (context index or None, singular, plural).
PY_KEYWORDS = {
    "_": (None, 0, None),
    "gettext": (None, 0, None),
    "gettext_lazy": (None, 0, None),
    "gettext_noop": (None, 0, None),
    "ngettext": (None, 0, 1),
    "ngettext_lazy": (None, 0, 1),
    "pgettext": (0, 1, None),
    "pgettext_lazy": (0, 1, None),
    "npgettext": (0, 1, 2),
    "npgettext_lazy": (0, 1, 2),
}


def catalogue():
    return polib.pofile(str(PO_PATH))


def key(msgctxt, msgid, msgid_plural=None):
    return (msgctxt or "", msgid, msgid_plural or "")


def source_files(suffixes):
    for path in sorted(ROOT.rglob("*")):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in IGNORED_DIRS or not path.is_file() or path.suffix not in suffixes:
            continue
        yield path


def python_messages(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
        if name not in PY_KEYWORDS:
            continue
        context, singular, plural = PY_KEYWORDS[name]
        wanted = [i for i in (context, singular, plural) if i is not None]
        args = node.args
        if len(args) <= max(wanted) or not all(
            isinstance(args[i], ast.Constant) and isinstance(args[i].value, str) for i in wanted
        ):
            continue  # not a literal: xgettext cannot extract it either
        yield key(
            args[context].value if context is not None else None,
            args[singular].value,
            args[plural].value if plural is not None else None,
        )


def template_messages(path):
    """Django's own template-to-gettext conversion (the one makemessages feeds to xgettext)."""
    converted = templatize(path.read_text(encoding="utf-8"), origin=str(path))
    try:
        tokens = [t for t in tokenize.generate_tokens(io.StringIO(converted).readline) if t.type != tokenize.NL]
    except (IndentationError, tokenize.TokenError):
        # A plain-text template (an e-mail) indents its lines as the message reads: the
        # indentation means nothing to Python's tokenizer here, only the calls do.
        converted = re.sub(r"^[ \t]+", "", converted, flags=re.MULTILINE)
        tokens = [t for t in tokenize.generate_tokens(io.StringIO(converted).readline) if t.type != tokenize.NL]
    for index, token in enumerate(tokens):
        if token.type != tokenize.NAME or token.string not in ("gettext", "ngettext", "pgettext", "npgettext"):
            continue
        if index + 1 >= len(tokens) or tokens[index + 1].string != "(":
            continue
        strings = []
        for following in tokens[index + 2 :]:
            if following.string == ")":
                break
            if following.type == tokenize.STRING:
                strings.append(ast.literal_eval(following.string))
        if token.string == "gettext":
            yield key(None, strings[0])
        elif token.string == "ngettext":
            yield key(None, strings[0], strings[1])
        elif token.string == "pgettext":
            yield key(strings[0], strings[1])
        else:
            yield key(strings[0], strings[1], strings[2])


def marked_messages():
    found = set()
    for path in source_files({".py"}):
        found.update(python_messages(path))
    for path in source_files({".html", ".txt"}):
        if "templates" in path.relative_to(ROOT).parts:
            found.update(template_messages(path))
    return found


# --- the catalogue ---------------------------------------------------------------------------


def test_every_entry_is_translated_and_checked():
    po = catalogue()
    assert not po.metadata_is_fuzzy
    assert po.metadata["Language"] == "en"
    assert po.metadata["Plural-Forms"].startswith("nplurals=2;")
    entries = [e for e in po if not e.obsolete]
    assert len(entries) > 500
    fuzzy = [e.msgid for e in entries if "fuzzy" in e.flags]
    assert not fuzzy, f"fuzzy entries to check: {fuzzy[:5]}"
    empty = [
        e.msgid
        for e in entries
        if (not all(e.msgstr_plural.get(i) for i in (0, 1)) if e.msgid_plural else not e.msgstr)
    ]
    assert not empty, f"untranslated entries: {empty[:5]} — {FIX}"


def test_translations_keep_the_placeholders():
    placeholder = re.compile(r"%\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGc]|%%")
    for entry in catalogue():
        if entry.msgid_plural:
            # The singular may drop the count ("one venue"), the plural must keep everything.
            assert sorted(placeholder.findall(entry.msgstr_plural[1])) == sorted(
                placeholder.findall(entry.msgid_plural)
            ), entry.msgid
            assert set(placeholder.findall(entry.msgstr_plural[0])) <= set(placeholder.findall(entry.msgid)), (
                entry.msgid
            )
        else:
            assert sorted(placeholder.findall(entry.msgstr)) == sorted(placeholder.findall(entry.msgid)), entry.msgid


# Names of programmes and products: they stay as they are in English.
PROPER_NOUNS = {
    "Les Bons Clics, Pix, Skilleos, Udemy…",
    "Grande école du numérique",
    "Promeneurs du net",
    "Les Éclaireurs du numérique (Drôme)",
}


def test_translations_are_english_not_copies_of_the_french():
    """A msgstr that copies a French msgid is a forgotten translation."""
    french = re.compile(r"\b(le|la|les|des|du|une|est|pour|vous|votre|aucun|aucune|lieux?)\b", re.IGNORECASE)
    copied = [
        e.msgid
        for e in catalogue()
        if not e.msgid_plural
        and e.msgstr == e.msgid
        and french.search(e.msgid)
        and "Gardez le lien" not in e.msgid
        and e.msgid not in PROPER_NOUNS
    ]
    assert not copied, copied[:5]


def test_compiled_catalogue_matches_the_po():
    def table(catalog):
        result = {}
        for entry in catalog:
            if entry.obsolete or not entry.msgid:
                continue
            if entry.msgid_plural:
                value = tuple(entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural))
            else:
                value = entry.msgstr
            result[key(entry.msgctxt, entry.msgid, entry.msgid_plural)] = value
        return result

    assert MO_PATH.exists(), f"locale/en/LC_MESSAGES/django.mo is missing — {FIX}"
    po_table = table(catalogue())
    mo_table = table(polib.mofile(str(MO_PATH)))
    assert mo_table == po_table, f"django.mo is older than django.po — {FIX}"


def test_catalogue_holds_exactly_the_marked_strings():
    """Catches a string marked after the last `make messages` (it would show in French on the
    English site) and entries left over from removed strings."""
    in_sources = marked_messages()
    in_catalogue = {key(e.msgctxt, e.msgid, e.msgid_plural) for e in catalogue() if not e.obsolete}
    missing = sorted(in_sources - in_catalogue)
    stale = sorted(in_catalogue - in_sources)
    assert not missing, f"{len(missing)} marked strings missing from the catalogue, e.g. {missing[:3]} — {FIX}"
    assert not stale, f"{len(stale)} catalogue entries no longer in the sources, e.g. {stale[:3]} — {FIX}"


# --- the pages -------------------------------------------------------------------------------


@pytest.fixture
def venue(db):
    venue = VenueFactory(name="Centre social de test")
    ChannelFactory(venue=venue)
    return venue


@pytest.mark.django_db
@pytest.mark.parametrize("url", [reverse("directory:home"), reverse("directory:venue_list")])
def test_pages_are_french_by_default(client, url):
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert '<html lang="fr">' in body
    assert "De quoi disposez-vous ?" in body
    assert "What do you have?" not in body
    assert response["Content-Language"] == "fr"


@pytest.mark.django_db
@pytest.mark.parametrize("url", [reverse("directory:home"), reverse("directory:venue_list")])
def test_pages_follow_accept_language_english(client, url):
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9,fr;q=0.5")
    assert response.status_code == 200
    body = response.content.decode()
    assert '<html lang="en">' in body
    assert "What do you have?" in body
    assert "De quoi disposez-vous" not in body
    assert "Skip to content" in body
    # Labels defined in Python (enum choices) are translated too.
    assert "I have a phone, without internet" in body
    assert response["Content-Language"] == "en"
    assert "Accept-Language" in response["Vary"]


@pytest.mark.django_db
def test_venue_page_in_english(client, venue):
    url = reverse("directory:venue", kwargs={"slug": venue.slug})
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "How to reach it" in english
    assert "Comment le joindre" not in english
    french = client.get(url).content.decode()
    assert "Comment le joindre" in french


@pytest.mark.django_db
def test_page_cache_keeps_languages_apart(client, settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 60
    url = reverse("directory:venue_list")
    assert "De quoi disposez-vous ?" in client.get(url).content.decode()
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert "What do you have?" in english.content.decode()
    again = client.get(url)
    assert again["X-Page-Cache"] == "hit"
    assert "De quoi disposez-vous ?" in again.content.decode()


@pytest.mark.django_db
def test_unsupported_language_falls_back_to_french(client):
    body = client.get(reverse("directory:home"), HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9").content.decode()
    assert "De quoi disposez-vous ?" in body


def test_error_pages_follow_the_language(rf):
    """500 and 503 pages stand alone (no database, no context processors) but still translate."""
    from django.template.loader import render_to_string
    from django.utils import translation

    from directory.views.errors import server_error

    with translation.override("en"):
        unavailable = render_to_string("503.html")
        error = server_error(rf.get("/")).content.decode()
    assert '<html lang="en">' in unavailable
    assert "Service temporarily unavailable" in unavailable
    assert "Something went wrong" in error
    with translation.override("fr"):
        assert "Service momentanément indisponible" in render_to_string("503.html")
        assert "Une erreur est survenue" in server_error(rf.get("/")).content.decode()


@pytest.mark.django_db
def test_published_signage_text_stays_french_from_an_english_browser(venue):
    """The signage channel is data shown to every resident: an English-speaking mediator must
    not publish an English poster text."""
    from django.utils import translation

    from directory.views.printing import signage_text

    with translation.override("en"):
        text = signage_text(venue)
    assert text.startswith("Affiche à l'entrée : Ouvert.")
    assert "Téléphone" in text


@pytest.mark.django_db
def test_emails_are_written_in_french_whatever_the_senders_language(
    client, venue, mailoutbox, django_capture_on_commit_callbacks
):
    """A resident browsing in English reports an error: the mediators still get a French e-mail."""
    from tests.factories import MembershipFactory, UserFactory

    MembershipFactory(structure=venue.structure, user=UserFactory(email="mediatrice@example.org"))
    url = reverse("directory:venue_report", kwargs={"slug": venue.slug})
    data = {"topic": "hours", "comment": "Closed on Tuesday mornings now.", "contact": ""}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    thanks = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Thank you for your report" in thanks
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.subject == f"Signalement sur « {venue.name} »"
    assert "Un habitant signale une information erronée" in message.body
    assert "Horaires" in message.body


def test_opening_hours_use_the_clock_of_the_language():
    from django.utils import translation

    from directory import hours

    monday = datetime.date(2026, 11, 23)
    with translation.override("fr"):
        assert hours.week("Mo 09:00-12:30", monday)[0] == ("Lundi", "9 h – 12 h 30")
    with translation.override("en"):
        assert hours.week("Mo 09:00-12:30", monday)[0] == ("Monday", "09:00 – 12:30")
        assert hours.week("Mo 09:00-12:30", monday)[1] == ("Tuesday", "Closed")


@pytest.mark.django_db
def test_api_error_messages_follow_the_language(client):
    english = client.get("/api/v1/lieux/", {"page_size": "0"}, HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 400
    assert english.json()["page_size"] == ["The page size must be a whole number from 1 to 100."]
    scenario = client.get("/api/v1/lieux/", {"scenario": "9"}, HTTP_ACCEPT_LANGUAGE="en")
    assert scenario.json()["scenario"] == ["Unknown situation: choose 1, 2 or 3."]
    french = client.get("/api/v1/lieux/", {"page": "49"})
    assert french.status_code == 404
    assert french.json()["detail"] == "Page invalide : elle n'existe pas."
    assert client.get("/api/v1/lieux/", {"page": "49"}, HTTP_ACCEPT_LANGUAGE="en").json()["detail"] == (
        "Invalid page: it does not exist."
    )


# --- unmarked text in templates (heuristic) --------------------------------------------------

TEMPLATE_NOISE = [
    re.compile(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{#.*?#}|<!--.*?-->", re.S),
    re.compile(r"{%\s*blocktrans(?:late)?\b.*?{%\s*endblocktrans(?:late)?\s*%}", re.S),
    re.compile(r"<(script|style)\b.*?</\1>", re.S),
]
# Words that only French text contains (English UI text, CSS classes and URLs have none of them).
FRENCH_WORDS = re.compile(
    r"[éèêàùçôîûœ]|\b(le|la|les|des|du|une|un|est|pas|pour|vous|votre|sur|avec|aucun|aucune|et|ou|lieux?)\b",
    re.IGNORECASE,
)
USER_ATTRIBUTES = re.compile(r'\b(?:aria-label|title|alt|placeholder|value|data-[\w-]+)="([^"]*)"')


def unmarked_french(source: str) -> list[str]:
    for noise in TEMPLATE_NOISE:
        source = noise.sub(" ", source)
    # What is left inside {% … %} and {{ … }} is either marked ({% translate %}) or not text.
    source = re.sub(r"{%.*?%}|{{.*?}}", " ", source, flags=re.S).replace("Gardez le lien", " ")
    found = [value for value in USER_ATTRIBUTES.findall(source) if FRENCH_WORDS.search(value)]
    text = re.sub(r"<[^>]*>", "\n", source)
    found += [line.strip() for line in text.splitlines() if FRENCH_WORDS.search(line)]
    return found


def test_the_heuristic_spots_unmarked_french():
    assert unmarked_french('<p>Fermé le lundi</p><a title="Voir la fiche">x</a>') == ["Voir la fiche", "Fermé le lundi"]
    assert unmarked_french('{% load i18n %}<p>{% translate "Fermé le lundi" %}</p>') == []
    assert unmarked_french("{% blocktranslate %}Fermé le {{ day }}{% endblocktranslate %}") == []


def test_templates_have_no_unmarked_french_text():
    offenders = {}
    for path in sorted((ROOT / "templates").rglob("*")):
        if path.suffix in (".html", ".txt"):
            found = unmarked_french(path.read_text(encoding="utf-8"))
            if found:
                offenders[str(path.relative_to(ROOT))] = found
    assert not offenders, f"French text outside {{% translate %}}/{{% blocktranslate %}}: {offenders}"


def test_import_problems_are_shown_in_the_reader_language():
    """A problem is stored with an untranslated row label and rendered when the report is shown."""
    from django.utils import translation

    from directory.opendata.validation import Problem

    problem = Problem(3, "code_postal", "5900", "le code postal doit comporter 5 chiffres")
    with translation.override("en"):
        assert str(problem) == "Line 3, field code_postal, value “5900”: le code postal doit comporter 5 chiffres"
    with translation.override("fr"):
        assert str(problem) == "Ligne 3, champ code_postal, valeur « 5900 » : le code postal doit comporter 5 chiffres"
