"""BLAS operations: the matrix products the specialize stage puts in place of ``dot`` and of
scaled sums around it.

=================  ==========================================  =========================
op                 value                                       BLAS routine
=================  ==========================================  =========================
``Dot22``          ``dot(x, y)`` of two matrices               gemm (through NumPy)
``Dot22Scalar``    ``a * dot(x, y)``                           gemm (through NumPy)
``Gemm``           ``b * z + a * dot(x, y)`` (matrices)        ``?gemm``
``Gemv``           ``b * y + a * dot(A, x)`` (matrix, vectors) ``?gemv``
``Ger``            ``A + a * outer(x, y)``                     ``?ger`` / ``?geru``
=================  ==========================================  =========================

``a`` and ``b`` are 0-d tensors; they are converted to the dtype of the matrices when the op
runs. As in BLAS, ``b == 0`` means that the old content of ``z`` (or ``y``) is not read at all,
so a NaN in it does not reach the result. Unlike BLAS, ``a == 0`` still reads ``x`` and ``y``:
the result is ``b * z + 0 * dot(x, y)``, NaN where the product has a NaN or an infinity, as the
elementwise expression the op replaces would be.

``Gemm``, ``Gemv`` and ``Ger`` come in two versions: ``gemm_no_inplace`` returns a new array,
``gemm_inplace`` (``destroy_map = {0: [0]}``) writes the result into the buffer of its first
input and returns it. The rewrites of theano/tensor/rewriting/blas.py build the no-inplace
versions; the inplace stage swaps in the others where the destroy handler allows it.

In ``perform`` the routines come from SciPy's BLAS wrappers (``scipy.linalg.get_blas_funcs``),
called on Fortran-ordered views (a C-ordered matrix is passed as its transpose with the
transpose flag) so that contiguous inputs are never copied; other layouts are copied once.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
from scipy.linalg import get_blas_funcs

from theano.graph.basic import Apply, Variable
from theano.graph.op import Op
from theano.scalar.type import upcast
from theano.tensor.basic import as_tensor_variable, cast, constant
from theano.tensor.type import TensorType

__all__ = [
    "Dot22",
    "Dot22Scalar",
    "Gemm",
    "Gemv",
    "Ger",
    "_dot22",
    "_dot22scalar",
    "gemm",
    "gemm_inplace",
    "gemm_no_inplace",
    "gemv",
    "gemv_inplace",
    "gemv_no_inplace",
    "ger",
    "ger_destructive",
]

#: The dtypes the BLAS ops accept (the four types of BLAS routines: s, d, c, z).
BLAS_DTYPES = ("float32", "float64", "complex64", "complex128")


# ------------------------------------------------------------------------------------------
# Input checks shared by the ops
# ------------------------------------------------------------------------------------------

def _as_blas_tensor(value: Any, op_name: str, arg_name: str, ndim: int) -> Variable:
    """``value`` as a tensor of ``ndim`` dimensions and a BLAS dtype, or a clear TypeError."""
    var = as_tensor_variable(value)
    kind = {1: "vector", 2: "matrix"}[ndim]
    if var.type.ndim != ndim:
        raise TypeError(f"{op_name}: input '{arg_name}' must be a {kind}, got {var.type} "
                        f"({var.type.ndim} dimensions)")
    if var.type.dtype not in BLAS_DTYPES:
        raise TypeError(f"{op_name}: input '{arg_name}' must have one of the dtypes {', '.join(BLAS_DTYPES)}, "
                        f"got {var.type}")
    return var


def _check_same_dtype(op_name: str, named: dict[str, Variable]) -> str:
    dtypes = {name: var.type.dtype for name, var in named.items()}
    if len(set(dtypes.values())) != 1:
        listed = ", ".join(f"'{name}' is {dtype}" for name, dtype in dtypes.items())
        raise TypeError(f"{op_name}: the vectors and matrices must have the same dtype, but {listed}")
    return next(iter(dtypes.values()))


def _as_blas_scalar(value: Any, op_name: str, arg_name: str, dtype: str) -> Variable:
    """A 0-d tensor for a scale factor. Python numbers become constants of ``dtype``."""
    if not isinstance(value, Variable):
        array = np.asarray(value)
        if array.ndim != 0:
            raise TypeError(f"{op_name}: input '{arg_name}' must be a scalar, got an array of shape {array.shape}")
        if np.iscomplexobj(array) and not dtype.startswith("complex"):
            raise TypeError(f"{op_name}: input '{arg_name}' is complex ({value!r}) but the matrices are {dtype}")
        return constant(array.astype(dtype))
    var = as_tensor_variable(value)
    if var.type.ndim != 0:
        raise TypeError(f"{op_name}: input '{arg_name}' must be a 0-d tensor (a scalar), got {var.type}")
    if var.type.dtype == "bool" or var.type.dtype not in _SCALAR_DTYPES:
        raise TypeError(f"{op_name}: input '{arg_name}' must be a number, got {var.type}")
    if var.type.dtype.startswith("complex") and not dtype.startswith("complex"):
        raise TypeError(f"{op_name}: input '{arg_name}' is {var.type} but the matrices are {dtype}")
    return var


_SCALAR_DTYPES = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float16", "float32",
                  "float64", "complex64", "complex128")


def _value(scalar: np.ndarray, dtype: np.dtype):
    """A 0-d input as a NumPy scalar of the matrices' dtype."""
    return dtype.type(scalar)


