"""theano.tensor.slinalg against scipy.linalg: cholesky, solves, eigvalsh, expm, kron."""

import functools

import numpy as np
import pytest
import scipy.linalg

import theano
import theano.tensor as T
from tests import unittest_tools as utt
from theano.tensor import slinalg
from theano.tensor.slinalg import Cholesky, CholeskySolve, Eigvalsh, Expm, Solve

FLOATS = ["float64", "float32"]


def spd(n, dtype="float64", offset=0):
    """A random symmetric positive-definite n x n matrix."""
    a = utt.random(n, n, offset=offset)
    return (a @ a.T + n * np.eye(n)).astype(dtype)


def run(inputs, outputs, *values):
    return theano.function(inputs, outputs)(*values)


def assert_close(actual, expected, dtype):
    assert np.asarray(actual).dtype == np.dtype(dtype), f"{np.asarray(actual).dtype} != {dtype}"
    rtol, atol = (1e-3, 1e-4) if dtype == "float32" else (1e-7, 1e-9)
    np.testing.assert_allclose(actual, np.asarray(expected), rtol=rtol, atol=atol)


# ------------------------------------------------------------------------------------------
# Cholesky
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("lower", [True, False])
@pytest.mark.parametrize("dtype", FLOATS)
def test_cholesky(lower, dtype):
    x = T.matrix(dtype=dtype)
    a = spd(4, dtype)
    out = slinalg.cholesky(x, lower=lower)
    assert out.type.dtype == dtype
    value = run([x], out, a)
    assert_close(value, scipy.linalg.cholesky(a.astype("float64"), lower=lower), dtype)
    assert np.allclose(np.triu(value, 1) if lower else np.tril(value, -1), 0)
    utt.check_infer_shape([x], out, [a], op_class=Cholesky)


def test_cholesky_default_is_lower_and_int_gives_float64():
    x = T.lmatrix()
    a = np.array([[4, 2], [2, 3]], dtype="int64")
    out = slinalg.cholesky(x)
    assert out.type.dtype == "float64"
    assert_close(run([x], out, a), np.linalg.cholesky(a.astype("float64")), "float64")


def test_cholesky_not_positive_definite():
    x = T.dmatrix()
    f = theano.function([x], slinalg.cholesky(x))
    with pytest.raises(np.linalg.LinAlgError, match="not positive definite"):
        f(np.array([[1.0, 2.0], [2.0, 1.0]]))


def test_cholesky_nan_on_error():
    x = T.dmatrix()
    value = run([x], slinalg.cholesky(x, on_error="nan"), np.array([[1.0, 2.0], [2.0, 1.0]]))
    assert value.shape == (2, 2) and np.all(np.isnan(value))
    with pytest.raises(ValueError, match="on_error"):
        Cholesky(on_error="ignore")


def test_cholesky_errors():
    with pytest.raises(TypeError, match="must be 2-d"):
        slinalg.cholesky(T.dvector())
    x = T.dmatrix()
    f = theano.function([x], slinalg.cholesky(x))
    with pytest.raises(ValueError, match=r"square matrix, got shape \(2, 3\)"):
        f(utt.random(2, 3))


# ------------------------------------------------------------------------------------------
# Solves
# ------------------------------------------------------------------------------------------

def triangular(n, dtype="float64", lower=True, offset=0):
    a = utt.random(n, n, offset=offset) + n * np.eye(n)
    return (np.tril(a) if lower else np.triu(a)).astype(dtype)


def general(n, dtype="float64"):
    return (utt.random(n, n, offset=4) + n * np.eye(n)).astype(dtype)


