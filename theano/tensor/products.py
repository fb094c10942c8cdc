"""Products of tensors: dot, outer, tensordot and their batched forms.

One op does the arithmetic of the whole family: :class:`Dot` (vectors and matrices, computed by
``numpy.dot``, which calls BLAS for floating-point matrices). ``tensordot`` and ``dot`` on more
than two dimensions move the contracted axes together and reshape to matrices around one
``Dot``, as NumPy's own ``tensordot`` does; the batched functions do the same around
:class:`BatchedDot`. Those two ops give the gradients (as products again, so they can be
differentiated twice) and the forward-mode ``R_op``; every function here is differentiated
through them and the shape ops around them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from theano.graph.basic import Apply, Variable
from theano.graph.op import Op
from theano.scalar.type import ScalarType, upcast
from theano.tensor.basic import as_tensor_variable, constant, patternbroadcast
from theano.tensor.math import mul
from theano.tensor.shape import reshape, shape_i
from theano.tensor.type import TensorType
from theano.tensor.var import TensorVariable

__all__ = [
    "BatchedDot",
    "Dot",
    "batched_dot",
    "batched_tensordot",
    "dot",
    "outer",
    "tensordot",
]


def _contracted_axis(ndim: int) -> int:
    """The axis of the right operand that ``dot`` sums over (NumPy's rule)."""
    return 0 if ndim == 1 else ndim - 2


class Dot(Op):
    """The product of two vectors or matrices, as ``numpy.dot``.

    vector . vector is their inner product (0-d), matrix . vector and vector . matrix are
    vectors, matrix . matrix is a matrix. The output dtype is NumPy's upcast of the inputs.
    """

    __props__ = ()

    def make_node(self, x, y):
        x = as_tensor_variable(x)
        y = as_tensor_variable(y)
        for name, var in (("x", x), ("y", y)):
            if var.type.ndim not in (1, 2):
                raise TypeError(f"Dot: input {name} must be a vector or a matrix, got {var.type} "
                                f"({var.type.ndim} dimensions); use T.dot for other ranks")
        bcast = x.type.broadcastable[:-1] + y.type.broadcastable[1:]
        dtype = upcast(x.type.dtype, y.type.dtype)
        return Apply(self, [x, y], [TensorType(dtype, bcast)()])

    def perform(self, node, inputs, output_storage, params=None):
        x, y = inputs
        if x.shape[-1] != y.shape[0]:
            raise ValueError(f"dot: shapes {x.shape} and {y.shape} not aligned: {x.shape[-1]} (dim {x.ndim - 1}) "
                             f"!= {y.shape[0]} (dim 0)")
        dtype = node.outputs[0].type.numpy_dtype
        output_storage[0][0] = np.asarray(np.dot(x, y), dtype=dtype)

    def infer_shape(self, node, input_shapes):
        x_shape, y_shape = input_shapes
        return [tuple(x_shape[:-1]) + tuple(y_shape[1:])]

    def grad(self, inputs, output_grads):
        x, y = inputs
        (gz,) = output_grads
        if gz.type.ndim == 0:  # vector . vector
            return [gz * y, gz * x]
        if x.type.ndim == 1:  # vector . matrix
            return [_dot(gz, y.T), outer(x, gz)]
        if y.type.ndim == 1:  # matrix . vector
            return [outer(gz, y), _dot(x.T, gz)]
        return [_dot(gz, y.T), _dot(x.T, gz)]

    def R_op(self, inputs, eval_points):
        return [_bilinear_r_op(self, inputs, eval_points)]

    def __str__(self):
        return "dot"


_dot = Dot()


class BatchedDot(Op):
    """``z[i] = dot(x[i], y[i])`` for every ``i`` of the first (batch) axis.

    Each input has 2 or 3 dimensions: a 2-d input holds one vector per batch entry, a 3-d input
    one matrix. So (B, M, K) x (B, K, N) gives (B, M, N), (B, K) x (B, K) gives (B,).
    """

    __props__ = ()

    def make_node(self, x, y):
        x = as_tensor_variable(x)
        y = as_tensor_variable(y)
        for name, var in (("x", x), ("y", y)):
            if var.type.ndim not in (2, 3):
                raise TypeError(f"BatchedDot: input {name} must have 2 or 3 dimensions (batch first), got "
                                f"{var.type}; use T.batched_dot or T.batched_tensordot for other ranks")
        batch = x.type.broadcastable[0] or y.type.broadcastable[0]
        bcast = (batch,) + x.type.broadcastable[1:-1] + y.type.broadcastable[2:]
        dtype = upcast(x.type.dtype, y.type.dtype)
        return Apply(self, [x, y], [TensorType(dtype, bcast)()])

    def perform(self, node, inputs, output_storage, params=None):
        x, y = inputs
        if x.shape[0] != y.shape[0]:
            raise ValueError(f"batched_dot: the batch sizes differ: shapes {x.shape} and {y.shape}")
        if x.shape[-1] != y.shape[1]:
            raise ValueError(f"batched_dot: shapes {x.shape} and {y.shape} not aligned: {x.shape[-1]} "
                             f"(dim {x.ndim - 1}) != {y.shape[1]} (dim 1)")
        x_is_vectors = x.ndim == 2
        y_is_vectors = y.ndim == 2
        stacked = np.matmul(x[:, None, :] if x_is_vectors else x, y[:, :, None] if y_is_vectors else y)
        result = stacked[:, 0 if x_is_vectors else slice(None), 0 if y_is_vectors else slice(None)]
        output_storage[0][0] = np.asarray(result, dtype=node.outputs[0].type.numpy_dtype)

    def infer_shape(self, node, input_shapes):
        x_shape, y_shape = input_shapes
        return [tuple(x_shape[:-1]) + tuple(y_shape[2:])]

    def grad(self, inputs, output_grads):
        x, y = inputs
        (gz,) = output_grads
        if gz.type.ndim == 1:  # batches of vector . vector
            g_col = gz.dimshuffle(0, "x")
            return [g_col * y, g_col * x]
        if x.type.ndim == 2:  # batches of vector . matrix
            return [_batched_dot(gz, y.dimshuffle(0, 2, 1)), x.dimshuffle(0, 1, "x") * gz.dimshuffle(0, "x", 1)]
        if y.type.ndim == 2:  # batches of matrix . vector
            return [gz.dimshuffle(0, 1, "x") * y.dimshuffle(0, "x", 1), _batched_dot(x.dimshuffle(0, 2, 1), gz)]
        return [_batched_dot(gz, y.dimshuffle(0, 2, 1)), _batched_dot(x.dimshuffle(0, 2, 1), gz)]

    def R_op(self, inputs, eval_points):
        return [_bilinear_r_op(self, inputs, eval_points)]

    def __str__(self):
        return "batched_dot"


_batched_dot = BatchedDot()


def _bilinear_r_op(op: Op, inputs: list, eval_points: list):
    """Forward-mode derivative of a bilinear ``op(x, y)``: ``op(ex, y) + op(x, ey)``."""
    x, y = inputs
    ex, ey = eval_points
    terms = []
    if ex is not None:
        terms.append(op(ex, y))
    if ey is not None:
        terms.append(op(x, ey))
    if not terms:
        return None
    return terms[0] if len(terms) == 1 else terms[0] + terms[1]


# ------------------------------------------------------------------------------------------
# Contractions over any axes, through one Dot or BatchedDot
# ------------------------------------------------------------------------------------------

def _product(dims: Sequence[Any]):
    """The product of symbolic lengths (the int64 constant 1 when there are none)."""
    if not dims:
        return constant(1, dtype="int64")
    result = dims[0]
    for d in dims[1:]:
        result = result * d
    return result


def _normalize_axes(axes: Any, a: TensorVariable, b: TensorVariable, first: int) -> tuple[list[int], list[int]]:
    """Axes to sum over, as two lists of non-negative axes of ``a`` and ``b``.

    ``first`` is the first axis that may be summed (1 when axis 0 is a batch axis). An integer
    ``n`` means the last ``n`` axes of ``a`` and the first ``n`` summable axes of ``b``.
    """
    if isinstance(axes, (int, np.integer)):
        n = int(axes)
        if n < 0:
            raise ValueError(f"tensordot: axes must be non-negative, got {n}")
        if n > a.type.ndim - first or n > b.type.ndim - first:
            raise ValueError(f"tensordot: cannot sum over {n} axes of inputs with {a.type.ndim} and "
                             f"{b.type.ndim} dimensions" + (" (after the batch axis)" if first else ""))
        return list(range(a.type.ndim - n, a.type.ndim)), list(range(first, first + n))
    try:
        a_axes, b_axes = axes
    except (TypeError, ValueError):
        raise ValueError(f"tensordot: axes must be an int or a pair of axis lists, got {axes!r}") from None
    result = []
    for var, name, entries in ((a, "a", a_axes), (b, "b", b_axes)):
        entries = [entries] if isinstance(entries, (int, np.integer)) else list(np.asarray(entries).ravel())
        normalized = []
        for entry in entries:
            entry = int(entry)
            if not -var.type.ndim <= entry < var.type.ndim:
                raise ValueError(f"tensordot: axis {entry} is out of range for {name}, which has "
                                 f"{var.type.ndim} dimensions")
            entry %= var.type.ndim
            if entry < first:
                raise ValueError(f"batched_tensordot: cannot sum over the batch axis 0 of {name}")
            normalized.append(entry)
        if len(set(normalized)) != len(normalized):
            raise ValueError(f"tensordot: repeated axis in {tuple(entries)} for {name}")
        result.append(normalized)
    if len(result[0]) != len(result[1]):
        raise ValueError(f"tensordot: axes lists {tuple(result[0])} and {tuple(result[1])} must have the same "
                         "length")
    return result[0], result[1]


def _as_operand(x: TensorVariable, order: list[int], lead: list[int], groups: list[list[int]]) -> TensorVariable:
    """``x`` transposed to ``order`` and reshaped so each non-empty group of axes becomes one."""
    shapes = [shape_i(x, i) for i in range(x.type.ndim)]
    if order != list(range(x.type.ndim)):
        x = x.transpose(order)
    kept = [g for g in groups if g]
    if all(len(g) == 1 for g in kept):
        return x
    new_shape = [shapes[i] for i in lead] + [_product([shapes[i] for i in g]) for g in kept]
    return reshape(x, new_shape, ndim=len(new_shape))


def _contract(a: TensorVariable, b: TensorVariable, a_axes: list[int], b_axes: list[int],
              batched: bool) -> TensorVariable:
    """Sum ``a`` and ``b`` over paired axes; the free axes of ``a`` then those of ``b`` remain.

    With ``batched``, axis 0 of both is a batch axis kept in front.
    """
    lead = [0] if batched else []
    a_free = [i for i in range(len(lead), a.type.ndim) if i not in a_axes]
    b_free = [i for i in range(len(lead), b.type.ndim) if i not in b_axes]
    a_op = _as_operand(a, lead + a_free + a_axes, lead, [a_free, a_axes])
    b_op = _as_operand(b, lead + b_axes + b_free, lead, [b_axes, b_free])
    batch_bcast = (a.type.broadcastable[0] or b.type.broadcastable[0],) if batched else ()
    out_bcast = batch_bcast + tuple(a.type.broadcastable[i] for i in a_free) + tuple(
        b.type.broadcastable[i] for i in b_free)
    if not a_axes:
        # Nothing summed: an outer product by broadcasting.
        a_b = a_op.dimshuffle(list(range(a_op.type.ndim)) + ["x"] * (b_op.type.ndim - len(lead)))
        b_b = b_op.dimshuffle(lead + ["x"] * (a_op.type.ndim - len(lead)) + list(range(len(lead), b_op.type.ndim)))
        out = mul(a_b, b_b)
    elif batched:
        out = _batched_dot(a_op, b_op)
    else:
        out = _dot(a_op, b_op)
    if out.type.ndim != len(out_bcast):
        a_shapes = [shape_i(a, i) for i in lead + a_free]
        b_shapes = [shape_i(b, i) for i in b_free]
        out = reshape(out, a_shapes + b_shapes, ndim=len(out_bcast))
    if out.type.broadcastable != out_bcast:
        out = patternbroadcast(out, out_bcast)
    return out


def _foreign_dot(a: Any, b: Any):
    """The product computed by a non-tensor operand's ``__dot__``/``__rdot__``, else None."""
    for var, method, other in ((a, "__dot__", b), (b, "__rdot__", a)):
        if isinstance(var, Variable) and not isinstance(var.type, (TensorType, ScalarType)):
            hook = getattr(var, method, None)
            result = hook(other) if hook is not None else NotImplemented
            if result is not NotImplemented:
                return result
    return None


def dot(a: Any, b: Any) -> TensorVariable:
    """The product of ``a`` and ``b`` with ``numpy.dot``'s rules.

    Parameters
    ----------
    a, b
        Tensors (or values convertible to tensors) of any number of dimensions.

    Returns
    -------
    TensorVariable
        If either is 0-d, their elementwise product. Otherwise the sum over the last axis of
        ``a`` and the second-to-last axis of ``b`` (the only axis of a vector ``b``): shape
        ``a.shape[:-1] + b.shape[:-2] + b.shape[-1:]``. The dtype is NumPy's upcast of the two.

    Notes
    -----
    ``x.dot(y)`` and ``x @ y`` call this function. A variable of another type (a sparse
    matrix) that defines ``__dot__`` or ``__rdot__`` computes the product itself, as in Theano.
    """
    foreign = _foreign_dot(a, b)
    if foreign is not None:
        return foreign
    a = as_tensor_variable(a)
    b = as_tensor_variable(b)
    if a.type.ndim == 0 or b.type.ndim == 0:
        return mul(a, b)
    if a.type.ndim <= 2 and b.type.ndim <= 2:
        return _dot(a, b)
    return _contract(a, b, [a.type.ndim - 1], [_contracted_axis(b.type.ndim)], batched=False)


def tensordot(a: Any, b: Any, axes: Any = 2) -> TensorVariable:
    """Sum the products of ``a`` and ``b`` over the given axes (``numpy.tensordot``).

    Parameters
    ----------
    a, b
        Tensors.
    axes
        An int ``n``: sum over the last ``n`` axes of ``a`` and the first ``n`` of ``b``, in
        order. Or a pair ``(a_axes, b_axes)`` of equal-length lists (or single ints): sum over
        ``a_axes[i]`` paired with ``b_axes[i]``.

    Returns
    -------
    TensorVariable
        The remaining axes of ``a`` followed by the remaining axes of ``b``.
    """
    a = as_tensor_variable(a)
    b = as_tensor_variable(b)
    a_axes, b_axes = _normalize_axes(axes, a, b, first=0)
    if a.type.ndim == 0 or b.type.ndim == 0:
        return mul(a, b)
    return _contract(a, b, a_axes, b_axes, batched=False)


def outer(x: Any, y: Any) -> TensorVariable:
    """The outer product of two vectors (``numpy.outer``; other inputs are flattened first).

    Returns
    -------
    TensorVariable
        The matrix ``out[i, j] = x[i] * y[j]``.
    """
    x = as_tensor_variable(x)
    y = as_tensor_variable(y)
    if x.type.ndim != 1:
        x = x.flatten()
    if y.type.ndim != 1:
        y = y.flatten()
    return dot(x.dimshuffle(0, "x"), y.dimshuffle("x", 0))


def batched_dot(a: Any, b: Any) -> TensorVariable:
    """``dot(a[i], b[i])`` for every index ``i`` of the first (batch) axis.

    Parameters
    ----------
    a, b
        Tensors with at least one dimension, the first being the batch axis (of equal length).

    Returns
    -------
    TensorVariable
        With 3-d inputs, ``numpy.matmul(a, b)``. A 2-d input is a batch of vectors, so 2-d x
        2-d gives the batch of inner products (shape ``(B,)``), 3-d x 2-d a batch of
        matrix-vector products. A 1-d input is a batch of scalars that multiplies the other.
        Inputs with more than 3 dimensions sum over the last axis of ``a`` and the
        second-to-last of ``b`` (``batched_tensordot``).
    """
    a = as_tensor_variable(a)
    b = as_tensor_variable(b)
    if a.type.ndim == 0 or b.type.ndim == 0:
        raise TypeError(f"batched_dot: both inputs need a batch axis, got {a.type} and {b.type}")
    if a.type.ndim == 1:
        return mul(a.dimshuffle([0] + ["x"] * (b.type.ndim - 1)), b)
    if b.type.ndim == 1:
        return mul(a, b.dimshuffle([0] + ["x"] * (a.type.ndim - 1)))
    if a.type.ndim > 3 or b.type.ndim > 3:
        return batched_tensordot(a, b, [[a.type.ndim - 1], [max(1, b.type.ndim - 2)]])
    return _batched_dot(a, b)


def batched_tensordot(x: Any, y: Any, axes: Any = 2) -> TensorVariable:
    """``tensordot(x[i], y[i], ...)`` for every index ``i`` of the first (batch) axis.

    Parameters
    ----------
    x, y
        Tensors with a batch axis 0 of equal length.
    axes
        An int ``n``: sum over the last ``n`` axes of ``x`` and axes ``1 .. n`` of ``y``. Or a
        pair of equal-length axis lists, counted on the full tensors (so axis 0, the batch axis,
        may not appear).

    Returns
    -------
    TensorVariable
        The batch axis, then the remaining axes of ``x``, then those of ``y``.
    """
    x = as_tensor_variable(x)
    y = as_tensor_variable(y)
    if x.type.ndim == 0 or y.type.ndim == 0:
        raise TypeError(f"batched_tensordot: both inputs need a batch axis, got {x.type} and {y.type}")
    x_axes, y_axes = _normalize_axes(axes, x, y, first=1)
    return _contract(x, y, x_axes, y_axes, batched=True)
