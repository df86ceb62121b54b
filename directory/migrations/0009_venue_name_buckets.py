# Name buckets of the alphabetical list (``directory/models/listing.py``), kept by triggers.

from django.db import migrations, models

# Written by hand: Django adds a ``varchar_pattern_ops`` index to text primary keys, for LIKE
# look-ups that never happen here. Same type (so same collation) as ``directory_venue.name``:
# bucket boundaries compare exactly as the list sorts.
CREATE_TABLE = """
CREATE TABLE directory_venuenamebucket (
    start_name varchar(250) PRIMARY KEY,
    listed integer NOT NULL DEFAULT 0
);
"""

# ``apply``: add ``deltas`` to the buckets of ``names`` (the bucket of a name is the last
# boundary at or before it; the '' bucket starts the list). Rows locked in name order, so
# concurrent writers never deadlock on them. ``sync``: the statement's venues without a closing
# date (inserted, deleted, or whose name or closing date changed) as +1 / -1.
# ``rebuild``: boundaries every ``step`` venues and fresh counts; writers wait meanwhile.
FUNCTIONS = """
CREATE OR REPLACE FUNCTION gll_name_buckets_apply(names varchar[], deltas integer[]) RETURNS void
LANGUAGE sql AS $$
    WITH per_bucket AS (
        SELECT (SELECT max(b.start_name) FROM directory_venuenamebucket b WHERE b.start_name <= c.name) AS bucket,
               sum(c.delta) AS delta
        FROM unnest(names, deltas) AS c(name, delta)
        GROUP BY 1
    ),
    locked AS (
        SELECT b.start_name FROM directory_venuenamebucket b
        WHERE b.start_name IN (SELECT bucket FROM per_bucket WHERE delta <> 0)
        ORDER BY b.start_name
        FOR UPDATE
    )
    UPDATE directory_venuenamebucket b SET listed = b.listed + p.delta
    FROM per_bucket p
    WHERE b.start_name = p.bucket AND p.delta <> 0 AND b.start_name IN (SELECT start_name FROM locked);
$$;

CREATE OR REPLACE FUNCTION gll_name_buckets_sync() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM gll_name_buckets_apply(array_agg(name), array_agg(1))
        FROM new_rows WHERE closed_permanently_on IS NULL;
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM gll_name_buckets_apply(array_agg(name), array_agg(delta))
        FROM (
            SELECT n.name, 1 AS delta FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE n.closed_permanently_on IS NULL
              AND (o.name IS DISTINCT FROM n.name OR o.closed_permanently_on IS NOT NULL)
            UNION ALL
            SELECT o.name, -1 FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE o.closed_permanently_on IS NULL
              AND (o.name IS DISTINCT FROM n.name OR n.closed_permanently_on IS NOT NULL)
        ) AS changed;
    ELSE
        PERFORM gll_name_buckets_apply(array_agg(name), array_agg(-1))
        FROM old_rows WHERE closed_permanently_on IS NULL;
    END IF;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION gll_rebuild_name_buckets(step integer) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE directory_venuenamebucket IN SHARE ROW EXCLUSIVE MODE;
    DELETE FROM directory_venuenamebucket;
    INSERT INTO directory_venuenamebucket (start_name, listed)
    SELECT '', 0
    UNION
    SELECT name, 0 FROM (
        SELECT name, row_number() OVER (ORDER BY name, id) AS n
        FROM directory_venue WHERE closed_permanently_on IS NULL
    ) AS numbered
    WHERE n % step = 0;
    UPDATE directory_venuenamebucket b SET listed = counted.listed
    FROM (
        SELECT bounds.start_name,
               (SELECT count(*) FROM directory_venue v
                WHERE v.closed_permanently_on IS NULL AND v.name >= bounds.start_name
                  AND (bounds.next_name IS NULL OR v.name < bounds.next_name)) AS listed
        FROM (
            SELECT start_name, lead(start_name) OVER (ORDER BY start_name) AS next_name
            FROM directory_venuenamebucket
        ) AS bounds
    ) AS counted
    WHERE b.start_name = counted.start_name;
END;
$$;
"""

TRIGGERS = """
CREATE TRIGGER venue_name_buckets_insert AFTER INSERT ON directory_venue
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION gll_name_buckets_sync();
CREATE TRIGGER venue_name_buckets_update AFTER UPDATE ON directory_venue
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION gll_name_buckets_sync();
CREATE TRIGGER venue_name_buckets_delete AFTER DELETE ON directory_venue
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION gll_name_buckets_sync();
SELECT gll_rebuild_name_buckets(1000);
"""

DROP = """
DROP TRIGGER IF EXISTS venue_name_buckets_insert ON directory_venue;
DROP TRIGGER IF EXISTS venue_name_buckets_update ON directory_venue;
DROP TRIGGER IF EXISTS venue_name_buckets_delete ON directory_venue;
DROP FUNCTION IF EXISTS gll_name_buckets_sync();
DROP FUNCTION IF EXISTS gll_name_buckets_apply(varchar[], integer[]);
DROP FUNCTION IF EXISTS gll_rebuild_name_buckets(integer);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0008_venue_channel_kinds"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(CREATE_TABLE, "DROP TABLE directory_venuenamebucket;")],
            state_operations=[
                migrations.CreateModel(
                    name="VenueNameBucket",
                    fields=[
                        ("start_name", models.CharField(max_length=250, primary_key=True, serialize=False)),
                        ("listed", models.IntegerField(default=0)),
                    ],
                    options={"verbose_name": "venue name bucket"},
                ),
            ],
        ),
        migrations.RunSQL(FUNCTIONS + TRIGGERS, DROP),
        migrations.AddIndex(
            model_name="venue",
            index=models.Index(
                condition=models.Q(closed_permanently_on__isnull=False),
                fields=["closed_permanently_on"],
                include=("name",),
                name="venue_closing_later",
            ),
        ),
    ]
