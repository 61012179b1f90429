from __future__ import annotations

import pytest

from accounts import throttling
from tests.support.openapi import spec


@pytest.fixture(autouse=True)
def _clear_throttle_store(db: None) -> None:
    # The store is a table, so each test's rollback empties it too; this makes it explicit.
    throttling.clear_all()


@pytest.fixture
def warm_schema() -> None:
    """Build the OpenAPI document before threads start: generating it is not thread-safe."""
    spec()
