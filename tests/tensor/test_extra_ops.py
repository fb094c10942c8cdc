"""theano.tensor.extra_ops (and nonzero/choose/...) compared with NumPy."""

from __future__ import annotations

import numpy as np
import pytest

import theano
import theano.tensor as T
from tests import unittest_tools as utt
from tests.unittest_tools import check_rop, grad_of
from theano.gradient import DisconnectedInputError, NullTypeGradError
from theano.tensor import extra_ops as eo

DTYPES = ("float64", "float32", "int32", "int64")


def tensor_of(dtype, ndim, name=None):
    return T.tensor(dtype, (False,) * ndim, name=name)


def run(inputs, outputs, values):
    return theano.function(inputs, outputs)(*values)


# ------------------------------------------------------------------------------------------
# cumsum, cumprod
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("func, np_func", [(T.cumsum, np.cumsum), (T.cumprod, np.cumprod)])
@pytest.mark.parametrize("dtype", DTYPES + ("bool", "uint8", "int8"))
@pytest.mark.parametrize("shape, axis", [((5,), None), ((5,), 0), ((3, 4), None), ((3, 4), 0), ((3, 4), -1),
                                         ((2, 3, 4), 1), ((0, 3), 0), ((), None)])
def test_cumop_values(func, np_func, dtype, shape, axis):
    x = tensor_of(dtype, len(shape))
    out = func(x, axis)
    value = utt.random(*shape, dtype=dtype, low=-3, high=4)
    expected = np_func(value, axis=axis)
    assert out.dtype == str(expected.dtype)
    got = run([x], out, [value])
    assert got.dtype == expected.dtype
    utt.assert_allclose(got, expected)
    utt.check_infer_shape([x], [out], [value], op_class=eo.CumOp)


def test_cumop_methods_and_errors():
    x = T.dmatrix()
    value = utt.random(3, 4)
    f = theano.function([x], [x.cumsum(), x.cumprod(axis=1)])
    got_sum, got_prod = f(value)
    utt.assert_allclose(got_sum, np.cumsum(value))
    utt.assert_allclose(got_prod, np.cumprod(value, axis=1))
    with pytest.raises(ValueError, match="axis 2 is out of range"):
        T.cumsum(x, axis=2)
    with pytest.raises(ValueError, match="mode must be"):
        eo.CumOp(axis=0, mode="max")


# ------------------------------------------------------------------------------------------
# diff
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES + ("bool",))
@pytest.mark.parametrize("shape, n, axis", [((6,), 1, -1), ((6,), 3, 0), ((6,), 0, 0), ((3, 5), 1, 0), ((3, 5), 2, 1),
                                            ((3, 5), 4, 0), ((2, 3, 4), 1, -2)])
def test_diff_values(dtype, shape, n, axis):
    x = tensor_of(dtype, len(shape))
    out = T.diff(x, n=n, axis=axis)
    value = utt.random(*shape, dtype=dtype, low=-9, high=9)
    got = run([x], out, [value])
    expected = np.diff(value, n=n, axis=axis)
    assert got.dtype == expected.dtype == np.dtype(out.dtype)
    utt.assert_allclose(got, expected)
    utt.check_infer_shape([x], [out], [value], op_class=eo.DiffOp)


def test_diff_zero_order_does_not_alias_and_errors():
    x = T.dvector()
    value = np.arange(3.0)
    got = run([x], T.diff(x, n=0), [value])
    got[0] = 10.0
    assert value[0] == 0.0
    with pytest.raises(ValueError, match="non-negative"):
        T.diff(x, n=-1)
    with pytest.raises(TypeError, match="at least one dimension"):
        T.diff(T.dscalar())
    with pytest.raises(ValueError, match="out of range"):
        T.diff(x, axis=1)


# ------------------------------------------------------------------------------------------
# bincount
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ("int64", "int32", "uint8", "bool"))
@pytest.mark.parametrize("weights_dtype", (None, "float64", "float32", "int32"))
@pytest.mark.parametrize("minlength", (None, 0, 12))
def test_bincount_values(dtype, weights_dtype, minlength):
    x = tensor_of(dtype, 1)
    value = utt.random(9, dtype=dtype, low=0, high=7)
    inputs, values = [x], [value]
    weights = None
    if weights_dtype is not None:
        weights = tensor_of(weights_dtype, 1)
        inputs.append(weights)
        values.append(utt.random(9, dtype=weights_dtype, low=-3, high=3, offset=1))
    out = T.bincount(x, weights, minlength=minlength)
    expected = np.bincount(value, weights=values[1] if weights is not None else None, minlength=minlength or 0)
    got = run(inputs, out, values)
    expected_dtype = "int64" if weights is None else (weights_dtype if weights_dtype.startswith("float") else "float64")
    assert got.dtype == out.dtype == expected_dtype
    utt.assert_allclose(got, expected.astype(expected_dtype))
    utt.check_infer_shape(inputs, [out], values, op_class=eo.BinCount)


