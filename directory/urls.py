from django.urls import path

from directory.views import public

app_name = "directory"

urlpatterns = [
    path("", public.home, name="home"),
    path("lieux/", public.venue_list, name="venue_list"),
    path("lieux/<slug:slug>/", public.venue_detail, name="venue"),
]
