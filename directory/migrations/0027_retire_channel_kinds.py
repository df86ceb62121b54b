# Venue.channel_kinds retired with its four triggers and SQL helper: measured at 200,000 venues
# (bench/machinery.py, docs/proof.md) it saved under 10 % on « canal= » and nothing on the
# scenario filter. The list indexes lose it from their INCLUDE.

import pgtrigger.migrations
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0026_closure_history_channels"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The SQL helper the retired triggers called (migration 0008); dropped after them below.
        pgtrigger.migrations.RemoveTrigger(
            model_name="channel",
            name="channel_kinds_insert",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="channel",
            name="channel_kinds_update",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="channel",
            name="channel_kinds_delete",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="venue",
            name="venue_channel_kinds",
        ),
        migrations.RemoveIndex(
            model_name="venue",
            name="venue_sort_name_id",
        ),
        migrations.RemoveIndex(
            model_name="venue",
            name="venue_departement_sort_name",
        ),
        migrations.RemoveField(
            model_name="venue",
            name="channel_kinds",
        ),
        migrations.AddIndex(
            model_name="venue",
            index=models.Index(
                fields=["sort_name", "id"], include=("closed_permanently_on",), name="venue_sort_name_id"
            ),
        ),
        migrations.AddIndex(
            model_name="venue",
            index=models.Index(
                models.Func(models.F("commune_id"), function="gll_departement_code", output_field=models.CharField()),
                models.F("sort_name"),
                models.F("id"),
                include=("closed_permanently_on",),
                name="venue_departement_sort_name",
            ),
        ),
        migrations.RunSQL("DROP FUNCTION IF EXISTS gll_venue_channel_kinds(bigint);", migrations.RunSQL.noop),
    ]