def test_bincount_symbolic_minlength_empty_and_errors():
    x = T.lvector()
    m = T.lscalar()
    out = T.bincount(x, minlength=m)
    f = theano.function([x, m], out)
    np.testing.assert_array_equal(f(np.array([], dtype="int64"), 3), np.bincount([], minlength=3))
    np.testing.assert_array_equal(f(np.array([4, 1]), 2), np.bincount([4, 1], minlength=2))
    utt.check_infer_shape([x, m], [out], [np.array([], dtype="int64"), 0], op_class=eo.BinCount)
    with pytest.raises(ValueError, match="negative values"):
        f(np.array([1, -1]), 0)
    with pytest.raises(ValueError, match="minlength must be non-negative"):
        f(np.array([1]), -2)
    with pytest.raises(TypeError, match="vector of integers"):
        T.bincount(T.dvector())
    with pytest.raises(TypeError, match="vector of integers"):
        T.bincount(T.lmatrix())
    w = T.dvector()
    g = theano.function([x, w], T.bincount(x, w))
    with pytest.raises(ValueError, match="do not match"):
        g(np.array([1, 2]), np.ones(3))


# ------------------------------------------------------------------------------------------
# repeat
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES + ("bool",))
@pytest.mark.parametrize("shape, repeats, axis", [
    ((4,), 3, None), ((4,), 0, 0), ((3, 4), 2, None), ((3, 4), 2, 1), ((3, 4), [1, 0, 2], 0),
    ((3, 4), [2], -1), ((2, 3, 4), [1, 2, 3, 0], 2), ((3, 2), [1, 2, 0, 1, 1, 3], None),
])
def test_repeat_values(dtype, shape, repeats, axis):
    x = tensor_of(dtype, len(shape))
    r = T.lscalar() if np.ndim(repeats) == 0 else T.lvector()
    out = T.repeat(x, r, axis=axis)
    value = utt.random(*shape, dtype=dtype, low=-9, high=9)
    got = run([x, r], out, [value, repeats])
    expected = np.repeat(value, repeats, axis=axis)
    assert got.dtype == np.dtype(dtype) and out.dtype == dtype
    np.testing.assert_array_equal(got, expected)
    utt.check_infer_shape([x, r], [out], [value, repeats], op_class=eo.RepeatOp)


def test_repeat_method_constant_and_errors():
    x = T.imatrix()
    value = np.arange(6, dtype="int32").reshape(2, 3)
    np.testing.assert_array_equal(run([x], x.repeat(2, axis=0), [value]), np.repeat(value, 2, axis=0))
    with pytest.raises(TypeError, match="repeats must be integers"):
        T.repeat(x, 1.5)
    with pytest.raises(ValueError, match="scalar or a vector"):
        T.repeat(x, T.lmatrix())
    with pytest.raises(ValueError, match="out of range"):
        T.repeat(x, 2, axis=2)
    r = T.lvector()
    f = theano.function([x, r], T.repeat(x, r, axis=1))
    with pytest.raises(ValueError, match="2 repeat counts for an axis of length 3"):
        f(value, [1, 2])
    with pytest.raises(ValueError, match="negative repeats"):
        f(value, [1, -1, 1])


# ------------------------------------------------------------------------------------------
# squeeze
# ------------------------------------------------------------------------------------------

def test_squeeze_drops_broadcastable_dims():
    x = T.TensorType("float64", (True, False, True, False))()
    value = utt.random(1, 3, 1, 2)
    out = T.squeeze(x)
    assert out.broadcastable == (False, False)
    np.testing.assert_array_equal(run([x], out, [value]), np.squeeze(value))
    out = x.squeeze(axis=2)
    assert out.broadcastable == (True, False, False)
    np.testing.assert_array_equal(run([x], out, [value]), np.squeeze(value, axis=2))
    utt.check_infer_shape([x], [out], [value])


def test_squeeze_keeps_non_broadcastable_dims_without_axis():
    x = T.dmatrix()
    value = utt.random(1, 3)
    out = T.squeeze(x)
    assert out.ndim == 2
    np.testing.assert_array_equal(run([x], out, [value]), value)


@pytest.mark.parametrize("axis", [0, -3, (0,), (0, 2), (-1,)])
def test_squeeze_explicit_axis_checked_at_run_time(axis):
    x = T.dtensor3()
    out = T.squeeze(x, axis=axis)
    value = utt.random(1, 3, 1)
    np.testing.assert_array_equal(run([x], out, [value]), np.squeeze(value, axis=axis))
    f = theano.function([x], out)
    with pytest.raises(ValueError, match="has length 3"):
        f(utt.random(3, 3, 3))


def test_squeeze_errors():
    with pytest.raises(ValueError, match="out of range"):
        T.squeeze(T.dmatrix(), axis=2)


