# The word list of typo-tolerant search (``directory/models/search.py``), kept by triggers.

import django.contrib.postgres.indexes
from django.db import migrations, models

# The words of a search text, as the full-text parser cuts it: plain words and the parts of
# hyphenated ones (« villeneuve », « ascq »; not « villeneuve-d »), 2 to 40 characters, not a
# French stop word (« de », « la »: they never decide a search).
WORDS_FUNCTION = """
CREATE OR REPLACE FUNCTION gll_search_words(search_text text) RETURNS SETOF text
LANGUAGE sql STABLE PARALLEL SAFE STRICT
AS $$
    SELECT DISTINCT token FROM ts_parse('default', search_text)
    WHERE tokid IN (1, 2, 3, 9, 10, 11)
      AND length(token) BETWEEN 2 AND 40
      AND to_tsvector('french', token) <> ''::tsvector
$$;
"""

# Statement-level triggers (one run per INSERT, COPY or UPDATE, not per row: an import of
# 20,000 rows adds its words in one statement). New words are inserted sorted, so concurrent
# writers lock them in the same order (no deadlock); a word is removed when no venue's full
# text matches it any more, checked on the ``venue_search_fts`` index. Race: a word removed by
# one transaction while another, not yet committed, adds a venue using it stays missing until
# that venue is saved again; the typo search then just does not offer it.
SYNC_FUNCTION = """
CREATE OR REPLACE FUNCTION gll_search_words_sync() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO directory_searchword (word)
        SELECT DISTINCT w FROM new_rows, gll_search_words(new_rows.search_text) AS w
        ORDER BY w
        ON CONFLICT DO NOTHING;
    ELSIF TG_OP = 'UPDATE' THEN
        -- Only the rows whose text changed: most updates (a verification date, the channel
        -- kinds kept by migration 0008) leave it alone.
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
        AND NOT EXISTS (
            SELECT 1 FROM directory_venue v WHERE v.search_vector @@ plainto_tsquery('french', word)
        );
    ELSIF TG_OP = 'DELETE' THEN
        DELETE FROM directory_searchword
        WHERE word IN (SELECT w FROM old_rows, gll_search_words(old_rows.search_text) AS w)
        AND NOT EXISTS (
            SELECT 1 FROM directory_venue v WHERE v.search_vector @@ plainto_tsquery('french', word)
        );
    END IF;
    RETURN NULL;
END;
$$;
"""

# The table written by hand: Django adds a ``text_pattern_ops`` index to text primary keys, for
# LIKE 'prefix%' look-ups that never happen here (one index less to write on every new word).
CREATE_TABLE = """
CREATE TABLE directory_searchword (word text PRIMARY KEY);
"""

TRIGGERS = """
CREATE TRIGGER venue_search_words_insert AFTER INSERT ON directory_venue
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION gll_search_words_sync();
CREATE TRIGGER venue_search_words_update AFTER UPDATE ON directory_venue
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION gll_search_words_sync();
CREATE TRIGGER venue_search_words_delete AFTER DELETE ON directory_venue
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION gll_search_words_sync();
INSERT INTO directory_searchword (word)
    SELECT DISTINCT w FROM directory_venue, gll_search_words(directory_venue.search_text) AS w;
CREATE INDEX searchword_trgm ON directory_searchword USING gin (word gin_trgm_ops) WITH (fastupdate = off);
"""

DROP = """
DROP TRIGGER IF EXISTS venue_search_words_insert ON directory_venue;
DROP TRIGGER IF EXISTS venue_search_words_update ON directory_venue;
DROP TRIGGER IF EXISTS venue_search_words_delete ON directory_venue;
DROP FUNCTION IF EXISTS gll_search_words_sync();
DROP FUNCTION IF EXISTS gll_search_words(text);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0006_venue_departement_name"),
    ]

    operations = [
        migrations.RunSQL(WORDS_FUNCTION + SYNC_FUNCTION, migrations.RunSQL.noop),
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(CREATE_TABLE, "DROP TABLE directory_searchword;")],
            state_operations=[
                migrations.CreateModel(
                    name="SearchWord",
                    fields=[
                        ("word", models.TextField(primary_key=True, serialize=False)),
                    ],
                    options={
                        "verbose_name": "search word",
                    },
                ),
                migrations.AddIndex(
                    model_name="searchword",
                    index=django.contrib.postgres.indexes.GinIndex(
                        django.contrib.postgres.indexes.OpClass("word", name="gin_trgm_ops"),
                        name="searchword_trgm",
                        fastupdate=False,
                    ),
                ),
            ],
        ),
        migrations.RemoveIndex(
            model_name="venue",
            name="venue_search_trgm",
        ),
        migrations.RunSQL(TRIGGERS, DROP),
    ]
