"""Door poster: content, order, one-page budget, QR code, signage channel (with ownership)."""

import re

import pytest
import segno
from django.conf import settings
from django.urls import reverse

from directory import enums
from directory.channels import MAX_TEXT_LENGTH
from directory.models import Channel, Venue
from directory.views.printing import POSTER_MAX_OFFLINE, POSTER_MAX_ONLINE, signage_text
from tests.factories import (
    ChannelFactory,
    ClosurePeriodFactory,
    MembershipFactory,
    UserFactory,
    VenueFactory,
)


def poster_url(venue):
    return reverse("directory:venue_poster", kwargs={"slug": venue.slug})


@pytest.fixture
def venue(hauts_de_france):
    venue = VenueFactory(name="Centre social Fives", commune=hauts_de_france.lille)
    ChannelFactory(venue=venue, value="+33353010010", availability="du lundi au vendredi, 9 h – 17 h")
    ChannelFactory(venue=venue, sms=True, value="+33639980011")
    ChannelFactory(venue=venue, in_person=True)
    ChannelFactory(venue=venue, kind=enums.ChannelKind.POST, value="12 rue Pierre Legrand, 59800 Lille")
    ChannelFactory(venue=venue, email=True)
    ChannelFactory(venue=venue, website=True, value="https://www.exemple.fr/un/tres/long/chemin/qui/ne/sert/a/rien")
    return venue


def test_it_renders_the_poster_of_an_open_venue(client, venue):
    response = client.get(poster_url(venue))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Centre social Fives" in html
    assert "Ouvert" in html
    assert "Horaires d&#x27;ouverture" in html or "Horaires d'ouverture" in html
    assert "03 53 01 00 10" in html and "06 39 98 00 11" in html
    assert "Salle polyvalente" in html and "12 rue Pierre Legrand" in html
    # Offline channels first, online ones after and short (no long URLs).
    assert html.index("03 53 01 00 10") < html.index("contact@exemple.fr")
    assert "exemple.fr" in html and "/un/tres/long" not in html
    assert 'href="/static/css/print.css"' in html or "print.css" in html


def test_the_poster_has_no_inline_style_or_script(client, venue):
    html = client.get(poster_url(venue)).content.decode()
    assert "style=" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert not re.search(r"\son[a-z]+=", html)


def test_the_qr_code_leads_to_the_venue_page(client, venue):
    html = client.get(poster_url(venue)).content.decode()
    url = settings.SITE_URL + venue.get_absolute_url()
    expected_path = re.search(r' d="([^"]+)"', segno.make(url, error="m").svg_inline(border=2)).group(1)
    svg = re.search(r"<svg[^>]*>.*?</svg>", html, re.S).group(0)
    assert 'role="img"' in svg and "aria-label=" in svg
    assert expected_path in svg
    assert url in html


def test_it_says_when_a_venue_is_closed_and_which_channels_stay_open(client, venue):
    closure = ClosurePeriodFactory(venue=venue, public_message="Travaux de toiture")
    closure.open_channels.add(venue.channels.get(kind="sms"))
    html = client.get(poster_url(venue)).content.decode()
    assert "Fermé temporairement jusqu&#x27;au" in html or "Fermé temporairement jusqu'au" in html
    assert closure.ends_on.strftime("%Y") in html
    assert "Travaux de toiture" in html
    assert "Pendant la fermeture" in html
    assert "06 39 98 00 11" in html
    assert "03 53 01 00 10" not in html  # the phone is not answered during the closure
    assert "status-temporarily_closed" in html


def test_it_says_closed_until_further_notice(client, venue):
    ClosurePeriodFactory(venue=venue, ends_on=None)
    html = client.get(poster_url(venue)).content.decode()
    assert '<p class="poster-headline">Fermé temporairement</p>' in html


def test_it_says_closed_for_good(client, hauts_de_france):
    venue = VenueFactory(commune=hauts_de_france.lille, closed_for_good=True)
    html = client.get(poster_url(venue)).content.decode()
    assert "Fermé définitivement" in html


def test_it_caps_channels_and_densifies_to_stay_on_one_page(client, venue):
    for n in range(8):
        ChannelFactory(venue=venue, value=f"+3335301020{n}", label=f"Permanence {n}")
        ChannelFactory(venue=venue, website=True, value=f"https://site{n}.exemple.fr/")
    html = client.get(poster_url(venue)).content.decode()
    assert html.count('class="offline-item') == POSTER_MAX_OFFLINE
    assert html.count('<li><span class="channel-kind">') == POSTER_MAX_ONLINE
    assert "autres moyens sans internet" in html
    # Dense (the SMS look-up line, set in debug, may push it one step further).
    assert "density-high" in html or "density-max" in html


