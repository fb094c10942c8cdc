"""Indexing: basic slicing, integer-array and boolean indexing, set/inc_subtensor and take, against NumPy."""

import itertools

import numpy as np
import pytest

import theano
import theano.tensor as T
from tests import unittest_tools as utt
from theano.graph.basic import io_toposort
from theano.tensor.advanced_indexing import (
    AdvancedBooleanIncSubtensor,
    AdvancedBooleanSubtensor,
    AdvancedIncSubtensor,
    AdvancedIncSubtensor1,
    AdvancedSubtensor,
    AdvancedSubtensor1,
    advanced_inc_subtensor,
    advanced_inc_subtensor1,
    advanced_set_subtensor,
    advanced_set_subtensor1,
    advanced_subtensor,
    advanced_subtensor1,
)
from theano.tensor.subtensor import IncSubtensor, Subtensor, as_index_constant, get_idx_list
from theano.tensor.type import TensorType

DTYPES = ["float64", "float32", "int32", "bool"]
SHAPE = (4, 5, 6)


def data(shape, dtype="float64", offset=0):
    return utt.random(*shape, dtype=dtype, low=-10, high=10, offset=offset)


def tensor_of(value, name="x"):
    return TensorType(str(value.dtype), (False,) * value.ndim)(name)


def update_tensor_of(value, name="y"):
    """A variable for an update value: length-1 dimensions are declared broadcastable, so the
    value may repeat along them (an undeclared length-1 dimension may not stretch)."""
    return TensorType(str(value.dtype), tuple(s == 1 for s in value.shape))(name)


def bool_tensor(ndim, name="mask"):
    return TensorType("bool", (False,) * ndim)(name)


def op_types(outputs):
    outputs = outputs if isinstance(outputs, list) else [outputs]
    inputs = [v for v in theano.graph.basic.graph_inputs(outputs)]
    return {type(node.op) for node in io_toposort(inputs, outputs)}


def check_value(out, expected):
    out = np.asarray(out)
    assert out.dtype == expected.dtype, f"dtype {out.dtype} != {expected.dtype}"
    utt.assert_allclose(out, expected)


def check_broadcastable(var, value):
    """A dimension flagged broadcastable must have length 1."""
    assert var.type.ndim == np.ndim(value)
    for flag, n in zip(var.type.broadcastable, np.shape(value)):
        assert not flag or n == 1


# ------------------------------------------------------------------------------------------
# Basic indexing with constant entries
# ------------------------------------------------------------------------------------------

