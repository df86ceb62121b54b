"""Text helpers shared by models, search and importers."""

import re
import unicodedata


def fold(text: str) -> str:
    """Lower-case, accent-free, single-spaced: the form every search column is stored in.

    Done in Python (not with PostgreSQL's ``unaccent``) so stored values and queries are
    folded identically and the trigram indexes can be plain column indexes.
    """
    text = unicodedata.normalize("NFKD", (text or "").lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("œ", "oe").replace("æ", "ae").replace("’", "'")
    return re.sub(r"\s+", " ", text).strip()


# Characters that change how text around them is shown without showing themselves: bidi
# controls (U+202A–U+202E, U+2066–U+2069, U+061C, U+200E/F), zero-width characters
# (U+200B–U+200D, U+2060–U+2064, U+FEFF), soft hyphen, and C0/C1 controls. In a venue name they
# disguise it in lists (« Centre social\u202e… » reads backwards from there).
INVISIBLE_CHARACTERS = re.compile(
    "[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)


def invisible_characters(text: str) -> list[str]:
    """The code points (« U+202E ») of the invisible characters in ``text``, each once."""
    return list(dict.fromkeys(f"U+{ord(c):04X}" for c in INVISIBLE_CHARACTERS.findall(text or "")))


def validate_no_invisible_characters(value: str) -> None:
    """Model validator: refuse bidi controls, zero-width characters and controls."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    found = invisible_characters(value)
    if found:
        raise ValidationError(
            _(
                "Le texte contient un caractère invisible ou qui inverse le sens d'écriture (%(characters)s) : "
                "retirez-le (il sert à déguiser un nom dans les listes)."
            ),
            code="invisible_characters",
            params={"characters": ", ".join(found)},
        )


# The letters ``sort_name`` folds, and what to: ASCII capitals, French accents and those of
# neighbouring languages met in venue names. Spelt out rather than ``lower()``/``unaccent`` so
# that PostgreSQL's twin, ``gll_sort_name`` (migration ``0021_venue_sort_name``, written from
# these strings), gives the same key whatever the server's character type (the embedded server
# has no ICU and lower-cases ASCII only). ``tests/test_sort_name.py`` checks both agree.
SORT_FROM = "ABCDEFGHIJKLMNOPQRSTUVWXYZÀÁÂÃÄÅàáâãäåÇçÈÉÊËèéêëÌÍÎÏìíîïÑñÒÓÔÕÖòóôõöÙÚÛÜùúûüÝýÿŸ’"
SORT_TO = "abcdefghijklmnopqrstuvwxyzaaaaaaaaaaaacceeeeeeeeiiiiiiiinnoooooooooouuuuuuuuyyyy'"
SORT_LIGATURES = (("Œ", "oe"), ("œ", "oe"), ("Æ", "ae"), ("æ", "ae"))
# Runs of these become one space (the same class in both languages).
SORT_SPACES = " \t\n\r\f\v\u00a0\u202f"
_SORT_TABLE = str.maketrans(SORT_FROM, SORT_TO)
_SPACES = re.compile(f"[{SORT_SPACES}]+")


def sort_name(text: str) -> str:
    """The key lists of venues are sorted by (``Venue.sort_name``, computed by PostgreSQL):
    letters without case or accents, ligatures spelt out, single spaces. So « Centre » comes
    before « CORIF » and « École » among the E, whatever the server's collation (byte order
    put every capital before every lower-case letter)."""
    text = (text or "").translate(_SORT_TABLE)
    for ligature, letters in SORT_LIGATURES:
        text = text.replace(ligature, letters)
    return _SPACES.sub(" ", text).strip(" ")


def french_sort_key(text: str) -> tuple[str, str]:
    """Sort key of French lists, independent of the server's locale: letters compared without
    case or accents first (« Centre » before « CORIF », « Étoile » among the E), then the exact
    text to keep the order stable. Byte order (PostgreSQL's C collation) put every capital
    before every lower-case letter."""
    return (fold(text), text)