def test_a_small_poster_stays_roomy(client, hauts_de_france):
    venue = VenueFactory(commune=hauts_de_france.lille, opening_hours="")
    ChannelFactory(venue=venue)
    html = client.get(poster_url(venue)).content.decode()
    assert "density-low" in html
    assert "Aucun moyen" not in html


def test_it_renders_a_venue_without_any_channel(client, hauts_de_france):
    venue = VenueFactory(commune=hauts_de_france.lille)
    html = client.get(poster_url(venue)).content.decode()
    assert "Aucun moyen de contact sans internet" in html


def test_the_poster_query_count_does_not_grow_with_channels(client, venue, django_assert_num_queries):
    closure = ClosurePeriodFactory(venue=venue)
    closure.open_channels.add(venue.channels.first())
    # 4 + the nearest open alternative of a closed venue (none here: its channels are not read).
    with django_assert_num_queries(5):
        client.get(poster_url(venue))
    for n in range(5):
        ChannelFactory(venue=venue, value=f"+3335301030{n}")
    closure.open_channels.add(*venue.channels.all())
    ClosurePeriodFactory(venue=venue, starts_on=closure.starts_on, ends_on=None)
    with django_assert_num_queries(5):
        client.get(poster_url(venue))


def test_unknown_venue_is_404(client, db):
    assert client.get(reverse("directory:venue_poster", kwargs={"slug": "nulle-part"})).status_code == 404


# --- signage channel -----------------------------------------------------------------------


def test_signage_text_summarises_the_poster(venue):
    text = signage_text(venue)
    assert text.startswith("Affiche à l'entrée : Ouvert.")
    assert "Téléphone : 03 53 01 00 10 (du lundi au vendredi, 9 h – 17 h)." in text
    assert "SMS : 06 39 98 00 11." in text
    assert "contact@exemple.fr" not in text
    assert len(text) <= MAX_TEXT_LENGTH


def test_signage_text_stays_within_the_channel_limit(venue):
    for _n in range(10):
        ChannelFactory(venue=venue, in_person=True, value="Très longue description " * 20, availability="x" * 150)
    assert len(signage_text(Venue.objects.prefetch_related("channels", "closures").get(pk=venue.pk))) <= 500


def test_anonymous_users_are_sent_to_login_and_nothing_changes(client, venue):
    response = client.post(poster_url(venue))
    assert response.status_code == 302
    assert "login" in response.url or "connexion" in response.url
    assert not venue.channels.filter(kind=enums.ChannelKind.SIGNAGE).exists()


def test_users_outside_the_structure_cannot_publish_the_signage(client, venue):
    outsider = MembershipFactory().user  # member of another structure
    client.force_login(outsider)
    assert client.post(poster_url(venue)).status_code == 403
    assert not venue.channels.filter(kind=enums.ChannelKind.SIGNAGE).exists()
    # And the form is not offered to them.
    assert "Publier ce texte" not in client.get(poster_url(venue)).content.decode()


def test_members_publish_the_poster_as_the_signage_channel(client, venue):
    member = MembershipFactory(structure=venue.structure).user
    client.force_login(member)
    assert "Publier ce texte" in client.get(poster_url(venue)).content.decode()
    response = client.post(poster_url(venue))
    assert response.status_code == 302 and response.url == poster_url(venue)
    channel = venue.channels.get(kind=enums.ChannelKind.SIGNAGE)
    assert channel.scenario == enums.AccessScenario.OFFLINE
    assert channel.label == "Affiche pour la porte"
    assert channel.value == signage_text(Venue.objects.prefetch_related("channels", "closures").get(pk=venue.pk))

    # A closure later: publishing again updates the same channel.
    ClosurePeriodFactory(venue=venue)
    client.post(poster_url(venue))
    channels = venue.channels.filter(kind=enums.ChannelKind.SIGNAGE)
    assert channels.count() == 1
    assert "Fermé temporairement jusqu'au" in channels.get().value


