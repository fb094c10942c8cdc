"""C kernels of views, shapes, copies and basic indexing against the ops' Python ``perform``:
values, dtypes, which outputs share memory with their input, and the exceptions bad shapes and
indices raise."""

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.compile.ops import DeepCopyOp, OutputGuard, ViewOp
from theano.link.c import compiler
from theano.link.c.kernels import kernel_for
from theano.link.c.linker import CVM
from theano.link.c.testing import run_node
from theano.link.c.views_c import interface_has
from theano.tensor.basic import Rebroadcast
from theano.tensor.elemwise import DimShuffle
from theano.tensor.shape import Reshape, Shape_i, specify_shape
from theano.tensor.subtensor import IncSubtensor, Subtensor

pytestmark = pytest.mark.skipif(not compiler.have_compiler(), reason="no C compiler")

C_MODE = theano.Mode(linker="cvm")
PY_MODE = theano.Mode(linker="py")
SCALAR_INPUTS = interface_has("TH_SCALAR_INPUTS")


def twin(value):
    """A copy of ``value`` with the same strides (a copy of the memory it views), so that each
    backend gets its own inputs, laid out as the test made them."""
    if not isinstance(value, np.ndarray):
        return value
    root = value
    while isinstance(root.base, np.ndarray):
        root = root.base
    if root is value or not root.flags.c_contiguous:
        return value.copy()
    buffer = root.copy()
    offset = value.__array_interface__["data"][0] - root.__array_interface__["data"][0]
    return np.ndarray(value.shape, value.dtype, buffer=buffer, offset=offset, strides=value.strides)


def python_outputs(node, values):
    storage = [[None] for _ in node.outputs]
    node.op.perform(node, [twin(v) for v in values], storage)
    return [cell[0] for cell in storage]


def compare(node, values, view_of=0):
    """Run ``node`` in C and in Python on copies of ``values``; the results must be equal, of the
    same dtype and shape, and share memory with input ``view_of`` exactly when Python's do."""
    assert kernel_for(node) is not None
    c_values = [twin(v) for v in values]
    py_values = [twin(v) for v in values]
    assert all(getattr(v, "strides", None) == getattr(w, "strides", None) for v, w in zip(values, c_values))
    storage = [[None] for _ in node.outputs]
    node.op.perform(node, py_values, storage)
    got = run_node(node, c_values)
    for out, want in zip(got, (cell[0] for cell in storage)):
        assert isinstance(out, np.ndarray)
        assert out.dtype == want.dtype and out.shape == want.shape
        np.testing.assert_array_equal(out, want)
        if view_of is not None:
            assert np.shares_memory(out, c_values[view_of]) == np.shares_memory(want, py_values[view_of])
    return got


def same_error(node, values):
    """Both backends raise, and the same exception type."""
    assert kernel_for(node) is not None
    with pytest.raises(Exception) as python_error:
        python_outputs(node, values)
    with pytest.raises(python_error.type):
        run_node(node, [twin(v) for v in values])


def matrix(dtype="float64", shape=(4, 5)):
    return (np.arange(np.prod(shape)) % 7 + 1).astype(dtype).reshape(shape)


# ------------------------------------------------------------------------------------------
# DimShuffle, Rebroadcast, SpecifyShape, ViewOp, DeepCopyOp, Shape
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float64", "bool"])
def test_dimshuffle_transpose_and_new_axes(dtype):
    x = T.tensor3(dtype=dtype)
    node = x.dimshuffle(2, "x", 0, 1).owner
    base = matrix(dtype, (3, 4, 5))
    for value in (base, base[::-1, :, ::2], base.transpose(1, 2, 0), base[:0]):
        out = compare(node, [value])[0]
        assert out.base is not None


def test_dimshuffle_drops_broadcastable_axes():
    x = T.TensorType("float32", (True, False, True))()
    node = DimShuffle((True, False, True), ["x", 1])(x).owner
    compare(node, [np.ones((1, 6, 1), "float32")[:, ::2]])
    same_error(node, [np.ones((2, 3, 1), "float32")])  # a dropped axis that is not of length 1


def test_dimshuffle_of_a_scalar():
    x = T.dscalar()
    compare(x.dimshuffle("x", "x").owner, [np.asarray(3.5)])


def test_rebroadcast_checks_length_one():
    x = T.dmatrix()
    node = Rebroadcast((0, True))(x).owner
    compare(node, [np.ones((1, 4))[:, ::-1]])
    same_error(node, [np.ones((2, 4))])


