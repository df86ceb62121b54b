"""The word list behind typo-tolerant search: every word of the venues' search texts, kept by
triggers (migration 0007), and the look-up that corrects a mistyped query against it.

Why a word list: comparing a mistyped query with each venue's whole text (trigram word
similarity on ``search_text``) rechecks every venue sharing a trigram with it, thousands for a
« Saint-… » at national scale. Comparing each word of the query with the distinct words of all
venues (12,500 at 20,000 venues) is a small index look-up (PostgreSQL's documentation suggests the same for
``similarity`` on long texts); the venues are then found by full text, in name order, like
words spelt right.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.db import connections, models, transaction

from directory.text import fold

# Words are compared by trigram similarity (0 to 1) and by edit distance. Trigrams find the
# candidates on the index: « lile » → « lille » 0.57, « mediateque » → « mediatheque » 0.64.
# But a swap of two letters breaks three trigrams: « socail » is 0.27 from « social », less
# than from « soc » (0.375). So the index is read down to CANDIDATE_SIMILARITY, and a
# candidate is kept when it is WORD_SIMILARITY alike or within MAX_EDITS typing mistakes
# (letters inserted, deleted, replaced or swapped); the closest are those with the fewest
# mistakes, then the most trigrams in common.
CANDIDATE_SIMILARITY = 0.2
CANDIDATES_FETCHED = 20
WORD_SIMILARITY = 0.3
# One mistake in a word of up to 4 letters, two in longer ones.
MAX_EDITS = ((4, 1), (40, 2))
# Look-alikes kept per word of the query.
CANDIDATES_PER_WORD = 5
# Words of a query taken into account (the rest is ignored): a pasted paragraph stays cheap.
MAX_QUERY_WORDS = 8


def typing_mistakes(a: str, b: str) -> int:
    """Letters inserted, deleted, replaced or swapped with the next one to turn ``a`` into
    ``b`` (optimal string alignment distance): « socail » → « social » is 1."""
    previous2, previous = None, list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, start=1):
            current[j] = min(
                previous[j] + 1,
                current[j - 1] + 1,
                previous[j - 1] + (char_a != char_b),
            )
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


def _max_edits(word: str) -> int:
    return next(edits for length, edits in MAX_EDITS if len(word) <= length)


class SearchWord(models.Model):
    """One word found in at least one venue's ``search_text`` (folded: lower case, no accents).

    Cut by SQL function ``gll_search_words`` (the full-text parser's words and hyphenated
    parts, 2 to 40 characters, no French stop word) and kept by statement-level triggers on
    ``directory_venue`` (``directory/models/triggers.py``): inserts and updates add their words (sorted, so
    concurrent writers lock them in one order); updates and deletes remove the words no
    venue's full text matches any more. Never written by Django."""

    word = models.TextField(primary_key=True)

    class Meta:
        verbose_name = "search word"
        # Without GIN's pending list (``fastupdate``): new words are rare (a handful per new
        # venue), and every look-up would otherwise scan the unmerged ones: 259 pages after
        # loading 20,000 venues made each look-up ten times slower or more (``make bench``,
        # measure ``text_typo``).
        indexes = [GinIndex(OpClass("word", name="gin_trgm_ops"), name="searchword_trgm", fastupdate=False)]

    def __str__(self):
        return self.word


@dataclass
class QueryWord:
    """A word of the query and the venues' words that look like it, the closest first, each
    as (word, typing mistakes, trigram similarity)."""

    text: str
    stop_word: bool = False
    look_alikes: list[tuple[str, int, float]] = field(default_factory=list)

    def closest(self) -> list[str]:
        """The look-alikes tied for closest (« lisle » and « lille » are both one mistake from
        « lile », but « lille » shares more trigrams: it alone is closest)."""
        if not self.look_alikes:
            return []
        _, mistakes, similarity = self.look_alikes[0]
        return [word for word, m, s in self.look_alikes if (m, s) == (mistakes, similarity)]

    def all(self) -> list[str]:
        return [word for word, _, _ in self.look_alikes]

    def add(self, word: str, similarity: float) -> None:
        mistakes = typing_mistakes(self.text, word)
        if similarity >= WORD_SIMILARITY or mistakes <= _max_edits(self.text):
            self.look_alikes.append((word, mistakes, similarity))

    def rank(self) -> None:
        self.look_alikes.sort(key=lambda found: (found[1], -found[2], found[0]))
        del self.look_alikes[CANDIDATES_PER_WORD:]


