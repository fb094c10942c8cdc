"""theano.tensor.nlinalg against numpy.linalg: decompositions, inverses, diagonals, norms."""

import numpy as np
import pytest

import theano
import theano.tensor as T
from tests import unittest_tools as utt
from theano.tensor import nlinalg
from theano.tensor.nlinalg import (
    SVD,
    AllocDiag,
    Det,
    Eig,
    Eigh,
    ExtractDiag,
    Lstsq,
    MatrixInverse,
    MatrixPinv,
    QRFull,
    QRIncomplete,
    TensorInv,
    TensorSolve,
)

FLOATS = ["float64", "float32"]


def well_conditioned(n, dtype="float64", offset=0):
    """A random n x n matrix with a dominant diagonal (invertible, modest condition number)."""
    return (utt.random(n, n, offset=offset) + n * np.eye(n)).astype(dtype)


def symmetric(n, dtype="float64", offset=0):
    a = utt.random(n, n, offset=offset)
    return (a + a.T + 2 * n * np.eye(n)).astype(dtype)


def run(inputs, outputs, *values):
    return theano.function(inputs, outputs)(*values)


def assert_close(actual, expected, dtype):
    """Values close for ``dtype``'s precision, and the output exactly of ``dtype``."""
    assert np.asarray(actual).dtype == np.dtype(dtype), f"{np.asarray(actual).dtype} != {dtype}"
    rtol, atol = (1e-3, 1e-4) if dtype in ("float32", "complex64") else (1e-7, 1e-9)
    np.testing.assert_allclose(actual, np.asarray(expected).astype(dtype), rtol=rtol, atol=atol)


# ------------------------------------------------------------------------------------------
# Single-matrix ops
# ------------------------------------------------------------------------------------------

SQUARE_OPS = [
    ("matrix_inverse", nlinalg.matrix_inverse, np.linalg.inv, MatrixInverse),
    ("det", nlinalg.det, np.linalg.det, Det),
]


@pytest.mark.parametrize("name, fn, ref, op_class", SQUARE_OPS, ids=[c[0] for c in SQUARE_OPS])
@pytest.mark.parametrize("dtype", FLOATS)
def test_square_ops(name, fn, ref, op_class, dtype):
    x = T.matrix(dtype=dtype)
    a = well_conditioned(4, dtype)
    out = fn(x)
    assert out.type.dtype == dtype
    assert_close(run([x], out, a), ref(a.astype("float64")), dtype)
    utt.check_infer_shape([x], out, [a], op_class=op_class)


@pytest.mark.parametrize("fn", [nlinalg.matrix_inverse, nlinalg.det, nlinalg.eig, nlinalg.eigh])
def test_square_ops_refuse_rectangular(fn):
    x = T.dmatrix()
    out = fn(x)
    f = theano.function([x], out)
    with pytest.raises(np.linalg.LinAlgError, match=r"square matrix, got shape \(3, 4\)"):
        f(utt.random(3, 4))


@pytest.mark.parametrize("fn", [nlinalg.matrix_inverse, nlinalg.pinv, nlinalg.det, nlinalg.eig, nlinalg.svd,
                                nlinalg.qr])
def test_matrix_ops_refuse_other_ranks(fn):
    with pytest.raises(TypeError, match="must be 2-d"):
        fn(T.dvector())


def test_integer_input_computes_in_float64():
    x = T.imatrix()
    a = np.array([[2, 1], [1, 3]], dtype="int32")
    out = nlinalg.matrix_inverse(x)
    assert out.type.dtype == "float64"
    assert_close(run([x], out, a), np.linalg.inv(a), "float64")


def test_float16_refused():
    with pytest.raises(TypeError, match="float16"):
        nlinalg.matrix_inverse(T.matrix(dtype="float16"))


def test_singular_matrix_raises():
    x = T.dmatrix()
    f = theano.function([x], nlinalg.matrix_inverse(x))
    with pytest.raises(np.linalg.LinAlgError):
        f(np.ones((3, 3)))


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (4, 4)])
@pytest.mark.parametrize("dtype", FLOATS)
def test_pinv(shape, dtype):
    x = T.matrix(dtype=dtype)
    a = utt.random(*shape, dtype=dtype)
    out = nlinalg.pinv(x)
    assert_close(run([x], out, a), np.linalg.pinv(a.astype("float64")), dtype)
    utt.check_infer_shape([x], out, [a], op_class=MatrixPinv)


