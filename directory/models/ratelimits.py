"""Rate-limit counters kept in PostgreSQL, where no visitor can evict them (issue 17).

The page cache is an evictable store that anonymous visitors fill (one entry per distinct
page): counters kept there started again from zero once enough pages pushed them out. Here
each counter is one row, incremented by a single ``INSERT … ON CONFLICT DO UPDATE`` (atomic:
concurrent requests queue on the row lock, none is lost). ``directory/ratelimit.py`` uses it.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RateCounter(models.Model):
    """Hits of one key (a scope and a hashed client) in a fixed window ending at ``expires_at``."""

    key = models.CharField(_("clé"), max_length=100, primary_key=True)
    count = models.PositiveIntegerField(_("nombre"), default=0)
    expires_at = models.DateTimeField(_("fin de la fenêtre"), db_index=True)

    class Meta:
        verbose_name = _("compteur de limite")
        verbose_name_plural = _("compteurs de limite")

    def __str__(self):
        return f"{self.key}: {self.count}"