def _sum_as(expression: Variable, like: Variable) -> Variable:
    """The sum of all entries of ``expression``, with the dtype of the 0-d ``like``."""
    total = expression.sum()
    if total.type.dtype != like.type.dtype:
        total = cast(total, like.type.dtype)
    return total


# ------------------------------------------------------------------------------------------
# Calling SciPy's BLAS
# ------------------------------------------------------------------------------------------

_BLAS_DTYPES = ("float32", "float64", "complex64", "complex128")


@functools.cache
def _blas_function(name: str, dtype: str):
    """SciPy's wrapper of BLAS routine ``name`` (``'gemm'``, ``'gemv'``, ``'ger'``) for ``dtype``."""
    if name == "ger" and dtype.startswith("complex"):
        name = "geru"  # the unconjugated rank-1 update, like numpy.outer
    return get_blas_funcs(name, dtype=np.dtype(dtype))


def _fortran_operand(matrix: np.ndarray) -> tuple[np.ndarray, int]:
    """``(array, trans)`` with ``array`` Fortran-contiguous and ``op(array) == matrix``.

    A C-contiguous matrix is passed as its transpose (a Fortran-contiguous view) with the
    transpose flag; only other layouts are copied.
    """
    if matrix.flags.f_contiguous:
        return matrix, 0
    if matrix.flags.c_contiguous:
        return matrix.T, 1
    return np.asfortranarray(matrix), 0


def _check_aligned(op_name: str, left_shape: tuple, right_shape: tuple) -> None:
    """The ValueError of ``dot`` when the summed lengths differ."""
    if left_shape[1] != right_shape[0]:
        raise ValueError(f"{op_name}: shapes {left_shape} and {right_shape} not aligned: {left_shape[1]} (dim 1) != "
                         f"{right_shape[0]} (dim 0)")


def _check_target(op_name: str, expression: str, target_shape: tuple, product_shape: tuple) -> None:
    if target_shape != product_shape:
        raise ValueError(f"{op_name}: in {expression}, the shape {target_shape} of the first input differs from the "
                         f"shape {product_shape} of the product")


def _check_gemm_shapes(op_name: str, z_shape, x_shape, y_shape) -> None:
    _check_aligned(op_name, x_shape, y_shape)
    _check_target(op_name, "b * z + a * dot(x, y)", z_shape, (x_shape[0], y_shape[1]))