def look_alikes(words: list[str], using: str = "default") -> list[QueryWord]:
    """Each of ``words`` (folded) with up to ``CANDIDATES_PER_WORD`` venue words that look like
    it (see ``MAX_EDITS``), from one query on the ``searchword_trgm`` index.

    The threshold is set for this transaction only (``SET LOCAL``): ``word % text`` reads it,
    and the commune look-up sets another one (``Commune.objects.close_to``)."""
    words = list(dict.fromkeys(words))[:MAX_QUERY_WORDS]
    found = {word: QueryWord(word) for word in words}
    if not words:
        return []
    sql = """
        SELECT q.token, numnode(plainto_tsquery('french', q.token)) = 0, c.word, similarity(c.word, q.token)
        FROM unnest(%s::text[]) AS q(token)
        LEFT JOIN LATERAL (
            SELECT word FROM directory_searchword WHERE word %% q.token ORDER BY word <-> q.token, word LIMIT %s
        ) AS c ON true
    """
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        cursor.execute("SET LOCAL pg_trgm.similarity_threshold = %s", [CANDIDATE_SIMILARITY])
        cursor.execute(sql, [words, CANDIDATES_FETCHED])
        rows = cursor.fetchall()
    for token, stop_word, word, similarity in rows:
        query_word = found[token]
        query_word.stop_word = stop_word
        if word is not None:
            query_word.add(word, similarity)
    for query_word in found.values():
        query_word.rank()
    return list(found.values())


class VenueSearchEntry(models.Model):
    """A narrow copy of what a text search sorts and tests, one row per venue: id, sort name,
    closing date, last confirmation (verified, else created: hidden venues are left out of
    the default results), full-text vector (migrations 0010 and 0021, kept by
    statement-level triggers on ``directory_venue``; never written by Django).

    A text search's page reads the name of every match to sort them (``directory/pagination.py``,
    bounded walk): from the venue table, one wide row per heap page, 13,600 pages for the
    20,000 « médiathèques » at 200,000 venues; from this table, about half as many pages."""

    venue = models.OneToOneField("directory.Venue", models.DO_NOTHING, primary_key=True, db_constraint=False)
    sort_name = models.CharField(max_length=250)
    closed_permanently_on = models.DateField(null=True)
    last_checked_at = models.DateTimeField(null=True)
    search_vector = SearchVectorField()

    class Meta:
        verbose_name = "venue search entry"
        indexes = [
            GinIndex(fields=["search_vector"], name="venuesearch_fts", fastupdate=False),
            models.Index(
                fields=["sort_name", "venue"],
                include=["closed_permanently_on", "last_checked_at"],
                name="venuesearch_sort_name",
            ),
        ]

    def __str__(self):
        return self.sort_name


# --- searching venues ------------------------------------------------------------------------


def _all_of_any_of(groups: list[list[str]]) -> SearchQuery:
    """A French full-text query for « any word of each group »: ``(a | b) & (c | d)``."""
    query = None
    for group in groups:
        alternatives = None
        for word in dict.fromkeys(group):
            term = SearchQuery(word, config="french", search_type="plain")
            alternatives = term if alternatives is None else alternatives | term
        query = alternatives if query is None else query & alternatives
    return query


def _search_words(text: str) -> str:
    # Punctuation separates words for residents and for trigrams alike: « d'Ascq », « d’Ascq »
    # and « d ascq » are the same query; « <script> » is just « script ».
    return " ".join(re.findall(r"[^\W_]+", fold(text)[:200]))


class TextSearch(NamedTuple):
    """What ``VenueQuerySet.text_search`` found: the venues, the full-text query it settled on
    (the paginator reads a text-only list's page from ``VenueSearchEntry`` with it; None for a
    postal code or nothing found) and what a search with typos looked for instead (the closest
    look-alikes, « » when several were tried, None when the words were found as typed)."""

    venues: models.QuerySet
    query: SearchQuery | None = None
    correction: str | None = None


