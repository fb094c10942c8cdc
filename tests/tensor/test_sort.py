"""sort, argsort, topk, argtopk compared with NumPy."""

from __future__ import annotations

import numpy as np
import pytest

import theano
import theano.tensor as T
from tests import unittest_tools as utt
from tests.unittest_tools import check_rop
from theano.gradient import DisconnectedInputError
from theano.tensor.sort import ArgSortOp, SortOp, TopKOp

DTYPES = ("float64", "float32", "int32", "int64", "uint8", "bool")
SHAPES_AXES = [((7,), -1), ((7,), 0), ((3, 4), -1), ((3, 4), 0), ((3, 4), None), ((2, 3, 4), 1), ((0, 3), 0),
               ((2, 3, 4), None)]


def tensor_of(dtype, ndim):
    return T.tensor(dtype, (False,) * ndim)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape, axis", SHAPES_AXES)
@pytest.mark.parametrize("kind", ("quicksort", "stable"))
def test_sort_argsort_values(dtype, shape, axis, kind):
    x = tensor_of(dtype, len(shape))
    value = utt.random(*shape, dtype=dtype, low=-50, high=50)
    sorted_out = T.sort(x, axis=axis, kind=kind)
    arg_out = T.argsort(x, axis=axis, kind=kind)
    assert sorted_out.dtype == dtype and arg_out.dtype == "int64"
    got_sorted, got_arg = theano.function([x], [sorted_out, arg_out])(value)
    np.testing.assert_array_equal(got_sorted, np.sort(value, axis=axis, kind=kind))
    assert got_sorted.dtype == np.dtype(dtype)
    assert got_arg.dtype == np.int64
    if kind == "stable":
        np.testing.assert_array_equal(got_arg, np.argsort(value, axis=axis, kind="stable"))
    else:
        # ties may be ordered differently: check that the indices sort the array
        flat = value.ravel() if axis is None else value
        np.testing.assert_array_equal(np.take_along_axis(flat, got_arg, axis=0 if axis is None else axis),
                                      np.sort(value, axis=axis))
    utt.check_infer_shape([x], [sorted_out, arg_out], [value])


def test_sort_symbolic_axis_and_methods():
    x = T.dtensor3()
    axis = T.lscalar()
    value = utt.random(2, 3, 4)
    f = theano.function([x, axis], [T.sort(x, axis), T.argsort(x, axis)])
    for ax in (0, 1, 2, -1, -3):
        got_sorted, got_arg = f(value, ax)
        np.testing.assert_array_equal(got_sorted, np.sort(value, axis=ax))
        np.testing.assert_array_equal(got_arg, np.argsort(value, axis=ax))
    utt.check_infer_shape([x, axis], [T.sort(x, axis)], [value, 1], op_class=SortOp)
    utt.check_infer_shape([x, axis], [T.argsort(x, axis)], [value, 1], op_class=ArgSortOp)
    with pytest.raises(ValueError, match="out of range"):
        f(value, 3)
    m = T.dmatrix()
    v = utt.random(3, 4)
    got = theano.function([m], [m.sort(), m.argsort(axis=0)])(v)
    np.testing.assert_array_equal(got[0], np.sort(v))
    np.testing.assert_array_equal(got[1], np.argsort(v, axis=0))


def test_sort_nan_placement():
    x = T.dvector()
    value = np.array([3.0, np.nan, -1.0, np.inf, 0.0])
    got = theano.function([x], T.sort(x))(value)
    np.testing.assert_array_equal(got, np.sort(value))


def test_sort_errors():
    with pytest.raises(ValueError, match="kind must be one of"):
        T.sort(T.dvector(), kind="bogo")
    with pytest.raises(ValueError, match="order="):
        T.argsort(T.dvector(), order="f0")
    with pytest.raises(TypeError, match="0-d"):
        T.sort(T.dscalar())
    with pytest.raises(ValueError, match="out of range"):
        T.sort(T.dmatrix(), axis=2)
    with pytest.raises(TypeError, match="must be an integer scalar"):
        T.sort(T.dmatrix(), axis=0.5)
    s = T.dscalar()
    np.testing.assert_array_equal(theano.function([s], T.sort(s, axis=None))(2.0), [2.0])