# ------------------------------------------------------------------------------------------
# fill_diagonal, fill_diagonal_offset
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(3, 3), (4, 2), (2, 5), (3, 3, 3)])
def test_fill_diagonal(dtype, shape):
    a = tensor_of(dtype, len(shape))
    val = T.scalar(dtype=dtype)
    out = T.fill_diagonal(a, val)
    assert out.dtype == dtype
    value = utt.random(*shape, dtype=dtype, low=-9, high=9)
    got = run([a, val], out, [value, np.asarray(7, dtype=dtype)])
    expected = value.copy()
    np.fill_diagonal(expected, 7)
    np.testing.assert_array_equal(got, expected)
    assert not np.all(np.diagonal(value) == 7)  # the input is not modified
    utt.check_infer_shape([a, val], [out], [value, np.asarray(7, dtype=dtype)], op_class=eo.FillDiagonal)


def test_fill_diagonal_python_value_and_errors():
    a = T.fmatrix()
    out = T.fill_diagonal(a, 0.5)
    assert out.dtype == "float32"
    np.testing.assert_array_equal(run([a], out, [np.zeros((2, 2), "float32")]), np.eye(2, dtype="float32") * 0.5)
    with pytest.raises(TypeError, match="does not fit"):
        T.fill_diagonal(T.imatrix(), T.dscalar())
    with pytest.raises(TypeError, match="at least two dimensions"):
        T.fill_diagonal(T.dvector(), 1.0)
    with pytest.raises(TypeError, match="must be a scalar"):
        T.fill_diagonal(T.dmatrix(), T.dvector())
    x = T.dtensor3()
    with pytest.raises(ValueError, match="equal length"):
        run([x], T.fill_diagonal(x, 1.0), [np.zeros((2, 3, 2))])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(4, 4), (3, 6), (6, 3)])
@pytest.mark.parametrize("offset", [0, 1, 2, -1, -2, 5, -7])
def test_fill_diagonal_offset(dtype, shape, offset):
    a = tensor_of(dtype, 2)
    val = T.scalar(dtype=dtype)
    off = T.lscalar()
    out = T.fill_diagonal_offset(a, val, off)
    value = utt.random(*shape, dtype=dtype, low=-9, high=9)
    got = run([a, val, off], out, [value, np.asarray(7, dtype=dtype), offset])
    expected = value.copy()
    rows, cols = np.indices(shape)
    expected[cols - rows == offset] = 7
    assert got.dtype == dtype
    np.testing.assert_array_equal(got, expected)
    utt.check_infer_shape([a, val, off], [out], [value, np.asarray(7, dtype=dtype), offset],
                          op_class=eo.FillDiagonalOffset)


def test_fill_diagonal_offset_errors():
    with pytest.raises(TypeError, match="expects a matrix"):
        T.fill_diagonal_offset(T.dtensor3(), 1.0, 0)
    with pytest.raises(TypeError, match="offset must be an integer scalar"):
        T.fill_diagonal_offset(T.dmatrix(), 1.0, 0.5)


# ------------------------------------------------------------------------------------------
# nonzero, flatnonzero, nonzero_values, compress
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES + ("bool",))
@pytest.mark.parametrize("shape", [(7,), (3, 4), (2, 3, 2), (0, 3)])
def test_nonzero_family(dtype, shape):
    x = tensor_of(dtype, len(shape))
    value = utt.random(*shape, dtype=dtype, low=-1, high=2)
    if dtype.startswith("float"):
        value = np.where(np.abs(value) < 0.4, 0, value).astype(dtype)
    tuple_out = T.nonzero(x)
    matrix_out = T.nonzero(x, return_matrix=True)
    flat_out = T.flatnonzero(x)
    values_out = T.nonzero_values(x)
    got = run([x], [*tuple_out, matrix_out, flat_out, values_out], [value])
    expected = np.nonzero(value)
    assert len(tuple_out) == len(shape)
    for g, e in zip(got[:len(shape)], expected):
        assert g.dtype == np.int64
        np.testing.assert_array_equal(g, e)
    np.testing.assert_array_equal(got[len(shape)], np.asarray(expected).reshape(len(shape), -1))
    np.testing.assert_array_equal(got[-2], np.flatnonzero(value))
    assert got[-1].dtype == np.dtype(dtype)
    np.testing.assert_array_equal(got[-1], value[value != 0])
    utt.check_infer_shape([x], [matrix_out, flat_out, values_out], [value], op_class=eo.Nonzero)


def test_nonzero_method_nan_and_errors():
    x = T.dvector()
    value = np.array([0.0, np.nan, -0.0, 2.0])
    idx, = run([x], list(x.nonzero()), [value])
    np.testing.assert_array_equal(idx, np.nonzero(value)[0])
    np.testing.assert_array_equal(run([x], x.nonzero_values(), [value]), value[[1, 3]])
    with pytest.raises(ValueError, match="0-d"):
        T.nonzero(T.dscalar())
    s = T.dscalar()
    np.testing.assert_array_equal(run([s], T.flatnonzero(s), [3.0]), np.flatnonzero(3.0))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("cond_dtype", ("bool", "int32", "float64"))
