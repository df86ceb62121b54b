"""Public open-data downloads: every venue in the national standard (and the rich format),
streamed so a national file costs no memory, with conditional-GET headers so re-downloads of
an unchanged directory cost nothing."""

import hashlib
import itertools
import re
import secrets
from pathlib import Path

from django import forms
from django.conf import settings
from django.http import FileResponse, Http404, HttpResponseNotModified, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import quote_etag
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_safe

from directory.cache import data_version
from directory.opendata import exporter, standard
from directory.opendata.admin_views import MAX_LISTED_PROBLEMS, private_file, purge_old_files, run_checked, upload_dir

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
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{32}$")


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


# --- public validator ----------------------------------------------------------------------------
# Anyone (a regional hub, a département) checks a file before publishing or sending it: the
# same row-by-row report as the import, without an account and without writing anything to the
# database (a dry run; no session either). The upload and the rejects file live in a private
# directory: the upload is deleted at once, the rejects file when downloaded (its URL holds a
# random token: whoever has the link uploaded the file) or after an hour.

VALIDATOR_KEEP_SECONDS = 3600


class ValidatorForm(forms.Form):
    file = forms.FileField(
        label=_("Fichier à vérifier"),
        help_text=_(
            "CSV (virgule ou point-virgule, UTF-8) ou JSON : standard « Lieux de médiation numérique » "
            "v1.0.2 ou v0.1, ou liste nationale France Services."
        ),
        error_messages={"required": _("Choisissez un fichier."), "empty": _("Le fichier est vide.")},
    )

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        if uploaded.size > settings.VALIDATOR_MAX_BYTES:
            raise forms.ValidationError(_too_big(uploaded.size))
        if Path(uploaded.name).suffix.lower() not in {".csv", ".json", ".txt"}:
            raise forms.ValidationError(_("Envoyez un fichier .csv ou .json."))
        return uploaded


def _too_big(size: int) -> str:
    return _("Le fichier pèse %(size).1f Mo : la limite est de %(limit).0f Mo. Découpez-le en plusieurs fichiers.") % {
        "size": size / 1_000_000,
        "limit": settings.VALIDATOR_MAX_BYTES / 1_000_000,
    }


def validator_dir() -> Path:
    path = upload_dir() / "validateur"
    path.mkdir(mode=0o700, exist_ok=True)
    return path


def take_validator_slot(request) -> bool:
    """Count one check for this client; False when over ``VALIDATOR_RATE_LIMIT_PER_HOUR`` (a check
    costs seconds of CPU). Same atomic counters as the report form (``directory/ratelimit.py``):
    no visitor can evict them, and concurrent checks are counted exactly."""
    from directory import ratelimit

    hit = ratelimit.hit("validator", ratelimit.client_key(request), 3600)
    return hit.count <= settings.VALIDATOR_RATE_LIMIT_PER_HOUR


def _render_validator(request, form, status=200, **context):
    context.update(
        form=form,
        max_megabytes=settings.VALIDATOR_MAX_BYTES / 1_000_000,
        max_listed=MAX_LISTED_PROBLEMS,
    )
    return render(request, "opendata/validator.html", context, status=status)


@never_cache
@csrf_exempt  # checked below, once the size is known (reading the form would read the body)
@require_http_methods(["GET", "POST"])
def validator(request):
    if request.method == "POST":
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        # Refused before the body is read (plus room for the form's other fields).
        if length > settings.VALIDATOR_MAX_BYTES + 64 * 1024:
            form = ValidatorForm()
            return _render_validator(request, form, status=413, refused=_too_big(length))
    return _validator(request)


@csrf_protect
def _validator(request):
    if request.method != "POST":
        return _render_validator(request, ValidatorForm())
    form = ValidatorForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_validator(request, form, status=400)
    if not take_validator_slot(request):
        return _render_validator(
            request,
            ValidatorForm(),
            status=429,
            refused=_("Vous avez vérifié beaucoup de fichiers en peu de temps. Réessayez dans une heure."),
        )
    directory = validator_dir()
    purge_old_files(directory, keep_seconds=VALIDATOR_KEEP_SECONDS)
    uploaded = form.cleaned_data["file"]
    token = secrets.token_urlsafe(24)
    suffix = ".json" if Path(uploaded.name).suffix.lower() == ".json" else ".csv"
    path = directory / f"{token}{suffix}.upload"
    rejects = directory / f"{token}.rejects.csv"
    try:
        with private_file(path) as handle:
            for chunk in uploaded.chunks():
                handle.write(chunk)
        report = run_checked(path, rejects, dry_run=True, skip_invalid=True, max_bytes=settings.VALIDATOR_MAX_BYTES)
    finally:
        path.unlink(missing_ok=True)
    if report is None:
        return _render_validator(request, ValidatorForm(), status=500, failed=True, file_name=uploaded.name)
    rejects_url = reverse("directory:opendata_validator_rejects", args=[token]) if rejects.exists() else ""
    return _render_validator(
        request, ValidatorForm(), report=report, file_name=uploaded.name, rejects_url=rejects_url, checked=True
    )


@never_cache
@require_safe
def validator_rejects(request, token):
    """The rejects file of a check, downloaded once (deleted as it is sent)."""
    if not TOKEN_PATTERN.match(token):
        raise Http404
    path = validator_dir() / f"{token}.rejects.csv"
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    path.unlink(missing_ok=True)
    response = FileResponse(handle, as_attachment=True, filename="lignes-refusees.csv")
    response["Content-Type"] = "text/csv; charset=utf-8"
    response["Cache-Control"] = "private, no-store"
    return response
