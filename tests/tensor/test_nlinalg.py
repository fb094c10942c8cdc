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
