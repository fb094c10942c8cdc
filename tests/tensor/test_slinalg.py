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


# ------------------------------------------------------------------------------------------
# Gradients and R_op
# ------------------------------------------------------------------------------------------

def small(*shape, offset=0):
    return utt.random(*shape, offset=offset)


def well_conditioned_spd(a):
    """Inside a test function: the SPD matrix a a^T + n I (symbolic, so every element of a moves)."""
    return T.dot(a, a.T) + a.shape[0] * T.identity_like(a)


def scaled_spd(n, offset=0):
    """An SPD matrix with eigenvalues in about [1, 2]."""
    return spd(n, offset=offset) / n


def symmetric_spaced(n, offset=0):
    """A symmetric matrix with eigenvalues 0.5, 1, ..., well apart."""
    q, _ = np.linalg.qr(utt.random(n, n, offset=offset))
    return q @ np.diag(0.5 * np.arange(1, n + 1)) @ q.T


def check_grad(fn, values, dtype):
    T.verify_grad(fn, [np.asarray(v).astype(dtype) for v in values], rng=utt.rng())


SLINALG_GRAD_CASES = [
    ("cholesky-lower", lambda a: slinalg.cholesky(well_conditioned_spd(a)), lambda: [small(4, 4)]),
    ("cholesky-upper", lambda a: slinalg.cholesky(well_conditioned_spd(a), lower=False), lambda: [small(4, 4)]),
    ("cholesky-nan-on-error", lambda a: slinalg.cholesky(well_conditioned_spd(a), on_error="nan"),
     lambda: [small(3, 3)]),
    ("cholesky-lower-triangle", slinalg.cholesky, lambda: [scaled_spd(4)]),
    ("cholesky-upper-triangle", functools.partial(slinalg.cholesky, lower=False), lambda: [scaled_spd(4)]),
    ("cho_solve-lower", lambda c, b: slinalg.cho_solve((c, True), b),
     lambda: [np.linalg.cholesky(scaled_spd(4)), small(4, 2, offset=1)]),
    ("cho_solve-upper-vector", lambda c, b: slinalg.cho_solve((c, False), b),
     lambda: [np.linalg.cholesky(scaled_spd(4)).T, small(4, offset=1)]),
    ("eigvalsh-lower", slinalg.eigvalsh, lambda: [symmetric_spaced(4)]),
    ("eigvalsh-upper", lambda a: slinalg.eigvalsh(a, lower=False), lambda: [symmetric_spaced(4)]),
    ("eigvalsh-pencil-lower", slinalg.eigvalsh, lambda: [symmetric_spaced(3), scaled_spd(3, offset=2)]),
    ("eigvalsh-pencil-upper", lambda a, b: slinalg.eigvalsh(a, b, lower=False),
     lambda: [symmetric_spaced(3), scaled_spd(3, offset=2)]),
    ("expm-general", slinalg.expm, lambda: [small(4, 4) / 2]),
    ("expm-symmetric", lambda a: slinalg.expm(a + a.T), lambda: [small(3, 3) / 2]),
    ("expm-defective", slinalg.expm, lambda: [np.array([[0.5, 1.0], [0.0, 0.5]])]),
    ("kron-matrices", slinalg.kron, lambda: [small(2, 3), small(3, 2, offset=1)]),
    ("kron-vector-matrix", slinalg.kron, lambda: [small(3), small(2, 2, offset=1)]),
]


@pytest.mark.parametrize("name, fn, make_values", SLINALG_GRAD_CASES, ids=[c[0] for c in SLINALG_GRAD_CASES])
@pytest.mark.parametrize("dtype", FLOATS)
def test_grad(name, fn, make_values, dtype):
    check_grad(fn, make_values(), dtype)


def unit_triangular(n, lower, offset=0):
    a = np.eye(n) + utt.random(n, n, offset=offset) / (2 * n)
    return np.tril(a) if lower else np.triu(a)


SOLVE_GRAD_MATRICES = {
    "general": lambda: np.eye(4) + utt.random(4, 4, offset=5) / 8,
    "symmetric": lambda: symmetric_spaced(4) + np.eye(4),
    "hermitian": lambda: symmetric_spaced(4) + np.eye(4),
    "positive_definite": lambda: scaled_spd(4, offset=6),
    "lower_triangular": lambda: unit_triangular(4, True, offset=7),
    "upper_triangular": lambda: unit_triangular(4, False, offset=7),
}


