"""eye, identity_like, arange, tri, tril, triu compared with NumPy."""

from __future__ import annotations

import numpy as np
import pytest

import theano
import theano.tensor as T
from tests import unittest_tools as utt
from tests.unittest_tools import check_rop
from theano.gradient import DisconnectedInputError
from theano.tensor.creation import ARange, Eye

DTYPES = ("float64", "float32", "int32", "int64")


# ------------------------------------------------------------------------------------------
# eye, identity_like
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES + ("bool",))
@pytest.mark.parametrize("n, m, k", [(3, None, 0), (3, 5, 1), (5, 3, -2), (4, 4, 7), (0, 2, 0), (1, 1, 0)])
def test_eye_values(dtype, n, m, k):
    a, b, c = T.lscalars("n", "m", "k")
    out = T.eye(a, b, c, dtype=dtype)
    assert out.dtype == dtype
    f = theano.function([a, b, c], out)
    expected = np.eye(n, m, k, dtype=dtype)
    got = f(n, n if m is None else m, k)
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)
    utt.check_infer_shape([a, b, c], [out], [n, n if m is None else m, k], op_class=Eye)


def test_eye_defaults_and_constants():
    out = T.eye(3)
    assert out.dtype == theano.config.floatX
    np.testing.assert_array_equal(out.eval(), np.eye(3, dtype=theano.config.floatX))
    assert T.eye(1).broadcastable == (True, True)
    assert T.eye(T.lscalar()).broadcastable == (False, False)


def test_eye_errors():
    with pytest.raises(TypeError, match="eye: n must be an integer scalar"):
        T.eye(T.dscalar())
    with pytest.raises(TypeError, match="eye: k must be an integer scalar"):
        T.eye(3, 3, T.lvector())
    n = T.lscalar()
    with pytest.raises(ValueError, match="negative dimensions"):
        theano.function([n], T.eye(n))(-1)


@pytest.mark.parametrize("dtype", ("float64", "float32", "int32"))
def test_identity_like(dtype):
    x = T.matrix(dtype=dtype)
    out = T.identity_like(x)
    assert out.dtype == dtype
    value = np.zeros((3, 5), dtype=dtype)
    np.testing.assert_array_equal(theano.function([x], out)(value), np.eye(3, 5, dtype=dtype))
    with pytest.raises(TypeError, match="expects a matrix"):
        T.identity_like(T.vector())


# ------------------------------------------------------------------------------------------
# arange
# ------------------------------------------------------------------------------------------

INT_BOUNDS = [(0, 10, 1), (2, 11, 3), (10, 0, -1), (10, -7, -3), (5, 5, 1), (5, 0, 1), (0, 5, -1), (-4, 4, 5)]


@pytest.mark.parametrize("start, stop, step", INT_BOUNDS)
@pytest.mark.parametrize("dtype", ("int64", "int32", "int8"))
def test_arange_symbolic_int_bounds(start, stop, step, dtype):
    a, b, c = (T.scalar(name, dtype=dtype) for name in ("start", "stop", "step"))
    out = T.arange(a, b, c)
    assert out.dtype == "int64"
    f = theano.function([a, b, c], out)
    expected = np.arange(start, stop, step)
    got = f(start, stop, step)
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, expected)
    utt.check_infer_shape([a, b, c], [out], [start, stop, step], op_class=ARange)


FLOAT_BOUNDS = [(0.0, 1.0, 0.1), (0.5, 3.2, 0.7), (3.0, -1.0, -0.25), (1.0, 1.0, 0.5), (2.0, 1.0, 0.5),
                (-1.5, 2.5, 1.0), (0.0, 1.0, 0.3)]


@pytest.mark.parametrize("start, stop, step", FLOAT_BOUNDS)
@pytest.mark.parametrize("dtype", ("float64", "float32"))
def test_arange_symbolic_float_bounds(start, stop, step, dtype):
    a, b, c = (T.scalar(name, dtype=dtype) for name in ("start", "stop", "step"))
    out = T.arange(a, b, c)
    assert out.dtype == dtype
    f = theano.function([a, b, c], out)
    vals = [np.asarray(v, dtype=dtype) for v in (start, stop, step)]
    expected = np.arange(*(v.item() for v in vals), dtype=dtype)
    got = f(*vals)
    assert got.dtype == dtype
    utt.assert_allclose(got, expected)
    utt.check_infer_shape([a, b, c], [out], vals, op_class=ARange)


