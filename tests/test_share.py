"""Taking a venue away: the SMS / e-mail / WhatsApp / link texts, the share page, the printed
venue (A4, A5), the orientation slip (nothing stored) and the favourites list."""

import datetime
import re
from urllib.parse import unquote

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from directory import enums
from directory.models import Venue
from directory.share import SMS_MAX_SEPTETS, sms_text, venue_message
from directory.sms import gsm7
from tests.factories import ChannelFactory, ClosurePeriodFactory, VenueFactory

MONDAY = datetime.date(2026, 11, 30)
MONDAY_NOON = timezone.make_aware(datetime.datetime(2026, 11, 30, 12, 0))


@pytest.fixture
def venue(hauts_de_france):
    venue = VenueFactory(
        name="Médiathèque Jean Lévy",
        commune=hauts_de_france.lille,
        postal_code="59000",
        address="32 rue Édouard Delesalle",
        opening_hours="Mo-Fr 09:00-12:00,14:00-17:30",
    )
    ChannelFactory(venue=venue, value="+33353010101", label="Accueil")
    ChannelFactory(venue=venue, sms=True, value="+33639980101")
    ChannelFactory(venue=venue, email=True)
    return venue


def fresh(venue):
    return Venue.objects.public().prefetch_related("channels", "closures__open_channels").get(pk=venue.pk)


def body_of(href: str) -> str:
    assert href.startswith("sms:?&body=")
    return unquote(href.removeprefix("sms:?&body="))


def test_the_sms_holds_name_status_phone_address_today_hours_and_the_link(venue):
    message = venue_message(fresh(venue), today=MONDAY, scenario=3, now=MONDAY_NOON)
    url = f"{settings.SITE_URL}/lieux/{venue.slug}/"
    assert body_of(message.sms_href) == (
        f"Médiathèque Jean Lévy\nOuvert, auj. 9h-12h, 14h-17h30\nTél. 03 53 01 01 01\n"
        f"32 rue Édouard Delesalle, 59000 Lille\n{url}"
    )
    assert gsm7.is_gsm7(message.sms_text) and message.sms_segments == 2


@pytest.mark.parametrize("scenario", [1, 2])
def test_no_web_link_in_the_sms_for_residents_without_data(venue, scenario):
    message = venue_message(fresh(venue), today=MONDAY, scenario=scenario, now=MONDAY_NOON)
    assert "http" not in message.sms_text and not message.with_link_in_sms
    # E-mail and WhatsApp need internet anyway: they keep the link.
    assert "http" in unquote(message.mailto_href) and "http" in unquote(message.whatsapp_href)


def test_a_closed_venue_says_so_and_gives_only_the_channels_staying_open(venue):
    sms = venue.channels.get(kind=enums.ChannelKind.SMS)
    closure = ClosurePeriodFactory(venue=venue, starts_on=MONDAY, ends_on=MONDAY + datetime.timedelta(days=11))
    closure.open_channels.set([sms])
    message = venue_message(fresh(venue), today=MONDAY, scenario=2, now=MONDAY_NOON)
    lines = message.sms_text.split("\n")
    assert lines[1] == "Fermé temporairement jusqu'au 11 décembre"  # the one wording
    assert lines[2] == "SMS 06 39 98 01 01"


def test_long_names_and_addresses_still_fit_two_gsm7_segments(hauts_de_france):
    venue = VenueFactory(
        name="Œuvre « très » longue — " + "Maison France Services de la Communauté " * 5,
        commune=hauts_de_france.lille,
        address="Bâtiment ê, " + "allée des Peupliers prolongée " * 7,
        opening_hours="Mo-Su 08:00-09:00,10:00-11:00,12:00-13:00,14:00-15:00,16:00-17:00,18:00-19:00",
    )
    ChannelFactory(venue=venue)
    message = venue_message(fresh(venue), today=MONDAY, scenario=None, now=MONDAY_NOON)
    assert gsm7.is_gsm7(message.sms_text)
    assert gsm7.segments(message.sms_text) <= 2 and gsm7.septets(message.sms_text) <= SMS_MAX_SEPTETS
    assert message.sms_text.endswith(f"/lieux/{venue.slug}/"), "the link is never cut"
    assert "«" not in message.sms_text and "OEuvre" in message.sms_text


def test_sms_text_never_exceeds_two_segments_even_with_extension_characters():
    text = sms_text("{[€]}" * 80, "Ouvert", ("Tél.", "03 53 01 00 00"), "~" * 200, "", "https://x.example/l/")
    assert gsm7.segments(text) <= 2 and text.endswith("https://x.example/l/")


def test_the_venue_page_offers_the_four_ways_without_javascript(client, venue):
    html = client.get(venue.get_absolute_url() + "?scenario=2").content.decode()
    for text in ("Envoyer par SMS", "Envoyer par e-mail", "Partager sur WhatsApp", "Copier le lien"):
        assert text in html
    assert re.search(r'<input type="text" id="share-url" value="[^"]+/lieux/' + venue.slug + '/" readonly', html)
    sms_href = re.search(r'href="(sms:\?&amp;body=[^"]+)"', html).group(1).replace("&amp;", "&")
    assert "http" not in body_of(sms_href)


