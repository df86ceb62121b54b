from django.urls import path

from directory.opendata import admin_views as opendata_admin
from directory.views import (
    coverage,
    embed,
    feeds,
    invitations,
    offline,
    opendata,
    printing,
    public,
    reports,
    share,
    site,
    sms,
)
from directory.workspace import suggestions
from directory.workspace import views as workspace

app_name = "directory"

urlpatterns = [
    path("couverture/", coverage.coverage_page, name="coverage"),
    path("couverture/public/", coverage.public_summary, name="coverage_public"),
    path("couverture/incomplets/", coverage.incomplete_page, name="coverage_incomplete"),
    path("", public.home, name="home"),
    path("lieux/", public.venue_list, name="venue_list"),
    path("widget/", embed.widget, name="widget"),
    path("integrer/", embed.embed_builder, name="embed"),
    path("lieux/<slug:slug>/", public.venue_detail, name="venue"),
    path("lieux/<slug:slug>/affiche/", printing.venue_poster, name="venue_poster"),
    path("lieux/<slug:slug>/envoyer/", share.venue_share, name="venue_share"),
    path("lieux/<slug:slug>/imprimer/", share.venue_print, name="venue_print"),
    path("fiche-orientation/", share.orientation_slip, name="orientation_slip"),
    path("mes-lieux/", share.favourites, name="favourites"),
    # « Garder hors ligne » (issue 19): the worker at the root so its scope is the whole site.
    path("sw.js", offline.service_worker, name="service_worker"),
    path("manifest.webmanifest", offline.manifest, name="manifest"),
    path("hors-ligne/", offline.kept, name="offline_kept"),
    path("hors-ligne/recherche/", offline.search, name="offline_search"),
    path("hors-ligne/<str:kind>/<str:code>.json", offline.pack, name="offline_pack"),
    path("lieux/<slug:slug>/signaler/", reports.report_venue, name="venue_report"),
    path("lieux/<slug:slug>/signaler/merci/", reports.report_thanks, name="venue_report_thanks"),
    path("lieux/<slug:slug>/proposer/", suggestions.suggest_change, name="venue_suggest"),
    path("mon-lieu/", workspace.workspace_home, name="workspace"),
    path("mon-lieu/<int:pk>/", workspace.workspace_venue, name="workspace_venue"),
    path(
        "mon-lieu/<int:pk>/canaux/<int:channel_pk>/fonctionne/",
        workspace.channel_works,
        name="workspace_channel_works",
    ),
    path("mon-lieu/propositions/", suggestions.moderation_queue, name="moderation_queue"),
    path("mon-lieu/propositions/<int:pk>/", suggestions.moderate, name="moderation"),
    path("proposer-un-lieu/", suggestions.suggest_venue, name="suggest_venue"),
    path("proposer-un-lieu/merci/", suggestions.suggestion_thanks, name="suggestion_thanks"),
    path("invitation/<uidb64>/<token>/", invitations.accept_invitation, name="invitation_accept"),
    path("invitations/<int:pk>/", invitations.respond_to_invitation, name="invitation_respond"),
    path("territoires/<str:code>/fiche/", printing.territory_sheet, name="territory_sheet"),
    path("territoires/<str:code>/changements.atom", feeds.TerritoryChangesFeed(), name="territory_changes"),
    path("sms/entrant/", sms.incoming, name="sms_incoming"),
    path("gestion/import/", opendata_admin.import_view, name="opendata_import"),
    path("gestion/import/rejets/<str:token>/", opendata_admin.rejects_view, name="opendata_import_rejects"),
    path("open-data/valider/", opendata.validator, name="opendata_validator"),
    path("open-data/valider/rejets/<str:token>/", opendata.validator_rejects, name="opendata_validator_rejects"),
    path("mentions-legales/", site.legal, name="legal"),
    path("accessibilite/", site.accessibility, name="accessibility"),
    path("donnees-personnelles/", site.privacy, name="privacy"),
    path("contact/", site.contact, name="contact"),
    path("open-data/", site.open_data, name="open_data"),
    path("open-data/schemas/<str:name>", opendata.schema_file, name="opendata_schema"),
    path("open-data/<str:name>", opendata.download, name="opendata_download"),
]
