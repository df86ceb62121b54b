# ``Venue.channel_kinds``: the kinds of a venue's channels, kept by triggers.

import django.contrib.postgres.fields
from django.conf import settings
from django.db import migrations, models

# The sorted, distinct kinds of a venue's channels (``{}`` when it has none), on the
# ``channel_kind_venue`` / ``venue_id`` indexes.
KINDS_FUNCTION = """
CREATE OR REPLACE FUNCTION gll_venue_channel_kinds(venue bigint) RETURNS varchar(20)[]
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT coalesce(array_agg(DISTINCT kind ORDER BY kind), '{}')
    FROM directory_channel WHERE venue_id = venue
$$;
"""

# Every UPDATE of a venue recomputes its kinds (BEFORE, per row): a venue read before its
# channels changed and then saved by Django writes its stale list, which this replaces. Channel
# writes (per statement: an import's COPY of 100,000 channels updates each venue once) update
# the venues whose kinds changed, which runs the same recomputation.
SYNC = """
CREATE OR REPLACE FUNCTION gll_venue_refresh_channel_kinds() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.channel_kinds := gll_venue_channel_kinds(NEW.id);
    RETURN NEW;
END;
$$;

CREATE OR REPLACE FUNCTION gll_channel_kinds_sync() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE directory_venue v SET channel_kinds = gll_venue_channel_kinds(v.id)
        WHERE v.id IN (SELECT venue_id FROM new_rows)
          AND v.channel_kinds IS DISTINCT FROM gll_venue_channel_kinds(v.id);
    ELSIF TG_OP = 'UPDATE' THEN
        UPDATE directory_venue v SET channel_kinds = gll_venue_channel_kinds(v.id)
        WHERE v.id IN (
            SELECT n.venue_id FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE n.kind IS DISTINCT FROM o.kind OR n.venue_id IS DISTINCT FROM o.venue_id
            UNION
            SELECT o.venue_id FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE n.kind IS DISTINCT FROM o.kind OR n.venue_id IS DISTINCT FROM o.venue_id
        )
          AND v.channel_kinds IS DISTINCT FROM gll_venue_channel_kinds(v.id);
    ELSE
        UPDATE directory_venue v SET channel_kinds = gll_venue_channel_kinds(v.id)
        WHERE v.id IN (SELECT venue_id FROM old_rows)
          AND v.channel_kinds IS DISTINCT FROM gll_venue_channel_kinds(v.id);
    END IF;
    RETURN NULL;
END;
$$;

UPDATE directory_venue v SET channel_kinds = k.kinds
FROM (
    SELECT venue_id, array_agg(DISTINCT kind ORDER BY kind) AS kinds FROM directory_channel GROUP BY venue_id
) AS k
WHERE v.id = k.venue_id;

CREATE TRIGGER venue_channel_kinds BEFORE UPDATE ON directory_venue
    FOR EACH ROW EXECUTE FUNCTION gll_venue_refresh_channel_kinds();
CREATE TRIGGER channel_kinds_insert AFTER INSERT ON directory_channel
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION gll_channel_kinds_sync();
CREATE TRIGGER channel_kinds_update AFTER UPDATE ON directory_channel
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION gll_channel_kinds_sync();
CREATE TRIGGER channel_kinds_delete AFTER DELETE ON directory_channel
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION gll_channel_kinds_sync();
"""

DROP = """
DROP TRIGGER IF EXISTS venue_channel_kinds ON directory_venue;
DROP TRIGGER IF EXISTS channel_kinds_insert ON directory_channel;
DROP TRIGGER IF EXISTS channel_kinds_update ON directory_channel;
DROP TRIGGER IF EXISTS channel_kinds_delete ON directory_channel;
DROP FUNCTION IF EXISTS gll_channel_kinds_sync();
DROP FUNCTION IF EXISTS gll_venue_refresh_channel_kinds();
DROP FUNCTION IF EXISTS gll_venue_channel_kinds(bigint);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0007_search_words"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="venue",
            name="venue_name_id",
        ),
        migrations.RemoveIndex(
            model_name="venue",
            name="venue_departement_name",
        ),
        migrations.AddField(
            model_name="venue",
            name="channel_kinds",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.CharField(max_length=20),
                blank=True,
                db_default=models.Value("{}"),
                default=list,
                editable=False,
                size=None,
            ),
        ),
        migrations.RunSQL(KINDS_FUNCTION + SYNC, DROP),
        migrations.AddIndex(
            model_name="venue",
            index=models.Index(
                fields=["name", "id"], include=("closed_permanently_on", "channel_kinds"), name="venue_name_id"
            ),
        ),
        migrations.AddIndex(
            model_name="venue",
            index=models.Index(
                models.Func(models.F("commune_id"), function="gll_departement_code", output_field=models.CharField()),
                models.F("name"),
                models.F("id"),
                include=("closed_permanently_on", "channel_kinds"),
                name="venue_departement_name",
            ),
        ),
    ]
