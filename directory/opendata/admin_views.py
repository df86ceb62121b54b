"""Staff upload of a « Lieux de médiation numérique » file, in two steps:

1. upload → the file is kept server-side under a random token (recorded in the uploader's
   session, never taken from the form) and checked with a dry run: the same report as
   ``manage.py import_lieux --dry-run --skip-invalid --rejects``, the refused rows written to a
   private rejects file offered for download;
2. « Confirmer l'import » (a valid file) or « Importer les N lignes valides » (some rows
   refused) → the kept file is imported for real, checked again from scratch (the database may
   have changed in between), then deleted; the rejects of that run replace the first ones.

The kept files (upload and rejects) live in a private directory (0700, files 0600), are deleted
after use (import, download) or after an error, and purged after ``KEEP_SECONDS`` anyway.

Who: superusers (every venue) and département staff (venues of their départements only — the
importer refuses the other rows).
"""

from __future__ import annotations

import io
import logging
import os
import secrets
import stat
import time
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from directory.models import DepartementStaff
from directory.opendata.importer import import_file

SESSION_KEY = "opendata_imports"
KEEP_SECONDS = 3600
MAX_LISTED_PROBLEMS = 500
KEPT_SUFFIXES = ("*.upload", "*.rejects.csv")

logger = logging.getLogger(__name__)


def upload_dir() -> Path:
    """The private directory of kept uploads (``IMPORT_UPLOAD_DIR``, by default under var/):
    a real directory owned by this process's user, mode 0700. A shared temporary directory let
    other local users predict, pre-create or read it (files were world-readable)."""
    path = Path(settings.IMPORT_UPLOAD_DIR or Path(settings.BASE_DIR) / "var" / "imports")
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = path.lstat()
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        raise PermissionError(f"{path} n'est pas un dossier privé de ce compte : import refusé.")
    if stat.S_IMODE(info.st_mode) != 0o700:
        path.chmod(0o700)
    return path


def can_import(user) -> bool:
    return user.is_staff and DepartementStaff.oversees_any(user)


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Fichier du standard « Lieux de médiation numérique »"),
        help_text=_("CSV (virgule ou point-virgule, UTF-8) ou JSON, version 1.0.2 ou 0.1 du standard."),
    )

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        limit = settings.IMPORT_MAX_BYTES
        if uploaded.size > limit:
            raise forms.ValidationError(
                _("Le fichier pèse %(size).1f Mo : la limite est de %(limit).0f Mo. Découpez-le en plusieurs fichiers.")
                % {"size": uploaded.size / 1_000_000, "limit": limit / 1_000_000}
            )
        if Path(uploaded.name).suffix.lower() not in {".csv", ".json", ".txt"}:
            raise forms.ValidationError(_("Envoyez un fichier .csv ou .json."))
        return uploaded


def purge_old_files(directory: Path, patterns=KEPT_SUFFIXES, keep_seconds: int = KEEP_SECONDS):
    cutoff = time.time() - keep_seconds
    for pattern in patterns:
        for path in directory.glob(pattern):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
            except OSError:
                pass