@pytest.mark.parametrize("dtype", ("float64", "float32", "int32", "int64"))
@pytest.mark.parametrize("shape, axis", [((7,), -1), ((3, 5), 1), ((3, 5), 0), ((2, 3, 4), None)])
@pytest.mark.parametrize("kth", [1, 2, -1, -3])
def test_topk_argtopk(dtype, shape, axis, kth):
    x = tensor_of(dtype, len(shape))
    k = T.lscalar()
    # distinct values so that the expected result is unique
    size = int(np.prod(shape))
    value = (np.random.default_rng(kth + 10).permutation(size) - size // 2).reshape(shape).astype(dtype)
    values_out, indices_out = T.topk_and_argtopk(x, k, axis=axis)
    outs = [T.topk(x, k, axis=axis), T.argtopk(x, k, axis=axis), values_out, indices_out]
    got = theano.function([x, k], outs)(value, kth)
    flat = value.ravel() if axis is None else value
    ax = 0 if axis is None else axis
    order = np.argsort(flat, axis=ax)
    if kth > 0:
        order = np.flip(order, axis=ax)
    expected_idx = np.take(order, np.arange(abs(kth)), axis=ax)
    expected_vals = np.take_along_axis(flat, expected_idx, axis=ax)
    for vals, idx in (got[:2], got[2:]):
        assert vals.dtype == np.dtype(dtype) and idx.dtype == np.int64
        np.testing.assert_array_equal(vals, expected_vals)
        np.testing.assert_array_equal(idx, expected_idx)
    utt.check_infer_shape([x, k], [values_out, indices_out], [value, kth], op_class=TopKOp)


def test_topk_idx_dtype_broadcastable_and_errors():
    x = T.dmatrix()
    assert T.argtopk(x, 2, idx_dtype="int32").dtype == "int32"
    assert T.topk(x, 1).broadcastable == (False, True)
    assert T.topk(x, -1, axis=0).broadcastable == (True, False)
    assert T.topk(x, T.lscalar()).broadcastable == (False, False)
    with pytest.raises(ValueError, match="kth must not be 0"):
        T.topk(x, 0)
    with pytest.raises(TypeError, match="idx_dtype must be an integer"):
        T.argtopk(x, 1, idx_dtype="float32")
    with pytest.raises(TypeError, match="at least one dimension"):
        T.topk(T.dscalar(), 1)
    with pytest.raises(ValueError, match="out of range"):
        T.topk(x, 1, axis=2)
    k = T.lscalar()
    f = theano.function([x, k], T.topk(x, k))
    with pytest.raises(ValueError, match="kth=5 is out of range for an axis of length 4"):
        f(np.zeros((2, 4)), 5)
    with pytest.raises(ValueError, match="kth=0"):
        f(np.zeros((2, 4)), 0)


# ==========================================================================================
# Gradients (grad, R_op, disconnected inputs)
# ==========================================================================================

FLOATS = ("float64", "float32")


def distinct(*shape, dtype="float64", offset=0):
    """Values with gaps of about 0.1 between any two, so that finite differences never reorder them."""
    gen = utt.rng(offset)
    size = int(np.prod(shape))
    values = gen.permutation(size) * 0.1 + gen.uniform(-0.02, 0.02, size=size) - size * 0.05
    return values.reshape(shape).astype(dtype)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape, axis", [((6,), -1), ((3, 4), None), ((3, 4), 0), ((3, 4), -1), ((2, 3, 2), 1),
                                         ((2, 3, 2), -3)])
def test_sort_grad(dtype, shape, axis):
    T.verify_grad(lambda x: T.sort(x, axis=axis), [distinct(*shape, dtype=dtype)])


def test_sort_grad_symbolic_axis_matches_numpy():
    x, w = T.dtensor3(), T.dtensor3()
    axis = T.lscalar()
    f = theano.function([x, w, axis], T.grad(T.sum(T.sort(x, axis=axis) * w), x))
    value, weights = distinct(2, 3, 4), utt.random(2, 3, 4)
    for ax in (0, 1, 2, -1):
        # the weight of sorted position j goes to the element that landed there
        expected = np.zeros_like(value)
        np.put_along_axis(expected, np.argsort(value, axis=ax), weights, axis=ax)
        np.testing.assert_array_equal(f(value, weights, ax), expected)


def test_sort_rop_and_disconnected_axis():
    check_rop(lambda x: T.sort(T.sqr(x) + x, axis=0), [distinct(3, 4)])
    check_rop(lambda x: T.sort(x, axis=-1), [distinct(2, 3, 4)])
    check_rop(lambda x: T.sort(x, axis=None), [distinct(3, 4)])
    x, s = T.dmatrix(), T.dscalar()
    out = T.sort(x, axis=T.cast(s, "int64"))
    assert out.owner.op.connection_pattern(out.owner) == [[True], [False]]
    with pytest.raises(DisconnectedInputError):
        T.grad(T.sum(out), s)


def test_argsort_grad_is_zero():
    x, s = T.dmatrix(), T.dscalar()
    out = T.argsort(x, axis=T.cast(s, "int64"))
    assert out.owner.op.connection_pattern(out.owner) == [[True], [False]]
    cost = T.sum(T.cast(out, "float64") * x)
    got = theano.function([x, s], T.grad(cost, x))(distinct(3, 4), 1.0)
    np.testing.assert_array_equal(got, np.argsort(distinct(3, 4), axis=1).astype("float64"))
    with pytest.raises(DisconnectedInputError):
        T.grad(cost, s)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape, kth, axis", [((6,), 2, -1), ((6,), -3, 0), ((3, 4), 1, 0), ((3, 4), -2, -1),
                                              ((2, 5, 2), 5, 1), ((3, 4), 4, None)])
def test_topk_grad(dtype, shape, kth, axis):
    T.verify_grad(lambda x: T.topk(x, kth, axis=axis), [distinct(*shape, dtype=dtype)])


def test_topk_grad_values_rop_and_disconnected_indices():
    x, w = T.dmatrix(), T.dmatrix()
    value, weights = distinct(3, 5), utt.random(3, 2)
    got = theano.function([x, w], T.grad(T.sum(T.topk(x, 2, axis=1) * w), x))(value, weights)
    expected = np.zeros_like(value)
    np.put_along_axis(expected, np.argsort(-value, axis=1)[:, :2], weights, axis=1)
    np.testing.assert_array_equal(got, expected)
    check_rop(lambda a: T.topk(T.sqr(a) - a, -2, axis=0), [distinct(3, 4)])
    values, indices = T.topk_and_argtopk(x, 2)
    node = values.owner
    assert node.op.connection_pattern(node) == [[True, False], [False, False]]
    with pytest.raises(DisconnectedInputError):
        T.grad(T.sum(T.cast(indices, "float64")), x)
    k = T.dscalar()
    with pytest.raises(DisconnectedInputError):
        T.grad(T.sum(T.topk(x, T.cast(k, "int64"))), k)
