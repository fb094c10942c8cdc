"""dot, outer, tensordot, batched_dot, batched_tensordot against NumPy."""

import numpy as np
import pytest

import theano
import theano.tensor as T
from tests import unittest_tools as utt
from tests.unittest_tools import check_rop
from theano.tensor.products import BatchedDot, Dot

# Shapes that line up for np.dot at every rank: a's last axis is 4, b's contracted axis is 4.
A_SHAPES = {0: (), 1: (4,), 2: (3, 4), 3: (2, 3, 4)}
B_SHAPES = {0: (), 1: (4,), 2: (4, 5), 3: (2, 4, 5)}
DTYPE_PAIRS = [
    ("float64", "float64"),
    ("float32", "float32"),
    ("float32", "float64"),
    ("int32", "int64"),
    ("int8", "int8"),
    ("int16", "float32"),
]


def sym(shape, dtype="float64", name=None):
    return T.tensor(dtype, (False,) * len(shape), name=name)


def data(shape, dtype="float64", offset=0):
    return utt.random(*shape, dtype=dtype, low=-3, high=3, offset=offset)


def check_value(actual, expected):
    expected = np.asarray(expected)
    assert actual.dtype == expected.dtype, f"dtype {actual.dtype} != NumPy's {expected.dtype}"
    if expected.dtype.kind in "iub":
        np.testing.assert_array_equal(actual, expected)
    else:
        utt.assert_allclose(actual, expected)


# ------------------------------------------------------------------------------------------
# dot
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("a_ndim", range(4))
@pytest.mark.parametrize("b_ndim", range(4))
@pytest.mark.parametrize("dtypes", DTYPE_PAIRS, ids="-".join)
def test_dot_values_every_ndim(a_ndim, b_ndim, dtypes):
    a_shape, b_shape = A_SHAPES[a_ndim], B_SHAPES[b_ndim]
    x, y = sym(a_shape, dtypes[0]), sym(b_shape, dtypes[1])
    out = T.dot(x, y)
    a, b = data(a_shape, dtypes[0]), data(b_shape, dtypes[1], offset=1)
    expected = np.dot(a, b)
    assert out.type.ndim == expected.ndim
    assert out.type.dtype == str(expected.dtype)
    check_value(theano.function([x, y], out)(a, b), expected)


@pytest.mark.parametrize("a_ndim", range(4))
@pytest.mark.parametrize("b_ndim", range(4))
def test_dot_infer_shape(a_ndim, b_ndim):
    a_shape, b_shape = A_SHAPES[a_ndim], B_SHAPES[b_ndim]
    x, y = sym(a_shape), sym(b_shape)
    utt.check_infer_shape([x, y], T.dot(x, y), [data(a_shape), data(b_shape)], op_class=Dot)


@pytest.mark.parametrize(
    "a_shape, b_shape",
    [((3,), (4,)), ((2, 3), (4,)), ((3,), (4, 5)), ((2, 3), (4, 5)), ((2, 2, 3), (4, 5)), ((2, 3), (2, 4, 5))],
)
def test_dot_shape_mismatch(a_shape, b_shape):
    x, y = sym(a_shape), sym(b_shape)
    f = theano.function([x, y], T.dot(x, y))
    with pytest.raises(ValueError, match=r"not aligned"):
        f(data(a_shape), data(b_shape))


def test_dot_mismatch_message_names_both_shapes():
    x, y = T.dmatrix(), T.dmatrix()
    f = theano.function([x, y], T.dot(x, y))
    with pytest.raises(ValueError, match=r"\(2, 3\) and \(4, 5\)"):
        f(data((2, 3)), data((4, 5)))


@pytest.mark.parametrize("bad", [T.dtensor3(), T.dscalar()])
def test_dot_op_rejects_other_ranks(bad):
    with pytest.raises(TypeError, match="vector or a matrix"):
        Dot()(bad, T.dmatrix())


