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


def french_sort_key(text: str) -> tuple[str, str]:
    """Sort key of French lists, independent of the server's locale: letters compared without
    case or accents first (« Centre » before « CORIF », « Étoile » among the E), then the exact
    text to keep the order stable. Byte order (PostgreSQL's C collation) put every capital
    before every lower-case letter."""
    return (fold(text), text)
