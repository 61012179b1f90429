"""PostgreSQL backend whose per-request health check costs no round trip when the connection is idle.

With ``CONN_HEALTH_CHECKS`` Django runs ``SELECT 1`` on a reused connection at the first query of
every request, so a connection that died between requests (a database restart, a failover, an idle
timeout) is replaced instead of failing the request. A server that closes a connection sends a
message and hangs up, which makes the socket readable; an idle connection with nothing to read and
no error is usable, so the check here only asks the server when the socket says something
happened. The outcome is the same as Django's check; the common case costs one ``poll()``.
"""

from __future__ import annotations

import select
from typing import Any

from django.db.backends.postgresql import base
from psycopg import pq


def quietly_idle(connection: Any) -> bool:
    """True when the connection is open, idle outside a transaction, and the server sent nothing."""
    pgconn = getattr(connection, "pgconn", None)
    if pgconn is None:
        return False
    if pgconn.status != pq.ConnStatus.OK or pgconn.transaction_status != pq.TransactionStatus.IDLE:
        return False
    poller = select.poll()
    poller.register(pgconn.socket, select.POLLIN | select.POLLPRI)
    return not poller.poll(0)


class DatabaseWrapper(base.DatabaseWrapper):
    def close_if_health_check_failed(self) -> None:
        state: Any = self  # health_check_* are set by Django's BaseDatabaseWrapper.__init__
        if (
            self.connection is not None
            and state.health_check_enabled
            and not state.health_check_done
            and quietly_idle(self.connection)
        ):
            state.health_check_done = True
            return
        super().close_if_health_check_failed()
