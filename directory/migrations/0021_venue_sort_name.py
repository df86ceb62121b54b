# The French list order (``Venue.sort_name``, ``text.sort_name``); the name buckets retired
# (the HTML list shows 50 pages at most, the API pages with a cursor); search entries carry
# the sort name and the last confirmation, so hidden venues stay out of text searches too.

from django.db import migrations, models

# ``text.sort_name``'s twin, written from ``text.SORT_FROM`` / ``SORT_TO`` as they were when
# this migration was written (``tests/test_sort_name.py`` checks they still agree). E'' for
# the whitespace class: tab, newline, CR, form feed, vertical tab, no-break spaces.
SORT_NAME = """
CREATE OR REPLACE FUNCTION gll_sort_name(name text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN btrim(
    regexp_replace(
        replace(replace(replace(replace(
            translate(name, 'ABCDEFGHIJKLMNOPQRSTUVWXYZÀÁÂÃÄÅàáâãäåÇçÈÉÊËèéêëÌÍÎÏìíîïÑñÒÓÔÕÖòóôõöÙÚÛÜùúûüÝýÿŸ’',
                            'abcdefghijklmnopqrstuvwxyzaaaaaaaaaaaacceeeeeeeeiiiiiiiinnoooooooooouuuuuuuuyyyy'''),
            'Œ', 'oe'), 'œ', 'oe'), 'Æ', 'ae'), 'æ', 'ae'),
        E'[ \\t\\n\\r\\f\\x0b\\u00a0\\u202f]+', ' ', 'g'
    ),
    ' '
);
"""

DROP_SORT_NAME = "DROP FUNCTION IF EXISTS gll_sort_name(text);"

# Migration 0009's name buckets: triggers, functions (the table goes with the model below).
DROP_BUCKETS = """
DROP TRIGGER IF EXISTS venue_name_buckets_insert ON directory_venue;
DROP TRIGGER IF EXISTS venue_name_buckets_update ON directory_venue;
DROP TRIGGER IF EXISTS venue_name_buckets_delete ON directory_venue;
DROP FUNCTION IF EXISTS gll_name_buckets_sync();
DROP FUNCTION IF EXISTS gll_name_buckets_apply(varchar[], integer[]);
DROP FUNCTION IF EXISTS gll_rebuild_name_buckets(integer);
"""

# Migration 0010's sync function, now with the sort name and the last confirmation.
ENTRIES_SYNC = """
CREATE OR REPLACE FUNCTION gll_venue_search_entries_sync() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO directory_venuesearchentry
            (venue_id, sort_name, closed_permanently_on, last_checked_at, search_vector)
        SELECT id, sort_name, closed_permanently_on, coalesce(verified_at, created_at), search_vector
        FROM new_rows;
    ELSIF TG_OP = 'UPDATE' THEN
        UPDATE directory_venuesearchentry e
        SET sort_name = n.sort_name, closed_permanently_on = n.closed_permanently_on,
            last_checked_at = coalesce(n.verified_at, n.created_at), search_vector = n.search_vector
        FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE e.venue_id = n.id
          AND (n.name, n.closed_permanently_on, n.search_text, n.verified_at, n.created_at)
              IS DISTINCT FROM (o.name, o.closed_permanently_on, o.search_text, o.verified_at, o.created_at);
    ELSE
        DELETE FROM directory_venuesearchentry WHERE venue_id IN (SELECT id FROM old_rows);
    END IF;
    RETURN NULL;
END;
$$;

UPDATE directory_venuesearchentry e
SET sort_name = v.sort_name, last_checked_at = coalesce(v.verified_at, v.created_at)
FROM directory_venue v WHERE v.id = e.venue_id;
"""


class Migration(migrations.Migration):

    dependencies = [
        ('directory', '0020_merge_resident_hours'),
    ]

    operations = [
        migrations.RunSQL(SORT_NAME, DROP_SORT_NAME),
        migrations.RunSQL(DROP_BUCKETS, migrations.RunSQL.noop),
        migrations.DeleteModel(
            name='VenueNameBucket',
        ),
        migrations.AlterModelOptions(
            name='venue',
            options={'ordering': ['sort_name', 'pk'], 'verbose_name': 'lieu de médiation numérique', 'verbose_name_plural': 'lieux de médiation numérique'},
        ),
        migrations.RemoveIndex(
            model_name='venue',
            name='venue_name_id',
        ),
        migrations.RemoveIndex(
            model_name='venue',
            name='venue_departement_name',
        ),
        migrations.RemoveIndex(
            model_name='venue',
            name='venue_closing_later',
        ),
        migrations.RemoveIndex(
            model_name='venuesearchentry',
            name='venuesearch_name',
        ),
        migrations.RenameField(
            model_name='venuesearchentry',
            old_name='name',
            new_name='sort_name',
        ),
        migrations.AddField(
            model_name='venue',
            name='sort_name',
            field=models.GeneratedField(db_persist=True, expression=models.Func(models.F('name'), function='gll_sort_name', output_field=models.CharField(max_length=250)), output_field=models.CharField(max_length=250)),
        ),
        migrations.AddField(
            model_name='venuesearchentry',
            name='last_checked_at',
            field=models.DateTimeField(null=True),
        ),
        migrations.AddIndex(
            model_name='venue',
            index=models.Index(fields=['sort_name', 'id'], include=('closed_permanently_on', 'channel_kinds'), name='venue_sort_name_id'),
        ),
        migrations.AddIndex(
            model_name='venue',
            index=models.Index(models.Func(models.F('commune_id'), function='gll_departement_code', output_field=models.CharField()), models.F('sort_name'), models.F('id'), include=('closed_permanently_on', 'channel_kinds'), name='venue_departement_sort_name'),
        ),
        migrations.AddIndex(
            model_name='venuesearchentry',
            index=models.Index(fields=['sort_name', 'venue'], include=('closed_permanently_on', 'last_checked_at'), name='venuesearch_sort_name'),
        ),
        migrations.RunSQL(ENTRIES_SYNC, migrations.RunSQL.noop),
    ]
