# A narrow covering index for the coverage: the France-wide statement and the distance
# figures' drop-ins read it instead of the wide venue rows (docs/proof.md, coverage_france_s).

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('directory', '0027_retire_channel_kinds'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='venue',
            index=models.Index(fields=['id'], include=('commune', 'service_area', 'closed_permanently_on', 'verified_at', 'latitude', 'longitude'), name='venue_coverage'),
        ),
    ]
