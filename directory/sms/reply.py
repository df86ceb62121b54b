"""From an incoming SMS to the reply text.

``parse`` reads what the resident typed (postal code or commune name, optional « ouvert »),
``build_reply`` finds the venues and writes the answer in GSM-7, at most three segments.
Decisions (see docs/offline.md): a temporarily closed venue is listed only when the closure
names a phone or SMS channel that stays open; "nearest" means located in the commune, then in
its EPCI, then in its département (communes have no coordinates).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.postgres.search import TrigramSimilarity
from django.db.models import Case, IntegerField, Prefetch, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from directory import enums, hours
from directory.channels import display_phone
from directory.models import Channel, ClosurePeriod, Commune, Departement, Venue
from directory.reachability import reachable_q
from directory.sms import gsm7
from directory.text import fold

# Longer messages are cut before parsing: a postal code or a commune name fits well within it.
MAX_INPUT_CHARS = 160
MAX_VENUES = 3
# Venues fetched before the Python-side checks (hours, closure channels) pick three.
CANDIDATES = 30
NAME_MAX_CHARS = 45

PHONE_KINDS = (enums.ChannelKind.PHONE, enums.ChannelKind.SMS)
OPEN_WORDS = {"ouvert", "ouverts", "ouverte", "ouvertes", "ouvrir"}
HELP_WORDS = {"aide", "aides", "help", "info", "infos", "menu"}
# Politeness and framing words dropped at either end of the message.
FILLER_WORDS = {
    "bonjour",
    "bonsoir",
    "salut",
    "svp",
    "stp",
    "merci",
    "lieu",
    "lieux",
    "commune",
    "cp",
    "code",
    "postal",
}
POSTAL_CODE = re.compile(r"^\d{5}$")
DAY_ABBREVIATIONS = (
    gettext_lazy("lun."),
    gettext_lazy("mar."),
    gettext_lazy("mer."),
    gettext_lazy("jeu."),
    gettext_lazy("ven."),
    gettext_lazy("sam."),
    gettext_lazy("dim."),
)


@dataclass
class Query:
    kind: str  # "help", "postal_code" or "name"
    term: str = ""
    open_only: bool = False


@dataclass
class Reply:
    text: str
    answered: bool = False
    venues_count: int = 0
    query: Query = field(default_factory=lambda: Query("help"))
    # The département the message was about (None: help, unknown place): who may read the exchange.
    departement_id: str | None = None


def parse(text: str) -> Query:
    words = re.findall(r"[a-z0-9]+", fold((text or "")[:MAX_INPUT_CHARS]))
    open_only = any(w in OPEN_WORDS for w in words)
    words = [w for w in words if w not in OPEN_WORDS]
    postal = next((w for w in words if POSTAL_CODE.match(w)), None)
    if postal:
        return Query("postal_code", postal, open_only)
    words = [w for w in words if not w.isdigit()]
    while words and words[0] in FILLER_WORDS:
        words.pop(0)
    while words and words[-1] in FILLER_WORDS:
        words.pop()
    if not words or all(w in HELP_WORDS for w in words) or len("".join(words)) < 2:
        return Query("help", open_only=open_only)
    return Query("name", " ".join(words), open_only)


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", fold(text))


def find_commune(term: str) -> Commune | None:
    """Exact name (accents, hyphens and apostrophes ignored) first, then the closest name,
    the most populated commune breaking ties."""
    candidates = list(
        Commune.objects.matching(term)
        .select_related("departement", "epci")
        .annotate(similarity=TrigramSimilarity("search_name", term))
        .order_by("-similarity", "-population")[:20]
    )
    if not candidates:
        # Residents glue words ("villeneuve dascq"): compare without separators.
        squashed = _squash(term)
        candidates = [
            c
            for c in Commune.objects.filter(search_name__istartswith=term[:3])
            .select_related("departement", "epci")
            .order_by("-population")[:200]
            if _squash(c.search_name) == squashed
        ]
    exact = [c for c in candidates if _squash(c.search_name) == _squash(term)]
    if exact:
        return max(exact, key=lambda c: c.population)
    return candidates[0] if candidates else None


def departement_for_postal_code(code: str) -> Departement | None:
    if code.startswith("20"):
        dep = "2A" if int(code) < 20200 else "2B"
    elif code[:2] in {"97", "98"}:
        dep = code[:3]
    else:
        dep = code[:2]
    return Departement.objects.filter(code=dep).first()


def contact_line(departement: Departement | None) -> str:
    if departement and departement.contact_phone:
        label = departement.contact_label or departement.name
        return _("Contact du département : %(label)s, %(phone)s.") % {
            "label": label,
            "phone": display_phone(departement.contact_phone),
        }
    return _("Renseignements administratifs : %(contact)s.") % {"contact": settings.SMS_FALLBACK_CONTACT}


def help_text() -> str:
    return _(
        "Gardez le lien : envoyez un code postal (ex. 59000) ou le nom de votre commune. "
        "Vous recevrez 3 lieux d'aide au numérique joignables par téléphone. "
        "Ajoutez OUVERT pour ceux ouverts aujourd'hui."
    )


def _hm(t: datetime.time) -> str:
    return f"{t.hour}h" if t.minute == 0 else f"{t.hour}h{t.minute:02d}"


def _venue_candidates(communes, today, postal_code=""):
    primary = communes[0]
    return (
        Venue.objects.serving_any(Commune.objects.filter(code__in=[c.code for c in communes]), postal_code)
        .with_channel_kinds(PHONE_KINDS)
        # The shared « reachable » rule (directory.reachability), through a phone number.
        .filter(reachable_q(enums.AccessScenario.DEVICE_NO_NETWORK, today, kinds=PHONE_KINDS))
        .annotate(
            proximity=Case(
                When(commune__in=[c.code for c in communes], then=Value(0)),
                When(commune__epci_id=primary.epci_id, then=Value(1)),
                When(commune__departement_id=primary.departement_id, then=Value(2)),
                default=Value(3),
                output_field=IntegerField(),
            )
        )
        .select_related("commune")
        .prefetch_related(
            Prefetch("channels", queryset=Channel.objects.filter(kind__in=PHONE_KINDS)),
            # Every channel a closure names (not only phones): a closure naming only the drop-in
            # keeps no phone open.
            Prefetch(
                "closures",
                # Every named channel: a closure naming only its signage keeps no phone open.
                queryset=ClosurePeriod.objects.current_or_upcoming(today).prefetch_related("open_channels"),
            ),
        )
        .order_by("proximity", "sort_name", "pk")[:CANDIDATES]
    )


@dataclass
class Entry:
    name: str
    commune: str
    channel: Channel
    when: str
    open_today: bool
    proximity: int


def _entry(venue, today, now, open_only) -> Entry | None:
    channels = [c for c in venue.working_channels(today) if c.kind in PHONE_KINDS]
    if not channels:
        return None
    channel = channels[0]
    # The one status function, in its compact SMS form (« Fermé, ouvre lundi à 9h »).
    status = venue.status_at(now)
    open_today = status.state in (hours.State.OPEN, hours.State.CLOSED) and bool(status.today)
    if open_only and not open_today:
        return None
    when = status.sms
    if status.state == hours.State.PAUSED:
        when += ", " + _("joignable")
    if channel.availability:
        when += f" ({channel.availability})"
    return Entry(venue.name, venue.commune.name, channel, when, open_today, venue.proximity)


def _render(place: str, entries: list[Entry], name_chars: int) -> str:
    lines = [_("Aide au numérique, %(place)s :") % {"place": place}]
    for i, e in enumerate(entries, 1):
        name = e.name if len(e.name) <= name_chars else e.name[: name_chars - 1].rstrip() + "."
        kind = _("SMS") if e.channel.kind == enums.ChannelKind.SMS else _("Tel")
        line = f"{i}. {name} ({e.commune}) {kind} {display_phone(e.channel.value)}"
        if e.when:
            line += f", {e.when}"
        lines.append(line)
    lines.append(_("AIDE pour l'aide."))
    return gsm7.to_gsm7("\n".join(lines))


def fit(text: str) -> str:
    text = gsm7.truncate(gsm7.to_gsm7(text))
    while gsm7.segments(text) > gsm7.MAX_SEGMENTS:
        text = gsm7.truncate(text, gsm7.septets(text) - 10)
    return text


def build_reply(text: str, now: datetime.datetime | None = None) -> Reply:
    query = parse(text)
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    if query.kind == "help":
        return Reply(fit(help_text()), query=query)
    if query.kind == "postal_code":
        communes = list(
            Commune.objects.filter(postal_codes__contains=[query.term])
            .select_related("departement", "epci")
            .order_by("-population", "code")
        )
        if not communes:
            message = _("Code postal %(code)s inconnu.") % {"code": query.term}
            departement = departement_for_postal_code(query.term)
            return Reply(
                fit(f"{message} {contact_line(departement)}"),
                query=query,
                departement_id=departement.pk if departement else None,
            )
        place = f"{communes[0].name} ({query.term})" if len(communes) == 1 else query.term
    else:
        commune = find_commune(query.term)
        if commune is None:
            message = _("Commune « %(name)s » introuvable.") % {"name": query.term[:40]}
            return Reply(fit(f"{message} {help_text()}"), query=query)
        communes = [commune]
        place = commune.name

    entries = []
    for venue in _venue_candidates(communes, today, query.term if query.kind == "postal_code" else ""):
        entry = _entry(venue, today, now, query.open_only)
        if entry:
            entries.append(entry)
    # Nearest first; within the same distance class, those open today first.
    entries.sort(key=lambda e: (e.proximity, not e.open_today))
    entries = entries[:MAX_VENUES]
    if not entries:
        if query.open_only:
            message = _("Aucun lieu ouvert aujourd'hui et joignable par téléphone près de %(place)s.")
        else:
            message = _("Aucun lieu joignable par téléphone près de %(place)s.")
        return Reply(
            fit(f"{message % {'place': place}} {contact_line(communes[0].departement)}"),
            query=query,
            departement_id=communes[0].departement_id,
        )

    for name_chars in (NAME_MAX_CHARS, 30, 20):
        reply = _render(place, entries, name_chars)
        if gsm7.septets(reply) <= gsm7.MAX_SEPTETS:
            break
    return Reply(
        fit(reply), answered=True, venues_count=len(entries), query=query, departement_id=communes[0].departement_id
    )