@pytest.mark.parametrize("shape, cond_len, axis", [((3, 4), 3, 0), ((3, 4), 4, 1), ((3, 4), 2, -1), ((3, 4), 12, None),
                                                   ((3, 4), 5, None), ((5,), 5, 0)])
def test_compress(dtype, cond_dtype, shape, cond_len, axis):
    cond = tensor_of(cond_dtype, 1)
    x = tensor_of(dtype, len(shape))
    out = T.compress(cond, x, axis=axis)
    cond_value = utt.random(cond_len, dtype=cond_dtype, low=0, high=2, offset=3)
    value = utt.random(*shape, dtype=dtype, low=-9, high=9)
    got = run([cond, x], out, [cond_value, value])
    assert got.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(got, np.compress(cond_value.astype(bool), value, axis=axis))
    utt.check_infer_shape([cond, x], [out], [cond_value, value], op_class=eo.Compress)


def test_compress_errors():
    cond, x = T.lvector(), T.dvector()
    f = theano.function([cond, x], T.compress(cond, x))
    with pytest.raises(ValueError, match="past the end"):
        f(np.array([0, 0, 1]), np.ones(2))
    with pytest.raises(ValueError, match="out of range"):
        T.compress(cond, x, axis=1)


# ------------------------------------------------------------------------------------------
# choose
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ("raise", "wrap", "clip"))
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("a_shape, choice_shapes", [((4,), [(4,), (4,), (4,)]), ((2, 3), [(3,), (2, 3)]),
                                                    ((3, 1), [(1, 4), (3, 4)]), ((3,), [(1,), (1,)])])
def test_choose_list(mode, dtype, a_shape, choice_shapes):
    a = tensor_of("int64", len(a_shape))
    choices = [tensor_of(dtype, len(s)) for s in choice_shapes]
    out = T.choose(a, choices, mode=mode)
    high = len(choices) if mode == "raise" else len(choices) + 3
    low = 0 if mode == "raise" else -3
    a_value = utt.random(*a_shape, dtype="int64", low=low, high=high)
    values = [utt.random(*s, dtype=dtype, low=-9, high=9, offset=i) for i, s in enumerate(choice_shapes)]
    got = run([a, *choices], out, [a_value, *values])
    expected = np.choose(a_value, values, mode=mode)
    assert got.dtype == expected.dtype == np.dtype(out.dtype)
    np.testing.assert_array_equal(got, expected)
    utt.check_infer_shape([a, *choices], [out], [a_value, *values], op_class=eo.Choose)


@pytest.mark.parametrize("dtype", DTYPES)
def test_choose_stacked_tensor(dtype):
    a = T.imatrix()
    choices = tensor_of(dtype, 3)
    out = T.choose(a, choices)
    a_value = utt.random(2, 3, dtype="int32", low=0, high=4)
    c_value = utt.random(4, 2, 3, dtype=dtype, low=-9, high=9)
    np.testing.assert_array_equal(run([a, choices], out, [a_value, c_value]), np.choose(a_value, c_value))
    utt.check_infer_shape([a, choices], [out], [a_value, c_value], op_class=eo.Choose)


def test_choose_upcast_and_errors():
    a = T.lvector()
    out = T.choose(a, [T.ivector(), T.dvector()])
    assert out.dtype == "float64"
    with pytest.raises(TypeError, match="must be integers"):
        T.choose(T.dvector(), [T.dvector()])
    with pytest.raises(ValueError, match="mode must be one of"):
        T.choose(a, [T.dvector()], mode="nearest")
    with pytest.raises(ValueError, match="out argument"):
        T.choose(a, [T.dvector()], out=T.dvector())
    x = T.dvector()
    f = theano.function([a, x], T.choose(a, [x, x]))
    with pytest.raises(ValueError, match="choose"):
        f(np.array([0, 5]), np.ones(2))


# ------------------------------------------------------------------------------------------
# unique
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES + ("bool",))
@pytest.mark.parametrize("flags", [(False, False, False), (True, False, False), (False, True, False),
                                   (False, False, True), (True, True, True)])
@pytest.mark.parametrize("shape, axis", [((10,), None), ((3, 4), None), ((4, 3), 0), ((3, 4), 1), ((0,), None)])
def test_unique(dtype, flags, shape, axis):
    x = tensor_of(dtype, len(shape))
    outs = T.unique(x, *flags, axis=axis)
    outs = outs if isinstance(outs, list) else [outs]
    value = utt.random(*shape, dtype=dtype, low=0, high=3)
    if axis is not None:
        value = np.concatenate([value, np.take(value, [0], axis=axis)], axis=axis)
    got = run([x], outs, [value])
    expected = np.unique(value, *flags, axis=axis)
    expected = expected if isinstance(expected, tuple) else (expected,)
    assert len(got) == len(expected) == 1 + sum(flags)
    for g, e, o in zip(got, expected, outs):
        assert g.dtype == np.dtype(o.type.dtype)
        assert g.ndim == o.ndim
        np.testing.assert_array_equal(g, e)
    utt.check_infer_shape([x], outs, [value])


