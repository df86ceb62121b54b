"""The environment of a production process, written once.

Everything that starts Django « as in production » takes its variables from here:
``make check-deploy`` (``python -m mediation.production_env manage.py check --deploy``),
``bench/run.py``, ``bench/loadtest.py`` and ``tests/test_proof_deploy.py``. Two shapes:

- ``public`` (the default): the README's deployment behind HTTPS on a public name —
  ``DJANGO_SECURE=1`` (HSTS, secure cookies, HTTPS redirect) and an https ``SITE_URL``, what
  ``check --deploy`` must find green;
- ``loopback=True``: the same code on this machine over plain HTTP (``make serve``, the
  benchmark, the load test): ``DJANGO_SECURE=0``, hosts 127.0.0.1 and localhost.

Each call draws new secrets (the secret key, the SMS pseudonym key): nothing here is a
credential; a real deployment sets its own (README, « Deploy and scale out »).
"""

from __future__ import annotations

import os
import secrets
import sys

PUBLIC_HOST = "example.org"
LOOPBACK_HOSTS = "127.0.0.1,localhost"

# Set by pytest and by the browser tests' conftest (sync ORM calls under Playwright's event
# loop): a production process never has them, and ``check --deploy`` rightly warns about the
# second.
NOT_IN_PRODUCTION = ("PYTEST_CURRENT_TEST", "DJANGO_ALLOW_ASYNC_UNSAFE")


def production_env(*, loopback: bool = False, **overrides: str) -> dict[str, str]:
    """This process's environment with the production settings on top, then ``overrides``."""
    env = dict(os.environ)
    for name in NOT_IN_PRODUCTION:
        env.pop(name, None)
    env.update(
        DJANGO_SETTINGS_MODULE="mediation.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        # Required with DJANGO_DEBUG=0 (directory.E001): senders' numbers become pseudonyms.
        SMS_HASH_SECRET=secrets.token_urlsafe(48),
    )
    if loopback:
        env.update(DJANGO_SECURE="0", DJANGO_ALLOWED_HOSTS=LOOPBACK_HOSTS, LOG_LEVEL="ERROR")
    else:
        env.update(
            DJANGO_SECURE="1",
            DJANGO_ALLOWED_HOSTS=PUBLIC_HOST,
            # Posters print SITE_URL as a QR code: in production it is the public https name.
            SITE_URL=f"https://{PUBLIC_HOST}",
        )
    env.update(overrides)
    return env


def main(argv: list[str]) -> int:
    """``python -m mediation.production_env SCRIPT [ARGS…]``: run a Python script of the
    checkout (``manage.py check --deploy``) in the public production environment."""
    if not argv:
        print("usage : python -m mediation.production_env manage.py check --deploy", file=sys.stderr)
        return 2
    # Justified: this interpreter on a script named by the Makefile, no shell.
    os.execve(sys.executable, [sys.executable, *argv], production_env())  # noqa: S606  # nosec B606


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
