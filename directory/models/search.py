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

from dataclasses import dataclass, field

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import connections, models, transaction

# Words are compared by trigram similarity (0 to 1): « lile » → « lille » 0.57, « mediateque »
# → « mediatheque » 0.64, « velleneuve » → « villeneuve » 0.57. Below 0.3 (PostgreSQL's
# default threshold) look-alikes are noise: « lile » → « ile » 0.29.
WORD_SIMILARITY = 0.3
# Look-alikes kept per word of the query, the closest first.
CANDIDATES_PER_WORD = 5
# Words of a query taken into account (the rest is ignored): a pasted paragraph stays cheap.
MAX_QUERY_WORDS = 8


class SearchWord(models.Model):
    """One word found in at least one venue's ``search_text`` (folded: lower case, no accents).

    Cut by SQL function ``gll_search_words`` (the full-text parser's words and hyphenated
    parts, 2 to 40 characters, no French stop word) and kept by statement-level triggers on
    ``directory_venue`` (migration 0007): inserts and updates add their words (sorted, so
    concurrent writers lock them in one order); updates and deletes remove the words no
    venue's full text matches any more. Never written by Django."""

    word = models.TextField(primary_key=True)

    class Meta:
        verbose_name = "search word"
        # Without GIN's pending list (``fastupdate``): new words are rare (a handful per new
        # venue), and every look-up would otherwise scan the unmerged ones: 259 pages after
        # loading 20,000 venues made each look-up 10–40 ms instead of 1.
        indexes = [GinIndex(OpClass("word", name="gin_trgm_ops"), name="searchword_trgm", fastupdate=False)]

    def __str__(self):
        return self.word


@dataclass
class QueryWord:
    """A word of the query and the venues' words that look like it, the closest first."""

    text: str
    stop_word: bool = False
    look_alikes: list[tuple[str, float]] = field(default_factory=list)

    @property
    def known(self) -> bool:
        return any(similarity >= 1 for _, similarity in self.look_alikes)

    def closest(self) -> list[str]:
        """The look-alikes tied for closest (« lilas » and « lisle » are both 0.375 from
        « lise »: no reason to prefer one)."""
        if not self.look_alikes:
            return []
        best = self.look_alikes[0][1]
        return [word for word, similarity in self.look_alikes if similarity >= best]

    def all(self) -> list[str]:
        return [word for word, _ in self.look_alikes]


def look_alikes(words: list[str], using: str = "default") -> list[QueryWord]:
    """Each of ``words`` (folded) with up to ``CANDIDATES_PER_WORD`` venue words at least
    ``WORD_SIMILARITY`` alike, in one query on the ``searchword_trgm`` index.

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
        cursor.execute("SET LOCAL pg_trgm.similarity_threshold = %s", [WORD_SIMILARITY])
        cursor.execute(sql, [words, CANDIDATES_PER_WORD])
        rows = cursor.fetchall()
    for token, stop_word, word, similarity in rows:
        query_word = found[token]
        query_word.stop_word = stop_word
        if word is not None:
            query_word.look_alikes.append((word, similarity))
    for query_word in found.values():
        query_word.look_alikes.sort(key=lambda pair: (-pair[1], pair[0]))
    return list(found.values())
