"""Moved to tests/support/expedientes.py; kept for the imports not yet updated
(tests/integration/core/test_tallies.py)."""

from tests.support.expedientes import PATH_TO, expediente_factory

__all__ = ["PATH_TO", "expediente_factory"]