def test_specify_shape():
    x, shape = T.dmatrix(), T.lvector()
    node = specify_shape(x, shape).owner
    if not interface_has("TH_ASSERTION_ERROR"):
        assert kernel_for(node) is None  # its AssertionError cannot come from a kernel yet
        return
    compare(node, [np.ones((2, 3)), np.array([2, 3])])
    same_error(node, [np.ones((2, 3)), np.array([3, 2])])
    same_error(node, [np.ones((2, 3)), np.array([2, 3, 1])])


@pytest.mark.parametrize("op", [ViewOp(), OutputGuard(), DeepCopyOp()])
def test_view_and_copy_ops(op):
    x = T.imatrix()
    node = op(x).owner
    for value in (matrix("int32"), matrix("int32")[::2, ::-1], matrix("int32", (0, 3))):
        out = compare(node, [value])[0]
        if isinstance(op, DeepCopyOp):
            assert out.flags.c_contiguous


def test_shape_and_shape_i():
    x = T.tensor3(dtype="uint16")
    for value in (np.zeros((2, 0, 5), "uint16"), np.zeros((3, 4, 1), "uint16")[::2]):
        compare(T.shape(x).owner, [value], view_of=None)
        compare(Shape_i(1)(x).owner, [value], view_of=None)


# ------------------------------------------------------------------------------------------
# Alloc
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float32", "int64", "bool"])
def test_alloc_broadcasts_the_value(dtype):
    row = T.TensorType(dtype, (True, False))()
    rows, cols, depth = T.lscalars("rows", "cols", "depth")
    node = T.alloc(row, depth, rows, cols).owner
    value = (np.arange(4) % 3).astype(dtype).reshape(1, 4)
    for shape in ((2, 3, 4), (1, 5, 4), (0, 2, 4)):
        compare(node, [value] + [np.asarray(s, dtype="int64") for s in shape], view_of=None)
    compare(node, [value[:, ::-1]] + [np.asarray(s, dtype="int64") for s in (2, 2, 4)], view_of=None)
    same_error(node, [value] + [np.asarray(s, dtype="int64") for s in (2, 3, 5)])  # 4 does not go to 5
    same_error(node, [value] + [np.asarray(s, dtype="int64") for s in (2, -3, 4)])  # negative length


def test_alloc_of_a_scalar():
    value, n, m = T.dscalar(), T.lscalar(), T.lscalar()
    node = T.alloc(value, n, m).owner
    compare(node, [np.asarray(2.5), np.asarray(4, dtype="int64"), np.asarray(3, dtype="int64")], view_of=None)


# ------------------------------------------------------------------------------------------
# Reshape
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("shape_dtype", ["int64", "int8", "uint32"])
def test_reshape_views_and_copies_like_numpy(shape_dtype):
    x = T.dtensor3()
    shape = T.vector(dtype=shape_dtype)
    node = Reshape(2)(x, shape).owner
    base = np.arange(120.0).reshape(4, 5, 6)
    cases = [
        (base, (20, 6)),  # C-contiguous: a view
        (base, (-1, 3)),
        (base[:, :, ::2], (20, 3)),  # strided, but the first axes merge: a view
        (base[::2, 1:3], (4, 6)),
        (base.transpose(2, 0, 1), (6, 20)),  # a view
        (base.transpose(0, 2, 1), (4, 30)),  # a copy
        (base[:, ::-1], (20, 6)),  # a view with a negative stride
        (base[:, ::-1], (4, 30)),  # a copy
        (base[:0], (0, 7)),
        (base[:, :1, :], (4, 6)),
    ]
    if shape_dtype.startswith("u"):
        cases = [(v, s) for v, s in cases if min(s) >= 0]
    for value, new_shape in cases:
        compare(node, [value, np.array(new_shape, dtype=shape_dtype)])


def test_reshape_keeps_the_strides_of_an_unchanged_shape():
    x, shape = T.dmatrix(), T.lvector()
    node = Reshape(2)(x, shape).owner
    value = np.ones((4, 6))[::2, ::3]
    out = compare(node, [value, np.array([2, 2])])[0]
    assert out.strides == value.strides


def test_reshape_views_exactly_when_numpy_does():
    rng = np.random.default_rng(1)
    x, shape = T.dtensor3(), T.lvector()
    node = Reshape(2)(x, shape).owner
    for _ in range(60):
        base = np.arange(float(4 * 6 * 10)).reshape(4, 6, 10)
        index = tuple(slice(int(rng.integers(0, 2)), None, int(rng.choice([1, 2, -1]))) for _ in range(3))
        value = base[index].transpose(rng.permutation(3))
        dims = value.shape
        cut = int(rng.integers(0, 4))
        new_shape = (int(np.prod(dims[:cut])), -1)
        c_value = twin(value)
        out = run_node(node, [c_value, np.array(new_shape)])[0]
        want = np.reshape(value, (new_shape[0], -1))
        np.testing.assert_array_equal(out, want)
        assert np.shares_memory(out, c_value) == np.shares_memory(want, value)
        if np.shares_memory(want, value):
            assert [s for s, n in zip(out.strides, out.shape) if n > 1] == \
                [s for s, n in zip(want.strides, want.shape) if n > 1]


