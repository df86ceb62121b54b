from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from directory.views.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path(settings.ADMIN_URL, admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("directory.api.urls")),
    path("compte/", include("directory.account_urls")),
    path("", include("directory.urls")),
]

handler404 = "directory.views.errors.not_found"
handler500 = "directory.views.errors.server_error"
