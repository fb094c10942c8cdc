"""Rewrite tests check graph structure: they run once, on the default backend."""

import pytest


@pytest.fixture(autouse=True)
def backend():
    """Overrides the two-backend parametrization of tests/tensor/conftest.py."""
    yield "default"
