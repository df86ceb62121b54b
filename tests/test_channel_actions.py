"""Channels shown as actions (issue 13, part 7): one link saying what it does, no label that
repeats the kind, phone and SMS as large buttons, numbers in closure messages as links."""

import pytest
from django.urls import reverse

from directory import enums
from directory.presenters import _LineWriter, label_adds_information, link_phone_numbers
from tests.factories import ChannelFactory, ClosurePeriodFactory, VenueFactory

K = enums.ChannelKind


def html_of(kind, value, label="", availability=""):
    return _LineWriter().line_of(kind, value, label, availability).__html__()


def test_phone_is_a_call_button():
    html = html_of(K.PHONE, "+33353011007", "Accueil")
    assert (
        '<a class="channel-link action action-phone action-button" href="tel:+33353011007">Appeler le 03 53 01 10 07</a>'
        in html
    )
    assert '<span class="channel-kind">Accueil :</span>' in html


def test_sms_is_a_button_and_its_label_is_not_repeated():
    html = html_of(K.SMS, "+33639981007", "SMS")
    assert "Envoyer un SMS au 06 39 98 10 07" in html and "action-button" in html
    assert "channel-kind" not in html  # « SMS — SMS : » is gone


def test_website_label_repeating_the_site_is_dropped():
    html = html_of(K.WEBSITE, "https://www.caf.fr/", "caf.fr")
    assert "Aller sur le site caf.fr" in html and "channel-kind" not in html
    assert "action-button" not in html  # only phone and SMS are big buttons


@pytest.mark.parametrize(
    ("kind", "label", "kept"),
    [
        (K.SMS, "SMS", False),
        (K.SMS, "SMS de l'équipe", True),
        (K.PHONE, "Téléphone", False),
        (K.PHONE, "Accueil", True),
        (K.EMAIL, "Courriel", False),
        (K.WEBSITE, "Site web", False),
        (K.WEBSITE, "Prendre rendez-vous", True),
    ],
)
def test_labels_that_only_repeat_the_kind(kind, label, kept):
    from directory.channels import get_kind

    assert label_adds_information(kind, str(get_kind(kind).label), label, "caf.fr") is kept


def test_non_link_channels_keep_their_kind():
    html = html_of(K.IN_PERSON, "Place de la mairie", "Arrêt du bus", "jeudi 14 h – 17 h")
    assert "Permanence sur place — Arrêt du bus :" in html and "(jeudi 14 h – 17 h)" in html


@pytest.mark.parametrize(
    ("text", "href"),
    [
        ("Appelez Templeuve au 03 53 01 10 07.", "tel:+33353011007"),
        ("SMS : 06.39.98.10.07", "tel:+33639981007"),
        ("joignable au 0353011007", "tel:+33353011007"),
        ("ou au +33 3 53 01 10 07", "tel:+33353011007"),
    ],
)
def test_numbers_in_closure_messages_become_links(text, href):
    assert f'href="{href}"' in link_phone_numbers(text)


def test_closure_message_stays_escaped():
    html = link_phone_numbers("<b>Fermé</b> : 03 53 01 10 07")
    assert "&lt;b&gt;Fermé&lt;/b&gt;" in html and 'href="tel:+33353011007"' in html


def test_a_page_shows_actions(client, hauts_de_france, settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    venue = VenueFactory(commune=hauts_de_france.cysoing)
    ChannelFactory(venue=venue, value="+33353011007", label="Téléphone")
    ChannelFactory(venue=venue, sms=True, value="+33639981007", label="SMS")
    ClosurePeriodFactory(venue=venue, public_message="Appelez la mairie au 03 53 01 10 08")
    html = client.get(venue.get_absolute_url()).content.decode()
    assert "Appeler le 03 53 01 10 07" in html and "Envoyer un SMS au 06 39 98 10 07" in html
    assert "Téléphone — Téléphone" not in html and "SMS — SMS" not in html
    assert '<a class="channel-link" href="tel:+33353011008">03 53 01 10 08</a>' in html
    html = client.get(reverse("directory:venue_list")).content.decode()
    assert "Appeler le 03 53 01 10 07" in html
