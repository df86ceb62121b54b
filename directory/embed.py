"""The embeddable directory (issue 19, part 1): palettes, the widget's settings and stylesheet,
the iframe snippet.

A widget's address carries all its settings, so a snippet pasted once keeps working:

    /widget/?commune=59350&scenario=2&canal=phone&canal=sms&palette=vert&cle=gll_…

- the territory: exactly one of ``commune`` (INSEE code: the venues *serving* it),
  ``epci`` (SIREN) or ``departement`` (code) — the ``VenueFilter`` parameters of ``/lieux/``;
- ``scenario`` (1–3) and ``canal`` (repeatable): the same filters as ``/lieux/``;
- ``palette``: one of ``PALETTES`` (named, checked for WCAG AA contrast by
  ``tests/test_embed.py``), never free colours;
- ``cle``: an optional partner key (``directory/partners.py``).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import os
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

TERRITORY_PARAMETERS = ("commune", "epci", "departement")


@dataclass(frozen=True)
class Palette:
    label: str
    background: str  # page
    text: str  # body text, on background
    muted: str  # secondary text (place, notes), on background
    link: str  # links, on background
    accent: str  # buttons, header band
    accent_text: str  # text on accent
    border: str  # card borders (decoration only)
    focus: str  # focus outline, on background (≥ 3:1, WCAG 1.4.11)
    open: str  # « Ouvert … », on background
    closed: str  # « Fermé … », on background
    paused: str  # « Fermé temporairement … », on background


# Every text colour ≥ 4.5:1 on its background, the focus ring ≥ 3:1 (tests/test_embed.py).
PALETTES: dict[str, Palette] = {
    "bleu": Palette(
        _("Bleu (les couleurs du site)"),
        "#ffffff", "#1b1b1b", "#4a4a4a", "#0b4fa3", "#0b4fa3", "#ffffff", "#c9c9c9", "#c2410c",
        "#17692f", "#b00020", "#a13d00",
    ),
    "vert": Palette(
        _("Vert"),
        "#ffffff", "#1b1b1b", "#4a4a4a", "#1b6b35", "#1b6b35", "#ffffff", "#c9c9c9", "#1b6b35",
        "#17692f", "#b00020", "#a13d00",
    ),
    "violet": Palette(
        _("Violet"),
        "#ffffff", "#1b1b1b", "#4a4a4a", "#5b2a86", "#5b2a86", "#ffffff", "#c9c9c9", "#5b2a86",
        "#17692f", "#b00020", "#a13d00",
    ),
    "sable": Palette(
        _("Sable (fond crème, texte brun)"),
        "#fbf6ec", "#2b2118", "#55473a", "#7a3300", "#7a3300", "#ffffff", "#d8c9b0", "#7a3300",
        "#1f5f2c", "#a0001c", "#943800",
    ),
    "sombre": Palette(
        _("Sombre (texte clair sur fond foncé)"),
        "#1b1b1b", "#f5f5f5", "#c8c8c8", "#9cc7ff", "#9cc7ff", "#1b1b1b", "#4a4a4a", "#ffb37a",
        "#8fd9a1", "#ffa3a3", "#ffb37a",
    ),
}  # fmt: skip
DEFAULT_PALETTE = "bleu"


def relative_luminance(colour: str) -> float:
    """WCAG 2.1 relative luminance of ``#rrggbb``."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str) -> float:
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _palette_rules(name: str, palette: Palette) -> str:
    return (
        f".palette-{name}{{--bg:{palette.background};--text:{palette.text};--muted:{palette.muted};"
        f"--link:{palette.link};--accent:{palette.accent};--accent-text:{palette.accent_text};"
        f"--border:{palette.border};--focus:{palette.focus};--open:{palette.open};"
        f"--closed:{palette.closed};--paused:{palette.paused}}}"
    )


@functools.lru_cache(maxsize=len(PALETTES) + 1)
def _stylesheet(name: str, base: str) -> tuple[str, str]:
    text = (base + _palette_rules(name, PALETTES[name])).replace("</", "<\\/")
    digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
    return text, f"'sha256-{digest}'"


@functools.lru_cache(maxsize=1)
def _base_css(mtime: int, path: str) -> str:
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def widget_stylesheet(palette: str) -> tuple[str, str]:
    """(CSS text, CSP source ``'sha256-…'``): ``static/css/widget.css`` and the palette's
    custom properties, inlined in the widget (one round trip, and no inline style but this)."""
    path = finders.find("css/widget.css")
    if not path:  # a deployment that only has the collected files
        collected = os.path.join(str(settings.STATIC_ROOT or ""), "css", "widget.css")
        path = collected if os.path.exists(collected) else None
    base = _base_css(os.stat(path).st_mtime_ns, path) if path else ""
    return _stylesheet(palette, base)


@dataclass(frozen=True)
class Territory:
    kind: str  # commune, epci, departement
    code: str
    name: str

    @property
    def kind_label(self) -> str:
        return str(TERRITORY_KIND_LABELS[self.kind])


TERRITORY_KIND_LABELS = {
    "commune": _("commune"),
    "epci": _("intercommunalité"),
    "departement": _("département"),
}


def territory_named(kind: str, code: str) -> Territory | None:
    """The territory ``kind``/``code`` with its name, or None when it does not exist (one query)."""
    from directory.models import Commune, Departement, Epci

    model = {"commune": Commune, "epci": Epci, "departement": Departement}.get(kind)
    if model is None or not code or len(code) > 9:
        return None
    row = model.objects.filter(pk=code.upper()).values("name").first()
    return Territory(kind, code.upper(), row["name"]) if row else None


def widget_query(
    territory: Territory, scenario: int | None, kinds: list[str], palette: str, key: str = ""
) -> list[tuple[str, str]]:
    pairs = [(territory.kind, territory.code)]
    if scenario:
        pairs.append(("scenario", str(scenario)))
    pairs += [("canal", kind) for kind in kinds]
    if palette != DEFAULT_PALETTE:
        pairs.append(("palette", palette))
    if key:
        pairs.append(("cle", key))
    return pairs


def widget_path(*args, **kwargs) -> str:
    return reverse("directory:widget") + "?" + urlencode(widget_query(*args, **kwargs))


def snippet(territory: Territory, src: str) -> str:
    """The HTML a partner pastes: an iframe with a title (WCAG 4.1.2), lazy-loaded, without
    border, as wide as its column."""
    from django.utils.html import escape

    title = _("Lieux de médiation numérique : %(name)s") % {"name": territory.name}
    return (
        f'<iframe src="{escape(settings.SITE_URL + src)}" title="{escape(title)}" '
        'width="100%" height="640" loading="lazy" style="border:0;max-width:40rem"></iframe>'
    )