@pytest.mark.parametrize("new_shape", [(7, -1), (-1, -1), (0, -1), (2, 2), (3,), (2, 3, 4)])
def test_reshape_errors(new_shape):
    x, shape = T.dmatrix(), T.lvector()
    node = Reshape(2)(x, shape).owner
    same_error(node, [np.ones((3, 4)), np.array(new_shape, dtype="int64")])


# ------------------------------------------------------------------------------------------
# Subtensor
# ------------------------------------------------------------------------------------------

SLICES = [
    (slice(1, -1, 2), slice(None, None, -1)),
    (slice(-100, 100), slice(3, 1, -1)),
    (slice(None, None, -2), 1),
    (-1, slice(4, None, 3)),
    (slice(5, 2),),
    (2, -3),
]


@pytest.mark.parametrize("index", SLICES)
def test_subtensor_constant_index(index):
    x = T.dmatrix()
    node = x[index].owner
    assert isinstance(node.op, Subtensor)
    base = np.arange(35.0).reshape(5, 7)
    for value in (base, base[::-1, 1::2], base.T[:4, :4], np.zeros((3, 5))):
        compare(node, [value])


@pytest.mark.parametrize("index", [(5,), (0, 3), (-4, 0)])
def test_subtensor_index_out_of_range(index):
    x = T.fmatrix()
    same_error(x[index].owner, [np.ones((3, 3), "float32")])


def test_generated_source_names_the_op_and_makes_a_view():
    x = T.dmatrix()
    source = kernel_for(x[1:, ::-2].owner).source
    assert "/* Subtensor{1:, ::-2} : (TensorType(float64, matrix)) -> (TensorType(float64, matrix)) */" in source
    assert "view_output" in source and "alloc_output" not in source
    source = kernel_for(DeepCopyOp()(x).owner).source
    assert "/* DeepCopyOp" in source and "alloc_output" in source and "memcpy" in source


def test_subtensor_scalar_element_is_a_copy():
    x = T.bmatrix()
    out = compare(x[1, -1].owner, [matrix("int8")])[0]
    assert out.ndim == 0 and out.base is None


def test_subtensor_of_a_0d_array_is_a_view():
    x = T.dscalar()
    node = Subtensor(())(x).owner
    compare(node, [np.asarray(1.5)])


@pytest.mark.parametrize("dtype", ["int64", "uint8", "int16"])
def test_subtensor_symbolic_bounds(dtype):
    x = T.dmatrix()
    start, stop, step, i = (T.scalar(dtype=dtype) for _ in range(4))
    node = x[start:stop:step, i].owner
    if not SCALAR_INPUTS:
        assert kernel_for(node) is None  # the runtime gives kernels arrays only
        return
    base = np.arange(48.0).reshape(6, 8)
    values = [(0, 6, 1, 3), (5, 1, 2, 7), (1, 100, 3, 0)]
    if dtype != "uint8":
        values += [(-1, -7, -2, -1), (-100, -2, -1, -8), (4, -9, -3, 2)]
    for parts in values:
        compare(node, [base] + [np.dtype(dtype).type(p) for p in parts])
    same_error(node, [base] + [np.dtype(dtype).type(p) for p in (0, 2, 0, 1)])  # zero step
    same_error(node, [base] + [np.dtype(dtype).type(p) for p in (0, 2, 1, 8)])  # out of range
    if dtype != "uint8":
        same_error(node, [base] + [np.dtype(dtype).type(p) for p in (0, 2, 1, -9)])


def test_subtensor_huge_uint64_bounds():
    x = T.dvector()
    start, i = T.scalar(dtype="uint64"), T.scalar(dtype="uint64")
    big = np.uint64(2**64 - 1)
    node = x[start:].owner
    if not SCALAR_INPUTS:
        return
    compare(node, [np.arange(5.0), big])
    # x[2**64 - 1] is an OverflowError in NumPy: uint64 integer indices stay in Python
    assert kernel_for(x[i].owner) is None


