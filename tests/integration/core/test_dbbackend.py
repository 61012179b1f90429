"""The health check of a reused connection: no round trip when the socket is quiet, a new connection
when the server hung up."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, connections

from core.dbbackend.base import quietly_idle

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def wrapper() -> Any:
    """A connection of its own (not the test's), with health checks on as in production."""
    own = connections.create_connection("default")
    own.settings_dict["CONN_HEALTH_CHECKS"] = True
    own.ensure_connection()
    yield own
    own.close()


def _start_of_request(own: Any) -> None:
    own.health_check_done = False  # what close_if_unusable_or_obsolete does between requests


def test_a_quiet_idle_connection_is_reused_without_asking_the_server(wrapper: Any, monkeypatch: Any) -> None:
    assert quietly_idle(wrapper.connection)
    monkeypatch.setattr(wrapper, "is_usable", lambda: pytest.fail("a round trip was made"))
    raw = wrapper.connection
    _start_of_request(wrapper)
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT 1")
    assert wrapper.connection is raw


def test_a_connection_the_server_closed_is_replaced_before_the_query(wrapper: Any) -> None:
    raw = wrapper.connection
    pid = raw.info.backend_pid
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        # The backend is gone once it leaves pg_stat_activity; its goodbye is then on our socket.
        while True:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
            if cursor.fetchone()[0] == 0:
                break
    assert not quietly_idle(raw)
    _start_of_request(wrapper)
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid
    assert wrapper.connection is not raw


def test_a_connection_inside_a_transaction_is_not_taken_as_idle(wrapper: Any) -> None:
    wrapper.set_autocommit(False)
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT 1")
    assert not quietly_idle(wrapper.connection)
    wrapper.rollback()
    wrapper.set_autocommit(True)
