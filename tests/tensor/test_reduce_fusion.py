"""The reduction of an elementwise expression in one pass (theano/tensor/reduce_fusion.py).

Every test runs on the Python VM and on the C backend (tests/tensor/conftest.py); the values are
compared with the unfused graph on the Python VM (the rewrite excluded).
"""

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.scalar.composite import Composite
from theano.tensor.elemwise import CAReduce, Elemwise, Sum
from theano.tensor.reduce_fusion import FusedReduce

REFERENCE = theano.Mode(linker="py", optimizer="fast_run").excluding("reduce_fusion")


def _mode() -> theano.Mode:
    """FAST_RUN on the backend of the test (the conftest's linker)."""
    return theano.Mode(optimizer="fast_run")


def _nodes(f, op_class) -> list:
    return [node for node in f.maker.fgraph.toposort() if isinstance(node.op, op_class)]


def _values(dtype: str, shape, rng) -> np.ndarray:
    if dtype == "bool":
        return rng.random(shape) < 0.6
    if np.dtype(dtype).kind in "iu":
        return rng.integers(-3, 4, size=shape).astype(dtype)
    return rng.uniform(-1.5, 1.5, size=shape).astype(dtype)


def _assert_close(got, want, label: str) -> None:
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape, f"{label}: {got.dtype}{got.shape} != " \
                                                                f"{want.dtype}{want.shape}"
    if got.dtype.kind == "f":
        rtol = 1e-4 if got.dtype == np.float32 else 1e-11
        np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol, err_msg=label)
    else:
        np.testing.assert_array_equal(got, want, err_msg=label)


def _check(inputs, outputs, values, expect_fused: int) -> None:
    """Compile ``outputs``, check that ``expect_fused`` FusedReduce nodes compute them and that no
    reduction reads an Elemwise's values, and compare the values with the unfused graph on the Python VM."""
    f = theano.function(inputs, outputs, mode=_mode())
    fused = _nodes(f, FusedReduce)
    assert len(fused) == expect_fused, theano.printing.debugprint(f, file="str")
    feeding = [x.owner for node in _nodes(f, (FusedReduce, CAReduce)) for x in node.inputs if x.owner]
    assert not [node for node in feeding if isinstance(node.op, Elemwise)], theano.printing.debugprint(f, file="str")
    reference = theano.function(inputs, outputs, mode=REFERENCE)
    assert not _nodes(reference, FusedReduce)
    for k, (got, want) in enumerate(zip(f(*values), reference(*values))):
        _assert_close(got, want, f"output {k}: {outputs[k]}")


# one function per reduction and dtype, two outputs: over every axis, and over two axes with keepdims
# and a broadcast input (each C kernel costs a gcc run: the axes are swept for one dtype below)
REDUCTIONS = {
    "sum": (T.sum, ["bool", "int8", "float32", "float64"]),
    "prod": (T.prod, ["int64", "float64"]),
    "max": (T.max, ["int8", "float32"]),
    "min": (T.min, ["float64"]),
    "all": (T.all, ["float64"]),
    "any": (T.any, ["bool"]),
}


def _expressions(dtype: str, x, y, row) -> list:
    """Two elementwise expressions of x, y and row, sharing no subexpression (a value used by two
    reductions is computed once, unfused)."""
    if dtype == "bool":
        return [x & y, x ^ row]
    return [x * y, abs(x - row) + 1]


@pytest.mark.parametrize("name,dtype", [(name, dtype) for name, (_, dtypes) in REDUCTIONS.items()
                                        for dtype in dtypes])
def test_reduction_of_expression_fuses(name, dtype):
    reduce, _ = REDUCTIONS[name]
    rng = np.random.default_rng(len(name) + len(dtype))
    x = T.tensor3("x", dtype=dtype)
    y = T.tensor3("y", dtype=dtype)
    row = T.TensorType(dtype, (True, True, False))("row")  # broadcast along the first two axes
    first, second = _expressions(dtype, x, y, row)
    outputs = [reduce(first), reduce(second, axis=(0, 2), keepdims=True)]
    values = [_values(dtype, (3, 5, 7), rng), _values(dtype, (3, 5, 7), rng), _values(dtype, (1, 1, 7), rng)]
    _check([x, y, row], outputs, values, expect_fused=2)


def test_axes_sweep():
    """Sum and max of float64 expressions over every combination of axes of a 3-d tensor."""
    x = T.dtensor3("x")
    col = T.TensorType("float64", (False, False, True))("col")
    outputs = [T.sum(x * col, axis=1), T.max(x - col, axis=2), T.sum(abs(x) * col, axis=(0, 1)),
               T.max(x + col + 1, axis=(1, 2), keepdims=True), T.sum(x * x * col, axis=(0, 2)),
               T.max(x * 2 - col, axis=0)]
    rng = np.random.default_rng(7)
    _check([x, col], outputs, [rng.standard_normal((4, 5, 6)), rng.standard_normal((4, 5, 1))], expect_fused=6)


@pytest.mark.parametrize("axis", [None, 0, 1])
def test_sum_exp_times_y(axis):
    """The case of the issue, on a matrix: the fused node takes x and y, nothing else."""
    x, y = T.dmatrices("x", "y")
    out = T.sum(T.exp(x) * y, axis=axis)
    f = theano.function([x, y], out, mode=_mode())
    (node,) = f.maker.fgraph.toposort()
    assert isinstance(node.op, FusedReduce)
    assert isinstance(node.op.reduce_op, Sum)
    assert "exp" in str(node.op.premap)
    assert node.inputs == f.maker.fgraph.inputs
    rng = np.random.default_rng(0)
    values = [rng.standard_normal((4, 33)), rng.standard_normal((4, 33))]
    _assert_close(f(*values), np.sum(np.exp(values[0]) * values[1], axis=axis), "sum(exp(x) * y)")


