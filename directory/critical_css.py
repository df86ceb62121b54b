"""The site's stylesheet, inlined in every page's ``<head>`` and allowed by its hash.

On a slow mobile network every request costs a round trip (2 s on DevTools' « Slow 3G »): the
page, then a render-blocking stylesheet, made a resident wait two of them before seeing the
first venue. ``static/css/site.css`` is small (9 KB, 2.5 KB gzipped), so it travels inside the
HTML (``<style>`` in ``base.html``) and the page paints after one. The CSP keeps refusing inline
styles except this exact text: ``style-src 'self' 'sha256-…'`` (``SecurityHeadersMiddleware``).
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders

_cache: dict = {}


def _path() -> Path | None:
    found = finders.find("css/site.css")
    if found:
        return Path(found)
    collected = Path(settings.STATIC_ROOT or "") / "css" / "site.css"
    return collected if collected.exists() else None


def site_stylesheet() -> tuple[str, str]:
    """(the CSS text, its CSP source ``'sha256-…'``), read again when the file changes."""
    path = _path()
    if path is None:
        return "", ""
    key = (path, path.stat().st_mtime_ns)
    if _cache.get("key") != key:
        text = path.read_text(encoding="utf-8").replace("</", "<\\/")
        digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
        _cache.update(key=key, value=(text, f"'sha256-{digest}'"))
    return _cache["value"]
