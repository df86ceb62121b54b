from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from directory.api import docs, views

app_name = "api"

urlpatterns = [
    path("v1/lieux/", views.VenueList.as_view(), name="venue-list"),
    path("v1/lieux/<str:slug>/", views.VenueDetail.as_view(), name="venue-detail"),
    path("v1/changements/", views.ChangeList.as_view(), name="change-list"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", docs.SwaggerDocs.as_view(url_name="api:schema"), name="docs"),
]
