"""Linear algebra computed by ``numpy.linalg``, and diagonals (Theano 1.0's ``theano.tensor.nlinalg``).

Most ops take one matrix: they share :class:`MatrixOp`, so each one only says what it
computes, its output types and its output shapes. Integer inputs are computed in float64, as
NumPy does; float32 stays float32.

Gradients are graphs of tensor ops (so they can be differentiated again), for real inputs; the
gradients of complex inputs are not implemented. Decompositions whose outputs are not unique
(eigenvectors, singular vectors, the Q of a QR) have gradients where the decomposition is
locally unique: distinct eigenvalues or singular values, a full-rank input.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from theano.gradient import DisconnectedType, grad_not_implemented
from theano.graph.basic import Apply
from theano.graph.op import Op
from theano.scalar.type import complex_types, discrete_types, upcast
from theano.tensor import math as tm
from theano.tensor.basic import as_tensor_variable, cast, ones_like, zeros, zeros_like
from theano.tensor.creation import identity_like, tril, triu
from theano.tensor.join import concatenate
from theano.tensor.products import dot, outer
from theano.tensor.shape import reshape, shape_i
from theano.tensor.type import TensorType
from theano.tensor.var import TensorVariable

__all__ = [
    "AllocDiag",
    "ExtractDiag",
    "det",
    "diag",
    "diagonal",
    "matrix_inverse",
    "trace",
]

_REAL_OF_COMPLEX = {"complex64": "float32", "complex128": "float64"}


# ------------------------------------------------------------------------------------------
# Helpers shared by the linear-algebra ops (slinalg uses them too)
# ------------------------------------------------------------------------------------------

def float_dtype(dtype: str, op_name: str) -> str:
    """The dtype a linear-algebra op computes in: floats and complex as they are, integers and
    booleans in float64 (as NumPy); float16 is refused, as by ``numpy.linalg``."""
    if dtype in ("float32", "float64") or dtype in complex_types:
        return dtype
    if dtype == "float16":
        raise TypeError(f"{op_name}: float16 is not supported by LAPACK; cast the input to float32")
    return "float64"


def real_dtype(dtype: str) -> str:
    """The dtype of the real part of ``dtype`` (singular values, eigenvalues of Hermitian matrices)."""
    return _REAL_OF_COMPLEX.get(dtype, dtype)


def tensor_input(x: Any, op_name: str, ndims: tuple[int, ...] = (2,), name: str = "x") -> TensorVariable:
    """``x`` as a tensor, or a TypeError when it does not have one of the allowed ``ndims``."""
    x = as_tensor_variable(x)
    if x.type.ndim not in ndims:
        wanted = " or ".join(f"{n}-d" for n in ndims)
        raise TypeError(f"{op_name}: input {name} must be {wanted}, got {x.type.describe()}")
    return x


def check_square(op_name: str, x: np.ndarray) -> None:
    """Raise ``numpy.linalg.LinAlgError`` (a ValueError) when ``x`` is not a square matrix."""
    if x.shape[-1] != x.shape[-2]:
        raise np.linalg.LinAlgError(f"{op_name}: expected a square matrix, got shape {x.shape}")


def complex_grads(op: Op, inputs: list) -> list | None:
    """Not-implemented gradients for every input when one of ``inputs`` is complex, else None."""
    if not any(x.type.dtype in complex_types for x in inputs):
        return None
    return [grad_not_implemented(op, i, x, "Gradients of complex matrices are not implemented.")
            for i, x in enumerate(inputs)]


def fold_triangle(g: TensorVariable, lower: bool) -> TensorVariable:
    """The gradient with respect to a matrix of which only one triangle is read.

    An op that reads the ``lower`` (else upper) triangle of ``a`` and treats it as a symmetric
    matrix ``s`` sees each off-diagonal element of that triangle twice (``s[i, j]`` and
    ``s[j, i]``) and never looks at the other triangle. Given the gradient ``g`` with respect to
    ``s``, this returns the gradient with respect to ``a``: ``g[i, j] + g[j, i]`` in the triangle
    read, the diagonal of ``g``, and zeros elsewhere.
    """
    if lower:
        return tril(g) + tril(g.T, -1)
    return triu(g) + triu(g.T, 1)


def nan_where(condition: TensorVariable, value: TensorVariable) -> TensorVariable:
    """``value``, or NaNs of its shape where the scalar ``condition`` is true at run time."""
    return tm.switch(condition, np.nan, value)


def _depends_on(g: TensorVariable) -> TensorVariable:
    """True (at run time) when the output gradient ``g`` has a nonzero element."""
    return tm.any(tm.neq(g, 0))


class MatrixOp(Op):
    """Base of the ops that take one matrix and compute their outputs with NumPy or SciPy.

    A subclass sets ``square`` and defines ``output_types(x, dtype)`` (a list of
    ``(dtype, broadcastable)``), ``compute(x)`` (a tuple of arrays, on ``x`` already in the
    computation dtype) and ``infer_shape``.
    """

    __props__: tuple[str, ...] = ()
    square = True

    def output_types(self, x: TensorVariable, dtype: str) -> list[tuple[str, tuple[bool, ...]]]:
        raise NotImplementedError

    def compute(self, x: np.ndarray) -> tuple:
        raise NotImplementedError

    def make_node(self, x):
        name = type(self).__name__
        x = tensor_input(x, name)
        dtype = float_dtype(x.type.dtype, name)
        outputs = [TensorType(d, b)() for d, b in self.output_types(x, dtype)]
        return Apply(self, [x], outputs)

    def perform(self, node, inputs, output_storage, params=None):
        (x,) = inputs
        if self.square:
            check_square(type(self).__name__, x)
        x = x.astype(float_dtype(str(x.dtype), type(self).__name__), copy=False)
        for cell, out, value in zip(output_storage, node.outputs, self.compute(x)):
            cell[0] = np.asarray(value, dtype=out.type.numpy_dtype)


class MatrixInverse(MatrixOp):
    """The inverse of a square matrix (``numpy.linalg.inv``)."""

    def output_types(self, x, dtype):
        return [(dtype, x.type.broadcastable)]

    def compute(self, x):
        return (np.linalg.inv(x),)

    def infer_shape(self, node, input_shapes):
        return [tuple(input_shapes[0])]

    def L_op(self, inputs, outputs, output_grads):
        # d(x^-1) = -x^-1 dx x^-1, so the gradient is -x^-T gz x^-T.
        (x,) = inputs
        (x_inv,) = outputs
        (gz,) = output_grads
        missing = complex_grads(self, inputs)
        if missing:
            return missing
        return [-matrix_dot(x_inv.T, gz, x_inv.T)]

    def R_op(self, inputs, eval_points):
        (ev,) = eval_points
        if ev is None:
            return [None]
        x_inv = self(inputs[0])
        return [-matrix_dot(x_inv, ev, x_inv)]


class MatrixPinv(MatrixOp):
    """The Moore-Penrose pseudo-inverse of a matrix (``numpy.linalg.pinv``)."""

    square = False

    def output_types(self, x, dtype):
        return [(dtype, x.type.broadcastable[::-1])]

    def compute(self, x):
        return (np.linalg.pinv(x),)

    def infer_shape(self, node, input_shapes):
        rows, cols = input_shapes[0]
        return [(cols, rows)]

    def L_op(self, inputs, outputs, output_grads):
        (x,) = inputs
        missing = complex_grads(self, inputs)
        if missing:
            return missing
        return [_pinv_grad(x, outputs[0], output_grads[0])]


def _pinv_grad(x: TensorVariable, z: TensorVariable, gz: TensorVariable) -> TensorVariable:
    """The gradient of a cost through ``z = pinv(x)``, valid where the rank of ``x`` is constant.

    From the derivative of the pseudo-inverse (Golub and Pereyra, 1973),
    ``dz = -z dx z + z z^T dx^T (I - x z) + (I - z x) dx^T z^T z``.
    """
    x_z = dot(x, z)
    z_x = dot(z, x)
    return (-matrix_dot(z.T, gz, z.T)
            + matrix_dot(identity_like(x_z) - x_z, gz.T, z, z.T)
            + matrix_dot(z.T, z, gz.T, identity_like(z_x) - z_x))


class Det(MatrixOp):
    """The determinant of a square matrix (``numpy.linalg.det``)."""

    def output_types(self, x, dtype):
        return [(dtype, ())]

    def compute(self, x):
        return (np.linalg.det(x),)

    def infer_shape(self, node, input_shapes):
        return [()]

    def L_op(self, inputs, outputs, output_grads):
        # d det(x) / dx = det(x) x^-T (Jacobi's formula).
        (x,) = inputs
        (d,) = outputs
        (gz,) = output_grads
        missing = complex_grads(self, inputs)
        if missing:
            return missing
        return [gz * d * matrix_inverse(x).T]

    def R_op(self, inputs, eval_points):
        (ev,) = eval_points
        if ev is None:
            return [None]
        (x,) = inputs
        return [self(x) * tm.sum(matrix_inverse(x).T * ev)]

    def __str__(self):
        return "Det"


class Eig(MatrixOp):
    """Eigenvalues ``w`` and right eigenvectors ``v`` (columns) of a square matrix (``numpy.linalg.eig``).

    The outputs have the input's dtype. A real matrix whose eigenvalues are not all real raises
    ValueError: cast it to complex first.
    """

    def output_types(self, x, dtype):
        return [(dtype, (False,)), (dtype, (False, False))]

    def compute(self, x):
        w, v = np.linalg.eig(x)
        if np.iscomplexobj(w) and not np.iscomplexobj(x):
            raise ValueError("Eig: this real matrix has complex eigenvalues; cast it to complex (for example "
                             "x.astype('complex128')) to get them")
        return w, v

    def infer_shape(self, node, input_shapes):
        n = input_shapes[0][0]
        return [(n,), (n, n)]

    def L_op(self, inputs, outputs, output_grads):
        # As in Theano 1.0: the eigenvectors of a general matrix have no gradient here; use eigh
        # for symmetric matrices.
        return [grad_not_implemented(self, 0, inputs[0], "Eig has no gradient; eigh has one for symmetric "
                                                          "matrices.")]


class Eigh(MatrixOp):
    """Eigenvalues (ascending, real) and eigenvectors of a symmetric or Hermitian matrix
    (``numpy.linalg.eigh``), reading only the triangle ``UPLO`` (``'L'`` or ``'U'``)."""

    __props__ = ("UPLO",)

    def __init__(self, UPLO: str = "L"):
        if UPLO not in ("L", "U"):
            raise ValueError(f"Eigh: UPLO must be 'L' or 'U', got {UPLO!r}")
        self.UPLO = UPLO

    def output_types(self, x, dtype):
        return [(real_dtype(dtype), (False,)), (dtype, (False, False))]

    def compute(self, x):
        return np.linalg.eigh(x, self.UPLO)

    def infer_shape(self, node, input_shapes):
        n = input_shapes[0][0]
        return [(n,), (n, n)]

    def L_op(self, inputs, outputs, output_grads):
        # First-order perturbation theory, for distinct eigenvalues: with x = v diag(w) v^T,
        # dw_n = v_n^T dx v_n and dv_n = sum_{m != n} v_m (v_m^T dx v_n) / (w_n - w_m). The
        # gradient with respect to the symmetric matrix is v (diag(gw) + F * (v^T gv)) v^T
        # with F[m, n] = 1 / (w_n - w_m) off the diagonal and 0 on it; then fold_triangle
        # accounts for eigh reading only the triangle UPLO.
        (x,) = inputs
        w, v = outputs
        gw, gv = output_grads
        missing = complex_grads(self, inputs)
        if missing:
            return missing
        inner = dot(v.T, gv) * _inverse_gaps(w) + tm.mul(identity_like(v), gw.dimshuffle("x", 0))
        return [fold_triangle(matrix_dot(v, inner, v.T), self.UPLO == "L")]


def _inverse_gaps(w: TensorVariable) -> TensorVariable:
    """The matrix ``1 / (w[n] - w[m])`` at ``[m, n]``, zero on the diagonal."""
    gaps = w.dimshuffle("x", 0) - w.dimshuffle(0, "x")
    eye = identity_like(gaps)
    return (1 - eye) / (gaps + eye)


class SVD(MatrixOp):
    """Singular value decomposition ``x = u @ diag(s) @ v`` (``numpy.linalg.svd``).

    Outputs ``u, s, v`` when ``compute_uv``, else only ``s``.
    """

    __props__ = ("full_matrices", "compute_uv")
    square = False

    def __init__(self, full_matrices: bool = True, compute_uv: bool = True):
        self.full_matrices = bool(full_matrices)
        self.compute_uv = bool(compute_uv)

    def output_types(self, x, dtype):
        s = (real_dtype(dtype), (False,))
        return [(dtype, (False, False)), s, (dtype, (False, False))] if self.compute_uv else [s]

    def compute(self, x):
        result = np.linalg.svd(x, full_matrices=self.full_matrices, compute_uv=self.compute_uv)
        return tuple(result) if self.compute_uv else (result,)

    def infer_shape(self, node, input_shapes):
        rows, cols = input_shapes[0]
        k = tm.minimum(rows, cols)
        if not self.compute_uv:
            return [(k,)]
        if self.full_matrices:
            return [(rows, rows), (k,), (cols, cols)]
        return [(rows, k), (k,), (k, cols)]

    def L_op(self, inputs, outputs, output_grads):
        """The gradient for distinct nonzero singular values.

        With ``full_matrices`` and a rectangular input, the columns of ``u`` (rows of ``v``)
        beyond ``min(M, N)`` are any orthonormal completion: a cost that depends on them has no
        gradient, and the result is then NaN at run time.
        """
        (x,) = inputs
        missing = complex_grads(self, inputs)
        if missing:
            return missing
        if not self.compute_uv:
            # ds_i = u_i^T dx v_i: the gradient is u diag(gs) v.
            u, _, vh = SVD(full_matrices=False)(x)
            return [dot(u * output_grads[0].dimshuffle("x", 0), vh)]
        u, s, vh = outputs
        gu, gs, gvh = output_grads
        if not self.full_matrices:
            return [_svd_grad(u, s, vh, gu, gs, gvh)]
        k = s.shape[0]
        grad = _svd_grad(u[:, :k], s, vh[:k], gu[:, :k], gs, gvh[:k])
        return [nan_where(tm.or_(_depends_on(gu[:, k:]), _depends_on(gvh[k:])), grad)]


def _svd_grad(u, s, vh, gu, gs, gvh) -> TensorVariable:
    """The gradient through the reduced SVD ``x = u diag(s) vh`` (M x N, K = min(M, N)).

    With ``v = vh^T`` and ``F[i, j] = 1 / (s_j^2 - s_i^2)`` (0 on the diagonal), it is
    ``u [(J + J^T) S + diag(gs) + S (L + L^T)] v^T + (I - u u^T) gu S^-1 v^T
    + u S^-1 gv^T (I - v v^T)``, where ``J = F * (u^T gu)`` and ``L = F * (v^T gv)``
    (Townsend, "Differentiating the singular value decomposition", 2016).
    """
    v, gv = vh.T, gvh.T
    s_row = s.dimshuffle("x", 0)
    s_col = s.dimshuffle(0, "x")
    squares = tm.sqr(s)
    gaps = squares.dimshuffle("x", 0) - squares.dimshuffle(0, "x")
    eye = identity_like(gaps)
    f = (1 - eye) / (gaps + eye)
    j = f * dot(u.T, gu)
    l_ = f * dot(v.T, gv)
    core = (j + j.T) * s_row + eye * gs.dimshuffle("x", 0) + s_col * (l_ + l_.T)
    u_side = dot(gu / s_row - dot(u, dot(u.T, gu)) / s_row, vh)
    v_side = dot(u, gvh / s_col - dot(dot(gvh, v), vh) / s_col)
    return matrix_dot(u, core, vh) + u_side + v_side


_QR_MODES = ("reduced", "complete", "raw")


class QRFull(MatrixOp):
    """QR decomposition with two outputs (``numpy.linalg.qr``): ``q, r`` for modes ``'reduced'``
    and ``'complete'``, LAPACK's ``h, tau`` for ``'raw'``."""

    __props__ = ("mode",)
    square = False

    def __init__(self, mode: str = "reduced"):
        if mode not in _QR_MODES:
            raise ValueError(f"QRFull: mode must be one of {_QR_MODES}, got {mode!r} (use QRIncomplete for 'r')")
        self.mode = mode

    def output_types(self, x, dtype):
        if self.mode == "raw":
            return [(dtype, (False, False)), (dtype, (False,))]
        return [(dtype, (False, False)), (dtype, (False, False))]

    def compute(self, x):
        return tuple(np.linalg.qr(x, self.mode))

    def infer_shape(self, node, input_shapes):
        rows, cols = input_shapes[0]
        k = tm.minimum(rows, cols)
        if self.mode == "reduced":
            return [(rows, k), (k, cols)]
        if self.mode == "complete":
            return [(rows, rows), (rows, cols)]
        return [(cols, rows), (k,)]

    def L_op(self, inputs, outputs, output_grads):
        """The gradient for an input whose first ``min(M, N)`` columns are independent.

        Mode ``'raw'`` (LAPACK's Householder form) has no gradient. In mode ``'complete'`` with
        M > N, the columns of ``q`` beyond N are any orthonormal completion: a cost that depends
        on them has no gradient, and the result is then NaN at run time.
        """
        (x,) = inputs
        if self.mode == "raw":
            return [grad_not_implemented(self, 0, x, "QR in mode 'raw' has no gradient; use mode 'reduced'.")]
        missing = complex_grads(self, inputs)
        if missing:
            return missing
        q, r = outputs
        gq, gr = output_grads
        if self.mode == "reduced":
            return [_qr_grad(x, q, r, gq, gr)]
        k = tm.minimum(shape_i(x, 0), shape_i(x, 1))
        grad = _qr_grad(x, q[:, :k], r[:k], gq[:, :k], gr[:k])
        return [nan_where(_depends_on(gq[:, k:]), grad)]


