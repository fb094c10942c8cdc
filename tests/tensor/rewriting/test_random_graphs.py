"""Property test: random expression graphs compute the same values under every rewrite level.

Hypothesis builds graphs from elementwise ops (with arguments kept in each op's domain),
reductions over random axes, dimshuffles and broadcasting, on 1-3 dimensional float64
inputs. Each graph is compiled with FAST_RUN, FAST_COMPILE and without rewrites; the values
must agree.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import theano
import theano.tensor as T

# Every axis has this length (or 1 where the type says broadcastable), so any two
# expressions broadcast together and any permutation of axes keeps them aligned.
LENGTH = 3
MAX_NDIM = 3

# On the Python VM: this test is about the rewrites (tests/link/c/test_fuzz_c.py runs such graphs in C).
MODES = {
    "FAST_RUN": theano.Mode(linker="py", optimizer="fast_run"),
    "FAST_COMPILE": "FAST_COMPILE",
}
REFERENCE = theano.Mode(linker="py", optimizer=None)


def _positive(a):
    return T.sqr(a) + 0.5


UNARY = {
    "neg": T.neg,
    "tanh": T.tanh,
    "sqr": lambda a: T.sqr(T.tanh(a)) * 2,  # bounded, so chains of squares stay finite
    "exp": lambda a: T.exp(T.tanh(a)),
    "log": lambda a: T.log(_positive(a)),
    "sqrt": lambda a: T.sqrt(_positive(a)),
}
BINARY = {
    "add": T.add,
    "sub": T.sub,
    "mul": T.mul,
    "true_div": lambda a, b: a / _positive(b),
    "maximum": T.maximum,
    "add_self": lambda a, b: (a + b) - a,  # cancellation
}
REDUCTIONS = {"sum": T.sum, "max": T.max, "mean": T.mean}


def _reduce(draw, expr):
    """A reduction over a random axis, kept aligned with the other expressions (keepdims, or a
    dimshuffle putting the reduced axis back as a broadcastable one)."""
    name = draw(st.sampled_from(sorted(REDUCTIONS)))
    axis = draw(st.integers(0, expr.ndim - 1))
    if draw(st.booleans()):
        return REDUCTIONS[name](expr, axis=axis, keepdims=True)
    reduced = REDUCTIONS[name](expr, axis=axis)
    order = list(range(expr.ndim - 1))
    order.insert(axis, "x")
    return reduced.dimshuffle(order)


def _dimshuffle(draw, expr):
    if expr.ndim < MAX_NDIM and draw(st.booleans()):
        return T.shape_padleft(expr)
    order = draw(st.permutations(list(range(expr.ndim))))
    return expr.dimshuffle(order)


@st.composite
def random_graphs(draw):
    n_inputs = draw(st.integers(1, 3))
    inputs, values = [], []
    for k in range(n_inputs):
        ndim = draw(st.integers(1, MAX_NDIM))
        broadcastable = tuple(draw(st.lists(st.booleans(), min_size=ndim, max_size=ndim)))
        var = T.TensorType("float64", broadcastable)(f"x{k}")
        shape = tuple(1 if b else LENGTH for b in broadcastable)
        seed = draw(st.integers(0, 2**16))
        inputs.append(var)
        values.append(np.random.default_rng(seed).uniform(-2.0, 2.0, size=shape))
    pool = list(inputs)
    n_steps = draw(st.integers(1, 8))
    for _ in range(n_steps):
        kind = draw(st.sampled_from(["unary", "binary", "binary", "reduce", "dimshuffle"]))
        a = draw(st.sampled_from(pool))
        if kind == "unary":
            new = UNARY[draw(st.sampled_from(sorted(UNARY)))](a)
        elif kind == "binary":
            b = draw(st.sampled_from(pool))
            new = BINARY[draw(st.sampled_from(sorted(BINARY)))](a, b)
        elif kind == "reduce":
            new = _reduce(draw, a)
        else:
            new = _dimshuffle(draw, a)
        pool.append(new)
    n_outputs = draw(st.integers(1, 2))
    outputs = [pool[-1]] + ([draw(st.sampled_from(pool[n_inputs:] or pool))] if n_outputs == 2 else [])
    return inputs, outputs, values


def _assert_same(got, expected, label):
    for g, e in zip(got, expected):
        assert np.shape(g) == np.shape(e), f"{label}: shape {np.shape(g)} != {np.shape(e)}"
        np.testing.assert_allclose(g, e, rtol=1e-7, atol=1e-10, equal_nan=True, err_msg=label)


@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(random_graphs())
def test_rewritten_graphs_compute_the_same_values(graph):
    inputs, outputs, values = graph
    reference = theano.function(inputs, outputs, mode=REFERENCE, on_unused_input="ignore")
    expected = reference(*values)
    assume(all(np.isfinite(e).all() for e in expected))
    for label, mode in MODES.items():
        f = theano.function(inputs, outputs, mode=mode, on_unused_input="ignore")
        _assert_same(f(*values), expected, label)
