"""Rewrite tests check graph structure and compare rewritten with unrewritten values exactly:
they run once, on the Python VM (the C backend's math functions may round differently from
NumPy's in the last bit; tests/link/c compares the backends within tolerances)."""

import pytest

import theano


@pytest.fixture(autouse=True)
def backend():
    """Overrides the two-backend parametrization of tests/tensor/conftest.py."""
    with theano.change_flags(linker="py"):
        yield "py"