def test_unique_errors():
    with pytest.raises(ValueError, match="out of range"):
        T.unique(T.dmatrix(), axis=2)


# ------------------------------------------------------------------------------------------
# searchsorted
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("side", ("left", "right"))
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("v_shape", [(), (5,), (2, 3)])
@pytest.mark.parametrize("use_sorter", [False, True])
def test_searchsorted(side, dtype, v_shape, use_sorter):
    x = tensor_of(dtype, 1)
    v = tensor_of(dtype, len(v_shape))
    x_value = utt.random(8, dtype=dtype, low=-5, high=5)
    v_value = utt.random(*v_shape, dtype=dtype, low=-6, high=6, offset=1)
    inputs, values = [x, v], [x_value, v_value]
    if use_sorter:
        sorter = T.lvector()
        out = T.searchsorted(x, v, side=side, sorter=sorter)
        sorter_value = np.argsort(x_value)
        inputs.append(sorter)
        values.append(sorter_value)
        expected = np.searchsorted(x_value, v_value, side=side, sorter=sorter_value)
    else:
        values[0] = np.sort(x_value)
        out = T.searchsorted(x, v, side=side)
        expected = np.searchsorted(values[0], v_value, side=side)
    got = run(inputs, out, values)
    assert got.dtype == np.int64 and out.dtype == "int64"
    np.testing.assert_array_equal(got, expected)
    utt.check_infer_shape(inputs, [out], values, op_class=eo.SearchsortedOp)


def test_searchsorted_errors():
    with pytest.raises(TypeError, match="must be a vector"):
        T.searchsorted(T.dmatrix(), T.dvector())
    with pytest.raises(ValueError, match="side must be"):
        T.searchsorted(T.dvector(), T.dvector(), side="middle")
    with pytest.raises(TypeError, match="sorter must be a vector of integers"):
        T.searchsorted(T.dvector(), T.dvector(), sorter=T.dvector())


# ------------------------------------------------------------------------------------------
# to_one_hot
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("y_dtype", ("int32", "int64", "uint8"))
@pytest.mark.parametrize("dtype", (None, "float32", "int64", "bool"))
def test_to_one_hot(y_dtype, dtype):
    y = tensor_of(y_dtype, 1)
    n = T.lscalar()
    out = T.to_one_hot(y, n, dtype=dtype)
    assert out.dtype == (dtype or theano.config.floatX)
    y_value = utt.random(6, dtype=y_dtype, low=0, high=4)
    got = run([y, n], out, [y_value, 5])
    expected = np.eye(5, dtype=out.dtype)[y_value]
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)
    utt.check_infer_shape([y, n], [out], [y_value, 5], op_class=eo.ToOneHot)


def test_to_one_hot_errors():
    y = T.lvector()
    f = theano.function([y], T.to_one_hot(y, 3))
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        f(np.array([0, 3]))
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        f(np.array([-1]))
    with pytest.raises(TypeError, match="vector of integers"):
        T.to_one_hot(T.dvector(), 3)


# ------------------------------------------------------------------------------------------
# ravel_multi_index, unravel_index
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("order", ("C", "F"))
@pytest.mark.parametrize("dims", [(3, 4), (2, 3, 4)])
@pytest.mark.parametrize("idx_shape", [(5,), (2, 3)])
def test_unravel_and_ravel_roundtrip(order, dims, idx_shape):
    flat = T.tensor("int64", (False,) * len(idx_shape))
    d = T.lvector()
    flat_value = utt.random(*idx_shape, dtype="int64", low=0, high=int(np.prod(dims)))
    multi = T.unravel_index(flat, list(dims), order=order)
    assert isinstance(multi, tuple) and len(multi) == len(dims)
    back = T.ravel_multi_index(list(multi), d, order=order)
    got = run([flat, d], [*multi, back], [flat_value, list(dims)])
    expected = np.unravel_index(flat_value, dims, order=order)
    for g, e in zip(got[:-1], expected):
        assert g.dtype == np.int64
        np.testing.assert_array_equal(g, e)
    np.testing.assert_array_equal(got[-1], flat_value)
    utt.check_infer_shape([flat, d], [*multi, back], [flat_value, list(dims)])


@pytest.mark.parametrize("mode", ("raise", "wrap", "clip", ("wrap", "clip")))
def test_ravel_multi_index_modes_and_broadcast(mode):
    i = T.lcol()
    j = T.ivector()
    out = T.ravel_multi_index((i, j), (3, 4), mode=mode)
    i_value = np.array([[0], [2]])
    j_value = np.array([1, 3, 5 if mode != "raise" else 0], dtype="int32")
    got = run([i, j], out, [i_value, j_value])
    np.testing.assert_array_equal(got, np.ravel_multi_index((i_value, j_value), (3, 4), mode=mode))
    utt.check_infer_shape([i, j], [out], [i_value, j_value], op_class=eo.RavelMultiIndex)


