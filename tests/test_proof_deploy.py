"""Deployment checks stay green: Django's --deploy checks with the production settings of the
README, security headers, and bandit on the application code."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mediation.production_env import production_env

ROOT = Path(__file__).resolve().parent.parent


def run_python(code: str, env) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_check_deploy_passes_with_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    "missing, check",
    [
        # Posters print SITE_URL as a QR code: with DJANGO_DEBUG=0 it must not be 127.0.0.1.
        ("SITE_URL", "directory.E002"),
        # SMS senders are pseudonymised with a secret of their own.
        ("SMS_HASH_SECRET", "directory.E001"),
    ],
)
def test_check_deploy_refuses_a_missing_production_setting(missing, check):
    env = production_env()
    env.pop(missing)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert check in result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = production_env()
    env.pop("DJANGO_SECRET_KEY")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


SETTINGS_DUMP = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({name: getattr(settings, name, None) for name in [
    "DEBUG", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT", "SESSION_COOKIE_HTTPONLY", "X_FRAME_OPTIONS",
    "SECURE_CONTENT_TYPE_NOSNIFF", "PUBLIC_PAGE_CACHE_SECONDS"]}))
"""


def test_hsts_and_secure_cookies_follow_django_secure():
    env = {"DJANGO_SETTINGS_MODULE": "mediation.settings"}
    secure = json.loads(run_python(SETTINGS_DUMP, production_env(**env)))
    assert secure["DEBUG"] is False
    assert secure["SECURE_HSTS_SECONDS"] >= 31536000
    assert secure["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert secure["SESSION_COOKIE_SECURE"] is True
    assert secure["CSRF_COOKIE_SECURE"] is True
    assert secure["SECURE_SSL_REDIRECT"] is True
    assert secure["X_FRAME_OPTIONS"] == "DENY"

    # Behind a plain-HTTP loopback (make serve), DJANGO_SECURE=0 turns the HTTPS-only parts off.
    plain = json.loads(run_python(SETTINGS_DUMP, production_env(DJANGO_SECURE="0", **env)))
    assert plain["DEBUG"] is False
    assert not plain["SECURE_HSTS_SECONDS"]
    assert plain["SESSION_COOKIE_SECURE"] is False
    assert plain["SESSION_COOKIE_HTTPONLY"] is True


@pytest.mark.django_db
def test_every_response_carries_a_csp_without_unsafe_inline(client):
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


def test_bandit_finds_nothing_unjustified():
    bandit = Path(sys.executable).with_name("bandit")
    result = subprocess.run(
        [
            str(bandit),
            "-q",
            "-r",
            "directory",
            "mediation",
            "-f",
            "custom",
            "--msg-template",
            "{relpath}:{line}: {test_id} {msg}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, (
        "bandit (justifiez sur place avec « # nosec Bxxx » et un commentaire) :\n" + result.stdout
    )