def _gemm_into_fortran(target: np.ndarray, alpha, x: np.ndarray, y: np.ndarray, beta) -> None:
    """``target = beta * target + alpha * x @ y`` for a Fortran-contiguous ``target``."""
    gemm_fn = _blas_function("gemm", target.dtype.name)
    x_arr, trans_x = _fortran_operand(x)
    y_arr, trans_y = _fortran_operand(y)
    result = gemm_fn(alpha, x_arr, y_arr, beta=beta, c=target, trans_a=trans_x, trans_b=trans_y, overwrite_c=1)
    if not np.shares_memory(result, target):
        target[...] = result


def _product(x: np.ndarray, y: np.ndarray, alpha) -> np.ndarray:
    """``alpha * x @ y`` through the same BLAS as Gemm (SciPy's).

    NumPy and SciPy each load their own OpenBLAS with its own thread pool; a graph calling
    both makes the two pools compete for the cores (measured here: the MLP step ran 2x slower
    with two threads), so on the Python VM every BLAS op of a rewritten graph goes through
    SciPy's. (The C backend's kernels call NumPy's OpenBLAS instead: theano/link/c/runtime.py.)
    """
    dtype = np.result_type(x, y)
    alpha = _value(alpha, dtype)
    if dtype.name not in _BLAS_DTYPES or 0 in x.shape or 0 in y.shape or alpha == 0:
        out = np.dot(x, y)
        out *= alpha
        return out
    out = np.empty((x.shape[0], y.shape[1]), dtype=dtype, order="F")
    _gemm_into_fortran(out, alpha, x, y, 0.0)
    return out


def gemm_numpy(z: np.ndarray, alpha, x: np.ndarray, y: np.ndarray, beta, overwrite_z: bool) -> np.ndarray:
    """``beta * z + alpha * dot(x, y)`` with BLAS semantics (``beta == 0`` ignores ``z``).

    With ``overwrite_z`` the result is written into ``z``'s buffer, which is returned.
    """
    dtype = z.dtype
    alpha = _value(alpha, dtype)
    beta = _value(beta, dtype)
    if overwrite_z and (np.may_share_memory(z, x) or np.may_share_memory(z, y)):
        x, y = x.copy(), y.copy()  # BLAS reads x and y while it writes z
    out = z if overwrite_z else np.empty(z.shape, dtype=dtype, order="F" if z.flags.f_contiguous else "C")
    if out.size == 0:
        return out
    if x.shape[1] == 0:  # an empty sum: nothing to add to beta * z
        if beta == 0:
            out[...] = 0
        else:
            np.multiply(z, beta, out=out)
        return out
    if alpha == 0:  # BLAS would not read x and y; 0 * dot(x, y) still has NaN where x or y has NaN or inf
        product = np.dot(x, y)
        product *= alpha
        if beta != 0:
            product += beta * z
        out[...] = product
        return out
    if not overwrite_z and beta != 0:
        out[...] = z
    if out.flags.f_contiguous:
        _gemm_into_fortran(out, alpha, x, y, beta)
    elif out.flags.c_contiguous:
        # out.T is Fortran-ordered: out.T = beta * out.T + alpha * y.T @ x.T
        _gemm_into_fortran(out.T, alpha, y.T, x.T, beta)
    else:
        work = np.asfortranarray(out) if beta != 0 else np.empty(out.shape, dtype=dtype, order="F")
        _gemm_into_fortran(work, alpha, x, y, beta)
        out[...] = work
    return out


