"""The back office is the Django admin, customised for mediators, structure managers and
département staff (see docs/back-office.md). Access comes from the model rules."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from directory.admin import channel_checks, people, reports, sms, territories, venues  # noqa: F401  (registrations)

admin.site.site_header = _("Gardez le lien — gestion")
admin.site.site_title = _("Gardez le lien — gestion")
admin.site.index_title = _("Tenir à jour les lieux de médiation numérique")