def test_dot_static_broadcastable():
    assert T.dot(T.drow(), T.dmatrix()).type.broadcastable == (True, False)
    assert T.dot(T.dmatrix(), T.dcol()).type.broadcastable == (False, True)
    assert T.dot(T.dvector(), T.dvector()).type.broadcastable == ()
    assert T.dot(T.dmatrix(), T.dmatrix()).type.broadcastable == (False, False)


def test_dot_uses_one_dot_op_for_matrices():
    x, y = T.dmatrix(), T.dmatrix()
    out = T.dot(x, y)
    assert isinstance(out.owner.op, Dot)
    assert Dot() == out.owner.op and hash(Dot()) == hash(out.owner.op)


def test_dot_method_operator_and_theano_dot():
    x, y = T.dmatrix(), T.dmatrix()
    a, b = data((3, 4)), data((4, 5))
    f = theano.function([x, y], [x.dot(y), x @ y, theano.dot(x, y)])
    for value in f(a, b):
        utt.assert_allclose(value, a @ b)
    assert theano.dot is T.dot


def test_rmatmul_with_constant():
    y = T.dmatrix()
    a, b = data((3, 4)), data((4, 5))
    out = T.constant(a) @ y
    utt.assert_allclose(theano.function([y], out)(b), a @ b)


def test_dot_python_lists():
    x = T.dvector()
    out = T.dot([[1.0, 2.0], [3.0, 4.0]], x)
    utt.assert_allclose(theano.function([x], out)(np.array([1.0, -1.0])), np.array([-1.0, -1.0]))


def test_dot_empty():
    x, y = T.dmatrix(), T.dmatrix()
    value = theano.function([x, y], T.dot(x, y))(np.zeros((3, 0)), np.zeros((0, 2)))
    np.testing.assert_array_equal(value, np.zeros((3, 2)))


def test_dot_does_not_alias_inputs():
    x = T.dmatrix()
    one = T.constant(np.eye(3))
    f = theano.function([x], T.dot(x, one))
    a = data((3, 3))
    out = f(a)
    assert not np.may_share_memory(out, a)


# ------------------------------------------------------------------------------------------
# tensordot
# ------------------------------------------------------------------------------------------

TENSORDOT_CASES = [
    ((2, 3, 4), (3, 4, 5), 2),
    ((2, 3, 4), (4, 5), 1),
    ((2, 3), (4, 5), 0),
    ((3,), (3,), 1),
    ((2, 3, 4), (2, 3, 4), 3),
    ((2, 3, 4), (4, 3, 5), [[1, 2], [1, 0]]),
    ((2, 3, 4), (5, 2), [[0], [1]]),
    ((2, 3, 4), (3, 5, 2), [[-3, 1], [-1, 0]]),
    ((2, 3, 4, 5), (5, 3, 6), ([3, 1], [0, 1])),
    ((2, 3), (3, 2), [1, 0]),
    ((4,), (2, 4, 3), [[0], [1]]),
    ((), (2, 3), 0),
]


@pytest.mark.parametrize("a_shape, b_shape, axes", TENSORDOT_CASES)
@pytest.mark.parametrize("dtypes", [("float64", "float64"), ("float32", "float32"), ("int32", "int64")], ids="-".join)
def test_tensordot_values(a_shape, b_shape, axes, dtypes):
    x, y = sym(a_shape, dtypes[0]), sym(b_shape, dtypes[1])
    a, b = data(a_shape, dtypes[0]), data(b_shape, dtypes[1], offset=1)
    out = T.tensordot(x, y, axes)
    expected = np.tensordot(a, b, axes)
    assert out.type.dtype == str(expected.dtype)
    check_value(theano.function([x, y], out)(a, b), expected)


@pytest.mark.parametrize("a_shape, b_shape, axes", TENSORDOT_CASES)
def test_tensordot_infer_shape(a_shape, b_shape, axes):
    x, y = sym(a_shape), sym(b_shape)
    utt.check_infer_shape([x, y], T.tensordot(x, y, axes), [data(a_shape), data(b_shape)], op_class=Dot)