class VenueSearch:
    """The text search of ``VenueQuerySet`` (mixed into it): French full text on the stored
    ``search_vector``, then the typo tier on the word list above."""

    def search(self, text: str):
        """The venues of ``text_search(text)``."""
        return self.text_search(text).venues

    def with_words(self, text: str):
        """The venues whose text has every word of ``text`` (the first tier of ``text_search``,
        no typo tier, no postal-code reading): one query, no ``EXISTS`` to pick a tier. For
        « Lieux dont le nom contient … » beside a place's list, where look-alikes would be noise."""
        folded = _search_words(text)
        if not folded:
            return self.none()
        return self.filter(search_vector=SearchQuery(folded, config="french", search_type="plain"))

    def text_search(self, text: str) -> TextSearch:
        """Accent- and typo-tolerant search on name, commune, postal code and structure, plus
        French full-text (stemming: « centres sociaux » finds « centre social »).

        Venues whose text has every word of the query (French full-text on the stored
        ``search_vector``, GIN ``venue_search_fts``), equally relevant, so in name order. Only
        when there are none, the typo tier (``_search_look_alikes``): each word replaced by the
        venues' words that look like it (trigram similarity on the word list
        ``SearchWord``), found by full text again. One cheap ``EXISTS`` query picks the tier;
        the typo tier costs one look-up of the words and one ``EXISTS`` per level tried. A
        5-digit query is a postal code: venues of every commune that has it
        (``commune_postal_codes_gin``, then the ``commune_id`` index). ``search_rank`` orders
        results: 1 for words found, 0.5 for look-alikes."""
        folded = _search_words(text)
        if not folded:
            return TextSearch(self.annotate(search_rank=models.Value(0.0)))
        if folded.isdigit() and len(folded) == 5:
            # A postal code: venues of the communes that have it. Alone (not OR-ed with the text
            # conditions) so PostgreSQL runs it as a semi-join on the commune_id index instead of
            # computing a tsvector for every row.
            from directory.models.territories import Commune

            communes = Commune.objects.filter(postal_codes__contains=[folded]).values("code")
            return TextSearch(self.filter(commune_id__in=communes).annotate(search_rank=models.Value(1.0)))
        fts = SearchQuery(folded, config="french", search_type="plain")
        words = self.filter(search_vector=fts)
        if words.exists():
            # Every word found (French stems: « centres sociaux », « Marseile » → marseil): those
            # venues, all equally relevant, in name order. Ranking them (ts_rank) sorted every
            # match of a common word: « centre social », 50,000 venues at national scale (``make
            # bench SCALE=10``, measure ``text_common``);
            # in name order PostgreSQL walks the name index and stops at the page. The
            # typo-tolerant trigram search is for when words are not found: run on a short word
            # it matches everything that starts alike (« Médis » → 20,000 « médiathèques »).
            return TextSearch(words.annotate(search_rank=models.Value(1.0)), fts)
        return self._search_look_alikes(folded)

    def _search_look_alikes(self, folded: str) -> TextSearch:
        """The typo tier of ``search``: each word of the query replaced by the venues' words
        that look like it (``directory/models/search.py``), then found by full text like
        words spelt right, in name order. First the closest look-alike of each word
        (« mediateque » → médiathèque); when no venue has them all, any of each word's
        look-alikes. Words nothing looks like are left out (« médiathèque zzzz »); French stop
        words never decide. ``search_correction`` tells the page what was searched instead."""
        words = [word for word in look_alikes(folded.split(), using=self.db) if not word.stop_word]
        usable = [word for word in words if word.look_alikes]
        tried = set()
        for pick in (QueryWord.closest, QueryWord.all):
            groups = [[word.text, *pick(word)] for word in usable]
            key = tuple(tuple(group) for group in groups)
            if not groups or key in tried:
                continue
            tried.add(key)
            text_search = _all_of_any_of(groups)
            found = self.filter(search_vector=text_search)
            if found.exists():
                # The closest look-alikes can be named; several per word cannot.
                correction = " ".join(group[1] for group in groups) if pick is QueryWord.closest else ""
                return TextSearch(found.annotate(search_rank=models.Value(0.5)), text_search, correction)
        return TextSearch(self.none().annotate(search_rank=models.Value(0.0)))