MATRIX_MAKERS = {
    "general": general,
    "spd": spd,
    "lower": functools.partial(triangular, lower=True),
    "upper": functools.partial(triangular, lower=False),
}
# (id, function, keyword arguments, kind of matrix it is given); every reference is np.linalg.solve.
SOLVE_CASES = [
    ("general", slinalg.solve, {}, "general"),
    ("sym", slinalg.solve, {"assume_a": "sym"}, "spd"),
    ("pos-lower", slinalg.solve, {"assume_a": "pos", "lower": True}, "spd"),
    ("her", slinalg.solve, {"assume_a": "her"}, "spd"),
    ("theano-structure-name", slinalg.solve, {"assume_a": "lower_triangular"}, "lower"),
    ("solve_symmetric", slinalg.solve_symmetric, {}, "spd"),
    ("solve_lower_triangular", slinalg.solve_lower_triangular, {}, "lower"),
    ("solve_upper_triangular", slinalg.solve_upper_triangular, {}, "upper"),
    ("solve_triangular-lower", slinalg.solve_triangular, {"lower": True}, "lower"),
    ("solve_triangular-upper", slinalg.solve_triangular, {}, "upper"),
]


@pytest.mark.parametrize("name, fn, kwargs, kind", SOLVE_CASES, ids=[c[0] for c in SOLVE_CASES])
@pytest.mark.parametrize("b_ndim", [1, 2])
@pytest.mark.parametrize("dtype", FLOATS)
def test_solve(name, fn, kwargs, kind, b_ndim, dtype):
    a = MATRIX_MAKERS[kind](4, dtype)
    b = utt.random(*((4,) if b_ndim == 1 else (4, 3)), dtype=dtype, offset=2)
    x, y = T.matrix(dtype=dtype), T.tensor(dtype, (False,) * b_ndim)
    out = fn(x, y, **kwargs)
    assert out.type.dtype == dtype and out.type.ndim == b_ndim
    value = run([x, y], out, a, b)
    assert_close(value, np.linalg.solve(a.astype("float64"), b.astype("float64")), dtype)
    utt.check_infer_shape([x, y], out, [a, b], op_class=Solve)


def test_solve_triangular_ignores_other_triangle():
    x, y = T.dmatrix(), T.dvector()
    a = triangular(4, "float64", lower=True)
    noisy = a + np.triu(np.full((4, 4), 9.0), 1)
    b = utt.random(4, offset=1)
    utt.assert_allclose(run([x, y], slinalg.solve_triangular(x, y, lower=True), noisy, b), np.linalg.solve(a, b))


@pytest.mark.parametrize("dtypes, expected", [(("int64", "int64"), "float64"), (("float32", "float64"), "float64"),
                                              (("float32", "int16"), "float32"), (("int32", "float32"), "float64")])
def test_solve_output_dtype(dtypes, expected):
    x, y = T.matrix(dtype=dtypes[0]), T.vector(dtype=dtypes[1])
    out = slinalg.solve(x, y)
    assert out.type.dtype == expected
    a = np.array([[3, 1], [1, 2]], dtype=dtypes[0])
    b = np.array([9, 8], dtype=dtypes[1])
    value = run([x, y], out, a, b)
    assert value.dtype == expected
    np.testing.assert_allclose(value, np.linalg.solve(a.astype("float64"), b.astype("float64")), rtol=1e-5)


def test_solve_errors():
    with pytest.raises(TypeError, match="input b must be 1-d or 2-d"):
        slinalg.solve(T.dmatrix(), T.dtensor3())
    with pytest.raises(TypeError, match="input A must be 2-d"):
        slinalg.solve(T.dvector(), T.dvector())
    with pytest.raises(ValueError, match="assume_a"):
        slinalg.solve(T.dmatrix(), T.dvector(), assume_a="banded")
    with pytest.raises(ValueError, match="A_structure"):
        Solve(A_structure="weird")
    x, y = T.dmatrix(), T.dvector()
    f = theano.function([x, y], slinalg.solve(x, y))
    with pytest.raises(ValueError, match=r"shapes \(3, 3\) and \(4,\)"):
        f(spd(3), utt.random(4))
    with pytest.raises(ValueError, match="square matrix"):
        f(utt.random(3, 4), utt.random(3))
    with pytest.raises(np.linalg.LinAlgError):
        f(np.ones((3, 3)), utt.random(3))


