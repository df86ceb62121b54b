"""The offline tools, findable: the commune's paper sheet from its results, the SMS look-up
number on the home page, the département's contact on empty results."""

from django.urls import reverse

from tests.factories import ChannelFactory, VenueFactory


def test_commune_results_link_to_the_commune_paper_sheet(client, hauts_de_france):
    venue = VenueFactory(commune=hauts_de_france.lille)
    ChannelFactory(venue=venue)
    html = client.get(reverse("directory:venue_list") + f"?commune={hauts_de_france.lille.code}").content.decode()
    assert f'<a href="/territoires/{hauts_de_france.lille.code}/fiche/">Imprimer la fiche de Lille</a>' in html


def test_a_commune_search_leads_to_the_sheet_without_typing_a_code(client, hauts_de_france):
    """« lille » is read as a place (issue 13): its results offer Lille's paper sheet."""
    html = client.get(reverse("directory:venue_list") + "?q=lille").content.decode()
    assert reverse("directory:territory_sheet", kwargs={"code": hauts_de_france.lille.code}) in html
    assert "Imprimer la fiche de Lille" in html


def test_empty_results_give_the_departement_contact(client, hauts_de_france):
    hauts_de_france.nord.contact_label = "Mission inclusion numérique du Nord"
    hauts_de_france.nord.contact_phone = "+33353019900"
    hauts_de_france.nord.save()
    html = client.get(reverse("directory:venue_list") + f"?commune={hauts_de_france.cysoing.code}").content.decode()
    assert "Le département (Nord) peut vous orienter" in html
    assert '<a href="tel:+33353019900">03 53 01 99 00</a>' in html
    assert "Imprimer la fiche de Cysoing" in html


def test_empty_results_without_a_departement_contact_give_the_national_one(client, hauts_de_france, settings):
    html = client.get(reverse("directory:venue_list") + "?q=zzzzzz").content.decode()
    assert f"Pour être orienté : {settings.SMS_FALLBACK_CONTACT}." in html


def test_the_home_page_advertises_the_sms_look_up_number(client, db, settings):
    settings.SMS_LOOKUP_NUMBER = "06 39 98 00 00"
    html = client.get(reverse("directory:home")).content.decode()
    assert "Envoyez le nom de votre commune par SMS au <strong>06 39 98 00 00</strong>" in html
    settings.SMS_LOOKUP_NUMBER = ""
    assert "Envoyez le nom de votre commune" not in client.get(reverse("directory:home")).content.decode()