def test_index_conversion_errors():
    with pytest.raises(ValueError, match="length of dims must be known"):
        T.unravel_index(T.lvector(), T.lvector())
    with pytest.raises(TypeError, match="indices must be integers"):
        T.unravel_index(T.dvector(), (2, 2))
    with pytest.raises(TypeError, match="list or tuple"):
        T.ravel_multi_index(T.lvector(), (2, 2))
    with pytest.raises(ValueError, match="order must be"):
        T.unravel_index(T.lvector(), (2, 2), order="K")
    idx = T.lvector()
    f = theano.function([idx], T.unravel_index(idx, (2, 2)))
    with pytest.raises(ValueError):
        f(np.array([4]))
    g = theano.function([idx], T.ravel_multi_index([idx], (2, 2)))
    with pytest.raises(ValueError, match="1 index arrays for 2 dimensions"):
        g(np.array([1]))


# ------------------------------------------------------------------------------------------
# bartlett, cpu_contiguous
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("m", [-1, 0, 1, 2, 7])
def test_bartlett(m):
    M = T.lscalar()
    out = T.bartlett(M)
    utt.assert_allclose(run([M], out, [m]), np.bartlett(m))
    utt.check_infer_shape([M], [out], [m], op_class=eo.Bartlett)


def test_cpu_contiguous():
    x = T.dmatrix()
    value = np.arange(12.0).reshape(3, 4).T
    got = run([x], eo.cpu_contiguous(x), [value])
    assert got.flags.c_contiguous
    np.testing.assert_array_equal(got, value)


# ==========================================================================================
# Gradients (grad, second derivatives, R_op, disconnected inputs)
# ==========================================================================================

FLOATS = ("float64", "float32")


def away_from_zero(*shape, dtype="float64", offset=0):
    """Values in [0.5, 1.5) with random signs: far from the kinks of cumprod's gradient."""
    gen = utt.rng(offset)
    return (gen.uniform(0.5, 1.5, size=shape) * gen.choice([-1.0, 1.0], size=shape)).astype(dtype)


def assert_disconnected(cost, wrt):
    with pytest.raises(DisconnectedInputError):
        T.grad(cost, wrt)


CUM_CASES = [((5,), None), ((5,), 0), ((3, 4), None), ((3, 4), 0), ((3, 4), -1), ((2, 3, 2), 1), ((2, 3, 2), -3)]


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("mode", ["add", "mul"])
@pytest.mark.parametrize("shape, axis", CUM_CASES)
def test_cumop_grad(dtype, mode, shape, axis):
    fun = eo.cumsum if mode == "add" else eo.cumprod
    T.verify_grad(lambda x: fun(x, axis=axis), [away_from_zero(*shape, dtype=dtype)])


@pytest.mark.parametrize("mode", ["add", "mul"])
@pytest.mark.parametrize("shape, axis", [((5,), None), ((3, 4), -1), ((2, 3, 2), 1)])
def test_cumop_second_derivative_and_rop(mode, shape, axis):
    fun = eo.cumsum if mode == "add" else eo.cumprod
    value = away_from_zero(*shape)
    T.verify_grad(grad_of(lambda x: fun(x, axis=axis)), [value])
    check_rop(lambda x: fun(x, axis=axis), [value])


def test_cumsum_grad_values():
    x = T.dmatrix()
    w = T.dmatrix()
    f = theano.function([x, w], T.grad(T.sum(eo.cumsum(x, axis=1) * w), x))
    vw = utt.random(2, 5)
    np.testing.assert_allclose(f(np.zeros((2, 5)), vw), np.flip(np.cumsum(np.flip(vw, 1), axis=1), 1))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape, n, axis", [
    ((5,), 1, -1), ((5,), 3, 0), ((3, 4), 0, 1), ((3, 4), 1, 0), ((3, 4), 2, -1), ((2, 3, 4), 2, 1),
    ((3, 2), 4, 0),  # n beyond the axis length: an empty output, zero gradient
])
def test_diff_grad(dtype, shape, n, axis):
    T.verify_grad(lambda x: eo.diff(x, n=n, axis=axis), [utt.random(*shape, dtype=dtype)])


def test_diff_second_derivative_rop_and_empty_output():
    value = utt.random(3, 5)
    T.verify_grad(grad_of(lambda x: eo.diff(x, n=2, axis=1)), [value])
    check_rop(lambda x: eo.diff(T.sqr(x), n=2, axis=-1), [value])
    x = T.dmatrix()
    got = theano.function([x], T.grad(T.sum(eo.diff(x, n=4, axis=0)), x))(value)
    np.testing.assert_array_equal(got, np.zeros_like(value))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape, repeats, axis", [
    ((3, 4), 2, 1), ((3, 4), 3, None), ((3, 4), 2, -2), ((), 3, None), ((2, 3, 2), 2, 2),
    ((3, 4), [1, 0, 2], 0), ((3, 4), [2, 1, 0, 3], -1), ((2, 3), [1, 2, 0, 1, 1, 3], None), ((3, 4), [2], 1),
])
def test_repeat_grad(dtype, shape, repeats, axis):
    T.verify_grad(lambda x: eo.repeat(x, np.asarray(repeats, dtype="int64"), axis=axis),
                  [utt.random(*shape, dtype=dtype)])