def test_single_op_is_wrapped_in_a_composite():
    """sum(x ** 2): one Elemwise, its constant written inside the Composite."""
    x = T.fvector("x")
    f = theano.function([x], [T.sum(x ** 2), T.max(abs(x))], mode=_mode())
    fused = _nodes(f, FusedReduce)
    assert len(fused) == 2 and not _nodes(f, Elemwise)
    assert all(isinstance(node.op.premap, Composite) for node in fused)
    assert [len(node.inputs) for node in fused] == [1, 1]  # the exponent is inside the Composite
    values = np.linspace(-2, 2, 41, dtype="float32")
    got = f(values)
    _assert_close(got[0], np.sum(values ** 2, dtype="float32"), "sum(x ** 2)")
    _assert_close(got[1], np.float32(2), "max(abs(x))")


def test_mean_and_scalar_inputs():
    """mean(a * x + b) with scalars a and b: the sum fuses, the division stays."""
    x = T.dmatrix("x")
    a, b = T.dscalars("a", "b")
    out = T.mean(a * x + b, axis=1)
    rng = np.random.default_rng(3)
    _check([x, a, b], [out], [rng.standard_normal((3, 20)), 2.0, -1.0], expect_fused=1)


def test_no_fusion_when_the_temporary_is_used_elsewhere():
    x, y = T.dvectors("x", "y")
    values = x * y
    f = theano.function([x, y], [T.sum(values), values], mode=_mode())
    assert not _nodes(f, FusedReduce)
    assert _nodes(f, Sum)
    # the elementwise values used twice by reductions: still computed once
    g = theano.function([x, y], [T.sum(T.exp(x) * y), T.max(T.exp(x) * y)], mode=_mode())
    assert not _nodes(g, FusedReduce)
    got = g(np.arange(3.0), np.ones(3))
    _assert_close(got[0], np.sum(np.exp(np.arange(3.0))), "sum")


def test_rewrite_can_be_excluded():
    x = T.dvector("x")
    f = theano.function([x], T.sum(T.exp(x)), mode=_mode().excluding("reduce_fusion"))
    assert not _nodes(f, FusedReduce)


def test_empty_max_raises_and_empty_sum_is_zero():
    x, y = T.dmatrices("x", "y")
    f = theano.function([x, y], [T.sum(x * y, axis=1), T.max(x + y, axis=0)], mode=_mode())
    assert len(_nodes(f, FusedReduce)) == 2
    empty = np.zeros((0, 3))
    with pytest.raises(ValueError, match="empty"):
        f(empty, empty)
    g = theano.function([x, y], T.sum(x * y), mode=_mode())
    assert g(empty, empty) == 0.0


def test_shape_mismatch_raises():
    x, y = T.dvectors("x", "y")
    f = theano.function([x, y], T.sum(x * y), mode=_mode())
    with pytest.raises(ValueError, match="dimension mismatch"):
        f(np.ones(3), np.ones(4))


def test_infer_shape_and_gradient():
    """A FusedReduce built by hand: its shape without computing it, and the unfused gradient."""
    x, y = T.dmatrices("x", "y")
    s, t = theano.scalar.float64("s"), theano.scalar.float64("t")
    out = FusedReduce(Sum(axis=(1,)), Composite([s, t], [s * t]))(x, y)
    shape_f = theano.function([x, y], out.shape, mode=_mode())
    assert not _nodes(shape_f, FusedReduce)  # the shape comes from infer_shape
    assert tuple(shape_f(np.ones((4, 2)), np.ones((4, 2)))) == (4,)
    gx, gy = theano.grad(out.sum(), [x, y])
    g = theano.function([x, y], [gx, gy], mode=_mode())
    xv, yv = np.arange(6.0).reshape(2, 3), np.full((2, 3), 2.0)
    got_x, got_y = g(xv, yv)
    np.testing.assert_allclose(got_x, yv)
    np.testing.assert_allclose(got_y, xv)


def test_str_names_the_reduction_and_premap():
    x, y = T.dvectors("x", "y")
    f = theano.function([x, y], T.max(x * y), mode=_mode())
    (node,) = _nodes(f, FusedReduce)
    assert str(node.op).startswith("FusedReduce{") and "i0 * i1" in str(node.op)


def test_arg_reductions_fuse():
    """argmax, argmin and max_and_argmax of expressions: the first occurrence of the extreme value
    (a NaN is the extreme), over one, several and all axes."""
    x, y = T.dmatrices("x", "y")
    i = T.imatrix("i")
    outputs = [T.argmax(x * y, axis=1), *T.max_and_argmax(x + y, axis=0), T.argmin(abs(x - y)),
               T.argmax(i * 2, axis=0, keepdims=True), T.argmin(x * i, axis=(0, 1))]
    rng = np.random.default_rng(5)
    xv = rng.standard_normal((6, 9))
    xv[2, 4] = np.nan
    values = [xv, rng.standard_normal((6, 9)), rng.integers(-2, 3, size=(6, 9)).astype("int32")]  # ties
    _check([x, y, i], outputs, values, expect_fused=5)
