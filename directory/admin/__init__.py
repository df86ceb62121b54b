"""The back office is the Django admin, customised for mediators, structure managers and
département staff (see docs/back-office.md). Access comes from the model rules."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from directory.admin import channel_checks, duplicates, partners, people, reports, sms, territories, venues  # noqa: F401  (registrations)

admin.site.site_header = _("Gardez le lien — gestion")
admin.site.site_title = _("Gardez le lien — gestion")
admin.site.index_title = _("Tenir à jour les lieux de médiation numérique")

_admin_index = admin.site.index


def _index(request, extra_context=None):
    """Mediators and structure managers start on « Mon lieu » (a task page made for them); the
    admin's other pages stay open to them, and its index to staff and superusers."""
    from django.shortcuts import redirect

    from directory.workspace.views import lands_on_workspace

    if lands_on_workspace(request.user):
        return redirect("directory:workspace")
    return _admin_index(request, extra_context)


# Before the admin's URLs are built (the URLconf is imported after the apps are ready).
admin.site.index = _index
