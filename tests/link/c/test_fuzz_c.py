"""Property test: random graphs compiled by the C backend compute what the Python VM computes.

The graphs come from the rewrite property test (elementwise ops, reductions, dimshuffles,
broadcasting on 1-3 dimensional inputs); each is compiled with FAST_RUN on the C backend and
compared with the unoptimized graph on the Python VM, for contiguous inputs and for strided
views of them. Every example compiles new kernels, so the example count stays small.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings

import theano
from tests.tensor.rewriting.test_random_graphs import random_graphs
from theano.link.c import compiler

pytestmark = pytest.mark.skipif(not compiler.have_compiler(), reason="no C compiler")

C_MODE = theano.Mode(linker="cvm", optimizer="fast_run")
PY_REFERENCE = theano.Mode(linker="py", optimizer=None)


def _strided(value: np.ndarray) -> np.ndarray:
    """The same values in memory that is not contiguous (every other element, reversed)."""
    padded = np.repeat(value, 2, axis=-1) if value.ndim else value
    view = padded[..., ::-2][..., ::-1] if value.ndim else padded
    assert np.array_equal(view, value)
    return view


@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(random_graphs())
def test_c_backend_matches_python(graph):
    inputs, outputs, values = graph
    reference = theano.function(inputs, outputs, mode=PY_REFERENCE, on_unused_input="ignore")
    expected = reference(*values)
    assume(all(np.isfinite(e).all() for e in expected))
    f = theano.function(inputs, outputs, mode=C_MODE, on_unused_input="ignore")
    assert any(f.fn.c_nodes), "nothing ran in C"
    for label, args in (("contiguous", values), ("strided", [_strided(v) for v in values])):
        got = f(*args)
        for g, e in zip(got, expected):
            assert np.shape(g) == np.shape(e), f"{label}: shape {np.shape(g)} != {np.shape(e)}"
            np.testing.assert_allclose(g, e, rtol=1e-7, atol=1e-10, equal_nan=True, err_msg=label)