def gemv_numpy(y: np.ndarray, alpha, A: np.ndarray, x: np.ndarray, beta, overwrite_y: bool) -> np.ndarray:
    """``beta * y + alpha * dot(A, x)`` with BLAS semantics (``beta == 0`` ignores ``y``)."""
    dtype = y.dtype
    alpha = _value(alpha, dtype)
    beta = _value(beta, dtype)
    out = y if overwrite_y else np.empty(y.shape, dtype=dtype)
    if out.size == 0:
        return out
    if A.shape[1] == 0:
        if beta == 0:
            out[...] = 0
        else:
            np.multiply(y, beta, out=out)
        return out
    if alpha == 0:  # as in gemm_numpy: keep the NaN of 0 * dot(A, x)
        product = np.dot(A, x) * alpha
        out[...] = product + beta * y if beta != 0 else product
        return out
    gemv_fn = _blas_function("gemv", dtype.name)
    a_arr, trans = _fortran_operand(A)
    direct = out.flags.c_contiguous and not (np.may_share_memory(out, A) or np.may_share_memory(out, x))
    if direct:
        if not overwrite_y and beta != 0:
            out[...] = y
        work = out
    else:
        work = y.copy() if beta != 0 else np.empty(y.shape, dtype=dtype)
    result = gemv_fn(alpha, a_arr, x, beta=beta, y=work, trans=trans, overwrite_y=1)
    if not np.shares_memory(result, out):
        out[...] = result
    return out


def ger_numpy(A: np.ndarray, alpha, x: np.ndarray, y: np.ndarray, overwrite_a: bool) -> np.ndarray:
    """``A + alpha * outer(x, y)``."""
    dtype = A.dtype
    alpha = _value(alpha, dtype)
    if overwrite_a and (np.may_share_memory(A, x) or np.may_share_memory(A, y)):
        x, y = x.copy(), y.copy()
    out = A if overwrite_a else np.empty(A.shape, dtype=dtype, order="F" if A.flags.f_contiguous else "C")
    if not overwrite_a:
        out[...] = A
    if out.size == 0:
        return out
    if alpha == 0:  # as in gemm_numpy: keep the NaN of 0 * outer(x, y)
        out += np.outer(x, y) * alpha
        return out
    ger_fn = _blas_function("ger", dtype.name)
    if out.flags.f_contiguous:
        result = ger_fn(alpha, x, y, a=out, overwrite_a=1)
        target = out
    elif out.flags.c_contiguous:
        # out.T = out.T + alpha * outer(y, x)
        result = ger_fn(alpha, y, x, a=out.T, overwrite_a=1)
        target = out.T
    else:
        result = ger_fn(alpha, x, y, a=np.asfortranarray(out), overwrite_a=1)
        target = out
    if not np.shares_memory(result, target):
        target[...] = result
    return out


# ------------------------------------------------------------------------------------------
# Dot22 and Dot22Scalar
# ------------------------------------------------------------------------------------------

class Dot22(Op):
    """``dot(x, y)`` for two matrices of the same floating-point (or complex) dtype.

    The specialize stage puts it in place of ``T.dot`` on matrices; it is the node the Gemm
    rewrites look for.
    """

    __props__ = ()

    def make_node(self, x, y):
        x = _as_blas_tensor(x, "Dot22", "x", 2)
        y = _as_blas_tensor(y, "Dot22", "y", 2)
        dtype = _check_same_dtype("Dot22", {"x": x, "y": y})
        out_type = TensorType(dtype, (x.type.broadcastable[0], y.type.broadcastable[1]))
        return Apply(self, [x, y], [out_type()])

    def perform(self, node, inputs, output_storage, params=None):
        x, y = inputs
        _check_aligned("Dot22", x.shape, y.shape)
        output_storage[0][0] = _product(x, y, 1.0)

    def infer_shape(self, node, input_shapes):
        x_shape, y_shape = input_shapes
        return [(x_shape[0], y_shape[1])]

    def grad(self, inputs, output_grads):
        from theano.tensor.products import dot

        x, y = inputs
        (gz,) = output_grads
        return [dot(gz, y.T), dot(x.T, gz)]

    def R_op(self, inputs, eval_points):
        from theano.tensor.products import _bilinear_r_op

        return [_bilinear_r_op(self, inputs, eval_points)]

    def __str__(self):
        return "Dot22"


_dot22 = Dot22()