@pytest.mark.parametrize("args, expected_dtype", [
    ((5,), "int64"),
    ((1, 7, 2), "int64"),
    ((0.5, 3), theano.config.floatX),
    ((0, 1, 0.25), theano.config.floatX),
])
def test_arange_python_numbers(args, expected_dtype):
    out = T.arange(*args)
    assert out.dtype == expected_dtype
    np.testing.assert_allclose(out.eval(), np.arange(*args))


def test_arange_dtype_inference_from_variables():
    assert T.arange(T.iscalar()).dtype == "int64"
    assert T.arange(T.bscalar(), T.iscalar()).dtype == "int64"
    assert T.arange(T.fscalar(), 10).dtype == "float32"
    assert T.arange(T.fscalar(), T.dscalar()).dtype == "float64"
    assert T.arange(T.lscalar(), T.fscalar()).dtype == "float64"
    assert T.arange(T.lscalar(), dtype="float32").dtype == "float32"


def test_arange_mixed_int_bounds_float_dtype():
    a = T.lscalar()
    out = T.arange(1, a, 2, dtype="float32")
    f = theano.function([a], out)
    got = f(8)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, np.arange(1, 8, 2, dtype="float32"))
    utt.check_infer_shape([a], [out], [8], op_class=ARange)


def test_arange_single_symbolic_stop():
    n = T.lscalar()
    out = T.arange(n)
    f = theano.function([n], out)
    for value in (0, 1, 6, -3):
        np.testing.assert_array_equal(f(value), np.arange(value))
    utt.check_infer_shape([n], [out], [4], op_class=ARange)


def test_arange_errors():
    with pytest.raises(ValueError, match="step must not be zero"):
        T.arange(0, 5, 0)
    s = T.lscalar()
    f = theano.function([s], T.arange(0, 5, s))
    with pytest.raises(ValueError, match="step must not be zero"):
        f(0)
    with pytest.raises(TypeError, match="stop must be a scalar"):
        T.arange(T.lvector())
    with pytest.raises(TypeError, match="cannot be complex"):
        T.arange(T.cscalar())


# ------------------------------------------------------------------------------------------
# tri, tril, triu
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("N, M, k", [(3, None, 0), (3, 5, 1), (5, 3, -1), (4, 4, -6), (4, 2, 5), (0, 3, 0)])
@pytest.mark.parametrize("dtype", ("float64", "int32", "bool"))
def test_tri(N, M, k, dtype):
    a, b, c = T.lscalars("N", "M", "k")
    out = T.tri(a, b, c, dtype=dtype)
    assert out.dtype == dtype
    f = theano.function([a, b, c], out)
    m = N if M is None else M
    got = f(N, m, k)
    assert got.dtype == dtype
    np.testing.assert_array_equal(got, np.tri(N, m, k, dtype=dtype))
    utt.check_infer_shape([a, b, c], [out], [N, m, k])


def test_tri_defaults():
    out = T.tri(3)
    assert out.dtype == theano.config.floatX
    np.testing.assert_array_equal(out.eval(), np.tri(3))


@pytest.mark.parametrize("func, np_func", [(T.tril, np.tril), (T.triu, np.triu)])
@pytest.mark.parametrize("shape", [(4, 4), (3, 5), (5, 2), (2, 3, 4)])
@pytest.mark.parametrize("k", [0, 1, -2])
@pytest.mark.parametrize("dtype", DTYPES + ("bool",))
def test_tril_triu(func, np_func, shape, k, dtype):
    x = T.tensor(dtype, (False,) * len(shape))
    out = func(x, k)
    assert out.dtype == dtype
    value = utt.random(*shape, dtype=dtype, low=-5, high=5)
    got = theano.function([x], out)(value)
    assert got.dtype == dtype
    np.testing.assert_array_equal(got, np_func(value, k))
    utt.check_infer_shape([x], [out], [value])