# ------------------------------------------------------------------------------------------
# IncSubtensor
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("set_instead_of_inc", [False, True])
@pytest.mark.parametrize("inplace", [False, True])
def test_inc_subtensor_slices(inplace, set_instead_of_inc):
    x, y = T.dmatrix(), T.dvector()
    index = (slice(-1, 0, -2), slice(1, None))
    node = IncSubtensor(index, inplace, set_instead_of_inc)(x, y).owner
    base = matrix("float64", (5, 4))
    out = compare(node, [base, np.array([1.5, -2.0, 4.0])], view_of=0)[0]
    compare(node, [base[::-1].T.copy().T, np.array([7.0, 8.0, 9.0])])
    compare(node, [np.zeros((0, 4)), np.array([1.0, 2.0, 3.0])])
    if inplace:
        x_value = base.copy()
        result = run_node(node, [x_value, np.array([1.0, 2.0, 3.0])])[0]
        assert np.shares_memory(result, x_value)
    else:
        assert out.base is None
    same_error(node, [base, np.array([1.0, 2.0])])  # does not broadcast to (2, 3)


@pytest.mark.parametrize("dtype,y_dtype", [("int32", "float64"), ("bool", "int64"), ("uint8", "int16")])
def test_set_subtensor_converts_y(dtype, y_dtype):
    x = T.matrix(dtype=dtype)
    y = T.TensorType(y_dtype, (True,))()
    node = IncSubtensor((1, slice(None)), False, True)(x, y).owner
    compare(node, [matrix(dtype), np.array([3.75 if y_dtype == "float64" else 300], dtype=y_dtype)])


@pytest.mark.parametrize("dtype", ["int8", "float32"])
def test_inc_subtensor_integer_index(dtype):
    x = T.tensor3(dtype=dtype)
    y = T.TensorType(dtype, (True, False))()
    node = IncSubtensor((-1, slice(None, None, -1)), False, False)(x, y).owner
    base = matrix(dtype, (2, 3, 4))
    y_value = (np.arange(4) * 60).astype(dtype).reshape(1, 4)
    compare(node, [base, y_value])
    same_error(node, [base, np.ones((1, 5), dtype)])
    big = T.tensor3(dtype=dtype)
    same_error(IncSubtensor((2,), False, False)(big, y).owner, [base, y_value])  # axis 0 has length 2


def test_inc_subtensor_refuses_an_undeclared_stretch():
    x, y = T.dmatrix(), T.dmatrix()
    node = IncSubtensor((slice(None),), False, False)(x, y).owner
    same_error(node, [np.zeros((3, 4)), np.ones((1, 4))])
    compare(node, [np.zeros((1, 4)), np.ones((1, 4))])


def test_inplace_inc_subtensor_with_y_a_view_of_x():
    x, y = T.dvector(), T.dvector()
    node = IncSubtensor((slice(1, None),), True, False)(x, y).owner
    x_value = np.arange(6.0)
    expected = x_value.copy()
    expected[1:] += x_value[:-1].copy()
    result = run_node(node, [x_value, x_value[:-1]])[0]
    np.testing.assert_array_equal(result, expected)


# ------------------------------------------------------------------------------------------
# Whole functions
# ------------------------------------------------------------------------------------------

def assert_all_in_c(f, *op_classes):
    assert isinstance(f.fn, CVM)
    for node, in_c in zip(f.fn.nodes, f.fn.c_nodes):
        if isinstance(node.op, op_classes):
            assert in_c, node


def test_function_of_views_matches_python():
    x = T.dmatrix("x")
    out = x[1:-1:2, ::-1].T.reshape((-1,))
    f = theano.function([x], out, mode=C_MODE)
    g = theano.function([x], out, mode=PY_MODE)
    assert_all_in_c(f, Subtensor, DimShuffle, Reshape, DeepCopyOp)
    base = np.arange(63.0).reshape(9, 7)
    for value in (base, base[::-1, ::2], base.T.copy(), np.zeros((2, 3))):
        np.testing.assert_array_equal(f(value), g(value))


def test_function_with_symbolic_index_matches_python():
    x, i = T.dmatrix("x"), T.lscalar("i")
    out = T.set_subtensor(x[i:, i], 5.0) * 2.0 + x[::i].sum()
    f = theano.function([x, i], out, mode=C_MODE)
    g = theano.function([x, i], out, mode=PY_MODE)
    base = np.arange(20.0).reshape(4, 5)
    for k in (1, 2, -1, -4):
        np.testing.assert_array_equal(f(base, k), g(base, k))
    with pytest.raises(IndexError):
        f(base, 5)
    with pytest.raises(ValueError):
        f(base, 0)