BASIC_INDICES = [
    1,
    -1,
    (1, 2),
    (1, 2, 3),
    (-4, -5, -6),
    slice(1, 3),
    slice(None, None, -1),
    slice(3, 0, -2),
    slice(-10, 10),
    slice(10, None),
    slice(None, None, 3),
    (slice(None), 2, slice(None, None, -1)),
    (slice(1, None), slice(None, -1), slice(-2, None, -2)),
    (Ellipsis, 1),
    (1, Ellipsis),
    (1, Ellipsis, 2),
    Ellipsis,
    (),
    slice(None),
    None,
    (None, 1),
    (1, None, slice(None), None),
    (Ellipsis, None),
    (slice(2, 3), None, Ellipsis, slice(4, 5)),
    (np.int64(2), np.int32(-1)),
    np.array(2),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("index", BASIC_INDICES, ids=repr)
def test_basic_constant_index(index, dtype):
    value = data(SHAPE, dtype)
    x = tensor_of(value)
    out = x[index]
    assert not op_types(out) & {AdvancedSubtensor, AdvancedSubtensor1}
    got = theano.function([x], out)(value)
    check_value(got, value[index])
    check_broadcastable(out, got)
    utt.check_infer_shape([x], out, [value], op_class=Subtensor)


def test_basic_index_is_a_view_op_and_output_is_protected():
    value = data((3, 4))
    x = T.dmatrix("x")
    out = x[1:]
    assert isinstance(out.owner.op, Subtensor)
    assert out.owner.op.view_map == {0: [0]}
    got = theano.function([x], out)(value)
    got[...] = 0
    assert np.any(value[1:] != 0)


def test_trailing_full_slices_are_dropped_and_full_index_keeps_one_node():
    x = T.dtensor3("x")
    assert x[1, :, :].owner.op == x[1].owner.op
    assert x[:].owner.op.idx_list == (slice(None),)
    assert x[...].owner.op.idx_list == (slice(None),)
    s = T.dscalar("s")
    assert theano.function([s], s[...])(3.0) == 3.0


def test_newaxis_broadcastable():
    x = T.dmatrix("x")
    out = x[None, :, None, 1]
    assert out.type.broadcastable == (True, False, True)
    assert theano.function([x], out)(data((3, 4))).shape == (1, 3, 1)


def test_broadcastable_of_slices_of_a_broadcastable_axis():
    x = T.TensorType("float64", (True, False))("x")
    assert x[0:].type.broadcastable == (True, False)
    assert x[::-1].type.broadcastable == (True, False)
    assert x[1:].type.broadcastable == (False, False)
    assert x[:0].type.broadcastable == (False, False)
    i = T.lscalar("i")
    assert x[i:].type.broadcastable == (False, False)
    assert theano.function([x], x[1:])(np.ones((1, 2))).shape == (0, 2)


# ------------------------------------------------------------------------------------------
# Basic indexing with symbolic entries
# ------------------------------------------------------------------------------------------

SLICE_VALUES = [None, -8, -3, -1, 0, 1, 2, 4, 7]
STEP_VALUES = [1, 2, 3, -1, -2, -4]


def _compile_with_shape(inputs, out):
    value_fn = theano.function(inputs, out, on_unused_input="ignore")
    inferred = utt.symbolic_shapes([out])[0]
    shape_fn = theano.function(inputs, [T.as_tensor_variable(s) for s in inferred], on_unused_input="ignore")
    return value_fn, shape_fn


@pytest.mark.parametrize("scalar_type", [T.iscalar, T.lscalar])
def test_symbolic_slice_bounds_and_step(scalar_type):
    value = np.arange(5.0)
    x = T.dvector("x")
    start, stop, step = scalar_type("start"), scalar_type("stop"), scalar_type("step")
    value_fn, shape_fn = _compile_with_shape([x, start, stop, step], x[start:stop:step])
    for a, b, c in itertools.product([-8, -3, -1, 0, 1, 4, 7], [-8, -3, -1, 0, 2, 4, 7], STEP_VALUES):
        expected = value[a:b:c]
        got = value_fn(value, a, b, c)
        check_value(got, expected)
        assert tuple(int(s) for s in shape_fn(value, a, b, c)) == expected.shape, (a, b, c)


@pytest.mark.parametrize("step", STEP_VALUES)
@pytest.mark.parametrize("missing", ["start", "stop", "both"])
def test_symbolic_slice_with_missing_bounds(missing, step):
    value = np.arange(6.0)
    x = T.dvector("x")
    i = T.lscalar("i")
    index = {"start": slice(None, i, step), "stop": slice(i, None, step), "both": slice(None, None, step)}[missing]
    value_fn, shape_fn = _compile_with_shape([x, i], x[index])
    for v in SLICE_VALUES[1:]:
        ref_index = slice(*(v if p is i else p for p in (index.start, index.stop, index.step)))
        check_value(value_fn(value, v), value[ref_index])
        assert tuple(int(s) for s in shape_fn(value, v)) == value[ref_index].shape


def test_symbolic_step_with_constant_bounds():
    value = np.arange(7.0)
    x = T.dvector("x")
    s = T.iscalar("s")
    value_fn, shape_fn = _compile_with_shape([x, s], x[1:-1:s])
    for v in STEP_VALUES:
        check_value(value_fn(value, v), value[1:-1:v])
        assert tuple(int(n) for n in shape_fn(value, v)) == value[1:-1:v].shape


def test_symbolic_int_indices_and_infer_shape():
    value = data((4, 5, 6))
    x = T.dtensor3("x")
    i, j = T.iscalar("i"), T.lscalar("j")
    out = x[i, 1:j, None, ::-1]
    for a, b in [(0, 3), (-1, -1), (3, 10)]:
        check_value(theano.function([x, i, j], out)(value, a, b), value[a, 1:b, None, ::-1])
    utt.check_infer_shape([x, i, j], out, [value, -2, 4], op_class=Subtensor)


def test_scalar_variable_index():
    x = T.dvector("x")
    i = theano.scalar.int32("i")
    check_value(theano.function([x, i], x[i])(np.arange(3.0), 2), np.asarray(2.0))


def test_subtensor_op_can_be_called_directly():
    x = T.dmatrix("x")
    i = T.lscalar("i")
    op = Subtensor((slice(1, None), theano.scalar.get_scalar_type("int64")))
    out = op(x, i)
    assert theano.function([x, i], out)(np.eye(3), 0).tolist() == [0.0, 0.0]
    with pytest.raises(TypeError, match="needs 1 symbolic entries"):
        op(x)
    with pytest.raises(TypeError, match="integers and slices only"):
        Subtensor((None,))


@pytest.mark.parametrize("index", [3, -4, (0, 5)], ids=repr)
def test_out_of_range_int_raises_index_error(index):
    x = T.dmatrix("x")
    f = theano.function([x], x[index])
    with pytest.raises(IndexError, match="out of bounds"):
        f(np.zeros((3, 5)))


def test_out_of_range_symbolic_int_raises_index_error():
    x = T.dvector("x")
    i = T.iscalar("i")
    f = theano.function([x, i], x[i])
    assert f(np.arange(3.0), -3) == 0.0
    for bad in (3, -4):
        with pytest.raises(IndexError, match="out of bounds"):
            f(np.arange(3.0), bad)


def test_zero_step_raises():
    x = T.dvector("x")
    with pytest.raises(ValueError, match="step cannot be zero"):
        x[::0]
    s = T.iscalar("s")
    with pytest.raises(ValueError, match="step cannot be zero"):
        theano.function([x, s], x[::s])(np.arange(3.0), 0)


@pytest.mark.parametrize(
    ("index", "error", "match"),
    [
        ((0, 0, 0), IndexError, "too many indices"),
        ((Ellipsis, 0, Ellipsis), IndexError, "single ellipsis"),
        ((np.ones((2, 2, 2), dtype=bool),), IndexError, "too many indices"),
        (1.5, TypeError, "must be an integer"),
        (slice(0.5, 2), TypeError, "slice bounds"),
        ([0.5, 1.0], TypeError, "integers or booleans"),
        ("a", TypeError, "invalid index"),
        ({1: 2}, TypeError, "invalid index"),
    ],
    ids=repr,
)
def test_invalid_index_raises(index, error, match):
    x = T.dmatrix("x")
    with pytest.raises(error, match=match):
        x[index]


@pytest.mark.parametrize("make_index", [T.fscalar, T.dvector, T.lmatrix], ids=["fscalar", "dvector", "lmatrix"])
def test_invalid_symbolic_index_raises(make_index):
    x = T.dvector("x")
    idx = make_index("i")
    if idx.type.dtype.startswith("int"):
        with pytest.raises(IndexError, match="too many indices"):
            x[idx, 0]
    else:
        with pytest.raises(TypeError, match="integer"):
            x[idx]


def test_slice_bound_must_be_integer_scalar():
    x = T.dvector("x")
    with pytest.raises(TypeError, match="integer scalar"):
        x[T.dscalar("a"):]
    with pytest.raises(TypeError, match="integer scalar"):
        x[: T.lvector("v")]


# ------------------------------------------------------------------------------------------
# Integer-array indexing
# ------------------------------------------------------------------------------------------

VECTOR_INDICES = [[0, 2, 2, -1], np.array([3, 0], dtype="int32"), [1], [], np.array([], dtype="int64")]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("index", VECTOR_INDICES, ids=repr)
def test_advanced_subtensor1_constant(index, dtype):
    value = data(SHAPE, dtype)
    x = tensor_of(value)
    out = x[index]
    assert isinstance(out.owner.op, AdvancedSubtensor1)
    got = theano.function([x], out)(value)
    check_value(got, value[np.asarray(index, dtype="int64")])
    check_broadcastable(out, got)
    utt.check_infer_shape([x], out, [value], op_class=AdvancedSubtensor1)


@pytest.mark.parametrize("index_type", [T.lvector, T.ivector, T.bvector, T.TensorType("uint8", (False,))])
def test_advanced_subtensor1_symbolic(index_type):
    value = data((5, 3))
    x = T.dmatrix("x")
    idx = index_type("idx")
    out = x[idx]
    assert isinstance(out.owner.op, AdvancedSubtensor1)
    assert out.type.broadcastable == (False, False)
    ids = np.array([4, 0, 0, 1], dtype=idx.type.dtype)
    check_value(theano.function([x, idx], out)(value, ids), value[ids])
    utt.check_infer_shape([x, idx], out, [value, ids], op_class=AdvancedSubtensor1)
    # The same with explicit full slices, and through the op instance.
    assert isinstance(x[idx, :].owner.op, AdvancedSubtensor1)
    check_value(theano.function([x, idx], advanced_subtensor1(x, idx))(value, ids), value[ids])


def test_advanced_subtensor1_negative_and_out_of_bounds():
    x = T.dvector("x")
    idx = T.lvector("idx")
    f = theano.function([x, idx], x[idx])
    check_value(f(np.arange(4.0), [-1, -4, 3]), np.array([3.0, 0.0, 3.0]))
    for bad in ([4], [-5], [0, 10]):
        with pytest.raises(IndexError, match="out of bounds"):
            f(np.arange(4.0), bad)


def test_advanced_subtensor1_errors():
    with pytest.raises(TypeError, match="index must be integers"):
        advanced_subtensor1(T.dvector(), T.dvector())
    with pytest.raises(TypeError, match="index must be a vector"):
        advanced_subtensor1(T.dvector(), T.lmatrix())
    with pytest.raises(TypeError, match="cannot index into a scalar"):
        advanced_subtensor1(T.dscalar(), T.lvector())


def test_shared_variable_index():
    idx = theano.shared(np.array([2, 0]))
    x = T.dvector("x")
    check_value(theano.function([x], x[idx])(np.arange(3.0)), np.array([2.0, 0.0]))


ADVANCED_INDICES = [
    ([0, 2], [1, 1]),
    (slice(None), [0, 4, -1]),
    ([[0, 1], [2, 0]],),
    ([0, 1], slice(None), [1, 2]),
    (1, slice(None), [0, 2]),
    (slice(None), 1, [0, 2]),
    ([0, 3], 2),
    (slice(None), [0, 1], None, [1, 2]),
    ([0, 1], None, [1, 2]),
    (None, [0, 3]),
    (slice(1, None), [0, 0, 1]),
    (Ellipsis, [1, -1]),
    ([[1], [2]], slice(None), [0, 1, 2]),
    (slice(None, None, -1), [[0, 1]], slice(2, 5)),
    (np.array([[[0]]]), [1, 2], [3]),
    ([0, 1], [[1], [2], [3]], [[[5]]]),
    (slice(None), [2], None),
    ([1], [2], [3]),
    ([-4, 3], slice(None, None, 2), -1),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("index", ADVANCED_INDICES, ids=repr)
def test_advanced_subtensor_constant(index, dtype):
    value = data(SHAPE, dtype)
    x = tensor_of(value)
    out = x[index]
    assert op_types(out) & {AdvancedSubtensor, AdvancedSubtensor1}
    got = theano.function([x], out)(value)
    check_value(got, value[index])
    check_broadcastable(out, got)
    utt.check_infer_shape([x], out, [value], op_class=AdvancedSubtensor)


def test_advanced_subtensor_output_is_not_a_view():
    value = data((3, 4))
    x = T.dmatrix("x")
    got = theano.function([x], x[[0, 1], 1:])(value)
    got[...] = 0
    assert np.all(value[[0, 1], 1:] != 0)


def test_advanced_subtensor_symbolic_indices():
    value = data(SHAPE)
    x = T.dtensor3("x")
    rows, cols = T.lvector("rows"), T.imatrix("cols")
    i = T.iscalar("i")
    out = x[rows, i:, cols]
    assert isinstance(out.owner.op, AdvancedSubtensor)
    r = np.array([0, -1, 2])
    c = np.array([[0, 1, 5], [2, 2, -6]], dtype="int32")
    got = theano.function([x, rows, cols, i], out)(value, r, c, 1)
    check_value(got, value[r, 1:, c])
    utt.check_infer_shape([x, rows, cols, i], out, [value, r, c, 1], op_class=AdvancedSubtensor)
    # A single matrix index on the first axis.
    m = T.lmatrix("m")
    idx = np.array([[3, 2], [1, 0], [0, 0]])
    check_value(theano.function([x, m], x[m])(value, idx), value[idx])
    utt.check_infer_shape([x, m], x[m], [value, idx], op_class=AdvancedSubtensor)


def test_advanced_subtensor_broadcastable_index_arrays():
    x = T.dmatrix("x")
    row = T.TensorType("int64", (True, False))("row")
    col = T.TensorType("int64", (False, True))("col")
    out = x[row, col]
    assert out.type.broadcastable == (False, False)
    assert x[row].type.broadcastable == (True, False, False)
    assert x[[[0]], [[1]]].type.broadcastable == (True, True)
    value = data((4, 5))
    r, c = np.array([[0, 1, 2]]), np.array([[4], [3]])
    check_value(theano.function([x, row, col], out)(value, r, c), value[r, c])
    utt.check_infer_shape([x, row, col], out, [value, r, c], op_class=AdvancedSubtensor)


def test_advanced_index_out_of_bounds_and_shape_mismatch():
    x = T.dmatrix("x")
    a, b = T.lvector("a"), T.lvector("b")
    f = theano.function([x, a, b], x[a, b])
    value = data((3, 4))
    check_value(f(value, [-1, 0], [-4, 3]), value[[-1, 0], [-4, 3]])
    with pytest.raises(IndexError, match="out of bounds"):
        f(value, [3], [0])
    with pytest.raises(IndexError, match="could not be broadcast"):
        f(value, [0, 1], [0, 1, 2])


def test_advanced_subtensor_function():
    x = T.dmatrix("x")
    value = data((3, 4))
    out = advanced_subtensor(x, [0, 0], slice(None, None, -1))
    assert isinstance(out.owner.op, AdvancedSubtensor)
    check_value(theano.function([x], out)(value), value[[0, 0], ::-1])


# ------------------------------------------------------------------------------------------
# Boolean masks
# ------------------------------------------------------------------------------------------

def test_boolean_mask_full_shape_symbolic():
    value = data((3, 4))
    x = T.dmatrix("x")
    mask = bool_tensor(2)
    out = x[mask]
    assert isinstance(out.owner.op, AdvancedBooleanSubtensor)
    assert out.type.ndim == 1 and out.type.broadcastable == (False,)
    m = value > 0
    check_value(theano.function([x, mask], out)(value, m), value[m])
    utt.check_infer_shape([x, mask], out, [value, m], op_class=AdvancedBooleanSubtensor)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "make_index",
    [
        lambda v: (v > v.mean(),),
        lambda v: (v[:, 0, 0] > 0,),
        lambda v: (v[:, :, 0] > 0, slice(None)),
        lambda v: (slice(None), v[0, :, 0] > 0),
        lambda v: (Ellipsis, v[0, 0, :] > 0),
        lambda v: (np.array([True, False, True, True]), [0, 1, 1], slice(1, None)),
        lambda v: (np.array([True, False, True, False]), slice(None), [1, 1]),
        lambda v: (1, np.array([False] * 5), slice(None)),
        lambda v: (np.array(True),),
        lambda v: (slice(None), np.array(False)),
        lambda v: (True, 1),
    ],
    ids=["full", "axis0", "first2", "axis1", "last", "with_array", "separated", "empty", "true0d", "false0d",
         "pytrue"],
)
def test_boolean_mask_constant(make_index, dtype):
    value = data(SHAPE, dtype)
    x = tensor_of(value)
    index = make_index(value.astype("float64"))
    out = x[index]
    assert isinstance(out.owner.op, AdvancedBooleanSubtensor)
    got = theano.function([x], out)(value)
    check_value(got, value[index])
    check_broadcastable(out, got)
    utt.check_infer_shape([x], out, [value], op_class=AdvancedBooleanSubtensor)


def test_boolean_mask_from_comparison():
    x = T.dmatrix("x")
    value = data((4, 3))
    out = x[T.gt(x, 0)]
    check_value(theano.function([x], out)(value), value[value > 0])
    utt.check_infer_shape([x], out, [value], op_class=AdvancedBooleanSubtensor)
    row_mask = T.gt(x[:, 0], 0)
    out2 = x[row_mask, 1:]
    check_value(theano.function([x], out2)(value), value[value[:, 0] > 0, 1:])


def test_boolean_mask_wrong_shape_raises():
    x = T.dmatrix("x")
    mask = bool_tensor(1)
    f = theano.function([x, mask], x[mask])
    with pytest.raises(IndexError, match="boolean index did not match"):
        f(np.zeros((3, 2)), np.array([True, False]))


def test_list_of_bools_is_a_mask():
    x = T.dvector("x")
    value = np.arange(3.0)
    out = x[[True, False, True]]
    assert isinstance(out.owner.op, AdvancedBooleanSubtensor)
    check_value(theano.function([x], out)(value), value[[True, False, True]])


# ------------------------------------------------------------------------------------------
# set_subtensor / inc_subtensor
# ------------------------------------------------------------------------------------------

def numpy_update(value, index, y, set_instead_of_inc):
    out = value.copy()
    y = np.asarray(y).astype(value.dtype)
    if set_instead_of_inc:
        out[index] = y
    else:
        np.add.at(out, index, y)
    return out


UPDATE_CASES = [
    # (index, expected op class, y shape or None for the full indexed shape)
    (1, IncSubtensor, None),
    ((slice(1, 3), 2), IncSubtensor, ()),
    ((slice(None, None, -2), Ellipsis, 0), IncSubtensor, (5,)),
    ((-1, slice(None), slice(4, 1, -1)), IncSubtensor, (1, 3)),
    ([0, 2, 0, 0], AdvancedIncSubtensor1, None),
    ([3, -1, 3], AdvancedIncSubtensor1, (1, 6)),
    (np.array([1, 1], dtype="int32"), AdvancedIncSubtensor1, ()),
    (([0, 0, 1], [2, 2, 3]), AdvancedIncSubtensor, None),
    ((slice(None), [1, 1, 0]), AdvancedIncSubtensor, (3, 6)),
    ((1, slice(None), [0, 2, 0]), AdvancedIncSubtensor, None),
    (([[0], [0]], slice(1, None), [2, 2, 3]), AdvancedIncSubtensor, (3, 4)),
    ((Ellipsis, [0, 0]), AdvancedIncSubtensor, (4, 5, 1)),
    (([0, 1], None, [1, 1]), AdvancedIncSubtensor, None),
    ((np.array([True, False, True, True]),), AdvancedBooleanIncSubtensor, (6,)),
    ((np.array([True, False, True, True]), 1, [0, 0, 1]), AdvancedBooleanIncSubtensor, None),
    ((slice(None), np.array([False, True, True, False, True])), AdvancedBooleanIncSubtensor, None),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("set_instead_of_inc", [False, True], ids=["inc", "set"])
@pytest.mark.parametrize(("index", "op_class", "y_shape"), UPDATE_CASES, ids=[repr(c[0]) for c in UPDATE_CASES])
def test_set_inc_subtensor(index, op_class, y_shape, set_instead_of_inc, dtype):
    value = data(SHAPE, dtype)
    x = tensor_of(value)
    if y_shape is None:
        y_shape = value[index].shape
    y_value = data(y_shape, dtype, offset=1)
    y = update_tensor_of(y_value, "y")
    if set_instead_of_inc:
        out = T.set_subtensor(x[index], y)
    else:
        out = T.inc_subtensor(x[index], y)
    assert isinstance(out.owner.op, op_class)
    assert out.owner.op.set_instead_of_inc == set_instead_of_inc
    assert out.type == x.type
    original = value.copy()
    got = theano.function([x, y], out)(value, y_value)
    check_value(got, numpy_update(value, index, y_value, set_instead_of_inc))
    np.testing.assert_array_equal(value, original)  # the input is not modified
    utt.check_infer_shape([x, y], out, [value, y_value], op_class=op_class)


def test_duplicates_accumulate_for_inc_and_last_wins_for_set():
    x = T.dvector("x")
    idx = T.lvector("idx")
    y = T.dvector("y")
    value = np.zeros(4)
    ids = np.array([1, 1, 3, 1])
    ys = np.array([1.0, 2.0, 3.0, 4.0])
    inc1 = theano.function([x, idx, y], T.inc_subtensor(x[idx], y))(value, ids, ys)
    check_value(inc1, np.array([0.0, 7.0, 0.0, 3.0]))
    set1 = theano.function([x, idx, y], T.set_subtensor(x[idx], y))(value, ids, ys)
    check_value(set1, np.array([0.0, 4.0, 0.0, 3.0]))
    # General advanced indices on a matrix.
    m = T.dmatrix("m")
    rows, cols = T.lvector("rows"), T.lvector("cols")
    inc2 = theano.function([m, rows, cols], T.inc_subtensor(m[rows, cols], 1.0))(
        np.zeros((2, 2)), [0, 0, 1, 0], [1, 1, 0, 1])
    check_value(inc2, np.array([[0.0, 3.0], [1.0, 0.0]]))
    # The NLL-style pattern with repeated rows.
    inc3 = theano.function([m, rows], T.inc_subtensor(m[rows], [1.0, 2.0]))(np.zeros((3, 2)), [2, 2])
    check_value(inc3, np.array([[0.0, 0.0], [0.0, 0.0], [2.0, 4.0]]))


@pytest.mark.parametrize("y_value", [2.5, [1.0, 2.0, 3.0], [[1.0], [2.0]]], ids=["scalar", "row", "column"])
def test_set_subtensor_broadcasts_y(y_value):
    value = data((4, 3))
    x = T.dmatrix("x")
    for index in (slice(1, 3), [3, 0]):
        expected = value.copy()
        expected[index] = np.asarray(y_value)
        check_value(theano.function([x], T.set_subtensor(x[index], y_value))(value), expected)


def test_python_scalar_y_takes_the_dtype_of_x():
    x = T.ivector("x")
    out = T.inc_subtensor(x[[0, 0]], 1)
    assert out.dtype == "int32" and out.owner.inputs[1].dtype == "int32"
    check_value(theano.function([x], out)(np.zeros(2, dtype="int32")), np.array([2, 0], dtype="int32"))
    b = TensorType("bool", (False,))("b")
    out_b = T.set_subtensor(b[1:], 0)
    check_value(theano.function([b], out_b)(np.ones(3, dtype=bool)), np.array([True, False, False]))
    f = T.fvector("f")
    assert T.set_subtensor(f[0], 2.0).dtype == "float32"


def test_update_with_newaxis_index():
    value = data((3, 4))
    x = T.dmatrix("x")
    y = T.dmatrix("y")
    y_value = data((1, 4), offset=2)
    out = T.set_subtensor(x[None, 1], y)
    assert out.type == x.type
    expected = value.copy()
    expected[None, 1] = y_value
    check_value(theano.function([x, y], out)(value, y_value), expected)
    out2 = T.inc_subtensor(x[1:, None], 1.0)
    check_value(theano.function([x], out2)(value), value + np.array([0.0, 1, 1])[:, None])
    with pytest.raises(ValueError, match="declared broadcastable"):
        theano.function([x, y], out)(value, data((2, 4)))


def test_symbolic_slice_update_and_infer_shape():
    value = data((5, 3))
    x = T.dmatrix("x")
    i = T.iscalar("i")
    out = T.inc_subtensor(x[i::-1, 1], 10.0)
    expected = value.copy()
    expected[2::-1, 1] += 10.0
    check_value(theano.function([x, i], out)(value, 2), expected)
    utt.check_infer_shape([x, i], out, [value, 2], op_class=IncSubtensor)


def test_update_op_functions():
    value = data((3, 4))
    x = T.dmatrix("x")
    y = T.dvector("y")
    idx = T.lvector("idx")
    yv = np.arange(4.0)
    cases = [
        (advanced_inc_subtensor1(x, y, idx), AdvancedIncSubtensor1, False),
        (advanced_set_subtensor1(x, y, idx), AdvancedIncSubtensor1, True),
        (advanced_inc_subtensor(x, y, idx, slice(None)), AdvancedIncSubtensor, False),
        (advanced_set_subtensor(x, y, idx), AdvancedIncSubtensor, True),
    ]
    for out, cls, set_instead in cases:
        assert isinstance(out.owner.op, cls)
        got = theano.function([x, y, idx], out)(value, yv, [2, 2])
        check_value(got, numpy_update(value, [2, 2], yv, set_instead))


def test_update_errors_at_build_time():
    x = T.dmatrix("x")
    with pytest.raises(TypeError, match="indexing expression"):
        T.set_subtensor(x, 1.0)
    with pytest.raises(TypeError, match="indexing expression"):
        T.inc_subtensor(x + 1, 1.0)
    with pytest.raises(TypeError, match="indexing expression"):
        T.set_subtensor(x.T, 1.0)
    with pytest.raises(TypeError, match="1-d subtensor with a 2-d value"):
        T.set_subtensor(x[0], T.dmatrix())
    with pytest.raises(TypeError, match="1-d subtensor with a 2-d value"):
        T.inc_subtensor(x[[0, 1], 0], T.dmatrix())
    with pytest.raises(TypeError, match="cast y first"):
        T.inc_subtensor(T.ivector()[0], T.dscalar())
    with pytest.raises(TypeError, match="complex"):
        T.set_subtensor(x[0], T.zvector())
    with pytest.raises(TypeError, match="2-d value"):
        advanced_inc_subtensor1(T.dvector(), T.dmatrix(), T.lvector())


@pytest.mark.parametrize(
    ("index", "y_shape"),
    [(slice(0, 2), (3,)), ([0, 1], (3, 1, 2)[1:]), (([0, 1], [1, 2]), (3,)), (np.array([True, False, True]), (3,))],
    ids=["basic", "vector", "general", "mask"],
)
@pytest.mark.parametrize("set_instead_of_inc", [False, True], ids=["inc", "set"])
def test_update_bad_y_shape_raises_at_run_time(index, y_shape, set_instead_of_inc):
    x = T.dmatrix("x")
    y = T.TensorType("float64", (False,) * len(y_shape))("y")
    out = T.inc_subtensor(x[index], y, set_instead_of_inc=set_instead_of_inc)
    f = theano.function([x, y], out)
    with pytest.raises(ValueError, match="broadcast"):
        f(np.zeros((3, 4)), np.ones(y_shape))


def test_update_out_of_bounds_raises():
    x = T.dvector("x")
    idx = T.lvector("idx")
    for out in (T.inc_subtensor(x[idx], 1.0), T.set_subtensor(x[idx], 1.0), T.inc_subtensor(x[idx, None], 1.0)):
        with pytest.raises(IndexError, match="out of bounds"):
            theano.function([x, idx], out)(np.zeros(3), [0, 3])


def test_inplace_update():
    x = T.dvector("x")
    out = T.set_subtensor(x[1:], 5.0, inplace=True)
    assert out.owner.op.destroy_map == {0: [0]}
    assert T.set_subtensor(x[1:], 5.0).owner.op.destroy_map == {}
    with pytest.raises(TypeError, match="inplace"):
        theano.function([x], out)
    out1 = T.inc_subtensor(x[[0]], 1.0, inplace=True, tolerate_inplace_aliasing=True)
    assert out1.owner.op.destroy_map == {0: [0]}
    assert out1.owner.op.destroyhandler_tolerate_aliased == [[0, 1]]


# ------------------------------------------------------------------------------------------
# take
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["raise", "wrap", "clip"])
@pytest.mark.parametrize("axis", [None, 0, 1, -1])
@pytest.mark.parametrize("indices", [[1, -1, 0], [[0, 2], [2, 1]], 2, np.array([], dtype="int32")], ids=repr)
def test_take(indices, axis, mode):
    value = data((3, 4, 5))
    x = T.dtensor3("x")
    out = T.take(x, indices, axis=axis, mode=mode)
    got = theano.function([x], out)(value)
    check_value(got, np.take(value, indices, axis=axis, mode=mode))
    utt.check_infer_shape([x], out, [value])


@pytest.mark.parametrize("mode", ["wrap", "clip"])
def test_take_out_of_range_modes(mode):
    value = np.arange(5.0)
    x = T.dvector("x")
    idx = T.lvector("idx")
    f = theano.function([x, idx], x.take(idx, mode=mode))
    ids = np.array([-7, 12, 4, -1])
    check_value(f(value, ids), np.take(value, ids, mode=mode))


def test_take_symbolic_and_errors():
    x = T.dmatrix("x")
    idx = T.ivector("idx")
    out = T.take(x, idx, axis=0)
    assert isinstance(out.owner.op, AdvancedSubtensor1)
    value = data((3, 4))
    check_value(theano.function([x, idx], x.take(idx, axis=1))(value, [3, 0]), np.take(value, [3, 0], axis=1))
    with pytest.raises(IndexError, match="out of bounds"):
        theano.function([x, idx], out)(value, [3])
    with pytest.raises(TypeError, match="integers"):
        T.take(x, T.dvector())
    with pytest.raises(ValueError, match="mode"):
        T.take(x, [0], mode="bad")
    with pytest.raises(ValueError, match="out of range"):
        T.take(x, [0], axis=2)


# ------------------------------------------------------------------------------------------
# Negative log-likelihood pattern and misc API
# ------------------------------------------------------------------------------------------

def test_negative_log_likelihood_with_symbolic_rows():
    p = T.dmatrix("p")
    y = T.lvector("y")
    rows = T.lvector("rows")
    out = -T.log(p)[rows, y]
    probs = utt.random(4, 3, low=0.1, high=1.0)
    labels = np.array([2, 0, 1, 2])
    got = theano.function([p, rows, y], out)(probs, np.arange(4), labels)
    check_value(got, -np.log(probs)[np.arange(4), labels])


def test_negative_log_likelihood_with_arange():
    if not hasattr(T, "arange"):
        pytest.skip("T.arange is not available yet")
    p = T.dmatrix("p")
    y = T.lvector("y")
    out = -T.mean(T.log(p)[T.arange(y.shape[0]), y])
    probs = utt.random(5, 3, low=0.1, high=1.0)
    labels = np.array([2, 0, 1, 2, 2])
    got = theano.function([p, y], out)(probs, labels)
    check_value(got, np.asarray(-np.mean(np.log(probs)[np.arange(5), labels])))


def test_op_equality_hash_and_str():
    x = T.dmatrix("x")
    i = T.lscalar("i")
    a, b = x[1:, i], x[1:, i]
    assert a.owner.op == b.owner.op and hash(a.owner.op) == hash(b.owner.op)
    assert a.owner.op != x[2:, i].owner.op
    assert str(a.owner.op) == "Subtensor{1:, int}"
    assert str(x[::-1].owner.op) == "Subtensor{::-1}"
    idx = T.lvector("idx")
    adv = x[idx, 1:]
    assert adv.owner.op == x[T.lvector(), 1:].owner.op
    assert str(adv.owner.op) == "AdvancedSubtensor{array, 1:}"
    inc = T.inc_subtensor(x[idx, 1:], 1.0).owner.op
    assert str(inc) == "AdvancedIncSubtensor{no_inplace,inc;array, 1:}"
    assert inc != T.set_subtensor(x[idx, 1:], 1.0).owner.op
    assert str(T.set_subtensor(x[idx], 1.0).owner.op) == "AdvancedIncSubtensor1{no_inplace,set}"


def test_get_idx_list_and_as_index_constant():
    x = T.dmatrix("x")
    i = T.lscalar("i")
    out = x[i:, 2]
    idx = get_idx_list(out.owner.inputs, out.owner.op.idx_list)
    assert idx[0].start is out.owner.inputs[1] and idx[1] == 2
    const = as_index_constant(slice(1, None))
    assert isinstance(const.start, theano.scalar.ScalarConstant) and const.start.data == 1
    assert as_index_constant(None) is None
    assert as_index_constant(i) is i


def test_exports():
    for name in ("Subtensor", "IncSubtensor", "AdvancedSubtensor1", "AdvancedIncSubtensor1", "AdvancedSubtensor",
                 "AdvancedIncSubtensor", "AdvancedBooleanSubtensor", "AdvancedBooleanIncSubtensor", "take",
                 "inc_subtensor", "set_subtensor", "advanced_subtensor1", "advanced_inc_subtensor1",
                 "advanced_set_subtensor1", "as_index_constant"):
        assert hasattr(T, name), name
    from theano.tensor import subtensor

    assert subtensor.AdvancedSubtensor1 is AdvancedSubtensor1
    assert subtensor.take is T.take
    with pytest.raises(AttributeError):
        subtensor.no_such_name  # noqa: B018


# ==========================================================================================
# Gradients and R_op
# ==========================================================================================
#
# Reading x[index] is linear in x, so the exact gradient of sum(u * x[index]) is u scattered
# back with accumulation over repeated positions; these tests compare T.grad with that NumPy
# value, run verify_grad (finite differences) in float64 and float32, and check forward mode.

GRAD_DTYPES = ["float64", "float32"]


def typed_like(value, name="x"):
    """A symbolic input typed as verify_grad types it: length-1 dimensions are broadcastable."""
    return TensorType(str(value.dtype), tuple(n == 1 for n in np.shape(value)))(name)


def flat_positions(shape, index):
    """The flat positions of ``np.empty(shape)[index]``, shaped like the indexed result."""
    return np.arange(int(np.prod(shape))).reshape(shape)[index]


def scatter_add(shape, index, u):
    """The exact gradient of sum(u * x[index]) with respect to x (repeated positions accumulate)."""
    positions = flat_positions(shape, index)
    return np.bincount(positions.ravel(), weights=np.ravel(u), minlength=int(np.prod(shape))).reshape(shape)


def sum_to_shape(g, shape):
    """``g`` summed over the leading axes and the length-1 axes of ``shape`` it was broadcast along."""
    g = g.sum(axis=tuple(range(g.ndim - len(shape))))
    axes = tuple(d for d, n in enumerate(shape) if n == 1 and g.shape[d] != 1)
    return g.sum(axis=axes, keepdims=True) if axes else g


def grad_of_projection(out, wrt, inputs, values, u):
    """The value of T.grad(sum(u * out), wrt) at ``values``."""
    cost = T.sum(out * T.constant(u.astype(out.type.dtype)))
    grads = T.grad(cost, wrt)
    return theano.function(inputs, grads)(*values)


def has_duplicates(shape, index):
    positions = flat_positions(shape, index).ravel()
    return len(np.unique(positions)) != len(positions)


def grad_rng(offset=0):
    return np.random.default_rng(1234 + offset)


def gdata(shape, dtype="float64", offset=0):
    """Values in [-0.5, 0.5): small costs keep float32 finite differences accurate."""
    return utt.random(*shape, dtype=dtype, low=-0.5, high=0.5, offset=offset)


@pytest.mark.parametrize("dtype", GRAD_DTYPES)
@pytest.mark.parametrize("index", BASIC_INDICES + VECTOR_INDICES + ADVANCED_INDICES, ids=repr)
def test_grad_of_reading(index, dtype):
    value = gdata(SHAPE, dtype)
    x = typed_like(value)
    out = x[index]
    u = gdata(value[index].shape, "float64", offset=3)
    got = grad_of_projection(out, x, [x], [value], u)
    assert got.dtype == value.dtype
    utt.assert_allclose(got, scatter_add(value.shape, index, u).astype(dtype))
    T.verify_grad(lambda a: a[index], [value], rng=grad_rng())


@pytest.mark.parametrize("dtype", GRAD_DTYPES)
def test_grad_of_advanced_subtensor1_accumulates_duplicates(dtype):
    w_value = gdata((5, 3), dtype)
    w = T.TensorType(dtype, (False, False))("W")
    idx = T.lvector("idx")
    ids = np.array([2, 0, 2, 2, -1, 4])
    out = w[idx]
    assert isinstance(out.owner.op, AdvancedSubtensor1)
    gw = T.grad(out.sum(), w)
    assert AdvancedIncSubtensor1 in op_types(gw)
    assert not any(isinstance(n.owner.op, AdvancedIncSubtensor1) and n.owner.op.set_instead_of_inc
                   for n in theano.graph.basic.ancestors([gw]) if n.owner)
    got = theano.function([w, idx], gw)(w_value, ids)
    counts = np.bincount(ids % 5, minlength=5).astype(dtype)
    check_value(got, np.repeat(counts[:, None], 3, axis=1))
    T.verify_grad(lambda a: a[ids] ** 2, [w_value], rng=grad_rng())


@pytest.mark.parametrize("dtype", GRAD_DTYPES)
@pytest.mark.parametrize(
    "make_index",
    [
        lambda v: (v > 0,),
        lambda v: (v[:, 0, 0] > 0,),
        lambda v: (v[:, :, 0] > 0, slice(1, None)),
        lambda v: (slice(None, None, -1), v[0, :, 0] > 0),
        lambda v: (np.array([True, False, True, True]), [0, 1, 1], slice(1, None)),
        lambda v: (np.array([True, False, True, False]), slice(None), [1, 1]),
        lambda v: (1, np.array([False] * 5), slice(None)),
        lambda v: (np.array(True),),
    ],
    ids=["full", "axis0", "first2", "reversed_then_mask", "with_array", "separated", "empty", "true0d"],
)
def test_grad_of_boolean_mask(make_index, dtype):
    value = gdata(SHAPE, dtype)
    value = np.sign(value) * (0.2 + np.abs(value))  # masks built from the value stay put under finite differences
    index = make_index(value.astype("float64"))
    x = typed_like(value)
    out = x[index]
    assert isinstance(out.owner.op, AdvancedBooleanSubtensor)
    u = gdata(value[index].shape, "float64", offset=3)
    got = grad_of_projection(out, x, [x], [value], u)
    utt.assert_allclose(got, scatter_add(value.shape, index, u).astype(dtype))
    T.verify_grad(lambda a: a[index], [value], rng=grad_rng())


@pytest.mark.parametrize("dtype", GRAD_DTYPES)
def test_grad_of_symbolic_mask_from_the_input(dtype):
    value = gdata((4, 5), dtype)
    value = np.sign(value) * (0.2 + np.abs(value))
    T.verify_grad(lambda a: a[a > 0] ** 2, [value], rng=grad_rng())
    x = typed_like(value)
    got = theano.function([x], T.grad((x[x > 0] ** 2).sum(), x))(value)
    utt.assert_allclose(got, np.where(value > 0, 2 * value, 0).astype(dtype))


@pytest.mark.parametrize("dtype", GRAD_DTYPES)
def test_grad_with_symbolic_slice_bounds(dtype):
    value = gdata((6, 5), dtype)
    start = theano.shared(np.int64(-1), name="start")
    stop = theano.shared(np.int64(1), name="stop")
    step = theano.shared(np.int64(-2), name="step")
    row = theano.shared(np.int32(3), name="row")

    def fun(a):
        return a[start:stop:step, a.shape[1] - 4:] * a[row, 4:0:-1]

    T.verify_grad(fun, [value], rng=grad_rng())
    x = typed_like(value)
    u = gdata((2, 4), "float64", offset=3)
    got = grad_of_projection(x[start:stop:step, x.shape[1] - 4:], x, [x], [value], u)
    utt.assert_allclose(got, scatter_add(value.shape, (slice(-1, 1, -2), slice(1, None)), u).astype(dtype))
    step.set_value(np.int64(1))
    start.set_value(np.int64(2))
    stop.set_value(np.int64(4))
    got = grad_of_projection(x[start:stop:step, x.shape[1] - 4:], x, [x], [value], u)
    utt.assert_allclose(got, scatter_add(value.shape, (slice(2, 4), slice(1, None)), u).astype(dtype))


def test_grad_of_newaxis_index():
    value = gdata((3, 4))
    T.verify_grad(lambda a: a[None, 1:, None, ::2], [value], rng=grad_rng())
    T.verify_grad(lambda a: T.set_subtensor(a[None, 1], a[2] ** 2), [value], rng=grad_rng())


# Update ops: gradient with respect to x and y -----------------------------------------------

def expected_update_grads(value, index, y_shape, u, set_instead_of_inc):
    """NumPy gradients of sum(u * update(x, index, y)) for x and y (Theano's convention for y)."""
    gx = u.copy()
    if set_instead_of_inc:
        gx.flat[flat_positions(value.shape, index).ravel()] = 0
    return gx, sum_to_shape(u[index], y_shape)


@pytest.mark.parametrize("dtype", GRAD_DTYPES)
@pytest.mark.parametrize("set_instead_of_inc", [False, True], ids=["inc", "set"])
@pytest.mark.parametrize(("index", "op_class", "y_shape"), UPDATE_CASES, ids=[repr(c[0]) for c in UPDATE_CASES])
def test_grad_of_update(index, op_class, y_shape, set_instead_of_inc, dtype):
    value = gdata(SHAPE, dtype)
    if y_shape is None:
        y_shape = value[index].shape
    y_value = gdata(y_shape, dtype, offset=1)
    x, y = typed_like(value), typed_like(y_value, "y")

    def update(a, b):
        return T.inc_subtensor(a[index], b, set_instead_of_inc=set_instead_of_inc)

    out = update(x, y)
    assert isinstance(out.owner.op, op_class)
    u = gdata(SHAPE, "float64", offset=3)
    gx, gy = grad_of_projection(out, [x, y], [x, y], [value, y_value], u)
    want_x, want_y = expected_update_grads(value, index, y_shape, u, set_instead_of_inc)
    assert gx.dtype == gy.dtype == dtype
    utt.assert_allclose(gx, want_x.astype(dtype))
    utt.assert_allclose(gy, want_y.astype(dtype))
    if set_instead_of_inc and has_duplicates(SHAPE, index):
        # Only the last write of a repeated position reaches the output: y's numeric gradient
        # there differs from Theano's convention (checked exactly above); check x alone.
        T.verify_grad(lambda a: update(a, T.constant(y_value)), [value], rng=grad_rng())
    else:
        T.verify_grad(update, [value, y_value], rng=grad_rng())


@pytest.mark.parametrize("dtype", GRAD_DTYPES)
@pytest.mark.parametrize(
    ("index", "y_shape"),
    [
        (slice(1, 3), (5,)),
        (slice(1, 3), (1, 5)),
        (slice(None, None, -1), (4, 1)),
        ([0, 0, 2], ()),
        ([0, 0, 2], (3, 1)),
        ([3, 1], (1, 1)),
        (([0, 2, 2], [1, 1, 4]), (1,)),
        ((slice(None), [4, 4, 0]), (4, 1)),
        ((np.array([True, False, True, True]), slice(1, None)), (4,)),
    ],
    ids=repr,
)
@pytest.mark.parametrize("set_instead_of_inc", [False, True], ids=["inc", "set"])
def test_grad_of_update_sums_over_broadcast_y(index, y_shape, set_instead_of_inc, dtype):
    value = gdata((4, 5), dtype)
    y_value = gdata(y_shape, dtype, offset=1)

    def update(a, b):
        return T.inc_subtensor((a ** 2)[index], b ** 2, set_instead_of_inc=set_instead_of_inc)

    if not (set_instead_of_inc and has_duplicates(value.shape, index)):
        T.verify_grad(update, [value, y_value], rng=grad_rng())
    x, y = typed_like(value), typed_like(y_value, "y")
    u = gdata(value.shape, "float64", offset=3)
    out = T.inc_subtensor(x[index], y, set_instead_of_inc=set_instead_of_inc)
    gy = grad_of_projection(out, y, [x, y], [value, y_value], u)
    assert gy.shape == y_shape
    utt.assert_allclose(gy, sum_to_shape(u[index], y_shape).astype(dtype))


def test_set_with_duplicates_follows_theano_convention():
    # x's gradient is zero wherever y was written; every occurrence of a repeated index
    # gathers the output gradient for y, as in Theano 1.0.
    x, y = T.dvector("x"), T.dvector("y")
    ids = np.array([1, 3, 1])
    u = np.array([1.0, 2.0, 3.0, 4.0])
    gx, gy = grad_of_projection(T.set_subtensor(x[ids], y), [x, y], [x, y], [np.zeros(4), np.ones(3)], u)
    check_value(gx, np.array([1.0, 0.0, 3.0, 0.0]))
    check_value(gy, np.array([2.0, 4.0, 2.0]))


def test_grad_of_update_ops_called_directly():
    value = gdata((5, 3))
    y_value = gdata((3, 3), offset=1)
    ids = np.array([4, 0, 0])
    T.verify_grad(lambda a, b: advanced_inc_subtensor1(a, b, ids), [value, y_value], rng=grad_rng())
    T.verify_grad(lambda a, b: advanced_set_subtensor1(a, b, np.array([4, 0, 1])), [value, y_value],
                  rng=grad_rng())
    T.verify_grad(lambda a: advanced_subtensor1(a, ids), [value], rng=grad_rng())
    T.verify_grad(lambda a, b: advanced_inc_subtensor(a, b[0], ids, [1, 1, 2]), [value, y_value],
                  rng=grad_rng())
    T.verify_grad(lambda a, b: advanced_set_subtensor(a, b[0], [4, 0, 1], [1, 1, 2]), [value, y_value],
                  rng=grad_rng())
    T.verify_grad(lambda a: advanced_subtensor(a, slice(None), [2, 2, 0]), [value], rng=grad_rng())


def test_grad_graphs_use_the_matching_update_ops():
    x = T.dmatrix("x")
    idx = T.lvector("idx")
    mask = bool_tensor(1)
    cases = [
        (x[1:, ::2], IncSubtensor),
        (x[idx], AdvancedIncSubtensor1),
        (x[idx, 1:], AdvancedIncSubtensor),
        (x[mask], AdvancedBooleanIncSubtensor),
    ]
    for out, update_class in cases:
        g = T.grad(out.sum(), x)
        assert isinstance(g.owner.op, update_class) and not g.owner.op.set_instead_of_inc
    y = T.dmatrix("y")
    g_set = T.grad(T.set_subtensor(x[idx], y).sum(), x)
    assert isinstance(g_set.owner.op, AdvancedIncSubtensor1) and g_set.owner.op.set_instead_of_inc
    g_inc = T.grad(T.inc_subtensor(x[idx], y).sum(), x)
    assert not isinstance(g_inc.owner.op, AdvancedIncSubtensor1)


# Connection pattern, integer inputs ---------------------------------------------------------

def test_index_inputs_are_disconnected():
    x = T.dmatrix("x")
    i = T.lscalar("i")
    idx = T.lvector("idx")
    mask = bool_tensor(2)
    y = T.dscalar("y")
    outputs = [x[i:, 1], x[idx], x[idx, i], x[mask], T.inc_subtensor(x[i:], y), T.set_subtensor(x[idx], y),
               T.inc_subtensor(x[idx, 1:], y), T.set_subtensor(x[mask], y)]
    for out in outputs:
        node = out.owner
        n_data = 2 if "Inc" in type(node.op).__name__ else 1
        pattern = node.op.connection_pattern(node)
        assert pattern == [[True]] * n_data + [[False]] * (len(node.inputs) - n_data)
        index_inputs = [v for v in (i, idx, mask) if v in theano.graph.basic.ancestors([out])]
        for var in index_inputs:
            with pytest.raises(theano.gradient.DisconnectedInputError):
                T.grad(out.sum(), var)
        assert T.grad(out.sum(), index_inputs, disconnected_inputs="ignore", return_disconnected="None") == \
            [None] * len(index_inputs)


def test_grad_wrt_integer_tensor_is_zero():
    x = T.lvector("x")
    w = T.dvector("w")
    ids = np.array([0, 0, 2])
    cost = (T.cast(x[1:], "float64") * w[1:]).sum() + (x[ids] * w[ids]).sum() + \
        T.cast(T.inc_subtensor(x[ids], 2), "float64").sum()
    gx, gw = theano.function([x, w], T.grad(cost, [x, w]))(np.arange(4), np.ones(4))
    assert not gx.any()
    check_value(gw, np.array([0.0, 1.0, 4.0, 3.0]))


# The negative log-likelihood pattern and take -----------------------------------------------

@pytest.mark.parametrize("dtype", GRAD_DTYPES)
def test_negative_log_likelihood_grad(dtype):
    weights = gdata((5, 4), dtype, offset=2)
    labels = np.array([3, 0, 1, 3, 2])

    def nll(a):
        p = T.exp(a) / T.exp(a).sum(axis=1, keepdims=True)
        y = T.constant(labels)
        return -T.mean(T.log(p)[T.arange(y.shape[0]), y])

    T.verify_grad(nll, [weights], rng=grad_rng())
    a = typed_like(weights, "a")
    g = T.grad(nll(a), a)
    assert AdvancedIncSubtensor in op_types(g)
    got = theano.function([a], g)(weights)
    soft = np.exp(weights.astype("float64"))
    soft /= soft.sum(axis=1, keepdims=True)
    soft[np.arange(5), labels] -= 1.0
    utt.assert_allclose(got, (soft / 5).astype(dtype))


@pytest.mark.parametrize("mode", ["raise", "wrap", "clip"])
@pytest.mark.parametrize("axis", [None, 0, 1, -1])
@pytest.mark.parametrize("indices", [[1, -1, 1], [[0, 2], [2, 2]], 2], ids=repr)
def test_take_grad(indices, axis, mode):
    value = gdata((3, 4, 5))
    T.verify_grad(lambda a: T.take(a, indices, axis=axis, mode=mode), [value], rng=grad_rng())
    x = typed_like(value)
    out = T.take(x, indices, axis=axis, mode=mode)
    u = gdata(np.take(value, indices, axis=axis, mode=mode).shape, offset=3)
    got = grad_of_projection(out, x, [x], [value], u)
    positions = np.take(np.arange(value.size).reshape(value.shape), indices, axis=axis, mode=mode)
    expected = np.bincount(positions.ravel(), weights=u.ravel(), minlength=value.size).reshape(value.shape)
    check_value(got, expected)


@pytest.mark.parametrize("dtype", GRAD_DTYPES)
def test_take_grad_symbolic_indices(dtype):
    value = gdata((6, 3), dtype)
    x = typed_like(value)
    idx = T.imatrix("idx")
    ids = np.array([[5, 0], [5, 5]], dtype="int32")
    g = T.grad((T.take(x, idx, axis=0) ** 2).sum(), x)
    got = theano.function([x, idx], g)(value, ids)
    counts = np.bincount(ids.ravel(), minlength=6).astype(dtype)
    utt.assert_allclose(got, 2 * value * counts[:, None])


# Second derivatives -------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", GRAD_DTYPES)
@pytest.mark.parametrize(
    "index",
    [slice(1, None), slice(None, None, -2), [0, 0, 2, -1], ([1, 1, 3], slice(None)), (slice(None), [2, 0, 2])],
    ids=repr,
)
def test_second_derivative_through_indexing(index, dtype):
    value = gdata((4, 5), dtype, offset=4)

    def first_grad(a):
        return T.grad((a[index] ** 3).sum(), a)

    T.verify_grad(first_grad, [value], rng=grad_rng())
    x = typed_like(value)
    counts = scatter_add(value.shape, index, np.ones(value[index].shape))
    got = theano.function([x], first_grad(x))(value)
    utt.assert_allclose(got, (3 * value.astype("float64") ** 2 * counts).astype(dtype))


@pytest.mark.parametrize("dtype", GRAD_DTYPES)
def test_second_derivative_through_updates(dtype):
    value = gdata((4, 5), dtype, offset=4)
    y_value = gdata((2, 5), dtype, offset=5)

    def set_grad(a, b):
        out = T.set_subtensor(a[[3, 0]], b ** 2) ** 3
        return T.grad(out.sum(), a) + T.grad(out.sum(), b).sum()

    def inc_grad(a, b):
        out = T.inc_subtensor(a[1:3, ::-1], b ** 2) ** 3
        return T.grad(out.sum(), b)

    T.verify_grad(set_grad, [value, y_value], rng=grad_rng())
    T.verify_grad(inc_grad, [value, y_value], rng=grad_rng())


def test_hessian_through_subtensor():
    value = gdata((5,), offset=4)
    x = T.dvector("x")
    h = theano.function([x], T.hessian((x[1:] ** 3).sum(), x))(value)
    expected = np.diag(np.concatenate([[0.0], 6 * value[1:]]))
    check_value(h, expected)


# R_op ---------------------------------------------------------------------------------------

def central_difference(fn, point, direction, eps=1e-6):
    return (fn(point + eps * direction) - fn(point - eps * direction)) / (2 * eps)


@pytest.mark.parametrize(
    "index",
    [(slice(1, None), slice(None, None, -2)), (1, slice(0, 3)), [3, 0, 3, -1], ([0, 2, 2], [1, 1, 4]),
     (slice(None), [4, 4, 0]), (np.array([True, False, True, True]),)],
    ids=repr,
)
def test_rop_of_reading(index):
    value = gdata((4, 5), offset=4)
    direction = gdata((4, 5), offset=5)
    x, v = T.dmatrix("x"), T.dmatrix("v")
    out = (x ** 3)[index]
    rop = theano.function([x, v], T.Rop(out, x, v))(value, direction)
    forward = theano.function([x], out)
    utt.assert_allclose(rop, central_difference(forward, value, direction), rtol=1e-6, atol=1e-8)
    # <u, J v> == <J^T u, v>
    u = gdata(rop.shape, offset=6)
    lop = theano.function([x, v], T.Lop(out, x, T.constant(u)), on_unused_input="ignore")(value, direction)
    np.testing.assert_allclose(np.sum(u * rop), np.sum(lop * direction), rtol=1e-10)


def test_rop_of_reading_directly_and_with_symbolic_index():
    value = gdata((5, 3), offset=4)
    direction = gdata((5, 3), offset=5)
    x, v = T.dmatrix("x"), T.dmatrix("v")
    idx = T.lvector("idx")
    i = T.lscalar("i")
    ids = np.array([4, 4, 0])
    f = theano.function([x, v, idx, i], T.Rop([x[idx], x[i:, ::-1]], x, v), on_unused_input="ignore")
    r1, r2 = f(value, direction, ids, 2)
    check_value(r1, direction[ids])
    check_value(r2, direction[2:, ::-1])
    assert isinstance(T.Rop(x[idx], x, v).owner.op, AdvancedSubtensor1)


@pytest.mark.parametrize("set_instead_of_inc", [False, True], ids=["inc", "set"])
@pytest.mark.parametrize(
    "index",
    [slice(1, 3), [3, 0, 3], ([0, 2], [1, 4]), (slice(None), [4, 0]), (np.array([True, False, True, True]),)],
    ids=repr,
)
def test_rop_of_update(index, set_instead_of_inc):
    value = gdata((4, 5), offset=4)
    y_value = gdata(value[index].shape, offset=5)
    dx, dy = gdata((4, 5), offset=6), gdata(y_value.shape, offset=7)
    x, y = T.dmatrix("x"), TensorType("float64", (False,) * y_value.ndim)("y")
    v, w = x.type("v"), y.type("w")
    out = T.inc_subtensor((x ** 2)[index], y ** 3, set_instead_of_inc=set_instead_of_inc)
    forward = theano.function([x, y], out)
    both = theano.function([x, y, v, w], T.Rop(out, [x, y], [v, w]))(value, y_value, dx, dy)
    eps = 1e-6
    numeric = (forward(value + eps * dx, y_value + eps * dy) - forward(value - eps * dx, y_value - eps * dy)) / \
        (2 * eps)
    utt.assert_allclose(both, numeric, rtol=1e-6, atol=1e-8)
    only_x = theano.function([x, y, v], T.Rop(out, x, v))(value, y_value, dx)
    utt.assert_allclose(only_x, central_difference(lambda p: forward(p, y_value), value, dx), rtol=1e-6,
                        atol=1e-8)
    only_y = theano.function([x, y, w], T.Rop(out, y, w))(value, y_value, dy)
    utt.assert_allclose(only_y, central_difference(lambda p: forward(value, p), y_value, dy), rtol=1e-6,
                        atol=1e-8)


@pytest.mark.parametrize("kind", ["basic", "vector"])
def test_update_refuses_undeclared_runtime_broadcast(kind):
    """y of shape (1, 4) typed as a matrix must not silently repeat over 3 rows: its gradient
    would have the wrong shape. A row-typed y repeats as declared."""
    x = T.dmatrix("x")
    y = T.dmatrix("y")
    row = T.drow("row")
    index = slice(1, None) if kind == "basic" else np.array([0, 2, 1])
    f = theano.function([x, y], T.inc_subtensor(x[index], y))
    with pytest.raises(ValueError, match="not declare broadcastable"):
        f(np.zeros((4, 4)), np.ones((1, 4)))
    g = theano.function([x, row], T.inc_subtensor(x[index], row))
    expected = np.zeros((4, 4))
    expected[index] += 1.0
    np.testing.assert_allclose(g(np.zeros((4, 4)), np.ones((1, 4))), expected)
    np.testing.assert_allclose(f(np.zeros((4, 4)), np.ones((3, 4))), expected)
