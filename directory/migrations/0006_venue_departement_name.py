from django.conf import settings
from django.db import migrations, models

# A commune's département is the start of its INSEE code: 3 characters overseas (97x, 98x),
# else 2 (``59``, ``2A``). IMMUTABLE (it only reads its argument) so that an index can use it;
# a plain SQL function, which the planner inlines in queries and index definitions alike.
CREATE_FUNCTION = """
CREATE OR REPLACE FUNCTION gll_departement_code(commune_code text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN CASE WHEN left(commune_code, 2) IN ('97', '98') THEN left(commune_code, 3) ELSE left(commune_code, 2) END;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0005_venue_search_vector"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunSQL(CREATE_FUNCTION, "DROP FUNCTION IF EXISTS gll_departement_code(text);"),
        migrations.AddIndex(
            model_name="venue",
            index=models.Index(
                models.Func(models.F("commune_id"), function="gll_departement_code", output_field=models.CharField()),
                models.F("name"),
                models.F("id"),
                include=("closed_permanently_on",),
                name="venue_departement_name",
            ),
        ),
    ]