def test_repeat_rop_second_derivative_and_disconnected_repeats():
    value = utt.random(3, 4)
    check_rop(lambda x: eo.repeat(x, 2, axis=0), [value])
    check_rop(lambda x: eo.repeat(x, np.array([1, 0, 2, 1]), axis=1), [value])
    T.verify_grad(grad_of(lambda x: eo.repeat(x, 3, axis=1)), [value])
    x = T.dmatrix()
    r = T.dvector()
    out = eo.repeat(x, T.cast(r, "int64"), axis=0)
    assert out.owner.op.connection_pattern(out.owner) == [[True], [False]]
    assert_disconnected(T.sum(out), r)


@pytest.mark.parametrize("dtype", FLOATS)
def test_squeeze_grad(dtype):
    T.verify_grad(eo.squeeze, [utt.random(3, 1, 2, 1, dtype=dtype)])
    # an axis not statically known to have length 1 goes through Rebroadcast
    T.verify_grad(lambda x: eo.squeeze(T.unbroadcast(x, 1), axis=1), [utt.random(3, 1, 2, dtype=dtype)])
    T.verify_grad(lambda x: eo.squeeze(x, axis=-1), [utt.random(2, 3, 1, dtype=dtype)])


def test_squeeze_rop():
    check_rop(lambda x: eo.squeeze(T.addbroadcast(x, 1)), [utt.random(3, 1, 2)])


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape", [(3, 3), (3, 5), (5, 3), (3, 3, 3)])
def test_fill_diagonal_grad(dtype, shape):
    a = utt.random(*shape, dtype=dtype)
    T.verify_grad(eo.fill_diagonal, [a, np.asarray(0.7, dtype=dtype)])
    x, v = T.tensor(dtype, (False,) * len(shape)), T.scalar(dtype=dtype)
    w = utt.random(*shape, offset=3).astype(dtype)
    ga, gv = theano.function([x, v], T.grad(T.sum(eo.fill_diagonal(x, v) * w), [x, v]))(a, 0.5)
    mask = np.zeros(shape)
    np.fill_diagonal(mask, 1)
    utt.assert_allclose(ga, (w * (1 - mask)).astype(dtype))
    utt.assert_allclose(gv, np.asarray(np.sum(w * mask), dtype=dtype))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape, offset", [((3, 4), 0), ((3, 4), 2), ((3, 4), -1), ((4, 3), -3), ((4, 3), 1)])
def test_fill_diagonal_offset_grad(dtype, shape, offset):
    a = utt.random(*shape, dtype=dtype)
    T.verify_grad(lambda x, v: eo.fill_diagonal_offset(x, v, offset), [a, np.asarray(-0.3, dtype=dtype)])


def test_fill_diagonal_rop_and_disconnected_offset():
    a, v = utt.random(3, 4), np.asarray(0.25)
    check_rop(eo.fill_diagonal, [a, v])
    check_rop(lambda x, y: eo.fill_diagonal_offset(T.sqr(x), y, 1), [a, v])
    T.verify_grad(grad_of(lambda x, y: eo.fill_diagonal(x, T.sqr(y))), [a, v])
    x, s = T.dmatrix(), T.dscalar()
    out = eo.fill_diagonal_offset(x, 1.0, T.cast(s, "int64"))
    assert out.owner.op.connection_pattern(out.owner) == [[True], [True], [False]]
    assert_disconnected(T.sum(out), s)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("condition, shape, axis", [
    ([1, 0, 1], (3, 4), 0), ([0, 1, 1, 0], (3, 4), -1), ([1, 0, 0, 1, 1], (3, 4), None), ([1, 1], (2, 3, 2), 1),
])
def test_compress_grad(dtype, condition, shape, axis):
    T.verify_grad(lambda x: eo.compress(np.asarray(condition), x, axis=axis), [utt.random(*shape, dtype=dtype)])


def test_compress_rop_nonzero_values_and_disconnected_condition():
    value = utt.random(3, 4)
    check_rop(lambda x: eo.compress(np.array([0, 1, 1]), T.sqr(x), axis=0), [value])
    mask = np.array([[1.0, 0, 1, 1], [0, 0, 1, 0], [1, 1, 1, 0]])
    T.verify_grad(lambda x: eo.nonzero_values(x * mask), [value])
    x, c = T.dmatrix(), T.dvector()
    out = eo.compress(c, x, axis=1)
    assert out.owner.op.connection_pattern(out.owner) == [[False], [True]]
    assert_disconnected(T.sum(out), c)
    got = theano.function([x], T.grad(T.sum(eo.compress(np.array([1, 0, 1]), x, axis=0)), x))(value)
    np.testing.assert_array_equal(got, np.array([[1.0] * 4, [0.0] * 4, [1.0] * 4]))


