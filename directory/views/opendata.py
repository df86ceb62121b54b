"""Public open-data downloads: every venue in the national standard (and the rich format),
streamed so a national file costs no memory, with conditional-GET headers so re-downloads of
an unchanged directory cost nothing."""

import hashlib
import itertools

from django.http import FileResponse, Http404, HttpResponseNotModified, StreamingHttpResponse
from django.utils.http import quote_etag
from django.views.decorators.http import require_safe

from directory.cache import data_version
from directory.opendata import exporter, standard

DOWNLOADS = {
    "lieux.csv": ("csv", "standard"),
    "lieux.json": ("json", "standard"),
    "lieux-enrichis.csv": ("csv", "rich"),
    "lieux-enrichis.json": ("json", "rich"),
}
SCHEMAS = {
    "schema.json": standard.SCHEMA_PATH,
    "gardez-le-lien-lieux.schema.json": standard.RICH_SCHEMA_PATH,
}
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json; charset=utf-8"}
MAX_AGE = 300


def _etag(name: str) -> str:
    # Every write bumps the data version (directory.signals, and the importer), so the tag
    # changes exactly when the file would.
    return quote_etag(hashlib.sha256(f"{data_version()}:{name}".encode()).hexdigest()[:32])


def _started(chunks):
    """The stream with its first venue already read: when the database is down, the first query
    fails here, in the view, and the middleware answers its 503 page. Streamed first, the header
    row (or « [ ») went out with a 200 and the current ETag, and harvesters kept the truncated
    file as current."""
    head = list(itertools.islice(chunks, 2))  # the header row (or « [ »), then the first venue
    return itertools.chain(head, chunks)


@require_safe
def download(request, name):
    if name not in DOWNLOADS:
        raise Http404
    fmt, profile = DOWNLOADS[name]
    etag = _etag(name)
    if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        response = HttpResponseNotModified()
    else:
        response = StreamingHttpResponse(_started(exporter.stream(fmt, profile)), content_type=CONTENT_TYPES[fmt])
        response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response["Vary"] = "Accept-Encoding"
    return response


@require_safe
def schema_file(request, name):
    if name not in SCHEMAS:
        raise Http404
    response = FileResponse(SCHEMAS[name].open("rb"), content_type="application/json; charset=utf-8")
    response["Cache-Control"] = f"public, max-age={MAX_AGE}"
    return response