def private_file(path: Path):
    """A new file only its owner can read (the directory is 0700 too): uploads and rejects hold
    other people's data."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    return os.fdopen(descriptor, "wb")


def _store(uploaded) -> tuple[str, Path]:
    token = secrets.token_urlsafe(24)
    suffix = ".json" if Path(uploaded.name).suffix.lower() == ".json" else ".csv"
    path = upload_dir() / f"{token}{suffix}.upload"
    with private_file(path) as handle:
        for chunk in uploaded.chunks():
            handle.write(chunk)
    return token, path


def run_checked(path: Path, rejects: Path, **options):
    """``import_file`` with the rejects written to ``rejects`` (a private file); any failure is
    logged and given as None, the rejects file deleted (the caller deletes the upload)."""
    try:
        with private_file(rejects) as binary, io.TextIOWrapper(binary, encoding="utf-8-sig", newline="") as text:
            report = import_file(path, rejects=text, **options)
    except Exception:
        logger.exception("Import of %s failed", path.name)
        rejects.unlink(missing_ok=True)
        return None
    if not report.rejected or report.aborted:
        rejects.unlink(missing_ok=True)
    return report


def _entry(request, token: str) -> dict | None:
    return request.session.get(SESSION_KEY, {}).get(token or "")


def _kept_file(request, token: str) -> tuple[Path, str] | None:
    """The file this user uploaded under ``token``, if still there (tokens come from the session)."""
    entry = _entry(request, token)
    if not entry or not entry.get("file"):
        return None
    path = upload_dir() / entry["file"]
    return (path, entry["name"]) if path.exists() else None


def _remember(request, token: str, entry: dict) -> None:
    entries = request.session.get(SESSION_KEY, {})
    entries[token] = entry
    request.session[SESSION_KEY] = entries


def _forget(request, token: str, keep_rejects: bool = False):
    entries = request.session.get(SESSION_KEY, {})
    entry = entries.pop(token, None)
    request.session[SESSION_KEY] = entries
    if entry:
        if entry.get("file"):
            (upload_dir() / entry["file"]).unlink(missing_ok=True)
        if entry.get("rejects") and not keep_rejects:
            (upload_dir() / entry["rejects"]).unlink(missing_ok=True)


def _rejects_name(name: str) -> str:
    stem = Path(name).stem or "lieux"
    return f"rejets-{stem}.csv"


@require_http_methods(["GET", "POST"])
def import_view(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not can_import(request.user):
        raise PermissionDenied
    context = {
        **admin.site.each_context(request),
        "title": _("Importer des lieux (standard national)"),
        "max_megabytes": settings.IMPORT_MAX_BYTES / 1_000_000,
        "max_listed": MAX_LISTED_PROBLEMS,
    }
    form = UploadForm()
    step = request.POST.get("step") if request.method == "POST" else None

    status = 200
    if step == "confirm":
        token = request.POST.get("token", "")
        kept = _kept_file(request, token)
        if kept is None:
            context["expired"] = True
        else:
            path, name = kept
            partial = request.POST.get("partial") == "1"
            # The rejects of this run replace those of the check.
            rejects = upload_dir() / f"{token}.rejects.csv"
            rejects.unlink(missing_ok=True)
            report = run_checked(path, rejects, user=request.user, skip_invalid=partial)
            # Imported, refused because the data changed since the check, or failed: either way
            # this file is finished with; a fixed file is uploaded again.
            _forget(request, token, keep_rejects=True)
            if report is None:
                context.update(failed=True, file_name=name)
                status = 500
            else:
                context.update(report=report, file_name=name, done=report.written)
                if rejects.exists():
                    _remember(request, token, {"file": None, "name": name, "rejects": rejects.name})
                    context["rejects_token"] = token
    elif step == "upload":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            purge_old_files(upload_dir())
            uploaded = form.cleaned_data["file"]
            token, path = _store(uploaded)
            rejects = upload_dir() / f"{token}.rejects.csv"
            report = run_checked(path, rejects, user=request.user, dry_run=True, skip_invalid=True)
            if report is None:
                path.unlink(missing_ok=True)
                context.update(failed=True, file_name=uploaded.name)
                status = 500
            else:
                context.update(report=report, file_name=uploaded.name, dry_run=True)
                entry = {"file": None, "name": uploaded.name, "rejects": rejects.name if rejects.exists() else None}
                if report.rows and not report.aborted:
                    entry["file"] = path.name
                    context["token"] = token
                else:
                    path.unlink(missing_ok=True)
                if entry["file"] or entry["rejects"]:
                    _remember(request, token, entry)
                if entry["rejects"]:
                    context["rejects_token"] = token
    context["form"] = form
    return render(request, "admin/opendata/import.html", context, status=status)


@require_http_methods(["GET"])
def rejects_view(request, token):
    """The rejects file of one of this user's checks or imports, downloaded once: it is
    deleted as it is sent (it holds other people's data and is rebuilt by a new check)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not can_import(request.user):
        raise PermissionDenied
    entry = _entry(request, token)
    if not entry or not entry.get("rejects"):
        raise Http404
    path = upload_dir() / entry["rejects"]
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    # Unlinked now, streamed from the open handle: nothing stays on disk after the download.
    path.unlink(missing_ok=True)
    entry = dict(entry, rejects=None)
    if entry.get("file"):
        _remember(request, token, entry)
    else:
        _forget(request, token)
    response = FileResponse(
        handle, as_attachment=True, filename=_rejects_name(entry["name"]), content_type="text/csv; charset=utf-8"
    )
    response["Cache-Control"] = "private, no-store"
    return response
