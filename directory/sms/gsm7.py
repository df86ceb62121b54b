"""GSM 03.38 (GSM-7) alphabet: transliteration and segment counting.

A reply that contains a single character outside GSM-7 is sent as UCS-2 by the operator, which
cuts a segment from 153 to 67 characters and triples the cost; some old handsets then show
boxes. So every reply goes through ``to_gsm7`` and is capped with ``truncate``.
"""

from __future__ import annotations

import math
import unicodedata

# The basic character set (one septet each), from 3GPP TS 23.038 § 6.2.1.
BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: each costs two septets (escape + character).
EXTENSION = set("^{}\\[~]|€")

SINGLE_SEGMENT = 160
MULTI_SEGMENT = 153
MAX_SEGMENTS = 3
MAX_SEPTETS = MULTI_SEGMENT * MAX_SEGMENTS  # 459

# Characters common in French text that NFKD decomposition does not bring back to GSM-7.
REPLACEMENTS = {
    "œ": "oe",
    "Œ": "OE",
    "æ": "ae",
    "Æ": "AE",
    "’": "'",
    "‘": "'",
    "‚": "'",
    "ʼ": "'",
    "“": '"',
    "”": '"',
    "„": '"',
    "«": '"',
    "»": '"',
    "–": "-",
    "—": "-",
    "‑": "-",
    "‐": "-",
    "…": "...",
    "\u00a0": " ",
    "\u202f": " ",
    "\u2009": " ",
    "\t": " ",
    "•": "-",
    "·": ".",
    "°": "o",
    "ç": "c",
    "`": "'",
}


def _char(c: str) -> str:
    if c in BASIC or c in EXTENSION:
        return c
    if c in REPLACEMENTS:
        return REPLACEMENTS[c]
    # ê → e, Ê → E, ô → o, ï → i: drop the combining marks GSM-7 cannot carry.
    decomposed = unicodedata.normalize("NFKD", c)
    base = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    if base and all(ch in BASIC or ch in EXTENSION for ch in base):
        return base
    # Emoji, pictographs, other scripts: nothing a GSM handset could show.
    return ""


def to_gsm7(text: str) -> str:
    """``text`` using only GSM-7 characters (basic set or extension table)."""
    text = unicodedata.normalize("NFC", text or "")
    out = "".join(_char(c) for c in text)
    # Removed emoji may leave double spaces behind.
    while "  " in out:
        out = out.replace("  ", " ")
    return out


def is_gsm7(text: str) -> bool:
    return all(c in BASIC or c in EXTENSION for c in text)


def septets(text: str) -> int:
    return sum(2 if c in EXTENSION else 1 for c in text)


def segments(text: str) -> int:
    """How many SMS a GSM-7 ``text`` takes. An escaped character is never split across two
    segments, as handsets require."""
    total = septets(text)
    if total <= SINGLE_SEGMENT:
        return 1 if total else 0
    count, used = 1, 0
    for c in text:
        size = 2 if c in EXTENSION else 1
        if used + size > MULTI_SEGMENT:
            count, used = count + 1, 0
        used += size
    return max(count, math.ceil(total / MULTI_SEGMENT))


def truncate(text: str, max_septets: int = MAX_SEPTETS, ellipsis: str = "...") -> str:
    """Cut ``text`` so it fits ``max_septets``, at a line or word boundary when possible."""
    if septets(text) <= max_septets:
        return text
    budget = max_septets - septets(ellipsis)
    out, used = [], 0
    for c in text:
        size = 2 if c in EXTENSION else 1
        if used + size > budget:
            break
        out.append(c)
        used += size
    cut = "".join(out)
    boundary = max(cut.rfind("\n"), cut.rfind(" "))
    if boundary > len(cut) * 2 // 3:
        cut = cut[:boundary]
    return cut.rstrip(" ,;:-\n") + ellipsis
