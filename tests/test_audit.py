"""`make audit` says plainly when it could not check (issue 17, finding 17): pip-audit alone
reported « no known vulnerabilities » after skipping every package."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("audit", ROOT / "scripts" / "audit.py")
audit = importlib.util.module_from_spec(spec)
spec.loader.exec_module(audit)

SKIPPED = {"name": "django", "skip_reason": "Dependency not found on PyPI and could not be audited: django (5.2.19)"}
CLEAN = {"name": "segno", "version": "1.6.6", "vulns": []}
VULNERABLE = {
    "name": "django",
    "version": "5.2.8",
    "vulns": [{"id": "PYSEC-2026-1", "fix_versions": ["5.2.17"], "description": "admin XSS"}],
}


def test_every_package_skipped_is_not_a_clean_audit():
    code, lines = audit.summarise({"dependencies": [SKIPPED, dict(SKIPPED, name="segno")]})
    assert code == 2
    assert "AUCUN paquet n'a pu être vérifié" in lines[-1]
    assert any(line.startswith("NON VÉRIFIÉ : django") for line in lines)


def test_some_packages_skipped_is_an_incomplete_audit():
    code, lines = audit.summarise({"dependencies": [SKIPPED, CLEAN]})
    assert code == 2 and "1 paquet(s) non vérifié(s) sur 2" in lines[-1] and "1 vérifié(s)" in lines[-1]


def test_a_vulnerable_package_fails_with_its_fixed_versions():
    code, lines = audit.summarise({"dependencies": [VULNERABLE, CLEAN]})
    assert code == 1
    assert "VULNÉRABLE : django 5.2.8 — PYSEC-2026-1 (corrigé en : 5.2.17)" in lines


def test_a_clean_audit_says_how_many_were_checked():
    assert audit.summarise({"dependencies": [CLEAN, dict(CLEAN, name="tqdm")]}) == (
        0,
        ["2 paquets vérifiés : aucune vulnérabilité connue."],
    )


def test_an_empty_report_is_no_audit():
    assert audit.summarise({"dependencies": []})[0] == 2


@pytest.mark.parametrize("lock", ["requirements.txt", "requirements-dev.txt"])
def test_the_locks_pin_every_package_with_hashes(lock):
    text = (ROOT / lock).read_text()
    blocks = [b for b in text.split("\n") if b and not b.startswith((" ", "#"))]
    assert blocks, lock
    for line in blocks:
        assert "==" in line and line.rstrip().endswith("\\"), line
    assert "--hash=sha256:" in text


def test_the_django_floor_is_a_patched_release():
    from packaging.version import Version

    for lock in ("requirements.txt", "requirements-dev.txt"):
        pinned = next(line for line in (ROOT / lock).read_text().splitlines() if line.lower().startswith("django=="))
        assert Version(pinned.split("==")[1].split()[0]) >= Version("5.2.17"), pinned
    floor = next(line for line in (ROOT / "requirements.in").read_text().splitlines() if line.startswith("Django~="))
    assert Version(floor.split("~=")[1]) >= Version("5.2.17")
