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