def test_tensordot_default_axes_is_two():
    x, y = T.dtensor3(), T.dtensor3()
    a, b = data((2, 3, 4)), data((3, 4, 5))
    utt.assert_allclose(theano.function([x, y], T.tensordot(x, y))(a, b), np.tensordot(a, b))


def test_tensordot_keeps_broadcastable():
    x = T.tensor("float64", (False, True, False))
    y = T.dmatrix()
    out = T.tensordot(x, y, [[2], [0]])
    assert out.type.broadcastable == (False, True, False)
    a, b = data((2, 1, 4)), data((4, 5))
    utt.assert_allclose(theano.function([x, y], out)(a, b), np.tensordot(a, b, [[2], [0]]))


@pytest.mark.parametrize(
    "axes, match",
    [
        (3, "cannot sum over 3 axes"),
        (-1, "non-negative"),
        ([[0, 1], [0]], "same length"),
        ([[5], [0]], "out of range"),
        ([[0, 0], [0, 1]], "repeated axis"),
        ("bad", "int or a pair"),
    ],
)
def test_tensordot_bad_axes(axes, match):
    with pytest.raises(ValueError, match=match):
        T.tensordot(T.dmatrix(), T.dmatrix(), axes)


def test_tensordot_shape_mismatch():
    x, y = T.dtensor3(), T.dtensor3()
    f = theano.function([x, y], T.tensordot(x, y, 2))
    with pytest.raises(ValueError, match="not aligned"):
        f(data((2, 3, 4)), data((3, 5, 5)))


# ------------------------------------------------------------------------------------------
# outer
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("a_shape, b_shape", [((3,), (4,)), ((2, 3), (4,)), ((3,), (2, 2)), ((1,), (5,))])
@pytest.mark.parametrize("dtypes", [("float64", "float64"), ("float32", "float32"), ("int8", "int32")], ids="-".join)
def test_outer(a_shape, b_shape, dtypes):
    x, y = sym(a_shape, dtypes[0]), sym(b_shape, dtypes[1])
    a, b = data(a_shape, dtypes[0]), data(b_shape, dtypes[1], offset=1)
    out = T.outer(x, y)
    expected = np.outer(a, b)
    assert out.type.dtype == str(expected.dtype)
    check_value(theano.function([x, y], out)(a, b), expected)
    utt.check_infer_shape([x, y], out, [a, b])


# ------------------------------------------------------------------------------------------
# batched_dot and batched_tensordot
# ------------------------------------------------------------------------------------------

BATCHED_CASES = [
    ((3, 2, 4), (3, 4, 5)),
    ((3, 2, 4), (3, 4)),
    ((3, 4), (3, 4, 5)),
    ((3, 4), (3, 4)),
    ((3,), (3, 4, 5)),
    ((3, 2, 4), (3,)),
    ((3, 2, 6, 4), (3, 4, 5)),
    ((3, 2, 4), (3, 6, 4, 5)),
    ((3, 2, 6, 4), (3, 7, 4, 5)),
]


def batched_reference(a, b):
    return np.stack([np.dot(a[i], b[i]) for i in range(a.shape[0])])


@pytest.mark.parametrize("a_shape, b_shape", BATCHED_CASES)
@pytest.mark.parametrize("dtypes", [("float64", "float64"), ("float32", "float32"), ("int32", "float64")], ids="-".join)
def test_batched_dot_values(a_shape, b_shape, dtypes):
    x, y = sym(a_shape, dtypes[0]), sym(b_shape, dtypes[1])
    a, b = data(a_shape, dtypes[0]), data(b_shape, dtypes[1], offset=1)
    out = T.batched_dot(x, y)
    expected = batched_reference(a, b)
    assert out.type.dtype == str(expected.dtype)
    check_value(theano.function([x, y], out)(a, b), expected)


@pytest.mark.parametrize("a_shape, b_shape", BATCHED_CASES)
def test_batched_dot_infer_shape(a_shape, b_shape):
    x, y = sym(a_shape), sym(b_shape)
    utt.check_infer_shape([x, y], T.batched_dot(x, y), [data(a_shape), data(b_shape)], op_class=BatchedDot)