def test_superusers_may_publish_and_other_signage_channels_are_kept(client, venue):
    ChannelFactory(venue=venue, signage=True, label="Panneau de la mairie")
    admin = UserFactory(is_superuser=True)
    client.force_login(admin)
    client.post(poster_url(venue))
    assert Channel.objects.filter(venue=venue, kind=enums.ChannelKind.SIGNAGE).count() == 2


# --- every demo venue ------------------------------------------------------------------------


def test_every_demo_venue_has_a_poster(client, demo_world):
    venues = list(Venue.objects.all())
    assert len(venues) >= 40
    for venue in venues:
        response = client.get(poster_url(venue))
        assert response.status_code == 200, venue.slug
        html = response.content.decode()
        assert "<svg" in html and "poster-headline" in html
        assert "style=" not in html
        offline = venue.channels.filter(kind__in=["phone", "sms"])
        # Closed for good: no channel works any more (ClosurePeriod.keeps_working's venue rule).
        if not venue.current_closure() and not venue.closed_permanently_on and offline.exists():
            assert offline.first().display_value in html, venue.slug


def test_the_venue_page_links_to_its_poster(client, venue):
    html = client.get(venue.get_absolute_url()).content.decode()
    assert f'href="{poster_url(venue)}"' in html
    assert "Imprimer l&#x27;affiche pour la porte" in html or "Imprimer l'affiche pour la porte" in html


# --- for people in the street (issue 15) -------------------------------------------------------


def test_each_group_and_video_class_gets_its_own_qr_code_and_short_address(client, venue):
    ChannelFactory(venue=venue, kind=enums.ChannelKind.WHATSAPP, value="https://chat.whatsapp.com/AbCdEfGhIj1234")
    ChannelFactory(
        venue=venue, kind=enums.ChannelKind.FACEBOOK, value="https://www.facebook.com/groups/entraide", label="Entraide"
    )
    ChannelFactory(venue=venue, kind=enums.ChannelKind.VIDEO_CLASS, value="https://meet.jit.si/atelier-fives")
    html = client.get(poster_url(venue)).content.decode()
    assert html.count('class="qr-item"') == 4  # three groups and the venue page
    assert len(re.findall(r"<svg[^>]*qr-code", html)) == 4  # three groups and the venue page
    assert "chat.whatsapp.com/AbCdEfGhIj1234" in html
    assert "facebook.com/groups/entraide" in html and "meet.jit.si/atelier-fives" in html
    assert "Groupe WhatsApp" in html and "Entraide" in html and "Classe en visio" in html
    # No « WhatsApp : Rejoindre le groupe WhatsApp »: the label is said once.
    assert "Rejoindre le groupe WhatsApp" not in html


def test_a_label_equal_to_the_kind_is_not_repeated(client, hauts_de_france):
    venue = VenueFactory(commune=hauts_de_france.lille)
    ChannelFactory(venue=venue, kind=enums.ChannelKind.SMS, value="+33639980011", label="SMS")
    html = client.get(poster_url(venue)).content.decode()
    assert "SMS — SMS" not in html


def test_a_closed_venue_points_to_the_nearest_open_one(client, hauts_de_france):
    closed = VenueFactory(name="Fermé ici", commune=hauts_de_france.lille, latitude=50.63, longitude=3.06)
    ClosurePeriodFactory(venue=closed, public_message="Fermé pour travaux")
    near = VenueFactory(name="Ouvert tout près", commune=hauts_de_france.lille, latitude=50.631, longitude=3.061)
    ChannelFactory(venue=near, value="+33353010077")
    VenueFactory(name="Ouvert plus loin", commune=hauts_de_france.lille, latitude=50.70, longitude=3.20)
    html = client.get(poster_url(closed)).content.decode()
    assert "Ouvert tout près" in html and "03 53 01 00 77" in html
    assert "Ouvert plus loin" not in html
    # An open venue's poster has no such block.
    assert "poster-alternative" not in client.get(poster_url(near)).content.decode()


def test_the_sms_look_up_number_is_printed_when_set(client, venue, settings):
    settings.SMS_LOOKUP_NUMBER = ""
    assert "poster-sms-lookup" not in client.get(poster_url(venue)).content.decode()
    settings.SMS_LOOKUP_NUMBER = "+33639980099"
    html = client.get(poster_url(venue)).content.decode()
    assert "06 39 98 00 99" in html


def test_the_closure_message_sets_the_size_of_the_largest_type(client, venue):
    ClosurePeriodFactory(venue=venue, public_message="Fermé pour travaux")
    assert "message-short" in client.get(poster_url(venue)).content.decode()