def test_tril_triu_symbolic_k_and_nonfinite():
    x = T.dmatrix()
    k = T.lscalar()
    value = np.full((3, 4), np.inf)
    value[1, 2] = np.nan
    f = theano.function([x, k], [T.tril(x, k), T.triu(x, k)])
    for kv in (-1, 0, 2):
        lower, upper = f(value, kv)
        np.testing.assert_array_equal(lower, np.tril(value, kv))
        np.testing.assert_array_equal(upper, np.triu(value, kv))


def test_tril_triu_errors():
    with pytest.raises(TypeError, match="at least 2 dimensions"):
        T.tril(T.vector())
    with pytest.raises(TypeError, match="at least 2 dimensions"):
        T.triu(T.scalar())
    with pytest.raises(TypeError, match="must be an integer scalar"):
        T.tril(T.matrix(), 0.5)


# ==========================================================================================
# Gradients (grad, R_op, disconnected inputs)
# ==========================================================================================

FLOATS = ("float64", "float32")


def test_eye_inputs_are_disconnected():
    s = T.dscalar()
    out = T.eye(3, k=T.cast(s, "int64"))
    assert out.owner.op.connection_pattern(out.owner) == [[False], [False], [False]]
    with pytest.raises(DisconnectedInputError):
        T.grad(T.sum(out), s)
    assert theano.function([s], T.grad(T.sum(out), s, disconnected_inputs="ignore"))(1.0) == 0
    # eye as a constant factor: the gradient reaches the other operand only
    x = T.dmatrix()
    got = theano.function([x], T.grad(T.sum(T.identity_like(x) * T.sqr(x)), x))(np.full((2, 3), 2.0))
    np.testing.assert_array_equal(got, 4 * np.eye(2, 3))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("start, stop, step", [(0.3, 10.0, 1.7), (5.5, -2.0, -0.9), (-1.0, 1.0, 0.35)])
def test_arange_float_grad(dtype, start, stop, step):
    # out[i] = start + i * step; stop only decides the length (chosen away from a jump)
    T.verify_grad(lambda a, b: T.sqr(T.arange(a, stop, b)), [np.asarray(start, dtype=dtype),
                                                             np.asarray(step, dtype=dtype)])


def test_arange_stop_disconnected_rop_and_integer_arange():
    start, stop, step = T.dscalar(), T.dscalar(), T.dscalar()
    out = T.arange(start, stop, step)
    assert out.owner.op.connection_pattern(out.owner) == [[True], [False], [True]]
    with pytest.raises(DisconnectedInputError):
        T.grad(T.sum(out), stop)
    g_start, g_step = T.grad(T.sum(out * out), [start, step])
    got = theano.function([start, stop, step], [g_start, g_step])(1.0, 4.0, 0.5)
    values = np.arange(1.0, 4.0, 0.5)
    np.testing.assert_allclose(got, [np.sum(2 * values), np.sum(2 * values * np.arange(values.size))])
    check_rop(lambda a, b: T.arange(a, 7.0, b) * 3, [np.asarray(0.5), np.asarray(1.25)])
    n = T.dscalar()
    ints = T.arange(T.cast(n, "int64"))
    assert ints.owner.op.connection_pattern(ints.owner) == [[False], [False], [False]]
    with pytest.raises(DisconnectedInputError):
        T.grad(T.sum(T.cast(ints, "float64")), n)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape, k", [((3, 4), 0), ((4, 3), 1), ((3, 3), -1), ((2, 3, 4), 2), ((2, 1, 3), -2)])
def test_tril_triu_grad(dtype, shape, k):
    value = utt.random(*shape, dtype=dtype)
    T.verify_grad(lambda m: T.tril(m, k), [value])
    T.verify_grad(lambda m: T.triu(m, k), [value])
    m = T.tensor(dtype, (False,) * len(shape))
    got = theano.function([m], T.grad(T.sum(T.tril(m, k) + 2 * T.triu(m, k)), m))(value)
    np.testing.assert_array_equal(got, (np.tril(np.ones(shape), k) + 2 * np.triu(np.ones(shape), k)).astype(dtype))


def test_tril_triu_rop():
    check_rop(lambda m: T.tril(T.sqr(m), 1), [utt.random(3, 4)])
    check_rop(lambda m: T.triu(m, -1), [utt.random(2, 3, 3)])