class QRIncomplete(MatrixOp):
    """The ``r`` factor alone of a QR decomposition (``numpy.linalg.qr(x, 'r')``)."""

    __props__ = ("mode",)
    square = False

    def __init__(self, mode: str = "r"):
        if mode != "r":
            raise ValueError(f"QRIncomplete: mode must be 'r', got {mode!r}")
        self.mode = mode

    def output_types(self, x, dtype):
        return [(dtype, (False, False))]

    def compute(self, x):
        return (np.linalg.qr(x, "r"),)

    def infer_shape(self, node, input_shapes):
        rows, cols = input_shapes[0]
        return [(tm.minimum(rows, cols), cols)]

    def L_op(self, inputs, outputs, output_grads):
        (x,) = inputs
        missing = complex_grads(self, inputs)
        if missing:
            return missing
        q, r = QRFull("reduced")(x)
        return [_qr_grad(x, q, r, zeros_like(q), output_grads[0])]


def _qr_grad(x, q, r, gq, gr) -> TensorVariable:
    """The gradient through the reduced QR ``x = q r`` (M x N, K = min(M, N)).

    Split ``x = [x1 | x2]`` and ``r = [r1 | r2]`` after K columns: ``x1 = q r1`` is the QR of an
    M x K matrix and ``r2 = q^T x2``. For the square factor, with ``m = r1 gr1^T - gq^T q``,
    the gradient is ``(gq + q copyltu(m)) r1^-T``, where ``copyltu(m)`` is the symmetric matrix
    with the lower triangle of ``m`` (Walter and Lehmann, 2018); ``gr2`` adds ``x2 gr2^T`` to
    ``gq`` and gives ``q gr2`` for ``x2``.
    """
    from theano.tensor.slinalg import solve_triangular

    k = tm.minimum(shape_i(x, 0), shape_i(x, 1))
    x2 = x[:, k:]
    r1, gr1, gr2 = r[:, :k], gr[:, :k], gr[:, k:]
    gq = gq + dot(x2, gr2.T)
    m = dot(r1, gr1.T) - dot(gq.T, q)
    b = gq + dot(q, tril(m) + tril(m, -1).T)
    grad1 = solve_triangular(r1, b.T, lower=False).T
    return concatenate([grad1, dot(q, gr2)], axis=1)