@pytest.mark.parametrize("dtype", FLOATS + ["complex128"])
def test_eig(dtype):
    x = T.matrix(dtype=dtype)
    a = symmetric(4, "float64").astype(dtype)
    if dtype == "complex128":
        a = a + 1j * utt.random(4, 4, offset=3)
    w, v = nlinalg.eig(x)
    assert w.type.dtype == dtype and v.type.dtype == dtype
    w_val, v_val = run([x], [w, v], a)
    assert w_val.dtype == dtype and v_val.dtype == dtype
    # Eigenpairs: a v = v diag(w)
    tol = 1e-3 if dtype == "float32" else 1e-8
    np.testing.assert_allclose(a @ v_val, v_val * w_val, rtol=tol, atol=tol)
    np.testing.assert_allclose(np.sort_complex(w_val), np.sort_complex(np.linalg.eigvals(a)), rtol=tol, atol=tol)
    utt.check_infer_shape([x], [w, v], [a], op_class=Eig)


def test_eig_real_matrix_with_complex_eigenvalues():
    x = T.dmatrix()
    f = theano.function([x], nlinalg.eig(x))
    with pytest.raises(ValueError, match="complex eigenvalues"):
        f(np.array([[0.0, -1.0], [1.0, 0.0]]))


@pytest.mark.parametrize("UPLO", ["L", "U"])
@pytest.mark.parametrize("dtype", FLOATS + ["complex128"])
def test_eigh(UPLO, dtype):
    x = T.matrix(dtype=dtype)
    a = symmetric(4).astype(dtype)
    if dtype == "complex128":
        h = utt.random(4, 4, offset=5)
        a = a + 1j * (h - h.T)
    # Garbage in the unread triangle must not matter.
    noisy = np.tril(a) + np.triu(np.full_like(a, 7.0), 1) if UPLO == "L" else np.triu(a) + np.tril(
        np.full_like(a, 7.0), -1)
    w, v = nlinalg.eigh(x, UPLO)
    real = "float32" if dtype == "float32" else "float64"
    assert w.type.dtype == real and v.type.dtype == dtype
    w_val, v_val = run([x], [w, v], noisy)
    w_ref, v_ref = np.linalg.eigh(a.astype("complex128" if dtype == "complex128" else "float64"), UPLO)
    assert_close(w_val, w_ref, real)
    tol = 1e-3 if dtype == "float32" else 1e-8
    np.testing.assert_allclose(np.abs(v_val), np.abs(v_ref), rtol=tol, atol=tol)
    utt.check_infer_shape([x], [w, v], [noisy], op_class=Eigh)


def test_eigh_bad_uplo():
    with pytest.raises(ValueError, match="UPLO"):
        nlinalg.eigh(T.dmatrix(), "X")


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (4, 4)])
@pytest.mark.parametrize("full_matrices", [True, False])
@pytest.mark.parametrize("dtype", FLOATS)
def test_svd(shape, full_matrices, dtype):
    x = T.matrix(dtype=dtype)
    a = utt.random(*shape, dtype=dtype)
    u, s, v = nlinalg.svd(x, full_matrices=full_matrices)
    u_val, s_val, v_val = run([x], [u, s, v], a)
    u_ref, s_ref, v_ref = np.linalg.svd(a.astype("float64"), full_matrices=full_matrices)
    assert_close(s_val, s_ref, dtype)
    assert u_val.shape == u_ref.shape and v_val.shape == v_ref.shape and u_val.dtype == dtype
    k = min(shape)
    tol = 1e-3 if dtype == "float32" else 1e-8
    np.testing.assert_allclose((u_val[:, :k] * s_val) @ v_val[:k], a, rtol=tol, atol=tol)
    utt.check_infer_shape([x], [u, s, v], [a], op_class=SVD)


@pytest.mark.parametrize("dtype", FLOATS)
def test_svd_values_only(dtype):
    x = T.matrix(dtype=dtype)
    a = utt.random(3, 5, dtype=dtype)
    s = nlinalg.svd(x, compute_uv=False)
    assert_close(run([x], s, a), np.linalg.svd(a.astype("float64"), compute_uv=False), dtype)
    utt.check_infer_shape([x], s, [a], op_class=SVD)


@pytest.mark.parametrize("mode", ["reduced", "complete", "r", "raw"])
@pytest.mark.parametrize("shape", [(3, 5), (5, 3)])
@pytest.mark.parametrize("dtype", FLOATS)
def test_qr(mode, shape, dtype):
    x = T.matrix(dtype=dtype)
    a = utt.random(*shape, dtype=dtype)
    out = nlinalg.qr(x, mode)
    values = run([x], out, a)
    expected = np.linalg.qr(a, mode)
    if mode == "r":
        values, expected = [values], [expected]
    for value, ref in zip(values, expected):
        assert_close(value, ref, dtype)
    utt.check_infer_shape([x], out, [a], op_class=QRIncomplete if mode == "r" else QRFull)


