from django.urls import path

from directory.views import coverage, printing, public, sms

app_name = "directory"

urlpatterns = [
    path("couverture/", coverage.coverage_page, name="coverage"),
    path("couverture/public/", coverage.public_summary, name="coverage_public"),
    path("", public.home, name="home"),
    path("lieux/", public.venue_list, name="venue_list"),
    path("lieux/<slug:slug>/", public.venue_detail, name="venue"),
    path("lieux/<slug:slug>/affiche/", printing.venue_poster, name="venue_poster"),
    path("territoires/<str:code>/fiche/", printing.territory_sheet, name="territory_sheet"),
    path("sms/entrant/", sms.incoming, name="sms_incoming"),
]
