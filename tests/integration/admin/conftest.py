"""Fixtures for the admin tests: Django test clients logged in by session, expedientes in any estado."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from expedientes.models import Expediente
from tests.support.expedientes import expediente_factory


@pytest.fixture
def web_client_for() -> Callable[[Any], Client]:
    """``web_client_for(user)``: a browser-like client with an admin session for ``user``."""

    def factory(user: Any) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return factory


@pytest.fixture
def clerk_web(web_client_for: Callable[[Any], Client], clerk: Any) -> Client:
    return web_client_for(clerk)


@pytest.fixture
def admin_web(web_client_for: Callable[[Any], Client], admin: Any) -> Client:
    return web_client_for(admin)


@pytest.fixture
def make_expediente(clerk: Any) -> Callable[..., Expediente]:
    """An expediente owned by ``owner`` and walked to ``estado`` through the real service."""
    return expediente_factory(clerk, "EXP-ADM")