matrix_inverse = MatrixInverse()
pinv = MatrixPinv()
det = Det()
eig = Eig()


def eigh(a: Any, UPLO: str = "L") -> list[TensorVariable]:
    """Eigenvalues and eigenvectors of a symmetric (Hermitian) matrix.

    Parameters
    ----------
    a
        A square matrix; only its triangle ``UPLO`` is read.
    UPLO
        ``'L'`` (lower) or ``'U'`` (upper).

    Returns
    -------
    list of TensorVariable
        ``[w, v]``: the eigenvalues in ascending order (real), and the eigenvectors as columns.
    """
    return Eigh(UPLO)(a)


def svd(a: Any, full_matrices: bool = True, compute_uv: bool = True):
    """Singular value decomposition, as ``numpy.linalg.svd``.

    Parameters
    ----------
    a
        A matrix of shape (M, N).
    full_matrices
        Whether ``u`` and ``v`` are square (M, M), (N, N) or reduced (M, K), (K, N), K = min(M, N).
    compute_uv
        Whether to compute ``u`` and ``v``.

    Returns
    -------
    ``[u, s, v]`` when ``compute_uv``, else ``s`` alone (descending, real).
    """
    return SVD(full_matrices, compute_uv)(a)


def qr(a: Any, mode: str = "reduced"):
    """QR decomposition, as ``numpy.linalg.qr``.

    Parameters
    ----------
    a
        A matrix of shape (M, N).
    mode
        ``'reduced'`` (q: (M, K), r: (K, N)), ``'complete'`` (q: (M, M), r: (M, N)), ``'r'``
        (r only) or ``'raw'`` (LAPACK's h: (N, M) and tau: (K,)).

    Returns
    -------
    ``[q, r]``, ``r`` or ``[h, tau]`` according to ``mode``.
    """
    if mode == "r":
        return QRIncomplete(mode)(a)
    return QRFull(mode)(a)