def test_batched_dot_matches_matmul():
    x, y = T.ftensor3(), T.ftensor3()
    a, b = data((4, 2, 3), "float32"), data((4, 3, 5), "float32")
    out = theano.function([x, y], T.batched_dot(x, y))(a, b)
    assert out.dtype == np.float32
    utt.assert_allclose(out, np.matmul(a, b))


@pytest.mark.parametrize(
    "a_shape, b_shape, match",
    [((3, 2, 4), (2, 4, 5), "batch sizes differ"), ((3, 2, 4), (3, 3, 5), "not aligned"),
     ((3, 4), (3, 5), "not aligned"), ((1, 4), (3, 4), "batch sizes differ")],
)
def test_batched_dot_shape_errors(a_shape, b_shape, match):
    x, y = sym(a_shape), sym(b_shape)
    f = theano.function([x, y], T.batched_dot(x, y))
    with pytest.raises(ValueError, match=match):
        f(data(a_shape), data(b_shape))


def test_batched_dot_type_errors():
    with pytest.raises(TypeError, match="batch axis"):
        T.batched_dot(T.dscalar(), T.dtensor3())
    with pytest.raises(TypeError, match="2 or 3 dimensions"):
        BatchedDot()(T.dtensor4(), T.dtensor3())


BATCHED_TENSORDOT_CASES = [
    ((2, 3, 4), (2, 4, 5), [[2], [1]]),
    ((2, 3, 4, 5), (2, 4, 5, 6), 2),
    ((2, 3, 4), (2, 3, 4), 2),
    ((2, 3, 4), (2, 5, 3), [[1], [2]]),
    ((2, 3, 4, 5), (2, 5, 4), [[-1, 2], [1, 2]]),
    ((2, 3), (2, 4), 0),
]


@pytest.mark.parametrize("a_shape, b_shape, axes", BATCHED_TENSORDOT_CASES)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_batched_tensordot_values(a_shape, b_shape, axes, dtype):
    x, y = sym(a_shape, dtype), sym(b_shape, dtype)
    a, b = data(a_shape, dtype), data(b_shape, dtype, offset=1)
    if isinstance(axes, int):
        inner = axes
    else:
        inner = [[ax % len(a_shape) - 1 for ax in axes[0]], [ax % len(b_shape) - 1 for ax in axes[1]]]
    expected = np.stack([np.tensordot(a[i], b[i], inner) for i in range(a_shape[0])])
    out = T.batched_tensordot(x, y, axes)
    assert out.type.dtype == dtype
    check_value(theano.function([x, y], out)(a, b), expected)
    utt.check_infer_shape([x, y], out, [a, b])


def test_batched_tensordot_refuses_batch_axis():
    with pytest.raises(ValueError, match="batch axis"):
        T.batched_tensordot(T.dtensor3(), T.dtensor3(), [[0], [0]])
    with pytest.raises(ValueError, match="cannot sum over 3 axes"):
        T.batched_tensordot(T.dtensor3(), T.dtensor3(), 3)


def test_batched_broadcastable_batch_on_one_side():
    x = T.tensor("float64", (True, False, False))
    y = T.tensor("float64", (False, False, False, False))
    out = T.batched_dot(x, y)
    assert out.type.broadcastable == (True, False, False, False)
    a, b = data((1, 2, 4)), data((1, 3, 4, 5))
    utt.assert_allclose(theano.function([x, y], out)(a, b), batched_reference(a, b))


class _OtherType(theano.graph.type.Type):
    """A non-tensor type, standing for sparse matrices."""

    def filter(self, data, strict=False, allow_downcast=None):
        return data


class _OtherVariable(theano.graph.basic.Variable):
    def __dot__(self, other):
        return ("dot", self, other)

    def __rdot__(self, other):
        return ("rdot", other, self)


def test_dot_defers_to_non_tensor_operands():
    other = _OtherVariable(_OtherType())
    x = T.dmatrix()
    assert T.dot(other, x) == ("dot", other, x)
    assert T.dot(x, other) == ("rdot", x, other)


