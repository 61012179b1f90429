"""Fixtures shared by the core tests of counters and totals."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from orders.models import Product
from tests.support.expedientes import expediente_factory


@pytest.fixture
def make_expediente(clerk: Any):
    return expediente_factory(clerk, "TALLY")


@pytest.fixture
def product() -> Product:
    return Product.objects.create(name="Lápiz", price=Decimal("2.50"), stock=10_000)
