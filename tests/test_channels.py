"""Channel kinds: validation, normalisation, links, default scenarios and model constraints."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from directory import enums
from directory.channels import KINDS, OFFLINE_KINDS, get_kind
from directory.models import Channel
from tests.factories import ChannelFactory, VenueFactory


def normalise(kind, raw):
    return get_kind(kind).normalise(raw)


def error_of(kind, raw) -> str:
    with pytest.raises(ValidationError) as info:
        normalise(kind, raw)
    return " ".join(info.value.messages)


# --- registry -----------------------------------------------------------------------------------


def test_every_channel_kind_has_a_spec():
    assert set(KINDS) == set(enums.ChannelKind.values)


def test_unknown_kind_is_refused_in_french():
    with pytest.raises(ValidationError, match="Type de canal inconnu"):
        get_kind("pigeon")


@pytest.mark.parametrize(
    ("kind", "scenario"),
    [
        ("signage", 1),
        ("in_person", 1),
        ("post", 1),
        ("phone", 2),
        ("sms", 2),
        ("whatsapp", 3),
        ("facebook", 3),
        ("email", 3),
        ("website", 3),
        ("video_stream", 3),
        ("video_class", 3),
        ("online_course", 3),
    ],
)
def test_default_scenario_per_kind(kind, scenario):
    assert get_kind(kind).default_scenario == scenario


def test_offline_kinds_are_those_usable_without_internet():
    assert set(OFFLINE_KINDS) == {"signage", "in_person", "post", "phone", "sms"}


# --- phone and SMS ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "03 53 01 00 00",
        "0353010000",
        "03.53.01.00.00",
        "03-53-01-00-00",
        "+33 3 53 01 00 00",
        "+33 (0)3 53 01 00 00",
        "0033353010000",
        "+33353010000",
        "tel:+33353010000",
        " 03 53 01 00 00 ",
    ],
)
def test_phone_numbers_in_any_writing_become_e164(raw):
    assert normalise("phone", raw) == "+33353010000"


@pytest.mark.parametrize("raw", ["06 39 98 12 34", "+33 6 39 98 12 34", "sms:0639981234", "0639981234"])
def test_mobile_numbers_in_the_fiction_range_are_accepted(raw):
    assert normalise("sms", raw) == "+33639981234"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "Indiquez un numéro de téléphone"),
        ("   ", "Indiquez un numéro de téléphone"),
        ("abc", "n'est pas un numéro de téléphone"),
        ("12", "n'est pas un numéro de téléphone valide"),
        ("03 53 01", "n'est pas un numéro de téléphone valide"),
        ("03 53 01 00 00 00 00", "n'est pas un numéro de téléphone valide"),
    ],
)
def test_bad_phone_numbers_are_refused_with_a_french_message(raw, message):
    assert message in error_of("phone", raw)


def test_phone_and_sms_links_and_display():
    phone, sms = get_kind("phone"), get_kind("sms")
    assert phone.href("+33353010000") == "tel:+33353010000"
    assert sms.href("+33639980000") == "sms:+33639980000"
    assert phone.display("+33353010000") == "03 53 01 00 00"
    assert sms.display("+33639980000") == "06 39 98 00 00"


def test_quick_french_display_matches_libphonenumber_for_every_prefix():
    """display_phone skips libphonenumber for 0X XX XX XX XX numbers: same text, every prefix."""
    import random

    import phonenumbers

    from directory.channels import display_phone

    rng = random.Random(5)
    numbers = [f"+33{first}{rng.randrange(10**8):08d}" for first in range(1, 10) for _ in range(300)]
    numbers += ["+33800123456", "+262262123456", "+32475123456", "+33353010000"]
    for number in numbers:
        expected = phonenumbers.format_number(phonenumbers.parse(number, "FR"), phonenumbers.PhoneNumberFormat.NATIONAL)
        if number.startswith("+33"):
            assert display_phone(number) == expected, number
        else:
            assert display_phone(number) == phonenumbers.format_number(
                phonenumbers.parse(number, "FR"), phonenumbers.PhoneNumberFormat.INTERNATIONAL
            )
    assert display_phone("+33800123456") == "0 800 12 34 56"


# --- WhatsApp -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "06 39 98 00 00",
        "+33639980000",
        "https://wa.me/33639980000",
        "wa.me/33639980000",
        "https://api.whatsapp.com/send?phone=33639980000",
    ],
)
def test_whatsapp_numbers_are_stored_in_e164_and_link_to_wa_me(raw):
    kind = get_kind("whatsapp")
    value = kind.normalise(raw)
    assert value == "+33639980000"
    assert kind.href(value) == "https://wa.me/33639980000"
    assert kind.display(value) == "06 39 98 00 00"


@pytest.mark.parametrize(
    "raw",
    [
        "https://chat.whatsapp.com/AbCdEfGhIj0123",
        "chat.whatsapp.com/AbCdEfGhIj0123",
        " HTTPS://CHAT.WHATSAPP.COM/AbCdEfGhIj0123",
    ],
)
def test_whatsapp_group_links_are_kept(raw):
    kind = get_kind("whatsapp")
    value = kind.normalise(raw)
    assert value == "https://chat.whatsapp.com/AbCdEfGhIj0123"
    assert kind.href(value) == value
    assert kind.display(value) == "Rejoindre le groupe WhatsApp"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("https://example.com/groupe", "lien d'invitation chat.whatsapp.com"),
        ("https://www.facebook.com/groups/x", "lien d'invitation chat.whatsapp.com"),
        ("https://wa.me.example.org/33639980000", "lien d'invitation chat.whatsapp.com"),
        ("https://chat.whatsapp.com/abc", "est incomplet"),
        ("https://wa.me/", "Indiquez un numéro"),
        ("pas un numéro", "n'est pas un numéro"),
    ],
)
def test_non_whatsapp_values_are_refused(raw, message):
    assert message in error_of("whatsapp", raw)


# --- Facebook -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://m.facebook.com/groups/demo", "https://www.facebook.com/groups/demo"),
        ("facebook.com/cafdunord", "https://www.facebook.com/cafdunord"),
        ("http://facebook.com/cafdunord", "https://www.facebook.com/cafdunord"),
        ("https://web.facebook.com/groups/demo", "https://www.facebook.com/groups/demo"),
        ("https://fr-fr.facebook.com/demo", "https://www.facebook.com/demo"),
        ("https://WWW.Facebook.com/Demo?ref=share#top", "https://www.facebook.com/Demo?ref=share"),
        ("https://fb.me/demo", "https://fb.me/demo"),
    ],
)
def test_facebook_addresses_get_one_canonical_form(raw, expected):
    assert normalise("facebook", raw) == expected


@pytest.mark.parametrize(
    "raw", ["https://example.com/facebook", "https://notfacebook.com/x", "https://facebook.com.example.org/x"]
)
def test_non_facebook_addresses_are_refused_for_facebook(raw):
    assert "n'est pas une adresse Facebook" in error_of("facebook", raw)


# --- video, classes, courses, websites ----------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "https://www.youtube.com/@demo",
        "youtu.be/abc123",
        "https://www.twitch.tv/demo",
        "https://www.dailymotion.com/video/x1",
        "https://vimeo.com/12345",
        "https://www.facebook.com/demo/live",
    ],
)
def test_video_stream_accepts_streaming_platforms(raw):
    assert normalise("video_stream", raw).startswith("https://")


@pytest.mark.parametrize("raw", ["https://zoom.us/j/123", "https://www.exemple.fr/videos"])
def test_video_stream_refuses_other_sites(raw):
    assert "n'est pas une adresse YouTube" in error_of("video_stream", raw)


def test_video_class_accepts_any_visio_link_and_names_the_platform():
    kind = get_kind("video_class")
    zoom = kind.normalise("https://zoom.us/j/99999000001")
    bbb = kind.normalise("https://bbb.corif.example/b/dem-o12-cls")
    assert zoom == "https://zoom.us/j/99999000001"
    assert kind.display(bbb) == "BigBlueButton — bbb.corif.example"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("www.exemple.fr", "https://www.exemple.fr"),
        ("exemple.fr/contact", "https://exemple.fr/contact"),
        ("HTTP://WWW.EXEMPLE.FR/Page", "http://www.exemple.fr/Page"),
        ("https://pix.fr/", "https://pix.fr/"),
    ],
)
def test_urls_without_scheme_get_https_and_hosts_are_lower_cased(raw, expected):
    assert normalise("website", raw) == expected


@pytest.mark.parametrize("raw", ["", "exemple", "ftp://exemple.fr", "javascript:alert(1)", "https://"])
def test_bad_urls_are_refused(raw):
    assert error_of("website", raw)


def test_online_course_links_to_the_course():
    kind = get_kind("online_course")
    assert kind.normalise("lesbonsclics.fr") == "https://lesbonsclics.fr"
    assert kind.href("https://pix.fr/") == "https://pix.fr/"


# --- e-mail -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Contact@Exemple.FR", "Contact@exemple.fr"),
        ("mailto:accueil@exemple.fr", "accueil@exemple.fr"),
        ("  accueil@centres-sociaux.example ", "accueil@centres-sociaux.example"),
    ],
)
def test_emails_keep_the_local_part_and_lower_case_the_domain(raw, expected):
    assert normalise("email", raw) == expected


@pytest.mark.parametrize("raw", ["", "accueil", "accueil@", "@exemple.fr", "a b@exemple.fr", "a@@exemple.fr"])
def test_bad_emails_are_refused(raw):
    assert error_of("email", raw)


def test_email_link():
    assert get_kind("email").href("accueil@exemple.fr") == "mailto:accueil@exemple.fr"


# --- text kinds ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["signage", "in_person", "post"])
def test_text_kinds_are_trimmed_non_empty_and_length_limited(kind):
    spec = get_kind(kind)
    assert spec.normalise("  Affiche   sur la porte ") == "Affiche sur la porte"
    assert spec.href("Affiche") is None
    assert "ne peut pas être vide" in error_of(kind, "   ")
    assert "Texte trop long" in error_of(kind, "x" * 501)
    assert spec.normalise("x" * 500) == "x" * 500


# --- the model ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_full_clean_normalises_and_sets_the_default_scenario(hauts_de_france):
    channel = Channel(venue=VenueFactory(commune=hauts_de_france.lille), kind="phone", value="03 53 01 00 01")
    channel.full_clean()
    assert channel.value == "+33353010001"
    assert channel.scenario == 2
    channel.save()
    assert channel.href == "tel:+33353010001"
    assert channel.display_value == "03 53 01 00 01"
    assert channel.display_label == "Téléphone"


@pytest.mark.django_db
def test_full_clean_reports_errors_on_the_value_field(hauts_de_france):
    channel = Channel(venue=VenueFactory(commune=hauts_de_france.lille), kind="facebook", value="https://exemple.fr")
    with pytest.raises(ValidationError) as info:
        channel.full_clean()
    assert "value" in info.value.message_dict


@pytest.mark.django_db
def test_save_without_scenario_uses_the_kind_default_and_the_scenario_is_editable(hauts_de_france):
    venue = VenueFactory(commune=hauts_de_france.lille)
    assert ChannelFactory(venue=venue, signage=True).scenario == 1
    assert ChannelFactory(venue=venue, whatsapp=True).scenario == 3
    # A phone line announced only on the door poster can be tagged for scenario 1.
    channel = ChannelFactory(venue=venue, scenario=1)
    channel.refresh_from_db()
    assert channel.scenario == 1
    channel.scenario = 3
    channel.full_clean()
    channel.save()
    channel.refresh_from_db()
    assert channel.scenario == 3
    assert not channel.usable_in(2) and channel.usable_in(3)


@pytest.mark.django_db
@pytest.mark.parametrize("scenario", [0, 4, 9])
def test_scenario_out_of_range_violates_a_constraint(hauts_de_france, scenario):
    venue = VenueFactory(commune=hauts_de_france.lille)
    with pytest.raises(IntegrityError), transaction.atomic():
        Channel.objects.create(venue=venue, kind="phone", value="+33353010000", scenario=scenario)


@pytest.mark.django_db
def test_empty_value_violates_a_constraint(hauts_de_france):
    venue = VenueFactory(commune=hauts_de_france.lille)
    with pytest.raises(IntegrityError), transaction.atomic():
        Channel.objects.create(venue=venue, kind="phone", value="", scenario=2)


@pytest.mark.django_db
def test_unknown_kind_violates_a_constraint(hauts_de_france):
    venue = VenueFactory(commune=hauts_de_france.lille)
    with pytest.raises(IntegrityError), transaction.atomic():
        Channel.objects.create(venue=venue, kind="pigeon", value="x", scenario=1)
    channel = Channel(venue=venue, kind="pigeon", value="x", scenario=1)
    with pytest.raises(ValidationError):
        channel.full_clean()


@pytest.mark.parametrize(
    "url, platform",
    [
        ("https://www.youtube.com/watch?v=1", "YouTube"),
        ("https://m.facebook.com/groups/1", "Facebook"),
        ("https://fb.watch/abc", "Facebook"),
        ("https://us02web.zoom.us/j/1", "Zoom"),
        ("https://meet.google.com/abc-defg-hij", "Google Meet"),
        ("https://bbb.example.org/b/abc-123", "BigBlueButton"),
        ("https://chat.whatsapp.com/AbCd", "WhatsApp"),
        ("https://app.pix.org/campagnes", "Pix"),
        ("https://notyoutube.com/x", None),
        ("https://youtube.com.example.org/", None),
        ("https://example.org", None),
    ],
)
def test_platform_of_matches_hosts_and_their_subdomains_only(url, platform):
    from directory.channels import platform_of

    assert platform_of(url) == platform


# --- « canal= »: venues with a channel of one of the kinds --------------------------------------


@pytest.mark.django_db
def test_the_channel_filter_follows_every_channel_write(hauts_de_france):
    from directory.models import Venue

    venue = VenueFactory(commune=hauts_de_france.lille)
    sms = ChannelFactory(venue=venue, sms=True)
    ChannelFactory(venue=VenueFactory(commune=hauts_de_france.lille))
    assert list(Venue.objects.with_channel_kinds(["sms", "whatsapp"])) == [venue]
    sms.kind, sms.value = enums.ChannelKind.EMAIL, "contact@exemple.fr"
    sms.save()
    assert not Venue.objects.with_channel_kinds(["sms"]).exists()
    # bulk writes too (imports COPY channels): nothing derived to keep in step
    Channel.objects.bulk_create(
        [Channel(venue=venue, kind="whatsapp", value="https://chat.whatsapp.com/AbCd", scenario=3)]
    )
    assert list(Venue.objects.with_channel_kinds(["whatsapp"])) == [venue]