def test_every_card_has_one_light_send_link(client, venue):
    html = client.get(reverse("directory:venue_list") + "?scenario=2").content.decode()
    assert html.count('class="venue-send"') == 1
    assert f'href="/lieux/{venue.slug}/envoyer/?scenario=2"' in html


def test_the_share_page_previews_the_exact_sms(client, venue):
    response = client.get(reverse("directory:venue_share", kwargs={"slug": venue.slug}) + "?scenario=2")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Sans lien internet" in html and "Tél. 03 53 01 01 01" in html
    assert client.get(reverse("directory:venue_share", kwargs={"slug": venue.slug}) + "?scenario=7").context[
        "scenario_error"
    ]


@pytest.mark.parametrize("paper", ["a4", "a5"])
def test_the_printed_venue_shows_channels_usable_in_the_scenario_and_a_qr_code(client, venue, paper):
    ChannelFactory(venue=venue, whatsapp=True)
    url = reverse("directory:venue_print", kwargs={"slug": venue.slug})
    html = client.get(f"{url}?format={paper}&scenario=2").content.decode()
    assert f"paper-{paper}" in html and 'class="qr-code"' in html
    assert "03 53 01 01 01" in html and "06 39 98 01 01" in html
    assert "contact@exemple.fr" not in html and "WhatsApp" not in html
    everything = client.get(f"{url}?format={paper}").content.decode()
    assert "contact@exemple.fr" in everything
    assert "style=" not in html


def test_the_printed_venue_advertises_the_sms_look_up(client, venue, settings):
    settings.SMS_LOOKUP_NUMBER = "06 39 98 00 00"
    html = client.get(reverse("directory:venue_print", kwargs={"slug": venue.slug})).content.decode()
    assert "envoyez le nom de votre commune par SMS au 06 39 98 00 00" in html


def test_the_slip_form_adds_venues_and_prints_the_note_without_storing_anything(client, venue, hauts_de_france):
    other = VenueFactory(name="Centre social Flers", commune=hauts_de_france.villeneuve)
    form = client.get(reverse("directory:orientation_slip") + f"?lieu={venue.slug}&q=flers")
    assert form.status_code == 200
    assert f"lieu={venue.slug}&amp;lieu={other.slug}" in form.content.decode()
    count = Venue.objects.count()
    response = client.post(
        reverse("directory:orientation_slip"),
        {
            "lieu": [venue.slug, other.slug],
            "note": "Dossier CAF commencé, revenir avec l'avis d'imposition.",
            "mediateur": "Awa",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Dossier CAF commencé" in html and "Centre social Flers" in html and "par Awa" in html
    assert "03 53 01 01 01" in html
    assert Venue.objects.count() == count


def test_the_slip_refuses_an_empty_choice_and_a_long_note_with_french_messages(client, venue):
    empty = client.post(reverse("directory:orientation_slip"), {"note": "x"})
    assert empty.status_code == 400 and "Choisissez au moins un lieu" in empty.content.decode()
    long = client.post(reverse("directory:orientation_slip"), {"lieu": venue.slug, "note": "x" * 601})
    assert long.status_code == 400 and "La note est trop longue (601 caractères)" in long.content.decode()


def test_favourites_list_the_given_venues_and_send_them_by_sms(client, venue, hauts_de_france):
    other = VenueFactory(name="Centre social Flers", commune=hauts_de_france.villeneuve)
    ChannelFactory(venue=other, value="+33353010202")
    response = client.get(reverse("directory:favourites") + f"?lieu={venue.slug}&lieu={other.slug}&lieu=disparu")
    html = response.content.decode()
    assert html.index("Médiathèque Jean Lévy") < html.index("Centre social Flers")
    assert "1 lieu n&#x27;existe plus" in html or "1 lieu n'existe plus" in html
    href = re.search(r'href="(sms:\?&amp;body=[^"]+)"', html).group(1).replace("&amp;", "&")
    assert body_of(href) == "Médiathèque Jean Lévy Tél. 03 53 01 01 01\nCentre social Flers Tél. 03 53 01 02 02"


def test_favourites_without_javascript_explain_how_to_keep_venues(client, db):
    html = client.get(reverse("directory:favourites")).content.decode()
    assert "Aucun lieu gardé pour l'instant" in html or "Aucun lieu gardé pour l&#x27;instant" in html


def test_share_pages_read_a_constant_number_of_queries(client, venue, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        client.get(reverse("directory:venue_share", kwargs={"slug": venue.slug}))
    with django_assert_max_num_queries(4):
        client.get(reverse("directory:venue_print", kwargs={"slug": venue.slug}))