def test_qr_bad_mode():
    with pytest.raises(ValueError, match="mode"):
        nlinalg.qr(T.dmatrix(), "economic")


# ------------------------------------------------------------------------------------------
# Diagonals and trace
# ------------------------------------------------------------------------------------------

DIAGONAL_CASES = [
    ((4, 4), 0, 0, 1),
    ((3, 5), 1, 0, 1),
    ((5, 3), -2, 0, 1),
    ((3, 5), 7, 0, 1),
    ((2, 3, 4), 0, 0, 1),
    ((2, 3, 4), 1, 2, 0),
    ((2, 3, 4), -1, -1, -2),
    ((2, 3, 4, 5), 0, 1, 3),
]


@pytest.mark.parametrize("shape, offset, axis1, axis2", DIAGONAL_CASES)
@pytest.mark.parametrize("dtype", ["float64", "float32", "int32"])
def test_diagonal(shape, offset, axis1, axis2, dtype):
    x = T.tensor(dtype, (False,) * len(shape))
    a = utt.random(*shape, dtype=dtype, low=-5, high=5)
    out = T.diagonal(x, offset, axis1, axis2)
    value = run([x], out, a)
    expected = np.diagonal(a, offset, axis1, axis2)
    assert value.dtype == a.dtype
    np.testing.assert_array_equal(value, expected)
    assert value.flags.writeable and not np.may_share_memory(value, a)
    utt.check_infer_shape([x], out, [a], op_class=ExtractDiag)
    method = run([x], x.diagonal(offset, axis1, axis2), a)
    np.testing.assert_array_equal(method, expected)


@pytest.mark.parametrize("shape, offset, axis1, axis2", DIAGONAL_CASES)
def test_trace(shape, offset, axis1, axis2):
    x = T.tensor("float64", (False,) * len(shape))
    a = utt.random(*shape)
    out = T.trace(x, offset, axis1, axis2)
    utt.assert_allclose(run([x], out, a), np.trace(a, offset, axis1, axis2))
    utt.check_infer_shape([x], out, [a])


@pytest.mark.parametrize("dtype", ["int8", "int32", "float32", "float64", "bool"])
def test_trace_method_and_dtype(dtype):
    x = T.matrix(dtype=dtype)
    a = utt.random(4, 4, dtype=dtype, low=-5, high=5)
    value = run([x], x.trace(), a)
    expected = np.trace(a)
    assert value.dtype == expected.dtype
    utt.assert_allclose(value, expected)


def test_diagonal_errors():
    with pytest.raises(TypeError, match="at least 2 dimensions"):
        T.diagonal(T.dvector())
    with pytest.raises(ValueError, match="must differ"):
        T.diagonal(T.dmatrix(), 0, 1, 1)
    with pytest.raises(ValueError, match="out of range"):
        T.diagonal(T.dmatrix(), 0, 0, 2)


def test_diagonal_broadcastable():
    assert T.diagonal(T.tensor("float64", (True, True))).type.broadcastable == (True,)
    assert T.diagonal(T.tensor("float64", (True, True)), 1).type.broadcastable == (False,)
    assert T.diagonal(T.tensor("float64", (True, False, False)), 0, 1, 2).type.broadcastable == (True, False)


def test_extract_diag_view():
    x = T.dmatrix()
    op = ExtractDiag(view=True)
    assert op.view_map == {0: [0]} and ExtractDiag().view_map == {}
    a = utt.random(3, 3)
    np.testing.assert_array_equal(run([x], op(x), a), np.diagonal(a))
    np.testing.assert_array_equal(run([x], nlinalg.extract_diag(x), a), np.diagonal(a))


@pytest.mark.parametrize("n, offset", [(3, 0), (3, 2), (4, -1), (1, 0)])
@pytest.mark.parametrize("dtype", ["float64", "float32", "int64"])
def test_alloc_diag_and_diag_of_vector(n, offset, dtype):
    x = T.vector(dtype=dtype)
    v = utt.random(n, dtype=dtype, low=-5, high=5)
    for out in (nlinalg.alloc_diag(x, offset), T.diag(x, offset)):
        value = run([x], out, v)
        assert value.dtype == dtype
        np.testing.assert_array_equal(value, np.diag(v, offset))
        utt.check_infer_shape([x], out, [v], op_class=AllocDiag)