@pytest.mark.parametrize("structure", list(SOLVE_GRAD_MATRICES))
@pytest.mark.parametrize("lower", [True, False])
@pytest.mark.parametrize("b_shape", [(4,), (4, 2)], ids=str)
@pytest.mark.parametrize("dtype", FLOATS)
def test_solve_grad(structure, lower, b_shape, dtype):
    op = Solve(structure, lower)
    check_grad(op, [SOLVE_GRAD_MATRICES[structure](), small(*b_shape, offset=1)], dtype)


@pytest.mark.parametrize("structure, lower", [("symmetric", True), ("positive_definite", False),
                                              ("lower_triangular", True), ("upper_triangular", False)])
def test_solve_grad_only_in_the_triangle_read(structure, lower):
    a, b = T.dmatrix(), T.dvector()
    g = run([a, b], T.grad(T.sum(Solve(structure, lower)(a, b)), a), SOLVE_GRAD_MATRICES[structure](), small(4))
    unread = np.triu_indices(4, 1) if lower else np.tril_indices(4, -1)
    np.testing.assert_array_equal(g[unread], 0)
    assert np.count_nonzero(g) == 10


def test_cholesky_grad_nan_when_not_positive_definite():
    x = T.dmatrix()
    f = theano.function([x], T.grad(T.sum(slinalg.cholesky(x, on_error="nan")), x))
    assert np.isnan(f(-np.eye(3))).all()
    assert np.isfinite(f(spd(3))).all()


def test_cholesky_grad_value():
    # d L / d x for x = c^2 (1 x 1): L = c, so d L / d x = 1 / (2 c).
    x = T.dmatrix()
    g = run([x], T.grad(T.sum(slinalg.cholesky(x)), x), np.array([[9.0]]))
    np.testing.assert_allclose(g, [[1 / 6]])


def test_expm_grad_matches_eigendecomposition_formula():
    # Theano 1.0's formula for a diagonalizable matrix: with x = V diag(w) V^-1, U = V^-T,
    # the gradient is U ((V^T G U) * X) V^T, X[i, j] = (e^w_i - e^w_j) / (w_i - w_j).
    x = T.dmatrix()
    a = small(3, 3) + np.diag([0.0, 1.0, 2.0])
    g_out = small(3, 3, offset=1)
    got = run([x], T.grad(T.sum(slinalg.expm(x) * g_out), x), a)
    w, v = np.linalg.eig(a)
    u = np.linalg.inv(v).T
    exp_w = np.exp(w)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.subtract.outer(exp_w, exp_w) / np.subtract.outer(w, w)
    np.fill_diagonal(ratio, exp_w)
    expected = (u @ ((v.T @ g_out @ u) * ratio) @ v.T).real
    np.testing.assert_allclose(got, expected, rtol=1e-8)


def test_grad_dtype_float32():
    a, b = T.fmatrix(), T.fmatrix()
    costs = [slinalg.cholesky(a), slinalg.solve(a, b), slinalg.expm(a), slinalg.eigvalsh(a, b),
             slinalg.cho_solve((a, True), b)]
    for cost in costs:
        grads = T.grad(T.sum(cost), [a, b], disconnected_inputs="ignore")
        assert [g.type.dtype for g in grads] == ["float32", "float32"]


def test_second_derivative():
    # verify_grad of gradients: Hessian-vector products of solve and expm.
    a, b = np.eye(3) + small(3, 3) / 6, small(3, offset=1)
    T.verify_grad(lambda x, y: T.grad(T.sum(slinalg.solve(x, y) ** 2), x), [a, b], rng=utt.rng())
    T.verify_grad(lambda x: T.grad(T.sum(slinalg.expm(x) ** 2), x), [small(3, 3)], rng=utt.rng())


def test_expm_rop():
    from tests.unittest_tools import check_rop

    check_rop(slinalg.expm, [small(3, 3)], [small(3, 3, offset=1)])


def test_complex_grad_not_implemented():
    x = T.zmatrix()
    with pytest.raises(theano.gradient.NullTypeGradError, match="complex"):
        T.grad(T.sum(T.real(slinalg.expm(x))), x)
