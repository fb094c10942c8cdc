"""Linear algebra computed by ``numpy.linalg``, and diagonals (Theano 1.0's ``theano.tensor.nlinalg``).

Most ops take one matrix: they share :class:`MatrixOp`, so each one only says what it
computes, its output types and its output shapes. Integer inputs are computed in float64, as
NumPy does; float32 stays float32.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from theano.graph.basic import Apply
from theano.graph.op import Op
from theano.scalar.type import complex_types, upcast
from theano.tensor import math as tm
from theano.tensor.basic import as_tensor_variable, cast, ones_like
from theano.tensor.products import dot
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


class Det(MatrixOp):
    """The determinant of a square matrix (``numpy.linalg.det``)."""

    def output_types(self, x, dtype):
        return [(dtype, ())]

    def compute(self, x):
        return (np.linalg.det(x),)

    def infer_shape(self, node, input_shapes):
        return [()]

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


class AllocDiag(Op):
    """The inverse of :class:`ExtractDiag`: a tensor of zeros whose diagonal ``offset`` on axes
    ``axis1, axis2`` holds the last axis of the input (one more dimension than the input)."""

    __props__ = ("offset", "axis1", "axis2")

    def __init__(self, offset: int = 0, axis1: int = 0, axis2: int = 1):
        self.offset = int(offset)
        self.axis1 = int(axis1)
        self.axis2 = int(axis2)

    def make_node(self, x):
        x = as_tensor_variable(x)
        if x.type.ndim < 1:
            raise TypeError(f"AllocDiag: the input needs at least 1 dimension, got {x.type.describe()}")
        ndim = x.type.ndim + 1
        axis1, axis2 = _diagonal_axes("AllocDiag", ndim, self.axis1, self.axis2)
        square = self.offset == 0 and x.type.broadcastable[-1]
        batch = iter(x.type.broadcastable[:-1])
        bcast = [square if i in (axis1, axis2) else next(batch) for i in range(ndim)]
        return Apply(self, [x], [TensorType(x.type.dtype, bcast)()])

    def perform(self, node, inputs, output_storage, params=None):
        (x,) = inputs
        n = x.shape[-1]
        size = n + abs(self.offset)
        out = np.zeros(x.shape[:-1] + (size, size), dtype=x.dtype)
        index = np.arange(n)
        out[..., index + max(0, -self.offset), index + max(0, self.offset)] = x
        axis1, axis2 = _diagonal_axes("AllocDiag", x.ndim + 1, self.axis1, self.axis2)
        output_storage[0][0] = np.moveaxis(out, (-2, -1), (axis1, axis2))

    def infer_shape(self, node, input_shapes):
        (shape,) = input_shapes
        ndim = len(shape) + 1
        axis1, axis2 = _diagonal_axes("AllocDiag", ndim, self.axis1, self.axis2)
        size = shape[-1] + abs(self.offset)
        batch = iter(shape[:-1])
        return [tuple(size if i in (axis1, axis2) else next(batch) for i in range(ndim))]


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
