"""Helpers shared by the tests: seeded random data, infer_shape checks, value comparison."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

import theano
import theano.tensor as T
from theano.graph.basic import Variable, graph_inputs, io_toposort
from theano.tensor.basic import as_tensor_variable


def rng(offset: int = 0) -> np.random.Generator:
    """A generator seeded from ``config.unittests.rseed`` (plus ``offset``)."""
    return np.random.default_rng(int(theano.config.unittests.rseed) + offset)


def random(*shape, dtype: str = "float64", low: float = -1.0, high: float = 1.0, offset: int = 0) -> np.ndarray:
    """Uniform random values of ``shape`` and ``dtype`` (integers in [low, high))."""
    gen = rng(offset)
    if np.dtype(dtype).kind in "iu":
        return gen.integers(int(low), int(high), size=shape).astype(dtype)
    if np.dtype(dtype).kind == "b":
        return gen.integers(0, 2, size=shape).astype(bool)
    if np.dtype(dtype).kind == "c":
        return (gen.uniform(low, high, size=shape) + 1j * gen.uniform(low, high, size=shape)).astype(dtype)
    return gen.uniform(low, high, size=shape).astype(dtype)


def symbolic_shapes(outputs: Sequence[Variable]) -> list[tuple]:
    """The shapes of ``outputs`` computed by the ops' ``infer_shape`` only (never by running them)."""
    from theano.tensor.shape import shape_i

    shapes: dict = {}
    for node in io_toposort(graph_inputs(outputs), outputs):
        for inp in node.inputs:
            if inp not in shapes:
                shapes[inp] = tuple(shape_i(inp, i) for i in range(getattr(inp.type, "ndim", 0)))
        out_shapes = node.op.infer_shape(node, [shapes[i] for i in node.inputs])
        for out, shp in zip(node.outputs, out_shapes):
            shapes[out] = tuple(shp)
    for out in outputs:
        if out not in shapes:
            shapes[out] = tuple(shape_i(out, i) for i in range(getattr(out.type, "ndim", 0)))
    return [shapes[o] for o in outputs]


def check_infer_shape(inputs: Sequence[Variable], outputs: Sequence[Variable] | Variable,
                      values: Sequence, op_class: type | None = None) -> None:
    """Assert that ``infer_shape`` gives the shapes the outputs really have on ``values``.

    With ``op_class``, also assert that computing the shapes does not run that op.
    """
    if isinstance(outputs, Variable):
        outputs = [outputs]
    outputs = list(outputs)
    actual = theano.function(list(inputs), outputs, on_unused_input="ignore")(*values)
    if not isinstance(actual, list):
        actual = [actual]
    inferred = symbolic_shapes(outputs)
    flat = [as_tensor_variable(entry) for shp in inferred for entry in shp]
    if flat:
        shape_fn = theano.function(list(inputs), flat, on_unused_input="ignore")
        computed = shape_fn(*values)
        if op_class is not None:
            for node in shape_fn.maker.fgraph.apply_nodes:
                assert not isinstance(node.op, op_class), f"infer_shape of {op_class.__name__} runs the op itself"
    else:
        computed = []
    it = iter(computed)
    for value, shp in zip(actual, inferred):
        got = tuple(int(next(it)) for _ in shp)
        assert got == np.shape(value), f"infer_shape says {got}, the value has shape {np.shape(value)}"


def assert_allclose(actual, expected, rtol=None, atol=None) -> None:
    """Compare with tolerances suited to the dtype (float32 looser than float64); dtypes must match."""
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, f"shape {actual.shape} != expected {expected.shape}"
    low = actual.dtype in (np.float32, np.complex64, np.float16)
    rtol = rtol if rtol is not None else (1e-4 if low else 1e-7)
    atol = atol if atol is not None else (1e-5 if low else 1e-10)
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, equal_nan=True)


def check_rop(fun, values, directions=None, wrt=None, seed=0, step=1e-6, rtol=1e-6) -> None:
    """Assert that ``T.Rop(fun(*inputs), moving inputs, eval points)`` equals the central finite
    difference of ``fun`` at ``values`` (float64 arrays) along ``directions`` (random by default).

    ``wrt`` lists the positions of the inputs that move (all by default).
    """
    values = [np.asarray(v, dtype="float64") for v in values]
    if directions is None:
        gen = rng(seed)
        directions = [gen.standard_normal(v.shape) for v in values]
    wrt = list(range(len(values))) if wrt is None else list(wrt)
    inputs = [T.tensor("float64", (False,) * v.ndim) for v in values]
    points = [inputs[i].type() for i in wrt]
    out = fun(*inputs)
    rop = T.Rop(out, [inputs[i] for i in wrt], points)
    assert rop.type.dtype == out.type.dtype and rop.type.ndim == out.type.ndim
    got = theano.function(inputs + points, rop, on_unused_input="ignore")(*values, *[directions[i] for i in wrt])
    forward = theano.function(inputs, out)

    def moved(sign):
        return [v + sign * step * d if i in wrt else v for i, (v, d) in enumerate(zip(values, directions))]

    expected = (forward(*moved(1)) - forward(*moved(-1))) / (2 * step)
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=1e-7)


def grad_of(fun):
    """A function returning the gradient of a non-linear cost of ``fun``: verify_grad on it
    checks second derivatives."""
    def gradient(*xs):
        out = fun(*xs)
        return T.grad(T.sum(T.sqr(out) * T.cos(out)), xs[0])
    return gradient