# ------------------------------------------------------------------------------------------
# Diagonals
# ------------------------------------------------------------------------------------------

def _diagonal_length(n1, n2, offset: int):
    """Length of the diagonal ``offset`` of an (n1, n2) matrix, symbolically."""
    if offset >= 0:
        return tm.maximum(tm.minimum(n1, n2 - offset), 0)
    return tm.maximum(tm.minimum(n1 + offset, n2), 0)


def _diagonal_length_value(n1: int, n2: int, offset: int) -> int:
    """Length of the diagonal ``offset`` of an (n1, n2) matrix."""
    return max(min(n1, n2 - offset) if offset >= 0 else min(n1 + offset, n2), 0)


def _diagonal_axes(op_name: str, ndim: int, axis1: int, axis2: int) -> tuple[int, int]:
    """``axis1`` and ``axis2`` made non-negative for an ``ndim``-d array, or ValueError."""
    axes = []
    for axis in (axis1, axis2):
        if not -ndim <= axis < ndim:
            raise ValueError(f"{op_name}: axis {axis} is out of range for {ndim} dimensions")
        axes.append(axis % ndim)
    if axes[0] == axes[1]:
        raise ValueError(f"{op_name}: axis1 and axis2 must differ, got {axis1} and {axis2}")
    return axes[0], axes[1]


