"""Fixtures for the expedientes API tests: expedientes in any estado."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from expedientes.models import Expediente
from tests.support.expedientes import expediente_factory


@pytest.fixture
def make_expediente(clerk: Any) -> Callable[..., Expediente]:
    """An expediente owned by ``owner`` and walked to ``estado`` through the real service."""
    return expediente_factory(clerk, "EXP-TEST")


@pytest.fixture
def expediente(make_expediente: Callable[..., Expediente], citizen: Any) -> Expediente:
    """An expediente of ``citizen``'s, iniciado."""
    return make_expediente(citizen)