@pytest.mark.parametrize("shape, offset, axis1, axis2", [((2, 3), 0, 0, 1), ((2, 3), 1, 2, 0), ((4, 2, 3), -1, 1, 3)])
def test_alloc_diag_inverts_extract_diag(shape, offset, axis1, axis2):
    x = T.tensor("float64", (False,) * len(shape))
    v = utt.random(*shape)
    full = AllocDiag(offset, axis1, axis2)(x)
    value = run([x], full, v)
    assert value.ndim == len(shape) + 1
    np.testing.assert_array_equal(np.diagonal(value, offset, axis1, axis2), v)
    assert np.count_nonzero(value) == np.count_nonzero(v)
    utt.check_infer_shape([x], full, [v], op_class=AllocDiag)


@pytest.mark.parametrize("k", [0, 1, -2])
def test_diag_of_matrix(k):
    x = T.dmatrix()
    a = utt.random(4, 5)
    np.testing.assert_array_equal(run([x], T.diag(x, k), a), np.diag(a, k))


def test_diag_of_scalar_raises():
    with pytest.raises(ValueError, match="1 or more dimensions"):
        T.diag(T.dscalar())


# ------------------------------------------------------------------------------------------
# Functions built from other ops
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", FLOATS)
def test_matrix_dot(dtype):
    xs = [T.matrix(dtype=dtype) for _ in range(3)]
    values = [utt.random(3, 4, dtype=dtype), utt.random(4, 5, dtype=dtype, offset=1),
              utt.random(5, 2, dtype=dtype, offset=2)]
    out = nlinalg.matrix_dot(*xs)
    assert_close(run(xs, out, *values), values[0] @ values[1] @ values[2], dtype)
    utt.check_infer_shape(xs, out, values)


POWER_CASES = [(n, dtype) for dtype in FLOATS + ["int64"] for n in (0, 1, 2, 3, 5, 8, -1, -3)
               if n >= 0 or dtype != "int64"]


@pytest.mark.parametrize("n, dtype", POWER_CASES)
def test_matrix_power(n, dtype):
    x = T.matrix(dtype=dtype)
    a = (well_conditioned(3) / 3).astype(dtype) if dtype != "int64" else utt.random(3, 3, dtype=dtype, low=-2, high=3)
    out = nlinalg.matrix_power(x, n)
    expected = np.linalg.matrix_power(a, n)
    value = run([x], out, a)
    assert value.dtype == expected.dtype
    utt.assert_allclose(value, expected, rtol=1e-4 if dtype == "float32" else 1e-10)
    utt.check_infer_shape([x], out, [a])


def test_matrix_power_needs_int():
    with pytest.raises(TypeError, match="integer"):
        nlinalg.matrix_power(T.dmatrix(), 2.0)