class ExtractDiag(Op):
    """A diagonal of the 2-d sub-arrays on axes ``axis1, axis2`` (``numpy.diagonal``).

    The diagonal becomes the last axis of the output. With ``view``, the output is a
    (read-only) view of the input instead of a copy.
    """

    __props__ = ("offset", "axis1", "axis2", "view")

    def __init__(self, offset: int = 0, axis1: int = 0, axis2: int = 1, view: bool = False):
        self.offset = int(offset)
        self.axis1 = int(axis1)
        self.axis2 = int(axis2)
        self.view = bool(view)
        if self.view:
            self.view_map = {0: [0]}

    def make_node(self, x):
        x = as_tensor_variable(x)
        if x.type.ndim < 2:
            raise TypeError(f"ExtractDiag: the input needs at least 2 dimensions, got {x.type.describe()}")
        axis1, axis2 = _diagonal_axes("ExtractDiag", x.type.ndim, self.axis1, self.axis2)
        bcast = x.type.broadcastable
        kept = tuple(b for i, b in enumerate(bcast) if i not in (axis1, axis2))
        length_one = self.offset == 0 and bcast[axis1] and bcast[axis2]
        return Apply(self, [x], [TensorType(x.type.dtype, kept + (length_one,))()])

    def perform(self, node, inputs, output_storage, params=None):
        (x,) = inputs
        result = np.diagonal(x, self.offset, self.axis1, self.axis2)
        output_storage[0][0] = result if self.view else result.copy()

    def infer_shape(self, node, input_shapes):
        (shape,) = input_shapes
        axis1, axis2 = _diagonal_axes("ExtractDiag", len(shape), self.axis1, self.axis2)
        kept = tuple(s for i, s in enumerate(shape) if i not in (axis1, axis2))
        return [kept + (_diagonal_length(shape[axis1], shape[axis2], self.offset),)]

    def grad(self, inputs, output_grads):
        (x,) = inputs
        axis1, axis2 = _diagonal_axes("ExtractDiag", x.type.ndim, self.axis1, self.axis2)
        alloc = AllocDiag(self.offset, self.axis1, self.axis2)
        return [alloc(output_grads[0], shape_i(x, axis1), shape_i(x, axis2))]

    def R_op(self, inputs, eval_points):
        return [None if eval_points[0] is None else self(eval_points[0])]


class AllocDiag(Op):
    """The inverse of :class:`ExtractDiag`: a tensor of zeros whose diagonal ``offset`` on axes
    ``axis1, axis2`` holds the last axis of the input (one more dimension than the input).

    Those two axes have length ``n + abs(offset)`` (``n`` the input's last axis), or the lengths
    given as two extra integer inputs, whose diagonal ``offset`` must then have length ``n``
    (the gradient of :class:`ExtractDiag` on rectangular sub-arrays).
    """

    __props__ = ("offset", "axis1", "axis2")

    def __init__(self, offset: int = 0, axis1: int = 0, axis2: int = 1):
        self.offset = int(offset)
        self.axis1 = int(axis1)
        self.axis2 = int(axis2)

    def make_node(self, x, *sizes):
        x = as_tensor_variable(x)
        if x.type.ndim < 1:
            raise TypeError(f"AllocDiag: the input needs at least 1 dimension, got {x.type.describe()}")
        if len(sizes) not in (0, 2):
            raise TypeError(f"AllocDiag: give no sizes or two (the lengths of axis1 and axis2), got {len(sizes)}")
        sizes = [as_tensor_variable(size) for size in sizes]
        for size in sizes:
            if size.type.ndim != 0 or size.type.dtype not in discrete_types:
                raise TypeError(f"AllocDiag: the sizes must be integer scalars, got {size.type.describe()}")
        ndim = x.type.ndim + 1
        axis1, axis2 = _diagonal_axes("AllocDiag", ndim, self.axis1, self.axis2)
        square = self.offset == 0 and x.type.broadcastable[-1] and not sizes
        batch = iter(x.type.broadcastable[:-1])
        bcast = [square if i in (axis1, axis2) else next(batch) for i in range(ndim)]
        return Apply(self, [x, *sizes], [TensorType(x.type.dtype, bcast)()])

    def perform(self, node, inputs, output_storage, params=None):
        x = inputs[0]
        n = x.shape[-1]
        rows, cols = (int(inputs[1]), int(inputs[2])) if len(inputs) == 3 else (n + abs(self.offset),) * 2
        if len(inputs) == 3 and _diagonal_length_value(rows, cols, self.offset) != n:
            raise ValueError(f"AllocDiag: diagonal {self.offset} of a ({rows}, {cols}) matrix does not have the "
                             f"input's length {n} (input shape {x.shape})")
        out = np.zeros(x.shape[:-1] + (rows, cols), dtype=x.dtype)
        index = np.arange(n)
        out[..., index + max(0, -self.offset), index + max(0, self.offset)] = x
        axis1, axis2 = _diagonal_axes("AllocDiag", x.ndim + 1, self.axis1, self.axis2)
        output_storage[0][0] = np.moveaxis(out, (-2, -1), (axis1, axis2))

    def infer_shape(self, node, input_shapes):
        shape = input_shapes[0]
        ndim = len(shape) + 1
        axis1, axis2 = _diagonal_axes("AllocDiag", ndim, self.axis1, self.axis2)
        if len(node.inputs) == 3:
            sizes = {axis1: node.inputs[1], axis2: node.inputs[2]}
        else:
            sizes = dict.fromkeys((axis1, axis2), shape[-1] + abs(self.offset))
        batch = iter(shape[:-1])
        return [tuple(sizes[i] if i in sizes else next(batch) for i in range(ndim))]

    def connection_pattern(self, node):
        return [[True]] + [[False]] * (len(node.inputs) - 1)

    def grad(self, inputs, output_grads):
        diagonal_of = ExtractDiag(self.offset, self.axis1, self.axis2)
        return [diagonal_of(output_grads[0])] + [DisconnectedType()() for _ in inputs[1:]]

    def R_op(self, inputs, eval_points):
        return [None if eval_points[0] is None else self(eval_points[0], *inputs[1:])]


