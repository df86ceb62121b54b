"""`make audit`: the locked dependency set (requirements.txt, requirements-dev.txt) against the
advisories pip-audit reads (PyPI's JSON API by default, or another ``--vulnerability-service``),
saying plainly what could not be checked.

pip-audit alone prints « No known vulnerabilities found » even when it skipped every package
(an index that answers 404 to its per-version look-ups, no network): this wrapper reads its JSON
report and exits
- 0 when every locked package was checked and none has a known vulnerability;
- 1 when a package has a known vulnerability (each is listed with its fixed versions);
- 2 when some or all packages could not be checked (listed): the audit did NOT happen for them.
Not part of `make test` or CI, which must not depend on a network service they may not reach.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCKS = ("requirements.txt", "requirements-dev.txt")


def summarise(report: dict) -> tuple[int, list[str]]:
    """(exit code, lines to print) for a pip-audit JSON report."""
    dependencies = report.get("dependencies", [])
    vulnerable = [d for d in dependencies if d.get("vulns")]
    skipped = [d for d in dependencies if d.get("skip_reason")]
    checked = len(dependencies) - len(skipped)
    lines = []
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixed = ", ".join(vuln.get("fix_versions") or []) or "aucune"
            lines.append(
                f"VULNÉRABLE : {dep['name']} {dep.get('version', '?')} — {vuln.get('id')} (corrigé en : {fixed})"
            )
    for dep in skipped:
        lines.append(f"NON VÉRIFIÉ : {dep['name']} — {dep['skip_reason']}")
    if not dependencies:
        lines.append("AUDIT IMPOSSIBLE : pip-audit n'a lu aucun paquet.")
        return 2, lines
    if vulnerable:
        lines.append(f"{len(vulnerable)} paquet(s) vulnérable(s) sur {len(dependencies)}.")
        return 1, lines
    if skipped:
        verdict = "AUCUN paquet n'a pu être vérifié" if not checked else f"{len(skipped)} paquet(s) non vérifié(s)"
        lines.append(
            f"AUDIT INCOMPLET : {verdict} sur {len(dependencies)} ; « aucune vulnérabilité connue » ne vaut "
            f"que pour les {checked} vérifié(s)."
        )
        return 2, lines
    lines.append(f"{checked} paquets vérifiés : aucune vulnérabilité connue.")
    return 0, lines


def audit(lock: Path, extra: list[str]) -> tuple[int, list[str]]:
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "audit.json"
        command = [
            sys.executable, "-m", "pip_audit", "-r", str(lock), "--require-hashes", "--disable-pip",
            "--progress-spinner", "off", "-f", "json", "-o", str(output), *extra,
        ]  # fmt: skip
        result = subprocess.run(command, capture_output=True, text=True, timeout=600)  # nosec B603
        if not output.exists():
            message = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["(aucun message)"]
            return 2, [f"AUDIT IMPOSSIBLE pour {lock.name} : pip-audit a échoué : {message[0]}"]
        return summarise(json.loads(output.read_text()))


def main(argv: list[str]) -> int:
    codes = []
    for name in LOCKS:
        code, lines = audit(ROOT / name, argv)
        print(f"== {name}")
        print("\n".join(lines))
        codes.append(code)
    # A known vulnerability outranks an incomplete check: both fail.
    return 1 if 1 in codes else max(codes)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