class Dot22Scalar(Op):
    """``a * dot(x, y)`` for two matrices and a 0-d ``a`` (BLAS gemm with ``b = 0``)."""

    __props__ = ()

    def make_node(self, x, y, a):
        x = _as_blas_tensor(x, "Dot22Scalar", "x", 2)
        y = _as_blas_tensor(y, "Dot22Scalar", "y", 2)
        dtype = _check_same_dtype("Dot22Scalar", {"x": x, "y": y})
        a = _as_blas_scalar(a, "Dot22Scalar", "a", dtype)
        out_type = TensorType(dtype, (x.type.broadcastable[0], y.type.broadcastable[1]))
        return Apply(self, [x, y, a], [out_type()])

    def perform(self, node, inputs, output_storage, params=None):
        x, y, a = inputs
        _check_aligned("Dot22Scalar", x.shape, y.shape)
        output_storage[0][0] = _product(x, y, a)

    def infer_shape(self, node, input_shapes):
        x_shape, y_shape, _ = input_shapes
        return [(x_shape[0], y_shape[1])]

    def grad(self, inputs, output_grads):
        from theano.tensor.products import dot

        x, y, a = inputs
        (gz,) = output_grads
        a_m = cast(a, x.type.dtype) if a.type.dtype != x.type.dtype else a
        return [a_m * dot(gz, y.T), a_m * dot(x.T, gz), _sum_as(gz * dot(x, y), a)]

    def __str__(self):
        return "Dot22Scalar"


_dot22scalar = Dot22Scalar()


# ------------------------------------------------------------------------------------------
# Gemm, Gemv, Ger
# ------------------------------------------------------------------------------------------

class _InplaceBlasOp(Op):
    """Shared identity of the ops that may overwrite their first input."""

    __props__ = ("inplace",)

    def __init__(self, inplace: bool = False):
        self.inplace = bool(inplace)
        if self.inplace:
            self.destroy_map = {0: [0]}

    def __str__(self):
        return f"{type(self).__name__}{{{'inplace' if self.inplace else 'no_inplace'}}}"


class Gemm(_InplaceBlasOp):
    """``b * z + a * dot(x, y)``: matrices ``z``, ``x``, ``y`` of one dtype, 0-d ``a`` and ``b``.

    With ``b == 0`` the content of ``z`` is ignored (BLAS semantics). With ``inplace=True`` the
    result is written into ``z`` (``destroy_map = {0: [0]}``).
    """

    def make_node(self, z, a, x, y, b):
        z = _as_blas_tensor(z, "Gemm", "z", 2)
        x = _as_blas_tensor(x, "Gemm", "x", 2)
        y = _as_blas_tensor(y, "Gemm", "y", 2)
        dtype = _check_same_dtype("Gemm", {"z": z, "x": x, "y": y})
        a = _as_blas_scalar(a, "Gemm", "a", dtype)
        b = _as_blas_scalar(b, "Gemm", "b", dtype)
        return Apply(self, [z, a, x, y, b], [z.type()])

    def perform(self, node, inputs, output_storage, params=None):
        z, a, x, y, b = inputs
        _check_gemm_shapes(str(self), z.shape, x.shape, y.shape)
        output_storage[0][0] = gemm_numpy(z, a, x, y, b, overwrite_z=self.inplace)

    def infer_shape(self, node, input_shapes):
        return [input_shapes[0]]

    def grad(self, inputs, output_grads):
        from theano.tensor.products import dot

        z, a, x, y, b = inputs
        (gz,) = output_grads
        a_m = cast(a, z.type.dtype) if a.type.dtype != z.type.dtype else a
        b_m = cast(b, z.type.dtype) if b.type.dtype != z.type.dtype else b
        return [b_m * gz, _sum_as(gz * dot(x, y), a), a_m * dot(gz, y.T), a_m * dot(x.T, gz), _sum_as(gz * z, b)]


gemm_no_inplace = Gemm(inplace=False)
gemm_inplace = Gemm(inplace=True)
gemm = gemm_no_inplace