# ------------------------------------------------------------------------------------------
# Gradients and R_op
# ------------------------------------------------------------------------------------------

GRAD_FLOATS = ["float64", "float32"]


def grad_data(shape, dtype, offset=0):
    """Inputs for verify_grad: values of order 1, away from zero."""
    return utt.random(*shape, dtype=dtype, low=0.2, high=1.0, offset=offset) * np.where(
        utt.random(*shape, offset=offset + 50) > 0, 1, -1).astype(dtype)


DOT_GRAD_SHAPES = [
    ((4,), (4,)),
    ((3, 4), (4,)),
    ((4,), (4, 5)),
    ((3, 4), (4, 5)),
    ((1, 4), (4, 1)),  # broadcastable axes on both sides
    ((2, 3, 4), (4, 5)),  # N-d dot: reshape around one Dot
    ((3, 4), (2, 4, 5)),
    ((2, 3, 4), (2, 4, 3)),
    ((), (3, 4)),  # a scalar: an elementwise product
]


@pytest.mark.parametrize("a_shape, b_shape", DOT_GRAD_SHAPES, ids=str)
@pytest.mark.parametrize("dtype", GRAD_FLOATS)
def test_dot_grad(a_shape, b_shape, dtype):
    a, b = grad_data(a_shape, dtype), grad_data(b_shape, dtype, offset=1)
    T.verify_grad(T.dot, [a, b], rng=utt.rng())


@pytest.mark.parametrize("dtype", GRAD_FLOATS)
def test_dot_grad_dtype_and_shape(dtype):
    x, y = T.matrix(dtype=dtype), T.vector(dtype=dtype)
    gx, gy = T.grad(T.dot(x, y).sum(), [x, y])
    assert (gx.type.dtype, gy.type.dtype) == (dtype, dtype)
    a, b = grad_data((3, 4), dtype), grad_data((4,), dtype, offset=1)
    ga, gb = theano.function([x, y], [gx, gy])(a, b)
    utt.assert_allclose(ga, np.outer(np.ones(3), b))
    utt.assert_allclose(gb, a.sum(axis=0))


def test_dot_grad_of_integer_operand_is_zero():
    x, y = T.imatrix(), T.dvector()
    gx, gy = T.grad(T.dot(x, y).sum(), [x, y])
    a = np.arange(12, dtype="int32").reshape(3, 4)
    ga, gb = theano.function([x, y], [gx, gy])(a, np.ones(4))
    np.testing.assert_array_equal(ga, np.zeros((3, 4)))
    utt.assert_allclose(gb, a.sum(axis=0).astype("float64"))


BATCHED_GRAD_SHAPES = [
    ((3, 4), (3, 4)),
    ((3, 2, 4), (3, 4)),
    ((3, 4), (3, 4, 5)),
    ((3, 2, 4), (3, 4, 5)),
    ((2, 2, 3, 4), (2, 4, 3)),  # more than 3 dimensions: batched_tensordot
    ((3,), (3, 2, 2)),  # a batch of scalars
]


@pytest.mark.parametrize("a_shape, b_shape", BATCHED_GRAD_SHAPES, ids=str)
@pytest.mark.parametrize("dtype", GRAD_FLOATS)
def test_batched_dot_grad(a_shape, b_shape, dtype):
    a, b = grad_data(a_shape, dtype), grad_data(b_shape, dtype, offset=1)
    T.verify_grad(T.batched_dot, [a, b], rng=utt.rng())


TENSORDOT_GRAD_CASES = [
    ((2, 3, 4), (3, 4, 2), 2),
    ((2, 3, 4), (4, 2), [[2, 0], [0, 1]]),
    ((3, 4), (2, 5), 0),  # no summed axis: an outer product
    ((2, 3), (3, 2), [[1], [0]]),
]


