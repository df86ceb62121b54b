"""The registry of channel kinds: the one place that knows how each way of reaching a venue
is validated, normalised, labelled and rendered as a link.

The admin form, the importer, the API and the templates all go through ``KINDS``:
``kind.normalise(raw)`` returns the stored value or raises ``ValidationError`` with a French
message; ``kind.href(value)`` returns the link that acts (``tel:``, ``sms:``, ``https://wa.me/…``,
``mailto:``…) or ``None`` for channels that are not links (signage, drop-in, post).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils.translation import gettext_lazy as _

from directory.enums import AccessScenario, ChannelKind

MAX_TEXT_LENGTH = 500

# ARCEP reserves these blocks for fiction, documentation and demos (décision 2019-0833). Some
# (06 39 98) are missing from libphonenumber's metadata, which would otherwise reject the only
# numbers that demos and tests are allowed to show.
FICTION_PREFIXES = ("19900", "26191", "35301", "46571", "53649", "63998")


def is_fiction_number(number: phonenumbers.PhoneNumber) -> bool:
    national = str(number.national_number)
    return number.country_code == 33 and len(national) == 9 and national.startswith(FICTION_PREFIXES)


# --- value helpers ---------------------------------------------------------------------------


def parse_phone(raw: str) -> phonenumbers.PhoneNumber:
    text = (raw or "").strip()
    if not text:
        raise ValidationError(_("Indiquez un numéro de téléphone."), code="required")
    if text.lower().startswith(("tel:", "sms:")):
        text = text[4:]
    try:
        number = phonenumbers.parse(text, "FR")
    except phonenumbers.NumberParseException:
        raise ValidationError(
            _("« %(value)s » n'est pas un numéro de téléphone reconnu."), code="invalid_phone", params={"value": raw}
        ) from None
    if not (phonenumbers.is_valid_number(number) or is_fiction_number(number)):
        raise ValidationError(
            _("« %(value)s » n'est pas un numéro de téléphone valide."), code="invalid_phone", params={"value": raw}
        )
    return number


def normalise_phone(raw: str) -> str:
    """Any French or international writing of a number → E.164 (``+33353010000``)."""
    return phonenumbers.format_number(parse_phone(raw), phonenumbers.PhoneNumberFormat.E164)


# Metropolitan geographic, mobile and 09 numbers (+33 then 1-7 or 9, then 8 digits): what
# libphonenumber prints for them is always « 0X XX XX XX XX », and parsing is its costliest call,
# made a hundred times per list page (``make bench``, the list measures in state ``nocache``). Special-rate 08 numbers print « 0 8XX XX XX XX »: left to it.
_FR_PAIRS = re.compile(r"\+33([1-79])([0-9]{2})([0-9]{2})([0-9]{2})([0-9]{2})")


def display_phone(value: str) -> str:
    """E.164 → the way residents read it (``03 53 01 00 00`` in France)."""
    match = _FR_PAIRS.fullmatch(value)
    if match:
        return "0" + " ".join(match.groups())
    try:
        number = phonenumbers.parse(value, "FR")
    except phonenumbers.NumberParseException:
        return value
    if number.country_code == 33:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


_url_validator = URLValidator(schemes=["http", "https"])


def normalise_url(raw: str) -> str:
    text = (raw or "").strip()
    if not text:
        raise ValidationError(_("Indiquez une adresse web."), code="required")
    if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", text):
        text = "https://" + text
    try:
        _url_validator(text)
    except ValidationError:
        raise ValidationError(
            _("« %(value)s » n'est pas une adresse web valide."), code="invalid_url", params={"value": raw}
        ) from None
    parts = urlsplit(text)
    if "@" in parts.netloc:
        # « https://mairie.example.fr@evil.example/ » leads to evil.example; credentials have no
        # place in a public link either.
        raise ValidationError(
            _("« %(value)s » contient un identifiant ou un mot de passe (« …@ ») : indiquez l'adresse sans."),
            code="url_credentials",
            params={"value": raw},
        )
    host = parts.hostname or ""
    if mixed_script_label(host):
        raise ValidationError(
            _(
                "« %(value)s » mélange des alphabets dans son nom de domaine (lettres latines et cyrilliques, "
                "par exemple) : c'est le procédé des faux sites. Vérifiez l'adresse."
            ),
            code="url_mixed_scripts",
            params={"value": raw},
        )
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, parts.query, parts.fragment))


# Scripts that legitimately share a label (UTS #39 « highly restrictive »): Latin with Japanese,
# Chinese or Korean writing. Any other mix (Latin and Cyrillic « аpple ») is a homograph.
_ALLOWED_SCRIPT_MIXES = (
    {"LATIN", "CJK", "HIRAGANA", "KATAKANA"},
    {"LATIN", "CJK", "BOPOMOFO"},
    {"LATIN", "CJK", "HANGUL"},
)


def _script(character: str) -> str:
    return unicodedata.name(character, "UNKNOWN").split(" ")[0]


def _unicode_label(label: str) -> str:
    if label.startswith("xn--"):
        try:
            return label.encode("ascii").decode("idna")
        except UnicodeError:
            return "\ufffd"  # undecodable punycode: refused as a mix with an unknown script
    return label


def mixed_script_label(host: str) -> bool:
    """True when a label of ``host`` mixes writing systems in a way no real name does."""
    for label in host.split("."):
        scripts = {_script(c) for c in _unicode_label(label) if c.isalpha() or c == "\ufffd"}
        if len(scripts) > 1 and not any(scripts <= allowed for allowed in _ALLOWED_SCRIPT_MIXES):
            return True
    return False


def ascii_host(host: str) -> str:
    """``host`` as the browser's address bar should show it: internationalised labels in
    punycode (``xn--…``), so look-alike letters cannot pass for Latin ones."""
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host.encode("ascii", "backslashreplace").decode("ascii")


def host_of(url: str) -> str:
    host = urlsplit(url).hostname or ""
    return host[4:] if host.startswith("www.") else host


def host_matches(url: str, domains: tuple[str, ...], host: str | None = None) -> bool:
    host = host_of(url) if host is None else host
    return any(host == d or host.endswith("." + d) for d in domains)


def free_text(raw: str) -> str:
    text = re.sub(r"[ \t]+", " ", (raw or "").strip())
    if not text:
        raise ValidationError(_("Ce champ ne peut pas être vide."), code="required")
    if len(text) > MAX_TEXT_LENGTH:
        raise ValidationError(
            _("Texte trop long (%(max)s caractères au plus)."), code="too_long", params={"max": MAX_TEXT_LENGTH}
        )
    return text


# --- platforms -------------------------------------------------------------------------------

FACEBOOK_DOMAINS = ("facebook.com", "fb.com", "fb.me", "fb.watch")
WHATSAPP_DOMAINS = ("whatsapp.com", "wa.me")
PLATFORMS: dict[str, tuple[str, ...]] = {
    "YouTube": ("youtube.com", "youtu.be"),
    "Facebook": FACEBOOK_DOMAINS,
    "Twitch": ("twitch.tv",),
    "Dailymotion": ("dailymotion.com", "dai.ly"),
    "Vimeo": ("vimeo.com",),
    "Zoom": ("zoom.us", "zoom.com"),
    "BigBlueButton": ("bigbluebutton.org", "bbb.org"),
    "Jitsi Meet": ("meet.jit.si",),
    "Microsoft Teams": ("teams.microsoft.com", "teams.live.com"),
    "Google Meet": ("meet.google.com",),
    "Webex": ("webex.com",),
    "Les Bons Clics": ("lesbonsclics.fr",),
    "Pix": ("pix.fr", "pix.org"),
    "Skilleos": ("skilleos.com",),
    "Udemy": ("udemy.com",),
    "OpenClassrooms": ("openclassrooms.com",),
    "FUN MOOC": ("fun-mooc.fr",),
    "Instagram": ("instagram.com",),
    "WhatsApp": WHATSAPP_DOMAINS,
}
VIDEO_STREAM_PLATFORMS = ("YouTube", "Facebook", "Twitch", "Dailymotion", "Vimeo")


# domain → platform, for a look-up per suffix of the host rather than a scan of every domain
# (list pages name a few dozen platforms).
_PLATFORM_OF_DOMAIN = {domain: name for name, domains in reversed(PLATFORMS.items()) for domain in domains}


def platform_of(url: str) -> str | None:
    host = host_of(url)
    labels = host.split(".")
    for i in range(len(labels) - 1):  # « live.fb.watch », « fb.watch »; never the bare TLD
        name = _PLATFORM_OF_DOMAIN.get(".".join(labels[i:]))
        if name:
            return name
    if "bigbluebutton" in url or "/b/" in urlsplit(url).path and "bbb" in host:
        return "BigBlueButton"
    return None


# --- the registry ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ChannelKindSpec:
    kind: ChannelKind
    default_scenario: AccessScenario
    value_label: str
    help_text: str
    icon: str
    is_link: bool = True
    examples: tuple[str, ...] = field(default_factory=tuple)

    @property
    def label(self):
        return self.kind.label

    def normalise(self, raw: str) -> str:
        raise NotImplementedError

    def href(self, value: str) -> str | None:
        return value if self.is_link else None

    def display(self, value: str) -> str:
        return value


class PhoneSpec(ChannelKindSpec):
    def normalise(self, raw):
        return normalise_phone(raw)

    def href(self, value):
        return f"tel:{value}"

    def display(self, value):
        return display_phone(value)


class SmsSpec(PhoneSpec):
    def href(self, value):
        return f"sms:{value}"


class WhatsAppSpec(ChannelKindSpec):
    """A number (chat) or a group invite link (``chat.whatsapp.com/…``)."""

    def normalise(self, raw):
        text = (raw or "").strip()
        if re.match(r"^(https?://)?(www\.)?(wa\.me|api\.whatsapp\.com|chat\.whatsapp\.com)\b", text, re.I):
            url = normalise_url(text)
            host = host_of(url)
            if host not in {"wa.me", "api.whatsapp.com", "chat.whatsapp.com"}:
                # e.g. wa.me.example.org: looks like WhatsApp but leads elsewhere.
                raise ValidationError(
                    _("Indiquez un numéro WhatsApp ou un lien d'invitation chat.whatsapp.com, pas « %(value)s »."),
                    code="invalid_whatsapp",
                    params={"value": raw},
                )
            if host == "chat.whatsapp.com":
                code = urlsplit(url).path.strip("/")
                if not re.fullmatch(r"[A-Za-z0-9]{10,40}", code):
                    raise ValidationError(
                        _("Le lien d'invitation WhatsApp « %(value)s » est incomplet."),
                        code="invalid_whatsapp",
                        params={"value": raw},
                    )
                return f"https://chat.whatsapp.com/{code}"
            digits = re.sub(r"\D", "", urlsplit(url).path) or re.sub(
                r"\D", "", dict(p.split("=", 1) for p in urlsplit(url).query.split("&") if "=" in p).get("phone", "")
            )
            return normalise_phone("+" + digits) if digits else normalise_phone("")
        if text.startswith(("http://", "https://")):
            raise ValidationError(
                _("Indiquez un numéro WhatsApp ou un lien d'invitation chat.whatsapp.com, pas « %(value)s »."),
                code="invalid_whatsapp",
                params={"value": raw},
            )
        return normalise_phone(text)

    def href(self, value):
        if value.startswith("https://"):
            return value
        return "https://wa.me/" + value.lstrip("+")

    def display(self, value):
        return _("Rejoindre le groupe WhatsApp") if value.startswith("https://") else display_phone(value)


class UrlSpec(ChannelKindSpec):
    """A web address, optionally restricted to some platforms."""

    platforms: tuple[str, ...] = ()

    def normalise(self, raw):
        url = normalise_url(raw)
        if self.platforms and platform_of(url) not in self.platforms:
            raise ValidationError(
                _("« %(value)s » n'est pas une adresse %(platforms)s."),
                code="wrong_platform",
                params={"value": raw, "platforms": " / ".join(self.platforms)},
            )
        return url

    def display(self, value):
        platform = platform_of(value)
        host = ascii_host(host_of(value))
        return f"{platform} — {host}" if platform and platform.lower() not in host else host or value


class FacebookSpec(UrlSpec):
    platforms = ("Facebook",)

    def normalise(self, raw):
        url = super().normalise(raw)
        parts = urlsplit(url)
        host = parts.netloc
        # Mobile and short hosts lead to the same pages: store one canonical form.
        if host in {"m.facebook.com", "facebook.com", "web.facebook.com", "fr-fr.facebook.com", "fr.facebook.com"}:
            host = "www.facebook.com"
        return urlunsplit(("https", host, parts.path, parts.query, ""))


class VideoStreamSpec(UrlSpec):
    platforms = VIDEO_STREAM_PLATFORMS


# An unquoted local part without the characters a mailto: URL reads (? & % # /).
_PLAIN_LOCAL_PART = re.compile(r"[A-Za-z0-9!$'*+=^_`{|}~-]+(?:\.[A-Za-z0-9!$'*+=^_`{|}~-]+)*")


class EmailSpec(ChannelKindSpec):
    _validator = EmailValidator()

    def normalise(self, raw):
        text = (raw or "").strip()
        if text.lower().startswith("mailto:"):
            text = text[7:]
        if not text:
            raise ValidationError(_("Indiquez une adresse e-mail."), code="required")
        try:
            self._validator(text)
        except ValidationError:
            raise ValidationError(
                _("« %(value)s » n'est pas une adresse e-mail valide."), code="invalid_email", params={"value": raw}
            ) from None
        local, _at, domain = text.rpartition("@")
        if not _PLAIN_LOCAL_PART.fullmatch(local):
            # A quoted local part may carry « ?cc=…&body=… », which a mailto: link then obeys.
            raise ValidationError(
                _(
                    "« %(value)s » : l'adresse ne peut contenir ni guillemets, ni espace, ni les caractères "
                    "? & %% # / (ils changeraient le lien « écrire un e-mail »)."
                ),
                code="invalid_email",
                params={"value": raw},
            )
        return f"{local}@{domain.lower()}"

    def href(self, value):
        return f"mailto:{value}"


class TextSpec(ChannelKindSpec):
    def normalise(self, raw):
        return free_text(raw)


def _spec(cls, kind, scenario, value_label, help_text, icon, **kwargs):
    return cls(kind=kind, default_scenario=scenario, value_label=value_label, help_text=help_text, icon=icon, **kwargs)


S1, S2, S3 = AccessScenario.OFFLINE, AccessScenario.DEVICE_NO_NETWORK, AccessScenario.CONNECTED

KINDS: dict[str, ChannelKindSpec] = {
    spec.kind.value: spec
    for spec in (
        _spec(PhoneSpec, ChannelKind.PHONE, S2, _("Numéro"), _("Ex. 03 53 01 00 00"), "phone"),
        _spec(SmsSpec, ChannelKind.SMS, S2, _("Numéro"), _("Numéro de mobile qui reçoit les SMS"), "sms"),
        _spec(
            WhatsAppSpec,
            ChannelKind.WHATSAPP,
            S3,
            _("Numéro ou lien du groupe"),
            _("Numéro WhatsApp ou lien d'invitation https://chat.whatsapp.com/…"),
            "whatsapp",
        ),
        _spec(
            FacebookSpec,
            ChannelKind.FACEBOOK,
            S3,
            _("Adresse de la page, du groupe ou du live"),
            _("https://www.facebook.com/…"),
            "facebook",
        ),
        _spec(
            TextSpec,
            ChannelKind.SIGNAGE,
            S1,
            _("Ce qui est affiché, et où"),
            _("Ex. affiche sur la porte d'entrée avec les numéros à appeler"),
            "signage",
            is_link=False,
        ),
        _spec(
            TextSpec,
            ChannelKind.IN_PERSON,
            S1,
            _("Lieu de la permanence"),
            _("Adresse ou lieu ; les horaires vont dans « Disponibilité »"),
            "in_person",
            is_link=False,
        ),
        _spec(
            TextSpec,
            ChannelKind.POST,
            S1,
            _("Adresse postale"),
            _("Adresse où écrire"),
            "post",
            is_link=False,
        ),
        _spec(EmailSpec, ChannelKind.EMAIL, S3, _("Adresse e-mail"), _("contact@exemple.fr"), "email"),
        _spec(UrlSpec, ChannelKind.WEBSITE, S3, _("Adresse du site"), _("https://…"), "website"),
        _spec(
            VideoStreamSpec,
            ChannelKind.VIDEO_STREAM,
            S3,
            _("Adresse de la chaîne ou de la vidéo"),
            _("YouTube, Facebook, Twitch, Dailymotion ou Vimeo"),
            "video",
        ),
        _spec(
            UrlSpec,
            ChannelKind.VIDEO_CLASS,
            S3,
            _("Lien de la classe en visio"),
            _("Zoom, BigBlueButton ou tout lien de visioconférence"),
            "visio",
        ),
        _spec(
            UrlSpec,
            ChannelKind.ONLINE_COURSE,
            S3,
            _("Adresse de la formation"),
            _("Les Bons Clics, Pix, Skilleos, Udemy…"),
            "course",
        ),
    )
}

# Kinds that need no internet, shown first and biggest on posters and in SMS replies.
OFFLINE_KINDS = tuple(k for k, spec in KINDS.items() if spec.default_scenario < AccessScenario.CONNECTED)


def get_kind(kind: str) -> ChannelKindSpec:
    try:
        return KINDS[kind]
    except KeyError:
        raise ValidationError(
            _("Type de canal inconnu : « %(value)s »."), code="unknown_kind", params={"value": kind}
        ) from None
