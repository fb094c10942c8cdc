"""Linear algebra computed by ``scipy.linalg`` (Theano 1.0's ``theano.tensor.slinalg``).

Gradients are graphs of tensor ops, for real inputs (those of complex inputs are not
implemented). Ops that read only one triangle of a matrix give gradients in that triangle.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.linalg

from theano.graph.basic import Apply
from theano.graph.op import Op
from theano.scalar.type import upcast
from theano.tensor import math as tm
from theano.tensor.basic import as_tensor_variable, patternbroadcast
from theano.tensor.creation import identity_like, tril, triu
from theano.tensor.math import mul
from theano.tensor.nlinalg import (
    Eigh,
    MatrixOp,
    check_square,
    complex_grads,
    float_dtype,
    fold_triangle,
    matrix_dot,
    nan_where,
    real_dtype,
    tensor_input,
)
from theano.tensor.products import dot, outer
from theano.tensor.shape import reshape, shape_i
from theano.tensor.type import TensorType
from theano.tensor.var import TensorVariable

__all__: list[str] = []


class Cholesky(MatrixOp):
    """The Cholesky factor of a symmetric (Hermitian) positive-definite matrix
    (``scipy.linalg.cholesky``): lower-triangular ``L`` with ``x = L @ L^H`` when ``lower``,
    else upper-triangular ``U`` with ``x = U^H @ U``.

    ``on_error='raise'`` raises ``numpy.linalg.LinAlgError`` on a matrix that is not positive
    definite; ``'nan'`` returns a matrix of NaNs instead.
    """

    __props__ = ("lower", "on_error")

    def __init__(self, lower: bool = True, on_error: str = "raise"):
        if on_error not in ("raise", "nan"):
            raise ValueError(f"Cholesky: on_error must be 'raise' or 'nan', got {on_error!r}")
        self.lower = bool(lower)
        self.on_error = on_error

    def output_types(self, x, dtype):
        return [(dtype, x.type.broadcastable)]

    def compute(self, x):
        try:
            return (scipy.linalg.cholesky(x, lower=self.lower),)
        except np.linalg.LinAlgError as exc:
            if self.on_error == "nan":
                return (np.full(x.shape, np.nan, dtype=x.dtype),)
            raise np.linalg.LinAlgError(f"Cholesky: the matrix of shape {x.shape} is not positive definite "
                                        f"({exc})") from None

    def infer_shape(self, node, input_shapes):
        return [tuple(input_shapes[0])]

    def L_op(self, inputs, outputs, output_grads):
        """Theano 1.0's gradient (Murray, "Differentiation of the Cholesky decomposition", 2016).

        With ``x = L L^T`` and ``phi(m)`` the lower triangle of ``m`` with its diagonal halved,
        the gradient with respect to the symmetric ``x`` is the symmetric part of
        ``s = L^-T phi(L^T gL) L^-1``, folded into the triangle the op reads. With
        ``on_error='nan'``, a factor of NaNs gives a gradient of NaNs.
        """
        (x,) = inputs
        (chol,) = outputs
        (gz,) = output_grads
        missing = complex_grads(self, inputs)
        if missing:
            return missing
        if self.on_error == "nan":
            failed = tm.any(tm.isnan(chol))
            chol = tm.switch(failed, identity_like(chol), chol)
            gz = tm.switch(failed, 0, gz)
        factor, g_factor = (chol, gz) if self.lower else (chol.T, gz.T)
        product = dot(factor.T, g_factor)
        phi = tril(product) - 0.5 * product * identity_like(product)
        left = solve_triangular(factor.T, phi, lower=False)  # L^-T phi
        s = solve_triangular(factor.T, left.T, lower=False).T  # (L^-T (L^-T phi)^T)^T = L^-T phi L^-1
        grad = fold_triangle(s, self.lower)
        return [nan_where(failed, grad) if self.on_error == "nan" else grad]


class Expm(MatrixOp):
    """The matrix exponential of a square matrix (``scipy.linalg.expm``)."""

    def output_types(self, x, dtype):
        return [(dtype, x.type.broadcastable)]

    def compute(self, x):
        return (scipy.linalg.expm(x),)

    def infer_shape(self, node, input_shapes):
        return [tuple(input_shapes[0])]

    def L_op(self, inputs, outputs, output_grads):
        # The adjoint of the Frechet derivative L(x, .) of expm is L(x^T, .).
        (x,) = inputs
        missing = complex_grads(self, inputs)
        if missing:
            return missing
        return [_expm_frechet(x.T, output_grads[0])]

    def R_op(self, inputs, eval_points):
        (ev,) = eval_points
        return [None if ev is None else _expm_frechet(inputs[0], ev)]


def _expm_frechet(a, e):
    """The Frechet derivative of expm at ``a`` in the direction ``e``: the upper right block of
    ``expm([[a, e], [0, a]])`` (Mathias, 1996).

    Theano 1.0 computed the gradient from an eigendecomposition of ``a``; the block form gives
    the same values, also for defective matrices and close eigenvalues, and is a graph of
    differentiable ops (kron, dot), so it can be differentiated again.
    """
    dtype = upcast(a.type.dtype, e.type.dtype)
    corner = np.zeros((2, 1), dtype=dtype)
    corner[0, 0] = 1
    eye = identity_like(a)
    top = kron(corner, eye)  # (2n, n): selects the first block of rows
    bottom = kron(corner[::-1].copy(), eye)  # (2n, n): the second block
    block = kron(np.eye(2, dtype=dtype), a) + kron(np.array([[0, 1], [0, 0]], dtype=dtype), e)
    return matrix_dot(top.T, expm(block), bottom)


def cholesky(x: Any, lower: bool = True, on_error: str = "raise") -> TensorVariable:
    """The Cholesky factor of a symmetric (Hermitian) positive-definite matrix.

    Parameters
    ----------
    x
        A square matrix.
    lower
        Return the lower factor ``L`` (``x = L @ L.T``), else the upper one ``U`` (``x = U.T @ U``).
    on_error
        ``'raise'``: a matrix that is not positive definite raises ``numpy.linalg.LinAlgError``;
        ``'nan'``: it gives a matrix of NaNs.
    """
    return Cholesky(lower, on_error)(x)


expm = Expm()


# ------------------------------------------------------------------------------------------
# Linear systems
# ------------------------------------------------------------------------------------------

def _solve_general(a, b, lower):
    return scipy.linalg.solve(a, b)


def _solve_symmetric(a, b, lower):
    return scipy.linalg.solve(a, b, assume_a="sym", lower=lower)


def _solve_hermitian(a, b, lower):
    return scipy.linalg.solve(a, b, assume_a="her", lower=lower)


def _solve_positive_definite(a, b, lower):
    return scipy.linalg.solve(a, b, assume_a="pos", lower=lower)


def _solve_lower(a, b, lower):
    return scipy.linalg.solve_triangular(a, b, lower=True)


def _solve_upper(a, b, lower):
    return scipy.linalg.solve_triangular(a, b, lower=False)


# The structure of ``a`` a Solve assumes, and how it is solved. Theano's names, then SciPy's.
_SOLVERS = {
    "general": _solve_general,
    "symmetric": _solve_symmetric,
    "hermitian": _solve_hermitian,
    "positive_definite": _solve_positive_definite,
    "lower_triangular": _solve_lower,
    "upper_triangular": _solve_upper,
}
_ASSUME_A = {"gen": "general", "sym": "symmetric", "her": "hermitian", "pos": "positive_definite"}
MATRIX_STRUCTURES = tuple(_SOLVERS)
imported_scipy = True  # Theano 1.0 code checks this flag; SciPy is a hard dependency here.


def _check_rhs(op_name: str, a: np.ndarray, b: np.ndarray) -> None:
    check_square(op_name, a)
    if b.shape[0] != a.shape[0]:
        raise ValueError(f"{op_name}: b needs as many rows as a, got shapes {a.shape} and {b.shape}")


class Solve(Op):
    """Solve ``a @ x = b`` for ``x``, with ``a`` square and ``b`` a vector or a matrix.

    ``A_structure`` tells what ``a`` is: ``'general'``, ``'symmetric'``, ``'hermitian'``,
    ``'positive_definite'`` (these read only the triangle ``lower`` or upper, except general),
    ``'lower_triangular'`` or ``'upper_triangular'``.
    """

    __props__ = ("A_structure", "lower", "overwrite_A", "overwrite_b")

    def __init__(self, A_structure: str = "general", lower: bool = False, overwrite_A: bool = False,
                 overwrite_b: bool = False):
        if A_structure not in _SOLVERS:
            raise ValueError(f"Solve: A_structure must be one of {tuple(_SOLVERS)}, got {A_structure!r}")
        self.A_structure = A_structure
        self.lower = bool(lower)
        self.overwrite_A = bool(overwrite_A)
        self.overwrite_b = bool(overwrite_b)

    def make_node(self, A, b):
        A = tensor_input(A, "Solve", name="A")
        b = tensor_input(b, "Solve", (1, 2), name="b")
        dtype = float_dtype(upcast(A.type.dtype, b.type.dtype), "Solve")
        return Apply(self, [A, b], [TensorType(dtype, b.type.broadcastable)()])

    def perform(self, node, inputs, output_storage, params=None):
        a, b = inputs
        _check_rhs("Solve", a, b)
        dtype = node.outputs[0].type.numpy_dtype
        result = _SOLVERS[self.A_structure](a.astype(dtype, copy=False), b.astype(dtype, copy=False), self.lower)
        output_storage[0][0] = np.asarray(result, dtype=dtype)

    def infer_shape(self, node, input_shapes):
        a_shape, b_shape = input_shapes
        return [(a_shape[1],) + tuple(b_shape[1:])]

    def L_op(self, inputs, outputs, output_grads):
        # c = A^-1 b: gb = A^-T gc and gA = -gb c^T, restricted to what the solver reads.
        A, b = inputs
        (c,) = outputs
        (gc,) = output_grads
        missing = complex_grads(self, inputs)
        if missing:
            return missing
        transposed = Solve(_TRANSPOSED_STRUCTURE.get(self.A_structure, self.A_structure), not self.lower)
        gb = transposed(A.T, gc)
        ga = -(outer(gb, c) if c.type.ndim == 1 else dot(gb, c.T))
        return [_restrict_to_structure(ga, self.A_structure, self.lower), gb]


# The structure of the transpose of a matrix of each structure.
_TRANSPOSED_STRUCTURE = {"lower_triangular": "upper_triangular", "upper_triangular": "lower_triangular"}


def _restrict_to_structure(g, structure: str, lower: bool):
    """The gradient with respect to the elements of ``A`` that a Solve of ``structure`` reads."""
    if structure == "general":
        return g
    if structure == "lower_triangular":
        return tril(g)
    if structure == "upper_triangular":
        return triu(g)
    return fold_triangle(g, lower)  # symmetric kinds: one triangle stands for the whole matrix


solve_lower_triangular = Solve(A_structure="lower_triangular", lower=True)
solve_upper_triangular = Solve(A_structure="upper_triangular", lower=False)
solve_symmetric = Solve(A_structure="symmetric")


def solve(a: Any, b: Any, assume_a: str = "gen", lower: bool = False) -> TensorVariable:
    """Solve ``a @ x = b`` for ``x`` (``scipy.linalg.solve``).

    Parameters
    ----------
    a
        A square matrix (N, N).
    b
        A vector (N,) or a matrix (N, K).
    assume_a
        ``'gen'`` (general), ``'sym'`` (symmetric), ``'her'`` (Hermitian) or ``'pos'``
        (positive definite); Theano's structure names (``'general'``, ``'lower_triangular'``, ...)
        are accepted too.
    lower
        For the symmetric kinds: read the lower triangle of ``a`` instead of the upper.

    Returns
    -------
    TensorVariable
        ``x``, with the shape of ``b``.
    """
    structure = _ASSUME_A.get(assume_a, assume_a)
    if structure not in _SOLVERS:
        raise ValueError(f"solve: assume_a must be one of {tuple(_ASSUME_A)}, got {assume_a!r}")
    return Solve(structure, lower)(a, b)


def solve_triangular(a: Any, b: Any, lower: bool = False) -> TensorVariable:
    """Solve ``a @ x = b`` for a triangular ``a`` (``scipy.linalg.solve_triangular``).

    Parameters
    ----------
    a
        A square matrix; only its lower (``lower=True``) or upper triangle is read.
    b
        A vector or a matrix with as many rows as ``a``.
    """
    return Solve("lower_triangular" if lower else "upper_triangular", lower)(a, b)


class CholeskySolve(Op):
    """Solve ``a @ x = b`` given the Cholesky factor of ``a`` (``scipy.linalg.cho_solve``).

    Inputs: the factor ``c`` (lower-triangular when ``lower``) and ``b``.
    """

    __props__ = ("lower",)

    def __init__(self, lower: bool = True):
        self.lower = bool(lower)

    def make_node(self, C, b):
        C = tensor_input(C, "CholeskySolve", name="C")
        b = tensor_input(b, "CholeskySolve", (1, 2), name="b")
        dtype = float_dtype(upcast(C.type.dtype, b.type.dtype), "CholeskySolve")
        return Apply(self, [C, b], [TensorType(dtype, b.type.broadcastable)()])

    def perform(self, node, inputs, output_storage, params=None):
        c, b = inputs
        _check_rhs("CholeskySolve", c, b)
        dtype = node.outputs[0].type.numpy_dtype
        result = scipy.linalg.cho_solve((c.astype(dtype, copy=False), self.lower), b.astype(dtype, copy=False))
        output_storage[0][0] = np.asarray(result, dtype=dtype)

    def infer_shape(self, node, input_shapes):
        c_shape, b_shape = input_shapes
        return [(c_shape[1],) + tuple(b_shape[1:])]

    def L_op(self, inputs, outputs, output_grads):
        # x = A^-1 b with A = C C^T (lower) or C^T C (upper), A symmetric: gb = A^-1 gx and
        # gA = -gb x^T; then dA = dC C^T + C dC^T gives gC = (gA + gA^T) C (lower), and
        # C (gA + gA^T) (upper), in the triangle that holds the factor.
        C, b = inputs
        (x,) = outputs
        (gx,) = output_grads
        missing = complex_grads(self, inputs)
        if missing:
            return missing
        gb = self(C, gx)
        ga = -(outer(gb, x) if x.type.ndim == 1 else dot(gb, x.T))
        g_sym = ga + ga.T
        gc = tril(dot(g_sym, C)) if self.lower else triu(dot(C, g_sym))
        return [gc, gb]


def cho_solve(c_and_lower: Any, b: Any) -> TensorVariable:
    """Solve ``a @ x = b`` from the Cholesky factor of ``a``, as ``scipy.linalg.cho_solve``.

    Parameters
    ----------
    c_and_lower
        A pair ``(c, lower)``: the factor and whether it is lower-triangular; or the lower
        factor alone (Theano 1.0's ``cho_solve(C, b)``).
    b
        A vector or a matrix.
    """
    if isinstance(c_and_lower, (tuple, list)):
        c, lower = c_and_lower
    else:
        c, lower = c_and_lower, True
    return CholeskySolve(lower)(c, b)


# ------------------------------------------------------------------------------------------
# Eigenvalues of symmetric pencils
# ------------------------------------------------------------------------------------------

class Eigvalsh(Op):
    """Eigenvalues (ascending) of a symmetric (Hermitian) matrix ``a``, or of the generalized
    problem ``a v = w b v`` with ``b`` symmetric positive definite (``scipy.linalg.eigvalsh``)."""

    __props__ = ("lower",)

    def __init__(self, lower: bool = True):
        self.lower = bool(lower)

    def make_node(self, a, b=None):
        a = tensor_input(a, "Eigvalsh", name="a")
        inputs = [a]
        dtype = a.type.dtype
        if b is not None:
            b = tensor_input(b, "Eigvalsh", name="b")
            inputs.append(b)
            dtype = upcast(dtype, b.type.dtype)
        dtype = real_dtype(float_dtype(dtype, "Eigvalsh"))
        return Apply(self, inputs, [TensorType(dtype, (False,))()])

    def perform(self, node, inputs, output_storage, params=None):
        a = inputs[0]
        b = inputs[1] if len(inputs) == 2 else None
        check_square("Eigvalsh", a)
        if b is not None and b.shape != a.shape:
            raise ValueError(f"Eigvalsh: a and b must have the same shape, got {a.shape} and {b.shape}")
        dtype = node.outputs[0].type.numpy_dtype
        output_storage[0][0] = np.asarray(scipy.linalg.eigvalsh(a, b, lower=self.lower), dtype=dtype)

    def infer_shape(self, node, input_shapes):
        return [(input_shapes[0][0],)]

    def L_op(self, inputs, outputs, output_grads):
        # With eigenvectors v normalized so that v^T b v = I (v^T v = I without b), for distinct
        # eigenvalues: dw_n = v_n^T (da - w_n db) v_n. So ga = v diag(gw) v^T and
        # gb = -v diag(gw w) v^T, each folded into the triangle that is read.
        (w,) = outputs
        (gw,) = output_grads
        missing = complex_grads(self, inputs)
        if missing:
            return missing
        v = _generalized_eigenvectors(inputs[0], inputs[1] if len(inputs) == 2 else None, self.lower)
        ga = dot(v * gw.dimshuffle("x", 0), v.T)
        if len(inputs) == 1:
            return [fold_triangle(ga, self.lower)]
        gb = -dot(v * (gw * w).dimshuffle("x", 0), v.T)
        return [fold_triangle(ga, self.lower), fold_triangle(gb, self.lower)]


def _generalized_eigenvectors(a, b, lower: bool):
    """The eigenvectors (ascending eigenvalues) of the symmetric pencil ``(a, b)`` read from the
    ``lower`` (else upper) triangles, normalized so that ``v^T b v = I``.

    With ``b = L L^T``, they are ``L^-T y`` for the eigenvectors ``y`` of ``L^-1 a L^-T``.
    """
    uplo = "L" if lower else "U"
    if b is None:
        return Eigh(uplo)(a)[1]
    chol = Cholesky(lower=lower)(b)
    factor = chol if lower else chol.T
    a_full = tril(a) + tril(a, -1).T if lower else triu(a) + triu(a, 1).T
    left = solve_triangular(factor, a_full, lower=True)  # L^-1 a
    reduced = solve_triangular(factor, left.T, lower=True)  # L^-1 (L^-1 a)^T = L^-1 a L^-T
    y = Eigh(uplo)(reduced)[1]
    return solve_triangular(factor.T, y, lower=False)


def eigvalsh(a: Any, b: Any = None, lower: bool = True) -> TensorVariable:
    """Eigenvalues of a symmetric (Hermitian) matrix, or of the pencil ``(a, b)``.

    Parameters
    ----------
    a
        A square symmetric matrix; only the triangle ``lower`` (or upper) is read.
    b
        None, or a symmetric positive-definite matrix of the shape of ``a``.
    lower
        Read the lower triangles.

    Returns
    -------
    TensorVariable
        The eigenvalues in ascending order (real).
    """
    return Eigvalsh(lower)(a, b)


# ------------------------------------------------------------------------------------------
# Kronecker product
# ------------------------------------------------------------------------------------------

def kron(a: Any, b: Any) -> TensorVariable:
    """The Kronecker product of ``a`` and ``b``, as ``numpy.kron``.

    Parameters
    ----------
    a, b
        Tensors; the one with fewer dimensions is padded with leading length-1 axes.

    Returns
    -------
    TensorVariable
        Blocks ``a[i, j, ...] * b``, of shape ``a.shape * b.shape`` axis by axis.
    """
    a = as_tensor_variable(a)
    b = as_tensor_variable(b)
    ndim = max(a.type.ndim, b.type.ndim)
    a = a.dimshuffle(["x"] * (ndim - a.type.ndim) + list(range(a.type.ndim)))
    b = b.dimshuffle(["x"] * (ndim - b.type.ndim) + list(range(b.type.ndim)))
    # Interleave the axes: a's axis i goes to 2i, b's axis i to 2i + 1, then merge each pair.
    a_spread = a.dimshuffle([entry for i in range(ndim) for entry in (i, "x")])
    b_spread = b.dimshuffle([entry for i in range(ndim) for entry in ("x", i)])
    blocks = mul(a_spread, b_spread)
    if ndim == 0:
        return blocks
    out = reshape(blocks, [shape_i(a, i) * shape_i(b, i) for i in range(ndim)], ndim=ndim)
    bcast = tuple(x and y for x, y in zip(a.type.broadcastable, b.type.broadcastable))
    return patternbroadcast(out, bcast) if out.type.broadcastable != bcast else out