class Gemv(_InplaceBlasOp):
    """``b * y + a * dot(A, x)``: vectors ``y``, ``x``, matrix ``A`` of one dtype, 0-d ``a``, ``b``.

    With ``b == 0`` the content of ``y`` is ignored (BLAS semantics). With ``inplace=True`` the
    result is written into ``y`` (``destroy_map = {0: [0]}``).
    """

    def make_node(self, y, a, A, x, b):
        y = _as_blas_tensor(y, "Gemv", "y", 1)
        A = _as_blas_tensor(A, "Gemv", "A", 2)
        x = _as_blas_tensor(x, "Gemv", "x", 1)
        dtype = _check_same_dtype("Gemv", {"y": y, "A": A, "x": x})
        a = _as_blas_scalar(a, "Gemv", "a", dtype)
        b = _as_blas_scalar(b, "Gemv", "b", dtype)
        return Apply(self, [y, a, A, x, b], [y.type()])

    def perform(self, node, inputs, output_storage, params=None):
        y, a, A, x, b = inputs
        _check_aligned(str(self), A.shape, x.shape)
        _check_target(str(self), "b * y + a * dot(A, x)", y.shape, A.shape[:1])
        output_storage[0][0] = gemv_numpy(y, a, A, x, b, overwrite_y=self.inplace)

    def infer_shape(self, node, input_shapes):
        return [input_shapes[0]]

    def grad(self, inputs, output_grads):
        from theano.tensor.products import dot, outer

        y, a, A, x, b = inputs
        (gy,) = output_grads
        a_m = cast(a, y.type.dtype) if a.type.dtype != y.type.dtype else a
        b_m = cast(b, y.type.dtype) if b.type.dtype != y.type.dtype else b
        return [b_m * gy, _sum_as(gy * dot(A, x), a), a_m * outer(gy, x), a_m * dot(A.T, gy), _sum_as(gy * y, b)]


gemv_no_inplace = Gemv(inplace=False)
gemv_inplace = Gemv(inplace=True)
gemv = gemv_no_inplace


class Ger(Op):
    """``A + a * outer(x, y)``: matrix ``A``, vectors ``x``, ``y`` of one dtype, 0-d ``a``.

    With ``destructive=True`` the result is written into ``A`` (``destroy_map = {0: [0]}``).
    """

    __props__ = ("destructive",)

    def __init__(self, destructive: bool = False):
        self.destructive = bool(destructive)
        if self.destructive:
            self.destroy_map = {0: [0]}

    def make_node(self, A, a, x, y):
        A = _as_blas_tensor(A, "Ger", "A", 2)
        x = _as_blas_tensor(x, "Ger", "x", 1)
        y = _as_blas_tensor(y, "Ger", "y", 1)
        dtype = _check_same_dtype("Ger", {"A": A, "x": x, "y": y})
        a = _as_blas_scalar(a, "Ger", "a", dtype)
        return Apply(self, [A, a, x, y], [A.type()])

    def perform(self, node, inputs, output_storage, params=None):
        A, a, x, y = inputs
        _check_target(str(self), "A + a * outer(x, y)", A.shape, x.shape + y.shape)
        output_storage[0][0] = ger_numpy(A, a, x, y, overwrite_a=self.destructive)

    def infer_shape(self, node, input_shapes):
        return [input_shapes[0]]

    def grad(self, inputs, output_grads):
        from theano.tensor.products import dot

        A, a, x, y = inputs
        (gA,) = output_grads
        a_m = cast(a, A.type.dtype) if a.type.dtype != A.type.dtype else a
        return [gA, _sum_as(dot(x, dot(gA, y)), a), a_m * dot(gA, y), a_m * dot(gA.T, x)]

    def __str__(self):
        return f"Ger{{{'destructive' if self.destructive else 'non-destructive'}}}"


ger = Ger(destructive=False)
ger_destructive = Ger(destructive=True)


def upcast_fits(scalar_dtype: str, dtype: str) -> bool:
    """Whether a scale factor of ``scalar_dtype`` converts to ``dtype`` without changing the
    dtype of a product with a ``dtype`` array (so the BLAS op computes the same values)."""
    return upcast(scalar_dtype, dtype) == dtype