def diagonal(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> TensorVariable:
    """A diagonal of ``a``, as ``numpy.diagonal``.

    Parameters
    ----------
    a
        A tensor with at least 2 dimensions.
    offset
        Which diagonal: 0 the main one, > 0 above it, < 0 below it.
    axis1, axis2
        The axes of the 2-d sub-arrays whose diagonals are taken.

    Returns
    -------
    TensorVariable
        The other axes of ``a`` in order, then the diagonal.
    """
    return ExtractDiag(offset, axis1, axis2)(a)


def extract_diag(x: Any) -> TensorVariable:
    """The main diagonal of a matrix (Theano 1.0's name; see :func:`diagonal`)."""
    return diagonal(x)


def alloc_diag(v: Any, offset: int = 0) -> TensorVariable:
    """A square matrix with ``v`` on diagonal ``offset`` and zeros elsewhere.

    Parameters
    ----------
    v
        A vector of length n (more dimensions: its last axis is placed on the diagonals).
    offset
        Which diagonal: 0 the main one, > 0 above it, < 0 below it.

    Returns
    -------
    TensorVariable
        A matrix of shape (n + abs(offset), n + abs(offset)).
    """
    return AllocDiag(offset)(v)


def diag(v: Any, k: int = 0) -> TensorVariable:
    """A diagonal matrix from a vector, or a diagonal of a matrix (``numpy.diag``).

    Parameters
    ----------
    v
        A vector (builds a matrix with ``v`` on diagonal ``k``) or a tensor with 2 or more
        dimensions (takes its diagonal ``k`` over the first two axes).
    k
        Which diagonal: 0 the main one, > 0 above it, < 0 below it.
    """
    v = as_tensor_variable(v)
    if v.type.ndim == 1:
        return alloc_diag(v, k)
    if v.type.ndim >= 2:
        return diagonal(v, k)
    raise ValueError(f"diag: the input must have 1 or more dimensions, got {v.type.describe()}")


def trace(X: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> TensorVariable:
    """The sum of the diagonal of ``X``, as ``numpy.trace``.

    Parameters
    ----------
    X
        A matrix (or a tensor with more dimensions: the sums are over the diagonals of its
        ``axis1, axis2`` sub-arrays).
    offset, axis1, axis2
        As in :func:`diagonal`.

    Returns
    -------
    TensorVariable
        0-d for a matrix; small integers sum in int64, as NumPy.
    """
    return tm.sum(diagonal(X, offset, axis1, axis2), axis=-1)


# ------------------------------------------------------------------------------------------
# Functions of matrices built from other ops
# ------------------------------------------------------------------------------------------

def matrix_dot(*args: Any) -> TensorVariable:
    """The product ``args[0] . args[1] . ... . args[-1]`` with :func:`theano.tensor.dot`."""
    if not args:
        raise TypeError("matrix_dot needs at least one argument")
    return functools.reduce(dot, args[1:], as_tensor_variable(args[0]))


def matrix_power(M: Any, n: int) -> TensorVariable:
    """``M`` raised to the integer power ``n`` by repeated squaring (``numpy.linalg.matrix_power``).

    Parameters
    ----------
    M
        A square matrix.
    n
        A Python integer: 0 gives the identity, a negative ``n`` the power of the inverse.
    """
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
        raise TypeError(f"matrix_power: the exponent must be an integer, got {n!r}")
    M = tensor_input(M, "matrix_power", name="M")
    n = int(n)
    if n == 0:
        return alloc_diag(ones_like(diagonal(M)))
    if n < 0:
        M = matrix_inverse(M)
        n = -n
    result = None
    base = M
    while True:
        if n & 1:
            result = base if result is None else dot(result, base)
        n >>= 1
        if not n:
            return result
        base = dot(base, base)


_INF_ORDERS = {"inf": np.inf, "-inf": -np.inf}


def norm(x: Any, ord: Any = None) -> TensorVariable:  # noqa: A002  (NumPy's argument name)
    """A vector or matrix norm, as ``numpy.linalg.norm`` without ``axis``.

    Parameters
    ----------
    x
        A vector or a matrix (with ``ord=None``, any tensor: the 2-norm of its flattening).
    ord
        Vectors: None (2-norm), inf, -inf, 0 (count of nonzeros) or any other number p
        (``sum(abs(x) ** p) ** (1 / p)``). Matrices: None or ``'fro'`` (Frobenius), ``'nuc'``
        (sum of singular values), inf, -inf (max/min row sum of ``abs(x)``), 1, -1 (max/min
        column sum), 2, -2 (largest/smallest singular value). ``'inf'`` and ``'-inf'`` are
        accepted as strings, as in Theano.

    Returns
    -------
    TensorVariable
        A 0-d tensor; integers give float64.
    """
    x = as_tensor_variable(x)
    if x.type.dtype not in complex_types and not x.type.dtype.startswith("float"):
        x = cast(x, "float64")
    ord = _INF_ORDERS.get(ord, ord) if isinstance(ord, str) else ord
    magnitude = tm.abs_(x)
    if ord is None or (ord == "fro" and x.type.ndim == 2) or (ord == 2 and x.type.ndim == 1):
        return tm.sqrt(tm.sum(tm.sqr(magnitude)))
    if x.type.ndim == 1:
        if isinstance(ord, str):
            raise ValueError(f"norm: invalid norm order {ord!r} for vectors")
        if ord == np.inf:
            return tm.max(magnitude)
        if ord == -np.inf:
            return tm.min(magnitude)
        if ord == 0:
            return cast(tm.sum(tm.neq(x, 0)), magnitude.type.dtype)
        return tm.sum(magnitude ** float(ord)) ** (1.0 / float(ord))
    if x.type.ndim != 2:
        raise ValueError(f"norm: ord={ord!r} needs a vector or a matrix, got {x.type.describe()}")
    if ord == "nuc":
        return tm.sum(svd(x, compute_uv=False))
    reductions = {np.inf: (tm.max, 1), -np.inf: (tm.min, 1), 1: (tm.max, 0), -1: (tm.min, 0)}
    if not isinstance(ord, str) and ord in reductions:
        reduce, axis = reductions[ord]
        return reduce(tm.sum(magnitude, axis=axis))
    if not isinstance(ord, str) and ord in (2, -2):
        singular_values = svd(x, compute_uv=False)
        return tm.max(singular_values) if ord == 2 else tm.min(singular_values)
    raise ValueError(f"norm: invalid norm order {ord!r} for matrices")


# ------------------------------------------------------------------------------------------
# Least squares and tensor equations
# ------------------------------------------------------------------------------------------

class Lstsq(Op):
    """Least-squares solution of ``a @ x = b`` (``numpy.linalg.lstsq``).

    Inputs ``a, b`` and optionally ``rcond`` (without it, NumPy's default: machine precision
    times max(M, N)). Outputs the solution, the residual sums of squares, the rank of ``a``
    (int64) and its singular values. The residuals' length depends on the computed rank, so this
    op has no ``infer_shape``.
    """

    __props__ = ()

    def make_node(self, a, b, rcond=None):
        a = tensor_input(a, "lstsq", name="a")
        b = tensor_input(b, "lstsq", (1, 2), name="b")
        dtype = float_dtype(upcast(a.type.dtype, b.type.dtype), "lstsq")
        inputs = [a, b]
        if rcond is not None:
            rcond = as_tensor_variable(rcond)
            if rcond.type.ndim != 0:
                raise TypeError(f"lstsq: rcond must be a scalar, got {rcond.type.describe()}")
            inputs.append(rcond)
        outputs = [
            TensorType(dtype, (False,) * b.type.ndim)(),
            TensorType(real_dtype(dtype), (False,))(),
            TensorType("int64", ())(),
            TensorType(real_dtype(dtype), (False,))(),
        ]
        return Apply(self, inputs, outputs)

    def perform(self, node, inputs, output_storage, params=None):
        a, b = inputs[:2]
        rcond = float(inputs[2]) if len(inputs) == 3 else None
        if a.shape[0] != b.shape[0]:
            raise ValueError(f"lstsq: a and b need the same number of rows, got shapes {a.shape} and {b.shape}")
        dtype = node.outputs[0].type.numpy_dtype
        results = np.linalg.lstsq(a.astype(dtype, copy=False), b.astype(dtype, copy=False), rcond=rcond)
        for cell, out, value in zip(output_storage, node.outputs, results):
            cell[0] = np.asarray(value, dtype=out.type.numpy_dtype)

    def connection_pattern(self, node):
        # The solution, residuals and singular values depend on a; the rank is an integer, and
        # rcond only moves the (piecewise constant) rank.
        pattern = [[True, True, False, True], [True, True, False, False]]
        return pattern + [[False] * 4] * (len(node.inputs) - 2)

    def L_op(self, inputs, outputs, output_grads):
        """The gradient where ``a`` has full rank (the solution is then ``pinv(a) @ b``)."""
        a, b = inputs[:2]
        x = outputs[0]
        gx, gres, _, gs = output_grads
        missing = complex_grads(self, inputs)
        if missing:
            return missing
        disconnected = [DisconnectedType()() for _ in inputs[2:]]
        # The solution x = P b, P = pinv(a).
        a_inv = pinv(a)
        ga = _pinv_grad(a, a_inv, outer(gx, b) if b.type.ndim == 1 else dot(gx, b.T))
        gb = dot(a_inv.T, gx)
        # The residuals |b - a x|^2 per column of b (empty unless a is tall and of full rank):
        # x minimizes them, so their derivative holds x fixed.
        n_rhs = shape_i(b, 1) if b.type.ndim == 2 else 1
        gres = concatenate([gres, zeros((n_rhs - shape_i(gres, 0),), dtype=gres.type.dtype)])
        residual = b - dot(a, x)
        weighted = 2 * (residual * gres if b.type.ndim == 2 else residual * gres[0])
        gb = gb + weighted
        ga = ga - (outer(weighted, x) if b.type.ndim == 1 else dot(weighted, x.T))
        # The singular values of a.
        u, _, vh = SVD(full_matrices=False)(a)
        ga = ga + dot(u * gs.dimshuffle("x", 0), vh)
        return [ga, gb] + disconnected


def lstsq(a: Any = None, b: Any = None, rcond: Any = None):
    """Least-squares solution of ``a @ x = b``, as ``numpy.linalg.lstsq``.

    Parameters
    ----------
    a
        A matrix of shape (M, N).
    b
        A vector (M,) or a matrix (M, K).
    rcond
        Singular values below ``rcond`` times the largest count as zero; None for NumPy's default.

    Returns
    -------
    list of TensorVariable
        ``[x, residuals, rank, s]``. Called with no arguments, returns the op itself, so
        Theano 1.0's ``lstsq()(a, b, rcond)`` keeps working.
    """
    if a is None and b is None:
        return Lstsq()
    return Lstsq()(a, b, rcond)


def _size(shape: list):
    """The product of symbolic lengths (1 for none)."""
    size = as_tensor_variable(np.int64(1))
    for length in shape:
        size = size * length
    return size


def _tensorsolve_order(ndim: int, axes) -> list[int]:
    """The axis order of ``a`` that ``numpy.linalg.tensorsolve`` uses: ``axes`` moved to the end."""
    if axes is None:
        return list(range(ndim))
    moved = list(_normalize_axis_list(axes, ndim))
    return [i for i in range(ndim) if i not in moved] + moved


def _normalize_axis_list(axes, ndim: int) -> list[int]:
    result = []
    for axis in axes:
        if not -ndim <= axis < ndim:
            raise ValueError(f"tensorsolve: axis {axis} is out of range for {ndim} dimensions")
        result.append(axis % ndim)
    return result


class TensorInv(Op):
    """The inverse of a tensor for :func:`tensordot` over ``ind`` axes (``numpy.linalg.tensorinv``)."""

    __props__ = ("ind",)

    def __init__(self, ind: int = 2):
        if int(ind) <= 0:
            raise ValueError(f"TensorInv: ind must be a positive integer, got {ind}")
        self.ind = int(ind)

    def make_node(self, a):
        a = as_tensor_variable(a)
        if a.type.ndim <= self.ind:
            raise TypeError(f"tensorinv: ind={self.ind} needs an input with more than {self.ind} dimensions, "
                            f"got {a.type.describe()}")
        dtype = float_dtype(a.type.dtype, "tensorinv")
        bcast = a.type.broadcastable[self.ind:] + a.type.broadcastable[: self.ind]
        return Apply(self, [a], [TensorType(dtype, bcast)()])

    def perform(self, node, inputs, output_storage, params=None):
        (a,) = inputs
        result = np.linalg.tensorinv(a.astype(node.outputs[0].type.numpy_dtype, copy=False), self.ind)
        output_storage[0][0] = np.asarray(result, dtype=node.outputs[0].type.numpy_dtype)

    def infer_shape(self, node, input_shapes):
        (shape,) = input_shapes
        return [tuple(shape[self.ind:]) + tuple(shape[: self.ind])]

    def L_op(self, inputs, outputs, output_grads):
        # tensorinv is the inverse of a reshaped to a square matrix: the matrix inverse's gradient,
        # reshaped.
        (a,) = inputs
        missing = complex_grads(self, inputs)
        if missing:
            return missing
        shape = [shape_i(a, i) for i in range(a.type.ndim)]
        rows, cols = _size(shape[: self.ind]), _size(shape[self.ind:])
        inverse = reshape(outputs[0], (cols, rows), ndim=2)
        g = reshape(output_grads[0], (cols, rows), ndim=2)
        return [reshape(-matrix_dot(inverse.T, g, inverse.T), shape, ndim=a.type.ndim)]


class TensorSolve(Op):
    """Solve ``tensordot(a, x, x.ndim) = b`` for ``x`` (``numpy.linalg.tensorsolve``)."""

    __props__ = ("axes",)

    def __init__(self, axes=None):
        self.axes = None if axes is None else tuple(int(a) for a in axes)

    def make_node(self, a, b):
        a = as_tensor_variable(a)
        b = as_tensor_variable(b)
        if a.type.ndim <= b.type.ndim:
            raise TypeError(f"tensorsolve: a must have more dimensions than b, got {a.type.describe()} and "
                            f"{b.type.describe()}")
        order = _tensorsolve_order(a.type.ndim, self.axes)
        dtype = float_dtype(upcast(a.type.dtype, b.type.dtype), "tensorsolve")
        bcast = tuple(a.type.broadcastable[i] for i in order[b.type.ndim:])
        return Apply(self, [a, b], [TensorType(dtype, bcast)()])

    def perform(self, node, inputs, output_storage, params=None):
        a, b = inputs
        dtype = node.outputs[0].type.numpy_dtype
        axes = _normalize_axis_list(self.axes, a.ndim) if self.axes else None
        result = np.linalg.tensorsolve(a.astype(dtype, copy=False), b.astype(dtype, copy=False), axes)
        output_storage[0][0] = np.asarray(result, dtype=dtype)

    def infer_shape(self, node, input_shapes):
        a_shape, b_shape = input_shapes
        order = _tensorsolve_order(len(a_shape), self.axes)
        return [tuple(a_shape[i] for i in order[len(b_shape):])]

    def L_op(self, inputs, outputs, output_grads):
        # With a's axes ordered as numpy does, the system is the square matrix a2 (b.size rows)
        # solving b.flatten(): gb = a2^-T gx and ga2 = -outer(gb, x), reshaped and put back.
        from theano.tensor.slinalg import solve

        a, b = inputs
        (x,) = outputs
        (gx,) = output_grads
        missing = complex_grads(self, inputs)
        if missing:
            return missing
        order = _tensorsolve_order(a.type.ndim, self.axes)
        moved = a.transpose(order) if order != list(range(a.type.ndim)) else a
        moved_shape = [shape_i(moved, i) for i in range(a.type.ndim)]
        b_shape = [shape_i(b, i) for i in range(b.type.ndim)]
        a2 = reshape(moved, (_size(b_shape), _size(moved_shape[b.type.ndim:])), ndim=2)
        gb = solve(a2.T, gx.flatten())
        ga = reshape(-outer(gb, x.flatten()), moved_shape, ndim=a.type.ndim)
        if order != list(range(a.type.ndim)):
            ga = ga.transpose([int(i) for i in np.argsort(order)])
        return [ga, reshape(gb, b_shape, ndim=b.type.ndim)]


def tensorinv(a: Any, ind: int = 2) -> TensorVariable:
    """The "inverse" of ``a`` for ``tensordot`` over ``ind`` axes (``numpy.linalg.tensorinv``).

    Returns
    -------
    TensorVariable
        Shape ``a.shape[ind:] + a.shape[:ind]``.
    """
    return TensorInv(ind)(a)


def tensorsolve(a: Any, b: Any, axes: Any = None) -> TensorVariable:
    """Solve ``tensordot(a, x, axes=x.ndim) = b`` for ``x`` (``numpy.linalg.tensorsolve``).

    Parameters
    ----------
    a
        The coefficient tensor; ``axes`` (if given) are moved to its end first.
    b
        The right-hand side, whose shape is that of ``a``'s leading axes.

    Returns
    -------
    TensorVariable
        ``x``, of shape ``a.shape[b.ndim:]`` (after moving ``axes``).
    """
    return TensorSolve(axes)(a, b)
