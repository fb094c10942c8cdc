"""The ARange kernel against NumPy's arange."""

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.link.c import compiler
from theano.link.c.kernels import kernel_for
from theano.link.c.testing import run_node

pytestmark = pytest.mark.skipif(not compiler.have_compiler(), reason="no C compiler")


DTYPES = [("int64", "int64", "int64"), ("int32", "int8", "int16"), ("uint8", "int64", "bool")]


@pytest.mark.parametrize("dtypes", DTYPES)
def test_arange_matches_numpy(dtypes):
    start, stop, step = (T.scalar(dtype=d) for d in dtypes)
    node = T.arange(start, stop, step, dtype="int64").owner
    assert kernel_for(node) is not None
    cases = [(0, 10, 1), (3, -4, -2), (5, 5, 1), (7, 2, 1), (-3, 9, 4), (0, 1, 1)]
    checked = 0
    for a, b, c in cases:
        if not all(_fits(v, d) for v, d in zip((a, b, c), dtypes)):
            continue
        values = [np.asarray(v, dtype=d) for v, d in zip((a, b, c), dtypes)]
        (got,) = run_node(node, values)
        checked += 1
        np.testing.assert_array_equal(got, np.arange(a, b, c, dtype="int64"))
        assert got.dtype == np.int64
    assert checked >= 2


def _fits(value: int, dtype: str) -> bool:
    if dtype == "bool":
        return value in (0, 1)
    info = np.iinfo(dtype)
    return info.min <= value <= info.max


def test_zero_step_raises_and_nll_graph_runs_in_c():
    start, stop, step = T.lscalars("a", "b", "c")
    f = theano.function([start, stop, step], T.arange(start, stop, step))
    assert all(f.fn.c_nodes)
    with pytest.raises(ValueError, match="step must not be zero"):
        f(0, 3, 0)
    p = T.dmatrix("p")
    y = T.ivector("y")
    g = theano.function([p, y], -T.log(p)[T.arange(y.shape[0]), y].mean())
    assert all(g.fn.c_nodes), [str(n) for n, c in zip(g.fn.nodes, g.fn.c_nodes) if not c]
    values = np.random.default_rng(0).uniform(0.1, 1, size=(4, 3))
    labels = np.array([0, 2, 1, 2], dtype="int32")
    np.testing.assert_allclose(g(values, labels), -np.log(values[np.arange(4), labels]).mean())