@pytest.mark.parametrize("lower", [True, False])
@pytest.mark.parametrize("b_shape", [(4,), (4, 2)])
@pytest.mark.parametrize("dtype", FLOATS)
def test_cho_solve(lower, b_shape, dtype):
    a = spd(4, dtype)
    c = scipy.linalg.cholesky(a, lower=lower).astype(dtype)
    b = utt.random(*b_shape, dtype=dtype, offset=1)
    x, y = T.matrix(dtype=dtype), T.tensor(dtype, (False,) * len(b_shape))
    out = slinalg.cho_solve((x, lower), y)
    assert_close(run([x, y], out, c, b), scipy.linalg.cho_solve((c.astype("float64"), lower), b), dtype)
    utt.check_infer_shape([x, y], out, [c, b], op_class=CholeskySolve)
    if lower:  # Theano 1.0's call: cho_solve(C, b) with a lower factor
        assert_close(run([x, y], slinalg.cho_solve(x, y), c, b), run([x, y], out, c, b), dtype)


# ------------------------------------------------------------------------------------------
# eigvalsh, expm
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("lower", [True, False])
@pytest.mark.parametrize("generalized", [False, True])
@pytest.mark.parametrize("dtype", FLOATS)
def test_eigvalsh(lower, generalized, dtype):
    a = spd(4, dtype) - 2 * np.eye(4, dtype=dtype)
    b = spd(4, dtype, offset=3) if generalized else None
    x = T.matrix(dtype=dtype)
    inputs, values = [x], [a]
    if generalized:
        y = T.matrix(dtype=dtype)
        inputs.append(y)
        values.append(b)
        out = slinalg.eigvalsh(x, y, lower=lower)
    else:
        out = slinalg.eigvalsh(x, lower=lower)
    expected = scipy.linalg.eigvalsh(a.astype("float64"), None if b is None else b.astype("float64"), lower=lower)
    assert_close(run(inputs, out, *values), expected, dtype)
    utt.check_infer_shape(inputs, out, values, op_class=Eigvalsh)


def test_eigvalsh_errors():
    x, y = T.dmatrix(), T.dmatrix()
    f = theano.function([x, y], slinalg.eigvalsh(x, y))
    with pytest.raises(ValueError, match="same shape"):
        f(spd(3), spd(4))
    with pytest.raises(TypeError, match="must be 2-d"):
        slinalg.eigvalsh(T.dvector())


@pytest.mark.parametrize("dtype", FLOATS)
def test_expm(dtype):
    x = T.matrix(dtype=dtype)
    a = utt.random(4, 4, dtype=dtype)
    out = slinalg.expm(x)
    assert_close(run([x], out, a), scipy.linalg.expm(a.astype("float64")), dtype)
    utt.check_infer_shape([x], out, [a], op_class=Expm)


def test_expm_square():
    x = T.dmatrix()
    f = theano.function([x], slinalg.expm(x))
    with pytest.raises(ValueError, match="square"):
        f(utt.random(2, 3))


# ------------------------------------------------------------------------------------------
# kron
# ------------------------------------------------------------------------------------------

KRON_SHAPES = [((2, 3), (4, 5)), ((3,), (4,)), ((2, 3), (4,)), ((3,), (2, 4)), ((2, 1, 3), (2, 2)), ((), (2, 3)),
               ((2, 2, 2), (3, 1, 2))]


@pytest.mark.parametrize("a_shape, b_shape", KRON_SHAPES)
@pytest.mark.parametrize("dtypes", [("float64", "float64"), ("float32", "float32"), ("int32", "int64")], ids="-".join)
def test_kron(a_shape, b_shape, dtypes):
    x, y = T.tensor(dtypes[0], (False,) * len(a_shape)), T.tensor(dtypes[1], (False,) * len(b_shape))
    a = utt.random(*a_shape, dtype=dtypes[0], low=-4, high=4)
    b = utt.random(*b_shape, dtype=dtypes[1], low=-4, high=4, offset=1)
    out = slinalg.kron(x, y)
    expected = np.kron(a, b)
    value = run([x, y], out, a, b)
    assert value.dtype == expected.dtype
    np.testing.assert_allclose(value, expected, rtol=1e-6)
    utt.check_infer_shape([x, y], out, [a, b])


def test_kron_broadcastable():
    out = slinalg.kron(T.drow(), T.dmatrix())
    assert out.type.broadcastable == (False, False)
    out = slinalg.kron(T.drow(), T.drow())
    assert out.type.broadcastable == (True, False)
