"""Bump the public data version on every write, so cached public pages never show stale data."""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from directory.cache import bump_data_version

# What public pages print: venues and their parts, the structure's name, the département's
# contact (empty results, paper sheets, SMS replies).
WATCHED = {"Venue", "Channel", "ClosurePeriod", "Structure", "Departement"}


@receiver(post_save)
@receiver(post_delete)
def _on_write(sender, **kwargs):
    if sender.__name__ in WATCHED and sender.__module__.startswith("directory.models"):
        bump_data_version()


@receiver(m2m_changed)
def _on_m2m(sender, **kwargs):
    bump_data_version()