VECTOR_ORDS = [None, 1, 2, 3, 0.5, np.inf, -np.inf, "inf", "-inf", 0, -1]
MATRIX_ORDS = [None, "fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf, "inf"]


@pytest.mark.parametrize("ord", VECTOR_ORDS)
@pytest.mark.parametrize("dtype", FLOATS + ["int32"])
def test_norm_vector(ord, dtype):
    x = T.vector(dtype=dtype)
    v = utt.random(6, dtype=dtype, low=-4, high=4)
    v[v == 0] = 1
    if ord == 0:
        v[0] = 0
    out = nlinalg.norm(x, ord)
    expected = np.linalg.norm(v, {"inf": np.inf, "-inf": -np.inf}.get(ord, ord))
    value = run([x], out, v)
    assert value.dtype == expected.dtype
    utt.assert_allclose(value, expected)


@pytest.mark.parametrize("ord", MATRIX_ORDS)
@pytest.mark.parametrize("dtype", FLOATS)
def test_norm_matrix(ord, dtype):
    x = T.matrix(dtype=dtype)
    a = utt.random(3, 4, dtype=dtype)
    out = nlinalg.norm(x, ord)
    expected = np.linalg.norm(a, {"inf": np.inf}.get(ord, ord))
    value = run([x], out, a)
    assert value.dtype == expected.dtype
    utt.assert_allclose(value, expected)


def test_norm_errors():
    with pytest.raises(ValueError, match="for vectors"):
        nlinalg.norm(T.dvector(), "fro")
    with pytest.raises(ValueError, match="for matrices"):
        nlinalg.norm(T.dmatrix(), 3)
    with pytest.raises(ValueError, match="vector or a matrix"):
        nlinalg.norm(T.dtensor3(), 1)


def test_norm_none_flattens_any_rank():
    x = T.dtensor3()
    a = utt.random(2, 3, 4)
    utt.assert_allclose(run([x], nlinalg.norm(x), a), np.linalg.norm(a))


@pytest.mark.parametrize("b_shape", [(6,), (6, 2)])
@pytest.mark.parametrize("a_shape", [(6, 3), (3, 3)])
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("rcond", [None, 1e-3])
def test_lstsq(a_shape, b_shape, dtype, rcond):
    b_shape = (a_shape[0],) + b_shape[1:]
    x = T.matrix(dtype=dtype)
    y = T.tensor(dtype, (False,) * len(b_shape))
    a = well_conditioned(3, dtype) if a_shape == (3, 3) else utt.random(*a_shape, dtype=dtype)
    b = utt.random(*b_shape, dtype=dtype, offset=1)
    outs = nlinalg.lstsq(x, y, rcond)
    values = run([x, y], outs, a, b)
    expected = np.linalg.lstsq(a, b, rcond=rcond)
    for value, ref in zip(values, expected):
        if np.asarray(ref).dtype.kind == "i":
            assert int(value) == int(ref) and value.dtype == np.int64
        else:
            assert_close(value, ref, dtype)


def test_lstsq_theano_calling_style():
    x, y = T.dmatrix(), T.dvector()
    op = nlinalg.lstsq()
    assert isinstance(op, Lstsq)
    a, b = utt.random(5, 2), utt.random(5, offset=1)
    solution = run([x, y], op(x, y, -1)[0], a, b)
    utt.assert_allclose(solution, np.linalg.lstsq(a, b, rcond=-1)[0])


def test_lstsq_row_mismatch():
    x, y = T.dmatrix(), T.dvector()
    f = theano.function([x, y], nlinalg.lstsq(x, y)[0])
    with pytest.raises(ValueError, match="same number of rows"):
        f(utt.random(5, 2), utt.random(4))


@pytest.mark.parametrize("shape, ind", [((4, 6, 8, 3), 2), ((24, 4, 6), 1)])
@pytest.mark.parametrize("dtype", FLOATS)
def test_tensorinv(shape, ind, dtype):
    x = T.tensor(dtype, (False,) * len(shape))
    a = (utt.random(*shape) + np.eye(int(np.prod(shape[:ind]))).reshape(shape) * 3).astype(dtype)
    out = nlinalg.tensorinv(x, ind)
    assert_close(run([x], out, a), np.linalg.tensorinv(a.astype("float64"), ind), dtype)
    utt.check_infer_shape([x], out, [a], op_class=TensorInv)


def test_tensorinv_errors():
    with pytest.raises(ValueError, match="positive"):
        nlinalg.tensorinv(T.dtensor3(), 0)
    with pytest.raises(TypeError, match="more than 2 dimensions"):
        nlinalg.tensorinv(T.dmatrix(), 2)


@pytest.mark.parametrize("axes, moved_from", [(None, None), ((1,), 1), ((0,), 0), ((-3,), 0)])
@pytest.mark.parametrize("dtype", FLOATS)
def test_tensorsolve(axes, moved_from, dtype):
    # A well-conditioned (2, 3, 6) coefficient tensor; with ``axes``, its last axis is stored
    # elsewhere and tensorsolve moves it back to the end.
    a = (utt.random(6, 6) + 4 * np.eye(6)).reshape(2, 3, 6)
    if moved_from is not None:
        a = np.moveaxis(a, 2, moved_from)
    a = np.ascontiguousarray(a).astype(dtype)
    b = utt.random(2, 3, dtype=dtype, offset=1)
    x, y = T.tensor3(dtype=dtype), T.matrix(dtype=dtype)
    out = nlinalg.tensorsolve(x, y, axes)
    numpy_axes = None if axes is None else tuple(ax % 3 for ax in axes)  # NumPy refuses negative axes
    expected = np.linalg.tensorsolve(a.astype("float64"), b.astype("float64"), numpy_axes)
    assert_close(run([x, y], out, a, b), expected, dtype)
    utt.check_infer_shape([x, y], out, [a, b], op_class=TensorSolve)


def test_exports_through_tensor():
    for name in ("diag", "diagonal", "trace", "matrix_inverse", "det", "ExtractDiag", "AllocDiag"):
        assert getattr(T, name) is getattr(nlinalg, name)


# ------------------------------------------------------------------------------------------
# AllocDiag with explicit sizes (the gradient of ExtractDiag on rectangular matrices)
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("rows, cols, offset", [(3, 5, 0), (3, 5, 1), (3, 5, -1), (5, 3, 2), (4, 4, -3)])
def test_alloc_diag_with_sizes(rows, cols, offset):
    x = T.dvector()
    n = np.diagonal(np.zeros((rows, cols)), offset).shape[0]
    v = utt.random(n)
    out = AllocDiag(offset)(x, rows, cols)
    value = run([x], out, v)
    expected = np.zeros((rows, cols))
    index = np.arange(n)
    expected[index + max(0, -offset), index + max(0, offset)] = v
    np.testing.assert_array_equal(value, expected)
    utt.check_infer_shape([x], out, [v], op_class=AllocDiag)


def test_alloc_diag_with_sizes_errors():
    x = T.dvector()
    with pytest.raises(TypeError, match="two"):
        AllocDiag()(x, 3)
    with pytest.raises(TypeError, match="integer scalars"):
        AllocDiag()(x, 3.0, 2)
    f = theano.function([x], AllocDiag(1)(x, 3, 5))
    with pytest.raises(ValueError, match=r"diagonal 1 of a \(3, 5\) matrix does not have the input's length 2"):
        f(np.ones(2))


# ------------------------------------------------------------------------------------------
# Gradients and R_op
# ------------------------------------------------------------------------------------------

def near_identity(n, dtype, offset=0):
    """I plus a random matrix of norm below 1/2: invertible, determinant near 1."""
    return (np.eye(n) + utt.random(n, n, offset=offset) / (2 * n)).astype(dtype)


def spectral(n, dtype, offset=0):
    """A random symmetric matrix with eigenvalues 0.5, 1, ..., well apart."""
    q, _ = np.linalg.qr(utt.random(n, n, offset=offset))
    return (q @ np.diag(0.5 * np.arange(1, n + 1)) @ q.T).astype(dtype)


def full_rank(rows, cols, dtype, offset=0):
    """A random matrix with singular values 2, 1.5, 1, ... (full rank, well apart)."""
    u, _ = np.linalg.qr(utt.random(rows, rows, offset=offset))
    v, _ = np.linalg.qr(utt.random(cols, cols, offset=offset + 1))
    k = min(rows, cols)
    s = np.zeros((rows, cols))
    s[np.arange(k), np.arange(k)] = 2 - 0.5 * np.arange(k)
    return (u @ s @ v.T).astype(dtype)


def check_grad(fn, values):
    """verify_grad with the tolerances of the values' dtype."""
    T.verify_grad(fn, list(values), rng=utt.rng())


# (id, function of the inputs, builder of the float64 inputs)
GRAD_CASES = [
    ("matrix_inverse", nlinalg.matrix_inverse, lambda: [near_identity(4, "float64")]),
    ("det", nlinalg.det, lambda: [near_identity(4, "float64")]),
    ("pinv-tall", nlinalg.pinv, lambda: [full_rank(4, 3, "float64")]),
    ("pinv-wide", nlinalg.pinv, lambda: [full_rank(3, 4, "float64")]),
    ("eigh-w-L", lambda x: nlinalg.eigh(x, "L")[0], lambda: [spectral(4, "float64")]),
    ("eigh-w-U", lambda x: nlinalg.eigh(x, "U")[0], lambda: [spectral(4, "float64")]),
    ("eigh-v-L", lambda x: nlinalg.eigh(x, "L")[1], lambda: [spectral(4, "float64")]),
    ("eigh-v-U", lambda x: nlinalg.eigh(x, "U")[1], lambda: [spectral(3, "float64")]),
    ("eigh-both", lambda x: nlinalg.eigh(x)[1] * nlinalg.eigh(x)[0], lambda: [spectral(3, "float64")]),
    ("svd-values", lambda x: nlinalg.svd(x, compute_uv=False), lambda: [full_rank(4, 3, "float64")]),
    ("svd-full-s-wide", lambda x: nlinalg.svd(x)[1], lambda: [full_rank(3, 4, "float64")]),
    ("svd-u-tall", lambda x: nlinalg.svd(x, full_matrices=False)[0], lambda: [full_rank(4, 3, "float64")]),
    ("svd-v-tall", lambda x: nlinalg.svd(x, full_matrices=False)[2], lambda: [full_rank(4, 3, "float64")]),
    ("svd-u-wide", lambda x: nlinalg.svd(x, full_matrices=False)[0], lambda: [full_rank(3, 4, "float64")]),
    ("svd-v-wide", lambda x: nlinalg.svd(x, full_matrices=False)[2], lambda: [full_rank(3, 4, "float64")]),
    ("svd-all-square-full",
     lambda x: T.dot(nlinalg.svd(x)[0] * nlinalg.svd(x)[1], nlinalg.svd(x)[2] ** 2),
     lambda: [full_rank(3, 3, "float64")]),
    ("qr-q-tall", lambda x: nlinalg.qr(x)[0], lambda: [full_rank(4, 3, "float64")]),
    ("qr-r-tall", lambda x: nlinalg.qr(x)[1], lambda: [full_rank(4, 3, "float64")]),
    ("qr-q-wide", lambda x: nlinalg.qr(x)[0], lambda: [full_rank(3, 4, "float64")]),
    ("qr-r-wide", lambda x: nlinalg.qr(x)[1], lambda: [full_rank(3, 4, "float64")]),
    ("qr-r-only", lambda x: nlinalg.qr(x, "r"), lambda: [full_rank(4, 3, "float64")]),
    ("qr-complete-r-tall", lambda x: nlinalg.qr(x, "complete")[1], lambda: [full_rank(4, 3, "float64")]),
    ("qr-complete-q-wide", lambda x: nlinalg.qr(x, "complete")[0], lambda: [full_rank(3, 4, "float64")]),
    ("diagonal", nlinalg.diagonal, lambda: [utt.random(3, 3)]),
    ("diagonal-rect-offset", lambda x: nlinalg.diagonal(x, 1), lambda: [utt.random(3, 5)]),
    ("diagonal-rect-negative", lambda x: nlinalg.diagonal(x, -2), lambda: [utt.random(4, 3)]),
    ("diagonal-3d-axes", lambda x: nlinalg.diagonal(x, 1, 2, 0), lambda: [utt.random(3, 2, 4)]),
    ("alloc_diag", lambda x: nlinalg.alloc_diag(x, -1), lambda: [utt.random(3)]),
    ("alloc_diag-axes", lambda x: AllocDiag(1, 2, 0)(x), lambda: [utt.random(2, 3)]),
    ("trace", nlinalg.trace, lambda: [utt.random(3, 4)]),
    ("matrix_power-3", lambda x: nlinalg.matrix_power(x, 3), lambda: [near_identity(3, "float64")]),
    ("matrix_power-minus-2", lambda x: nlinalg.matrix_power(x, -2), lambda: [near_identity(3, "float64")]),
    ("norm-fro", lambda x: nlinalg.norm(x, "fro"), lambda: [full_rank(3, 4, "float64")]),
    ("norm-nuc", lambda x: nlinalg.norm(x, "nuc"), lambda: [full_rank(3, 4, "float64")]),
    ("norm-2", lambda x: nlinalg.norm(x, 2), lambda: [full_rank(4, 3, "float64")]),
    ("norm-minus-2", lambda x: nlinalg.norm(x, -2), lambda: [full_rank(4, 3, "float64")]),
    ("norm-inf", lambda x: nlinalg.norm(x, np.inf), lambda: [full_rank(3, 4, "float64")]),
    ("norm-vector-3", lambda x: nlinalg.norm(x, 3), lambda: [utt.random(4, low=0.2)]),
    ("lstsq-x-vector", lambda a, b: nlinalg.lstsq(a, b)[0], lambda: [full_rank(5, 3, "float64"), utt.random(5)]),
    ("lstsq-x-wide", lambda a, b: nlinalg.lstsq(a, b)[0], lambda: [full_rank(3, 4, "float64"), utt.random(3, 2)]),
    ("lstsq-residuals", lambda a, b: nlinalg.lstsq(a, b)[1], lambda: [full_rank(5, 3, "float64"), utt.random(5, 2)]),
    ("lstsq-residuals-vector", lambda a, b: nlinalg.lstsq(a, b)[1],
     lambda: [full_rank(5, 3, "float64"), utt.random(5)]),
    ("lstsq-singular-values", lambda a, b: nlinalg.lstsq(a, b)[3], lambda: [full_rank(5, 3, "float64"), utt.random(5)]),
    ("lstsq-all-but-rank", lambda a, b: T.sum(nlinalg.lstsq(a, b)[0]) + T.sum(nlinalg.lstsq(a, b)[1]),
     lambda: [full_rank(3, 4, "float64"), utt.random(3, 2)]),
    ("tensorinv", lambda x: nlinalg.tensorinv(x, 2), lambda: [near_identity(6, "float64").reshape(2, 3, 3, 2)]),
    ("tensorinv-ind-1", lambda x: nlinalg.tensorinv(x, 1), lambda: [near_identity(6, "float64").reshape(6, 2, 3)]),
    ("tensorsolve", nlinalg.tensorsolve,
     lambda: [near_identity(6, "float64").reshape(2, 3, 3, 2), utt.random(2, 3)]),
    ("tensorsolve-axes", lambda a, b: nlinalg.tensorsolve(a, b, axes=(0,)),
     lambda: [near_identity(6, "float64").reshape(3, 2, 6).transpose(2, 0, 1), utt.random(3, 2)]),
]


@pytest.mark.parametrize("name, fn, make_values", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
@pytest.mark.parametrize("dtype", FLOATS)
def test_grad(name, fn, make_values, dtype):
    check_grad(fn, [v.astype(dtype) for v in make_values()])


@pytest.mark.parametrize("dtype", FLOATS)
def test_grad_values_and_dtype(dtype):
    # Closed forms: d det(A) = det(A) A^-T, d sum(A^-1) = -A^-T 1 1^T A^-T.
    x = T.matrix(dtype=dtype)
    a = near_identity(3, dtype)
    g_det, g_inv = T.grad(nlinalg.det(x), x), T.grad(T.sum(nlinalg.matrix_inverse(x)), x)
    assert g_det.type.dtype == g_inv.type.dtype == dtype
    inverse = np.linalg.inv(a.astype("float64"))
    ones = np.ones((3, 3))
    assert_close(run([x], g_det, a), np.linalg.det(a.astype("float64")) * inverse.T, dtype)
    assert_close(run([x], g_inv, a), -inverse.T @ ones @ inverse.T, dtype)


def test_eigh_grad_reads_one_triangle():
    x = T.dmatrix()
    a = spectral(3, "float64")
    for uplo, unread in (("L", np.triu_indices(3, 1)), ("U", np.tril_indices(3, -1))):
        g = run([x], T.grad(T.sum(nlinalg.eigh(x, uplo)[0] ** 2), x), a)
        np.testing.assert_array_equal(g[unread], 0)
        # sum(w^2) = |a|_F^2, whose gradient in the triangle read is 2a (4a off the diagonal).
        np.testing.assert_allclose(np.diag(g), 2 * np.diag(a))
        read = np.tril_indices(3, -1) if uplo == "L" else np.triu_indices(3, 1)
        np.testing.assert_allclose(g[read], 4 * a[read])


@pytest.mark.parametrize("fn", [lambda x: nlinalg.svd(x)[0], lambda x: nlinalg.qr(x, "complete")[0]],
                         ids=["svd-u", "qr-complete-q"])
def test_grad_through_arbitrary_completion_is_nan(fn):
    # The columns of u (or q) past min(M, N) are any orthonormal completion: no gradient.
    x = T.dmatrix()
    out = fn(x)
    g_all, g_leading = T.grad(T.sum(out), x), T.grad(T.sum(out[:, :2]), x)
    f = theano.function([x], [g_all, g_leading])
    all_columns, leading = f(full_rank(4, 2, "float64"))
    assert np.isnan(all_columns).all()
    assert np.isfinite(leading).all()


@pytest.mark.parametrize("fn, name", [(nlinalg.eig, "Eig"), (lambda x: nlinalg.qr(x, "raw"), "QRFull")],
                         ids=["eig", "qr-raw"])
def test_grad_not_implemented(fn, name):
    x = T.dmatrix()
    with pytest.raises(theano.gradient.NullTypeGradError, match=f"{name}.*not implemented"):
        T.grad(T.sum(fn(x)[0]), x)


def test_complex_grad_not_implemented():
    x = T.zmatrix()
    with pytest.raises(theano.gradient.NullTypeGradError, match="complex"):
        T.grad(T.sum(T.real(nlinalg.matrix_inverse(x))), x)


@pytest.mark.parametrize("name, fn", [
    ("det", nlinalg.det),
    ("matrix_inverse", lambda x: T.sum(nlinalg.matrix_inverse(x) ** 2)),
    ("eigh-top-eigenvalue", lambda x: nlinalg.eigh(x)[0][-1]),
], ids=lambda v: v if isinstance(v, str) else "")
def test_second_derivative(name, fn):
    # verify_grad of a gradient: a Hessian-vector product against finite differences.
    a = spectral(3, "float64") if name.startswith("eigh") else near_identity(3, "float64")
    check_grad(lambda x: T.grad(fn(x), x), [a])


@pytest.mark.parametrize("name, fn", [
    ("matrix_inverse", nlinalg.matrix_inverse),
    ("det", nlinalg.det),
    ("diagonal", lambda x: nlinalg.diagonal(x, 1)),
    ("alloc_diag-of-diagonal", lambda x: nlinalg.alloc_diag(nlinalg.diagonal(x), 2)),
], ids=lambda v: v if isinstance(v, str) else "")
def test_rop(name, fn):
    from tests.unittest_tools import check_rop

    check_rop(fn, [near_identity(4, "float64")], [utt.random(4, 4, offset=1)])