@pytest.mark.parametrize("a_shape, b_shape, axes", TENSORDOT_GRAD_CASES, ids=str)
@pytest.mark.parametrize("dtype", GRAD_FLOATS)
def test_tensordot_grad(a_shape, b_shape, axes, dtype):
    a, b = grad_data(a_shape, dtype), grad_data(b_shape, dtype, offset=1)
    T.verify_grad(lambda x, y: T.tensordot(x, y, axes), [a, b], rng=utt.rng())


@pytest.mark.parametrize("a_shape, b_shape, axes", [((2, 3, 4), (2, 4, 3), 1), ((2, 3, 4), (2, 3, 5), [[1], [1]])],
                         ids=str)
@pytest.mark.parametrize("dtype", GRAD_FLOATS)
def test_batched_tensordot_grad(a_shape, b_shape, axes, dtype):
    a, b = grad_data(a_shape, dtype), grad_data(b_shape, dtype, offset=1)
    T.verify_grad(lambda x, y: T.batched_tensordot(x, y, axes), [a, b], rng=utt.rng())


@pytest.mark.parametrize("a_shape, b_shape", [((3,), (4,)), ((2, 2), (3,))], ids=str)
@pytest.mark.parametrize("dtype", GRAD_FLOATS)
def test_outer_grad(a_shape, b_shape, dtype):
    a, b = grad_data(a_shape, dtype), grad_data(b_shape, dtype, offset=1)
    T.verify_grad(T.outer, [a, b], rng=utt.rng())


def test_dot_second_derivative():
    # The gradient of sum(dot(x, y) ** 2) is itself a graph of dots: differentiate it again.
    a, b = grad_data((2, 3), "float64"), grad_data((3, 4), "float64", offset=1)
    T.verify_grad(lambda x, y: T.grad(T.sum(T.sqr(T.dot(x, y))), x), [a, b], rng=utt.rng())
    T.verify_grad(lambda x, y: T.grad(T.sum(T.sqr(T.batched_dot(x, y))), y),
                  [grad_data((2, 2, 3), "float64"), grad_data((2, 3, 2), "float64", offset=1)], rng=utt.rng())


@pytest.mark.parametrize("a_shape, b_shape", DOT_GRAD_SHAPES[:4] + [((2, 3, 4), (4, 5))], ids=str)
@pytest.mark.parametrize("wrt", [(0, 1), (0,), (1,)], ids=["both", "x", "y"])
def test_dot_rop(a_shape, b_shape, wrt):
    values = [grad_data(a_shape, "float64"), grad_data(b_shape, "float64", offset=1)]
    directions = [grad_data(a_shape, "float64", offset=2), grad_data(b_shape, "float64", offset=3)]
    check_rop(T.dot, values, directions, wrt)


@pytest.mark.parametrize("a_shape, b_shape", BATCHED_GRAD_SHAPES[:4], ids=str)
@pytest.mark.parametrize("wrt", [(0, 1), (1,)], ids=["both", "y"])
def test_batched_dot_rop(a_shape, b_shape, wrt):
    values = [grad_data(a_shape, "float64"), grad_data(b_shape, "float64", offset=1)]
    directions = [grad_data(a_shape, "float64", offset=2), grad_data(b_shape, "float64", offset=3)]
    check_rop(T.batched_dot, values, directions, wrt)


def test_dot_rop_matches_lop():
    # <u, J v> computed forward (Rop) and backward (Lop) agree.
    x, y = T.dmatrix(), T.dmatrix()
    ex, ey, u = T.dmatrix(), T.dmatrix(), T.dmatrix()
    out = T.dot(x, y)
    forward = T.sum(u * T.Rop(out, [x, y], [ex, ey]))
    lx, ly = T.Lop(out, [x, y], u)
    backward = T.sum(lx * ex) + T.sum(ly * ey)
    values = [grad_data(s, "float64", offset=i) for i, s in enumerate([(3, 4), (4, 2), (3, 4), (4, 2), (3, 2)])]
    f = theano.function([x, y, ex, ey, u], [forward, backward])
    got_forward, got_backward = f(*values)
    utt.assert_allclose(got_forward, got_backward)
