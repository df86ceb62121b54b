"""French typography on every French HTML page: no line may break inside « guillemets », before
: ; ! ?, inside « 8 h 30 », between a number and its unit or within a phone number.

Translators and templates write ordinary spaces (they are invisible in a .po file and in
review); ``FrenchTypographyMiddleware`` puts the right no-break space in the rendered page, once,
where the text is read:

- U+202F (narrow no-break space) inside « », before ; ! ?, in times (« 8 h 30 ») and between
  thousands (« 20 000 »);
- U+00A0 (no-break space) before « : » and between a number and the word after it
  (« 3 lieux », « 12 mai », « 59000 Lille ») or the next digit group (« 03 53 01 00 00 »).

Only text shown to people is touched: text between tags and the ``title``, ``alt``,
``placeholder``, ``aria-label`` and meta ``content`` attributes; never ``<script>``, ``<style>``,
``<pre>`` (the SMS preview must show the exact GSM-7 text), ``<textarea>``, form values or URLs.

Libraries weighed (PyPI, 2026-11): ``polytypo`` (HTML mode, French rules) took several times a
list page's whole time budget; ``french-typo`` works on plain text and writes ``<sup>`` markup
into it. These dozen regular expressions are a small part of a page's time (``make bench``,
measure ``throughput``).
"""

from __future__ import annotations

import re

from django.conf import settings

NNBSP = "\u202f"  # narrow no-break space
NBSP = "\u00a0"

# Protected blocks, tags, text: one pass over the page.
_TOKENS = re.compile(
    r"(?P<protected><(script|style|pre|textarea)\b.*?</\2\s*>|<!--.*?-->)|(?P<tag><[^>]*>)|(?P<text>[^<]+)",
    re.DOTALL | re.IGNORECASE,
)
_ATTRIBUTES = re.compile(r'(\s(?:title|alt|placeholder|aria-label|content)=")([^"]*)(")', re.IGNORECASE)

# Each pattern starts with the character it acts on (a space, a guillemet, a digit), so the
# regular-expression engine skips to candidates instead of trying every position (a leading
# look-behind made one rule cost more than the others together); each runs only when its
# trigger is there.
_OPEN_QUOTE = re.compile(r"«[ \u00a0]")
_CLOSE_QUOTE = re.compile(r"[ \u00a0](?<=\S[ \u00a0])(?=»)")
# Double punctuation: ; ! ? narrow, : full (Imprimerie nationale). Only after a word or a closing
# sign, so « ? » alone (a search for "?") and « :: » stay as typed.
_BEFORE_PUNCT = re.compile(r"[ \u00a0](?<=[\w)\]»%'’.…][ \u00a0])(?=[;!?])")
_BEFORE_COLON = re.compile(r"[ \u202f](?<=[\w)\]»%'’.…][ \u202f])(?=:(?:\s|$|&))")
# Times: « 8 h 30 », « 14 h », « 9 h – 12 h ».
_HOURS_MINUTES = re.compile(r" h (?<=\d h )(?=\d\d\b)")
_HOURS = re.compile(r" h\b(?<=\d h)")
# Thousands: « 20 000 », « 1 250 000 »: three-digit groups after one to three digits.
_THOUSANDS = re.compile(r"\d{1,3}(?: \d{3})+(?!\d)")
# A number and what it counts or measures (« 3 lieux », « 12 mai »); phone-number digit groups.
_AFTER_NUMBER = re.compile(r" (?<=\d )(?=[^\W\d_]|\d|%|€)")
_DIGIT = re.compile(r"\d")


def _thousands(match: re.Match) -> str:
    start = match.start()
    text = match.string
    # Part of a longer number (« 1234 567 ») or of a digit-group sequence: leave it.
    if start and (text[start - 1].isdigit() or (start > 1 and text[start - 1] == " " and text[start - 2].isdigit())):
        return match.group(0)
    return match.group(0).replace(" ", NNBSP)


def fix_text(text: str) -> str:
    """``text`` (HTML-escaped text or plain text) with French no-break spaces."""
    if not text.strip():
        return text
    if "«" in text:
        text = _OPEN_QUOTE.sub("«" + NNBSP, text)
    if "»" in text:
        text = _CLOSE_QUOTE.sub(NNBSP, text)
    if "?" in text or "!" in text or " ;" in text:
        text = _BEFORE_PUNCT.sub(NNBSP, text)
    if ":" in text:
        text = _BEFORE_COLON.sub(NBSP, text)
    if _DIGIT.search(text):
        if " h" in text:
            text = _HOURS_MINUTES.sub(NNBSP + "h" + NNBSP, text)
            text = _HOURS.sub(NNBSP + "h", text)
        text = _THOUSANDS.sub(_thousands, text)
        text = _AFTER_NUMBER.sub(NBSP, text)
    return text


def _fix_tag(tag: str) -> str:
    if '="' not in tag:
        return tag
    return _ATTRIBUTES.sub(lambda m: m.group(1) + fix_text(m.group(2)) + m.group(3), tag)


def fix_html(html: str) -> str:
    out = []
    for match in _TOKENS.finditer(html):
        if match.group("text") is not None:
            out.append(fix_text(match.group("text")))
        elif match.group("tag") is not None:
            out.append(_fix_tag(match.group("tag")))
        else:
            out.append(match.group(0))
    return "".join(out)


def apply(request, response):
    """``fix_html`` on a French ``text/html`` response (not a streamed one), once: the page cache
    (``views.public.cache_public_page``) applies it before storing a page, so a cached page is
    not rewritten on every hit (it cost a third of the list's throughput: ``make bench``,
    measure ``throughput``)."""
    if (
        getattr(response, "typography_done", False)
        or not settings.FRENCH_TYPOGRAPHY
        or getattr(response, "streaming", False)
        or not response.get("Content-Type", "").startswith("text/html")
        or not (response.get("Content-Language") or getattr(request, "LANGUAGE_CODE", "")).startswith("fr")
        or response.get("Content-Encoding")
    ):
        return response
    charset = response.charset or "utf-8"
    response.content = fix_html(response.content.decode(charset)).encode(charset)
    if response.has_header("Content-Length"):  # set by CommonMiddleware, inside this one
        response["Content-Length"] = str(len(response.content))
    response.typography_done = True
    return response


class FrenchTypographyMiddleware:
    """Applies ``fix_html`` to French ``text/html`` responses (``apply``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return apply(request, self.get_response(request))
