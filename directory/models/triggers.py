"""The triggers that keep derived data exact, declared with django-pgtrigger and attached to
their model's ``Meta.triggers`` (``Venue``): migrations install them, the system
check ``directory.W010`` reports one missing or outdated, and ``manage.py rebuild_derived``
refills everything they keep after a restore or a load with triggers off.

What they keep, and why it is kept rather than computed at read time (``docs/proof.md``
holds the measures that justify each):

- ``SearchWord`` (typo-tolerant search): the distinct words of all venues, so a mistyped word
  is matched against ~10,000 words instead of every venue's text.
- ``VenueSearchEntry``: a narrow copy (sort name, closing date, last confirmation, full text)
  that a text-only search reads instead of the wide venue rows.

All are statement-level (one run per INSERT, COPY, UPDATE or DELETE, reading the transition
tables ``new_rows`` / ``old_rows``): an import of 20,000 rows runs each once, not 20,000 times.
The SQL helper they call (``gll_search_words``) is a plain function created by migration 0007.
The column of channel kinds and its four triggers were retired in migration 0027: measured at
200,000 venues they saved under 10 % (``bench/machinery.py``, docs/proof.md).
"""

from __future__ import annotations

import pgtrigger

# --- search words (on directory_venue) -------------------------------------------------------

# New words are inserted sorted, so concurrent writers lock them in the same order (no
# deadlock); a word is removed when no venue's full text matches it any more, checked on the
# ``venue_search_fts`` index. Race: a word removed by one transaction while another, not yet
# committed, adds a venue using it stays missing until that venue is saved again; the typo
# search then just does not offer it.
_WORDS_INSERT = """
INSERT INTO directory_searchword (word)
SELECT DISTINCT w FROM new_rows, gll_search_words(new_rows.search_text) AS w
ORDER BY w
ON CONFLICT DO NOTHING;
RETURN NULL;
"""

# Only the rows whose text changed: most updates (a verification date, the channel kinds)
# leave it alone.
_WORDS_UPDATE = """
INSERT INTO directory_searchword (word)
SELECT DISTINCT w
FROM old_rows o JOIN new_rows n ON n.id = o.id AND n.search_text IS DISTINCT FROM o.search_text,
     gll_search_words(n.search_text) AS w
ORDER BY w
ON CONFLICT DO NOTHING;
DELETE FROM directory_searchword
WHERE word IN (
    SELECT w
    FROM old_rows o JOIN new_rows n ON n.id = o.id AND n.search_text IS DISTINCT FROM o.search_text,
         gll_search_words(o.search_text) AS w
    EXCEPT
    SELECT w
    FROM old_rows o JOIN new_rows n ON n.id = o.id AND n.search_text IS DISTINCT FROM o.search_text,
         gll_search_words(n.search_text) AS w
)
AND NOT EXISTS (SELECT 1 FROM directory_venue v WHERE v.search_vector @@ plainto_tsquery('french', word));
RETURN NULL;
"""

_WORDS_DELETE = """
DELETE FROM directory_searchword
WHERE word IN (SELECT w FROM old_rows, gll_search_words(old_rows.search_text) AS w)
AND NOT EXISTS (SELECT 1 FROM directory_venue v WHERE v.search_vector @@ plainto_tsquery('french', word));
RETURN NULL;
"""

# --- search entries (on directory_venue) -----------------------------------------------------

_ENTRIES_INSERT = """
INSERT INTO directory_venuesearchentry (venue_id, sort_name, closed_permanently_on, last_checked_at, search_vector)
SELECT id, sort_name, closed_permanently_on, coalesce(verified_at, created_at), search_vector FROM new_rows;
RETURN NULL;
"""

# Only the rows whose name, closing date, text or confirmation changed.
_ENTRIES_UPDATE = """
UPDATE directory_venuesearchentry e
SET sort_name = n.sort_name, closed_permanently_on = n.closed_permanently_on,
    last_checked_at = coalesce(n.verified_at, n.created_at), search_vector = n.search_vector
FROM new_rows n JOIN old_rows o ON o.id = n.id
WHERE e.venue_id = n.id
  AND (n.name, n.closed_permanently_on, n.search_text, n.verified_at, n.created_at)
      IS DISTINCT FROM (o.name, o.closed_permanently_on, o.search_text, o.verified_at, o.created_at);
RETURN NULL;
"""

_ENTRIES_DELETE = """
DELETE FROM directory_venuesearchentry WHERE venue_id IN (SELECT id FROM old_rows);
RETURN NULL;
"""

_NEW = pgtrigger.Referencing(new="new_rows")
_OLD = pgtrigger.Referencing(old="old_rows")
_BOTH = pgtrigger.Referencing(old="old_rows", new="new_rows")


def _statement(name: str, operation, referencing, func: str) -> pgtrigger.Trigger:
    return pgtrigger.Trigger(
        name=name,
        operation=operation,
        when=pgtrigger.After,
        level=pgtrigger.Statement,
        referencing=referencing,
        func=func,
    )


VENUE_TRIGGERS = [
    _statement("search_words_insert", pgtrigger.Insert, _NEW, _WORDS_INSERT),
    _statement("search_words_update", pgtrigger.Update, _BOTH, _WORDS_UPDATE),
    _statement("search_words_delete", pgtrigger.Delete, _OLD, _WORDS_DELETE),
    _statement("search_entries_insert", pgtrigger.Insert, _NEW, _ENTRIES_INSERT),
    _statement("search_entries_update", pgtrigger.Update, _BOTH, _ENTRIES_UPDATE),
    _statement("search_entries_delete", pgtrigger.Delete, _OLD, _ENTRIES_DELETE),
]