CHOOSE_INDEX = np.array([[0, 1, 2, 1], [2, 2, 0, 1], [1, 0, 0, 0]])


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shapes", [[(3, 4), (3, 4), (3, 4)], [(3, 4), (1, 4), (4,)], [(1, 1), (3, 1), (1, 4)]])
def test_choose_list_grad(dtype, shapes):
    values = [utt.random(*s, dtype=dtype, offset=i) for i, s in enumerate(shapes)]
    T.verify_grad(lambda *cs: eo.choose(CHOOSE_INDEX, list(cs)), values)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("index, shape, mode", [
    (CHOOSE_INDEX, (3, 3, 4), "raise"), (CHOOSE_INDEX, (3, 4), "raise"), (CHOOSE_INDEX + 1, (2, 1, 4), "wrap"),
    (CHOOSE_INDEX * 2 - 1, (2, 2, 3, 4), "clip"),
])
def test_choose_stacked_grad(dtype, index, shape, mode):
    T.verify_grad(lambda cs: eo.choose(index, cs, mode=mode), [utt.random(*shape, dtype=dtype)])


def test_choose_rop_values_and_disconnected_index():
    check_rop(lambda a, b: eo.choose(CHOOSE_INDEX % 2, [a, T.sqr(b)]), [utt.random(3, 4), utt.random(1, 4)])
    check_rop(lambda s: eo.choose(CHOOSE_INDEX, s), [utt.random(3, 3, 4)])
    a, b = T.dmatrix(), T.dmatrix()
    ga, gb = T.grad(T.sum(eo.choose(CHOOSE_INDEX % 2, [a, b])), [a, b])
    got_a, got_b = theano.function([a, b], [ga, gb])(np.zeros((3, 4)), np.zeros((3, 4)))
    np.testing.assert_array_equal(got_a, CHOOSE_INDEX % 2 == 0)
    np.testing.assert_array_equal(got_b, CHOOSE_INDEX % 2 == 1)
    s = T.dmatrix()
    out = eo.choose(T.cast(s, "int64"), [a, b])
    assert out.owner.op.connection_pattern(out.owner) == [[False], [True], [True]]
    assert_disconnected(T.sum(out), s)


@pytest.mark.parametrize("dtype", FLOATS)
def test_bincount_weights_grad(dtype):
    x = np.array([0, 3, 3, 1, 5, 0])
    T.verify_grad(lambda w: eo.bincount(x, w, minlength=8), [utt.random(6, dtype=dtype)])
    check_rop(lambda w: eo.bincount(x, T.sqr(w)), [utt.random(6)])
    xs, w, m = T.dvector(), T.dvector(), T.dscalar()
    out = eo.bincount(T.cast(xs, "int64"), w, minlength=T.cast(m, "int64"))
    assert out.owner.op.connection_pattern(out.owner) == [[False], [False], [True]]
    assert_disconnected(T.sum(out), xs)
    assert_disconnected(T.sum(out), m)


def test_integer_ops_are_disconnected():
    s = T.dvector()
    idx = T.cast(s, "int64")
    outputs = [eo.to_one_hot(idx, 4), eo.unravel_index(idx, (2, 3))[1], eo.ravel_multi_index([idx, idx], (4, 4)),
               eo.bartlett(T.cast(s[0], "int64")), eo.bincount(idx)]
    for out in outputs:
        pattern = out.owner.op.connection_pattern(out.owner)
        assert pattern == [[False] * len(out.owner.outputs)] * len(out.owner.inputs)
        assert_disconnected(T.sum(T.cast(out, "float64")), s)


def test_nonzero_unique_searchsorted_gradients():
    x = T.dvector()
    value = np.array([0.0, 2.0, 0.0, 3.0])
    # integer outputs: zero gradients
    for out in (eo.nonzero(x)[0], eo.unique(x, return_counts=True)[1], eo.searchsorted(x, 1.5)):
        got = theano.function([x], T.grad(T.sum(T.cast(out, "float64")), x))(value)
        np.testing.assert_array_equal(got, np.zeros(4))
    v = T.dvector()
    got = theano.function([x, v], T.grad(T.sum(T.cast(eo.searchsorted(x, v), "float64")), [x, v]))(value, value)
    for g in got:
        np.testing.assert_array_equal(g, np.zeros(4))
    # unique's values: undefined, as in Theano
    with pytest.raises(NullTypeGradError):
        T.grad(T.sum(eo.unique(x)), x)


def test_cpu_contiguous_grad():
    T.verify_grad(lambda x: eo.cpu_contiguous(x.T), [utt.random(3, 4)])
    check_rop(lambda x: eo.cpu_contiguous(T.sqr(x)), [utt.random(3, 4)])
