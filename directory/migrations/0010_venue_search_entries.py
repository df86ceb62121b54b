# ``VenueSearchEntry``: a narrow copy of each venue for text searches, kept by triggers.

import django.contrib.postgres.indexes
import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models

# One statement per INSERT/COPY, UPDATE or DELETE of venues (transition tables); updates copy
# only the rows whose name, closing date or text changed.
SYNC = """
CREATE OR REPLACE FUNCTION gll_venue_search_entries_sync() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO directory_venuesearchentry (venue_id, name, closed_permanently_on, search_vector)
        SELECT id, name, closed_permanently_on, search_vector FROM new_rows;
    ELSIF TG_OP = 'UPDATE' THEN
        UPDATE directory_venuesearchentry e
        SET name = n.name, closed_permanently_on = n.closed_permanently_on, search_vector = n.search_vector
        FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE e.venue_id = n.id
          AND (n.name, n.closed_permanently_on, n.search_text)
              IS DISTINCT FROM (o.name, o.closed_permanently_on, o.search_text);
    ELSE
        DELETE FROM directory_venuesearchentry WHERE venue_id IN (SELECT id FROM old_rows);
    END IF;
    RETURN NULL;
END;
$$;

INSERT INTO directory_venuesearchentry (venue_id, name, closed_permanently_on, search_vector)
SELECT id, name, closed_permanently_on, search_vector FROM directory_venue;

CREATE TRIGGER venue_search_entries_insert AFTER INSERT ON directory_venue
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION gll_venue_search_entries_sync();
CREATE TRIGGER venue_search_entries_update AFTER UPDATE ON directory_venue
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION gll_venue_search_entries_sync();
CREATE TRIGGER venue_search_entries_delete AFTER DELETE ON directory_venue
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION gll_venue_search_entries_sync();
"""

DROP = """
DROP TRIGGER IF EXISTS venue_search_entries_insert ON directory_venue;
DROP TRIGGER IF EXISTS venue_search_entries_update ON directory_venue;
DROP TRIGGER IF EXISTS venue_search_entries_delete ON directory_venue;
DROP FUNCTION IF EXISTS gll_venue_search_entries_sync();
"""


class Migration(migrations.Migration):

    dependencies = [
        ('directory', '0009_venue_name_buckets'),
    ]

    operations = [
        migrations.CreateModel(
            name='VenueSearchEntry',
            fields=[
                ('venue', models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, primary_key=True, serialize=False, to='directory.venue')),
                ('name', models.CharField(max_length=250)),
                ('closed_permanently_on', models.DateField(null=True)),
                ('search_vector', django.contrib.postgres.search.SearchVectorField()),
            ],
            options={
                'verbose_name': 'venue search entry',
                'indexes': [django.contrib.postgres.indexes.GinIndex(fastupdate=False, fields=['search_vector'], name='venuesearch_fts'), models.Index(fields=['name', 'venue'], include=('closed_permanently_on',), name='venuesearch_name')],
            },
        ),
        migrations.RunSQL(SYNC, DROP),
    ]
