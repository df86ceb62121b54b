"""Staff upload of a « Lieux de médiation numérique » file, in two steps:

1. upload → the file is kept server-side under a random token (recorded in the uploader's
   session, never taken from the form) and checked with a dry run: the same report as
   ``manage.py import_lieux --dry-run``;
2. « Confirmer l'import » → the kept file is imported for real, checked again from scratch
   (the database may have changed in between), then deleted.

Who: superusers (every venue) and département staff (venues of their départements only — the
importer refuses the other rows).
"""

from __future__ import annotations

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
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from directory.models import DepartementStaff
from directory.opendata.importer import import_file

SESSION_KEY = "opendata_imports"
KEEP_SECONDS = 3600
MAX_LISTED_PROBLEMS = 500


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


def _purge_old_files():
    cutoff = time.time() - KEEP_SECONDS
    for path in upload_dir().glob("*.upload"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            pass


def _store(uploaded) -> tuple[str, Path]:
    token = secrets.token_urlsafe(24)
    suffix = ".json" if Path(uploaded.name).suffix.lower() == ".json" else ".csv"
    path = upload_dir() / f"{token}{suffix}.upload"
    # A new file (O_EXCL, never through a link), readable by this user only.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        for chunk in uploaded.chunks():
            handle.write(chunk)
    return token, path


def _kept_file(request, token: str) -> tuple[Path, str] | None:
    """The file this user uploaded under ``token``, if still there (tokens come from the session)."""
    entry = request.session.get(SESSION_KEY, {}).get(token or "")
    if not entry:
        return None
    path = upload_dir() / entry["file"]
    return (path, entry["name"]) if path.exists() else None


def _forget(request, token: str):
    entries = request.session.get(SESSION_KEY, {})
    entry = entries.pop(token, None)
    request.session[SESSION_KEY] = entries
    if entry:
        (upload_dir() / entry["file"]).unlink(missing_ok=True)


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

    if step == "confirm":
        token = request.POST.get("token", "")
        kept = _kept_file(request, token)
        if kept is None:
            context["expired"] = True
        else:
            path, name = kept
            report = import_file(path, user=request.user)
            context.update(report=report, file_name=name, done=report.ok)
            # Imported, or refused because the data changed since the check: either way this
            # file is finished with; a fixed file is uploaded again.
            _forget(request, token)
    elif step == "upload":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            _purge_old_files()
            uploaded = form.cleaned_data["file"]
            token, path = _store(uploaded)
            report = import_file(path, user=request.user, dry_run=True)
            context.update(report=report, file_name=uploaded.name, dry_run=True)
            if report.ok:
                entries = request.session.get(SESSION_KEY, {})
                entries[token] = {"file": path.name, "name": uploaded.name}
                request.session[SESSION_KEY] = entries
                context["token"] = token
            else:
                path.unlink(missing_ok=True)
    context["form"] = form
    return render(request, "admin/opendata/import.html", context)
