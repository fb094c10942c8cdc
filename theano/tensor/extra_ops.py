"""NumPy's array helpers as ops: cumulative sums, diff, bincount, repeat, squeeze, nonzero,
compress, choose, unique, searchsorted, one-hot, diagonal filling and index conversions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from theano.gradient import grad_undefined
from theano.graph.basic import Apply, Variable
from theano.graph.op import Op
from theano.scalar.type import complex_types, discrete_types, float_types, upcast
from theano.tensor import math as tm
from theano.tensor.basic import addbroadcast, as_elemwise_inputs, as_tensor_variable, cast, constant, zeros_like
from theano.tensor.creation import arange
from theano.tensor.elemwise import DimShuffle
from theano.tensor.join import (
    NoGradientMixin,
    _constant_int,
    _disconnected,
    _int_scalar,
    _int_vector,
    _normalize_static_axis,
    _points_or_zeros,
    join,
    split,
)
from theano.tensor.shape import flatten, reshape, shape_i
from theano.tensor.sort import SearchsortedOp, searchsorted  # noqa: F401  (Theano's import path)
from theano.tensor.type import TensorType
from theano.tensor.var import TensorVariable

__all__ = [
    "Bartlett",
    "BinCount",
    "Choose",
    "Compress",
    "CpuContiguous",
    "CumOp",
    "DiffOp",
    "FillDiagonal",
    "FillDiagonalOffset",
    "Nonzero",
    "RavelMultiIndex",
    "RepeatOp",
    "SearchsortedOp",
    "ToOneHot",
    "Unique",
    "UnravelIndex",
    "bartlett",
    "bincount",
    "choose",
    "compress",
    "cpu_contiguous",
    "cumprod",
    "cumsum",
    "diff",
    "fill_diagonal",
    "fill_diagonal_offset",
    "flatnonzero",
    "nonzero",
    "nonzero_values",
    "ravel_multi_index",
    "repeat",
    "searchsorted",
    "squeeze",
    "to_one_hot",
    "unique",
    "unravel_index",
]


def _is_int_type(var: TensorVariable, allow_bool: bool = False) -> bool:
    dtype = var.type.dtype
    return dtype in discrete_types and (allow_bool or dtype != "bool")


def _size(shape: Sequence) -> Any:
    """The number of elements of an array of symbolic ``shape``."""
    size = constant(1, dtype="int64")
    for s in shape:
        size = size * s
    return size


def _fresh(out: np.ndarray, inp: np.ndarray, dtype: str) -> np.ndarray:
    """``out`` as ``dtype``, copied when it would share memory with the input."""
    out = np.asarray(out, dtype=dtype)
    if np.may_share_memory(out, inp):
        out = out.copy()
    return out


def _broadcast_bcast(patterns: Sequence[Sequence[bool]]) -> list[bool]:
    """NumPy broadcasting of static broadcastable patterns (aligned on the right)."""
    ndim = max(len(p) for p in patterns)
    padded = [(True,) * (ndim - len(p)) + tuple(p) for p in patterns]
    return [all(p[d] for p in padded) for d in range(ndim)]


def _broadcast_shapes(shapes: Sequence[Sequence[Any]]) -> tuple:
    """NumPy broadcasting of symbolic shapes: a length 1 gives way to the other."""
    ndim = max(len(s) for s in shapes)
    padded = [(1,) * (ndim - len(s)) + tuple(s) for s in shapes]
    out = []
    for d in range(ndim):
        dim = padded[0][d]
        for s in padded[1:]:
            if isinstance(s[d], int) and s[d] == 1:
                continue
            if isinstance(dim, int) and dim == 1:
                dim = s[d]
            else:
                dim = tm.switch(tm.eq(dim, 1), s[d], dim)
        out.append(dim)
    return tuple(out)


def _count_nonzero(var: TensorVariable) -> TensorVariable:
    return tm.sum(tm.neq(var, 0), dtype="int64")


# ------------------------------------------------------------------------------------------
# Gradient helpers
# ------------------------------------------------------------------------------------------

def _reverse_cumsum(g: TensorVariable, axis: int) -> TensorVariable:
    """``out[i] = sum(g[j] for j >= i)`` along ``axis``.

    Written as ``total - cumsum + g`` rather than by flipping, so that it is built from
    CumOp, Sum and elementwise ops only and can itself be differentiated.
    """
    return tm.sum(g, axis=axis, keepdims=True) - CumOp(axis=axis, mode="add")(g) + g


def _scatter_add(g: TensorVariable, indices: TensorVariable, axis: int, like: TensorVariable) -> TensorVariable:
    """Zeros shaped like ``like`` with the slices of ``g`` along ``axis`` added at ``indices``
    (repeated indices accumulate): the transpose of taking ``indices`` along ``axis``."""
    from theano.tensor.advanced_indexing import advanced_inc_subtensor

    return advanced_inc_subtensor(zeros_like(like, dtype=g.type.dtype), g, *([slice(None)] * axis), indices)


def _sum_to(term: TensorVariable, target: TensorVariable) -> TensorVariable:
    """``term`` summed over the axes ``target`` was broadcast along to reach ``term``'s shape
    (leading axes it lacks, and axes where it is statically of length 1)."""
    extra = term.type.ndim - target.type.ndim
    if extra:
        term = tm.sum(term, axis=list(range(extra)))
    axes = [d for d, (tb, gb) in enumerate(zip(target.type.broadcastable, term.type.broadcastable)) if tb and not gb]
    if axes:
        term = tm.sum(term, axis=axes, keepdims=True)
    return term


# ------------------------------------------------------------------------------------------
# cumsum, cumprod
# ------------------------------------------------------------------------------------------

_CUM_FUNCS = {"add": np.cumsum, "mul": np.cumprod}


class CumOp(Op):
    """Cumulative sum (``mode='add'``) or product (``mode='mul'``) along ``axis`` (None: flattened)."""

    __props__ = ("axis", "mode")

    def __init__(self, axis: int | None = None, mode: str = "add"):
        if mode not in _CUM_FUNCS:
            raise ValueError(f"CumOp: mode must be 'add' or 'mul', got {mode!r}")
        self.axis = None if axis is None else int(axis)
        self.mode = mode

    def make_node(self, x):
        x = as_tensor_variable(x)
        dtype = str(_CUM_FUNCS[self.mode](np.zeros(1, dtype=x.type.dtype)).dtype)
        if self.axis is None:
            bcast = (all(x.type.broadcastable),)
        else:
            _normalize_static_axis(self.axis, x.type.ndim, f"cum{'sum' if self.mode == 'add' else 'prod'}")
            bcast = x.type.broadcastable
        return Apply(self, [x], [TensorType(dtype, bcast)()])

    def perform(self, node, inputs, output_storage, params=None):
        (x,) = inputs
        out = _CUM_FUNCS[self.mode](x, axis=self.axis)
        output_storage[0][0] = np.asarray(out, dtype=node.outputs[0].type.dtype)

    def infer_shape(self, node, input_shapes):
        if self.axis is None:
            return [(_size(input_shapes[0]),)]
        return [tuple(input_shapes[0])]

    def L_op(self, inputs, outputs, output_grads):
        (x,) = inputs
        (gz,) = output_grads
        axis = 0 if self.axis is None else self.axis % x.type.ndim
        if self.mode == "add":
            gx = _reverse_cumsum(gz, axis)
        else:
            # d out[j] / d x[i] = out[j] / x[i] for j >= i (Theano's formula: x must not be 0).
            gx = _reverse_cumsum(gz * outputs[0], axis)
        if self.axis is None:
            gx = reshape(gx, x.shape, ndim=x.type.ndim)
        if self.mode == "mul":
            gx = gx / x
        return [gx]

    def R_op(self, inputs, eval_points):
        (point,) = eval_points
        if point is None:
            return [None]
        if self.mode == "add":
            return [self(point)]
        (x,) = inputs
        return [self(x) * CumOp(axis=self.axis, mode="add")(point / x)]


def cumsum(x: Any, axis: int | None = None) -> TensorVariable:
    """Cumulative sum of ``x`` along ``axis`` (None: of the flattened array).

    The dtype follows NumPy: booleans and small integers accumulate in int64/uint64.
    """
    return CumOp(axis=axis, mode="add")(x)


def cumprod(x: Any, axis: int | None = None) -> TensorVariable:
    """Cumulative product of ``x`` along ``axis`` (None: of the flattened array)."""
    return CumOp(axis=axis, mode="mul")(x)


# ------------------------------------------------------------------------------------------
# diff
# ------------------------------------------------------------------------------------------

class DiffOp(Op):
    """The ``n``-th discrete difference along ``axis`` (NumPy's ``diff``)."""

    __props__ = ("n", "axis")

    def __init__(self, n: int = 1, axis: int = -1):
        self.n = int(n)
        self.axis = int(axis)
        if self.n < 0:
            raise ValueError(f"diff: order n must be non-negative, got {n}")

    def make_node(self, x):
        x = as_tensor_variable(x)
        if x.type.ndim == 0:
            raise TypeError("diff needs an input of at least one dimension")
        axis = _normalize_static_axis(self.axis, x.type.ndim, "diff")
        bcast = list(x.type.broadcastable)
        if self.n > 0:
            bcast[axis] = False
        return Apply(self, [x], [TensorType(x.type.dtype, bcast)()])

    def perform(self, node, inputs, output_storage, params=None):
        (x,) = inputs
        output_storage[0][0] = _fresh(np.diff(x, n=self.n, axis=self.axis), x, node.outputs[0].type.dtype)

    def infer_shape(self, node, input_shapes):
        shape = list(input_shapes[0])
        axis = self.axis % len(shape)
        if self.n > 0:
            shape[axis] = tm.maximum(shape[axis] - self.n, 0)
        return [tuple(shape)]

    def grad(self, inputs, output_grads):
        from theano.tensor.basic import alloc

        (x,) = inputs
        (gz,) = output_grads
        if self.n == 0:
            return [gz]
        axis = self.axis % x.type.ndim
        # One difference is D z = z[1:] - z[:-1]; its transpose is D^T g = [0, g] - [g, 0].
        for _ in range(self.n):
            pad_shape = [1 if d == axis else gz.shape[d] for d in range(gz.type.ndim)]
            pad = alloc(np.asarray(0, dtype=gz.type.dtype), *pad_shape)
            gz = join(axis, pad, gz) - join(axis, gz, pad)
        # With n beyond the axis length the output is empty and the padding overshoots: keep
        # the first x.shape[axis] entries (all of them otherwise).
        length = x.shape[axis]
        return [split(gz, [length, tm.maximum(self.n - length, 0)], 2, axis)[0]]

    def R_op(self, inputs, eval_points):
        return [None if eval_points[0] is None else self(eval_points[0])]


def diff(x: Any, n: int = 1, axis: int = -1) -> TensorVariable:
    """The ``n``-th discrete difference of ``x`` along ``axis``.

    Parameters
    ----------
    x : tensor of at least one dimension
    n : int
        How many times to take differences (0 returns ``x``'s values).
    axis : int
    """
    return DiffOp(n=n, axis=axis)(x)


# ------------------------------------------------------------------------------------------
# bincount
# ------------------------------------------------------------------------------------------

class BinCount(Op):
    """Occurrences of each value of a non-negative integer vector; inputs ``(x, minlength[, weights])``."""

    __props__ = ()

    def make_node(self, x, minlength, weights=None):
        x = as_tensor_variable(x)
        if x.type.ndim != 1 or not _is_int_type(x, allow_bool=True):
            raise TypeError(f"bincount expects a vector of integers, got {x.type}")
        minlength = _int_scalar(minlength, "bincount: minlength")
        inputs = [x, minlength]
        dtype = "int64"
        if weights is not None:
            weights = as_tensor_variable(weights)
            if weights.type.ndim != 1 or weights.type.dtype in complex_types:
                raise TypeError(f"bincount: weights must be a real vector, got {weights.type}")
            dtype = weights.type.dtype if weights.type.dtype in float_types else "float64"
            inputs.append(weights)
        return Apply(self, inputs, [TensorType(dtype, (False,))()])

    def perform(self, node, inputs, output_storage, params=None):
        x, minlength = inputs[:2]
        weights = inputs[2] if len(inputs) == 3 else None
        if x.size and x.min() < 0:
            raise ValueError(f"bincount: the input has negative values (minimum {x.min()})")
        if weights is not None and weights.shape != x.shape:
            raise ValueError(f"bincount: weights of shape {weights.shape} do not match the input's {x.shape}")
        if minlength < 0:
            raise ValueError(f"bincount: minlength must be non-negative, got {int(minlength)}")
        out = np.bincount(x.astype("int64"), weights=weights, minlength=int(minlength))
        output_storage[0][0] = np.asarray(out, dtype=node.outputs[0].type.dtype)

    def infer_shape(self, node, input_shapes):
        x, minlength = node.inputs[:2]
        # max(x) + 1, with -1 appended so that an empty x gives 0
        top = tm.max(join(0, cast(x, "int64"), constant(np.asarray([-1], dtype="int64"))))
        return [(tm.maximum(top + 1, minlength),)]

    def connection_pattern(self, node):
        # The counted values and minlength only say where weights go; the weights are summed.
        return [[False], [False]] + [[True]] * (len(node.inputs) - 2)

    def grad(self, inputs, output_grads):
        from theano.tensor.advanced_indexing import take

        terms = [_disconnected(), _disconnected()]
        if len(inputs) == 3:
            terms.append(take(output_grads[0], cast(inputs[0], "int64")))
        return terms

    def R_op(self, inputs, eval_points):
        if len(inputs) < 3 or eval_points[2] is None:
            return [None]
        return [self(inputs[0], inputs[1], cast(eval_points[2], inputs[2].type.dtype))]


def bincount(x: Any, weights: Any = None, minlength: Any = None, assert_nonneg: bool = False) -> TensorVariable:
    """Count the occurrences of each value in a vector of non-negative integers.

    Parameters
    ----------
    x : integer vector
        Negative values raise ValueError at run time (whatever ``assert_nonneg`` says).
    weights : vector, optional
        Sum these instead of counting ones (float64 unless the weights are floats).
    minlength : int or integer scalar, optional
        Minimum length of the result.
    assert_nonneg : bool
        Accepted for Theano compatibility; the check is always done.

    Returns
    -------
    TensorVariable
        A vector of length ``max(max(x) + 1, minlength)``.
    """
    op = BinCount()
    minlength = 0 if minlength is None else minlength
    if weights is None:
        return op(x, minlength)
    return op(x, minlength, weights)


# ------------------------------------------------------------------------------------------
# repeat
# ------------------------------------------------------------------------------------------

class RepeatOp(Op):
    """Repeat each element ``repeats`` times along ``axis`` (None: of the flattened array)."""

    __props__ = ("axis",)

    def __init__(self, axis: int | None = None):
        self.axis = None if axis is None else int(axis)

    def make_node(self, x, repeats):
        x = as_tensor_variable(x)
        repeats = as_tensor_variable(repeats)
        if repeats.type.ndim > 1:
            raise ValueError(f"repeat: repeats must be a scalar or a vector, got {repeats.type}")
        if not _is_int_type(repeats):
            raise TypeError(f"repeat: repeats must be integers, got {repeats.type}")
        if self.axis is None:
            bcast = (False,)
        else:
            axis = _normalize_static_axis(self.axis, x.type.ndim, "repeat")
            bcast = list(x.type.broadcastable)
            bcast[axis] = False
        return Apply(self, [x, cast(repeats, "int64")], [TensorType(x.type.dtype, bcast)()])

    def perform(self, node, inputs, output_storage, params=None):
        x, repeats = inputs
        if np.any(repeats < 0):
            raise ValueError(f"repeat: negative repeats {repeats.tolist()}")
        try:
            out = np.repeat(x, repeats, axis=self.axis)
        except ValueError:
            length = x.size if self.axis is None else x.shape[self.axis]
            raise ValueError(f"repeat: {repeats.size} repeat counts for an axis of length {length} "
                             f"(input shape {x.shape})") from None
        output_storage[0][0] = out

    def infer_shape(self, node, input_shapes):
        x_shape, r_shape = input_shapes
        repeats = node.inputs[1]
        length = _size(x_shape) if self.axis is None else x_shape[self.axis % len(x_shape)]
        if repeats.type.ndim == 0:
            new = length * repeats
        else:
            total = tm.sum(repeats, dtype="int64")
            # a single count applies to every element
            new = tm.switch(tm.eq(r_shape[0], 1), length * total, total)
        if self.axis is None:
            return [(new,)]
        shape = list(x_shape)
        shape[self.axis % len(shape)] = new
        return [tuple(shape)]

    def connection_pattern(self, node):
        return [[True], [False]]

    def grad(self, inputs, output_grads):
        x, repeats = inputs
        (gz,) = output_grads
        axis = None if self.axis is None else self.axis % x.type.ndim
        if repeats.type.ndim == 0:
            # The copies of each element are consecutive: view them as a new axis right after
            # the element's own and sum it away.
            dims = [x.shape[d] for d in range(x.type.ndim)]
            copies_axis = x.type.ndim if axis is None else axis + 1
            dims.insert(copies_axis, repeats)
            gx = tm.sum(reshape(gz, dims, ndim=x.type.ndim + 1), axis=copies_axis)
        else:
            # Each slice of the output along the axis is a copy of slice owner[j] of the input.
            source = flatten(x) if axis is None else x
            along = 0 if axis is None else axis
            owner = RepeatOp(axis=None)(arange(source.shape[along]), repeats)
            gx = _scatter_add(gz, owner, along, source)
            if axis is None:
                gx = reshape(gx, x.shape, ndim=x.type.ndim)
        return [gx, _disconnected()]

    def R_op(self, inputs, eval_points):
        return [None if eval_points[0] is None else self(eval_points[0], inputs[1])]


def repeat(x: Any, repeats: Any, axis: int | None = None) -> TensorVariable:
    """Repeat the elements of ``x`` (NumPy's ``repeat``).

    Parameters
    ----------
    x : tensor
    repeats : int, integer scalar or integer vector
        Count for every element, or one count per element along ``axis``.
    axis : int, optional
        None repeats the elements of the flattened array.
    """
    return RepeatOp(axis=axis)(x, repeats)


# ------------------------------------------------------------------------------------------
# squeeze
# ------------------------------------------------------------------------------------------

def squeeze(x: Any, axis: int | Sequence[int] | None = None) -> TensorVariable:
    """``x`` without length-1 dimensions (a view).

    Parameters
    ----------
    x : tensor
    axis : int, tuple of ints or None
        None drops every dimension known (broadcastable) to have length 1. Axes named
        explicitly are dropped too; one not known to have length 1 is checked at run time
        (ValueError if its length is not 1).
    """
    x = as_tensor_variable(x)
    ndim = x.type.ndim
    if axis is None:
        drop = [d for d in range(ndim) if x.type.broadcastable[d]]
    else:
        axes = [axis] if isinstance(axis, (int, np.integer)) else list(axis)
        drop = sorted({_normalize_static_axis(int(a), ndim, "squeeze") for a in axes})
        unknown = [d for d in drop if not x.type.broadcastable[d]]
        if unknown:
            x = addbroadcast(x, *unknown)
    return DimShuffle(x.type.broadcastable, [d for d in range(ndim) if d not in drop])(x)


# ------------------------------------------------------------------------------------------
# fill_diagonal, fill_diagonal_offset
# ------------------------------------------------------------------------------------------

def _diagonal_inputs(a: Any, val: Any, what: str) -> tuple[TensorVariable, TensorVariable]:
    a, val = as_elemwise_inputs([a, val])
    if a.type.ndim < 2:
        raise TypeError(f"{what}: the array must have at least two dimensions, got {a.type}")
    if val.type.ndim != 0:
        raise TypeError(f"{what}: the value must be a scalar, got {val.type}")
    if upcast(a.type.dtype, val.type.dtype) != a.type.dtype:
        raise TypeError(f"{what}: a value of dtype {val.type.dtype} does not fit in the array's {a.type.dtype}")
    return a, cast(val, a.type.dtype)


class FillDiagonal(Op):
    """A copy of ``a`` with its main diagonal set to the scalar ``val``."""

    __props__ = ()

    def make_node(self, a, val):
        a, val = _diagonal_inputs(a, val, "fill_diagonal")
        return Apply(self, [a, val], [a.type()])

    def perform(self, node, inputs, output_storage, params=None):
        a, val = inputs
        out = a.copy()
        try:
            np.fill_diagonal(out, val)
        except ValueError:
            raise ValueError(f"fill_diagonal: all dimensions of a {a.ndim}-d array must have equal length, "
                             f"got shape {a.shape}") from None
        output_storage[0][0] = out

    def infer_shape(self, node, input_shapes):
        return [tuple(input_shapes[0])]

    def grad(self, inputs, output_grads):
        return _fill_diagonal_grads(self, inputs, output_grads[0])

    def R_op(self, inputs, eval_points):
        return _fill_diagonal_rop(self, inputs, eval_points)


def _fill_diagonal_grads(op: Op, inputs: Sequence[Variable], gz: TensorVariable) -> list:
    """Gradients of FillDiagonal and FillDiagonalOffset: ``a`` keeps the gradient off the filled
    diagonal; ``val`` gets the sum of the gradient on it (an offset input is disconnected)."""
    offset = inputs[2:]
    ga = op(gz, np.asarray(0, dtype=gz.type.dtype), *offset)
    return [ga, tm.sum(gz - ga)] + [_disconnected()] * len(offset)


def _fill_diagonal_rop(op: Op, inputs: Sequence[Variable], eval_points: Sequence) -> list:
    if eval_points[0] is None and eval_points[1] is None:
        return [None]
    a_point, val_point = _points_or_zeros(inputs[:2], eval_points[:2])
    return [op(a_point, val_point, *inputs[2:])]


def fill_diagonal(a: Any, val: Any) -> TensorVariable:
    """A copy of ``a`` with the main diagonal set to ``val``.

    Parameters
    ----------
    a : tensor of at least 2 dimensions (all of equal length beyond 2)
    val : scalar
        Cast to ``a``'s dtype; it must not need a wider dtype.
    """
    return FillDiagonal()(a, val)


class FillDiagonalOffset(Op):
    """A copy of the matrix ``a`` with diagonal ``offset`` set to the scalar ``val``."""

    __props__ = ()

    def make_node(self, a, val, offset):
        a, val = _diagonal_inputs(a, val, "fill_diagonal_offset")
        if a.type.ndim != 2:
            raise TypeError(f"fill_diagonal_offset expects a matrix, got {a.type}")
        offset = _int_scalar(offset, "fill_diagonal_offset: offset")
        return Apply(self, [a, val, offset], [a.type()])

    def perform(self, node, inputs, output_storage, params=None):
        a, val, offset = inputs
        offset = int(offset)
        out = a.copy()
        rows = np.arange(max(0, -offset), min(a.shape[0], a.shape[1] - offset))
        out[rows, rows + offset] = val
        output_storage[0][0] = out

    def infer_shape(self, node, input_shapes):
        return [tuple(input_shapes[0])]

    def connection_pattern(self, node):
        return [[True], [True], [False]]

    def grad(self, inputs, output_grads):
        return _fill_diagonal_grads(self, inputs, output_grads[0])

    def R_op(self, inputs, eval_points):
        return _fill_diagonal_rop(self, inputs, eval_points)


def fill_diagonal_offset(a: Any, val: Any, offset: Any) -> TensorVariable:
    """A copy of the matrix ``a`` with diagonal ``offset`` set to ``val``.

    Parameters
    ----------
    a : matrix
    val : scalar
    offset : int or integer scalar
        0 the main diagonal, positive above it, negative below it.
    """
    return FillDiagonalOffset()(a, val, offset)


# ------------------------------------------------------------------------------------------
# nonzero, flatnonzero, nonzero_values, compress
# ------------------------------------------------------------------------------------------

class Nonzero(Op):
    """The indices of the non-zero elements of ``a`` as an int64 matrix of shape (a.ndim, nnz)."""

    __props__ = ()

    def make_node(self, a):
        a = as_tensor_variable(a)
        if a.type.ndim == 0:
            raise ValueError("nonzero is not defined for 0-d tensors (use flatnonzero)")
        return Apply(self, [a], [TensorType("int64", (a.type.ndim == 1, False))()])

    def perform(self, node, inputs, output_storage, params=None):
        (a,) = inputs
        output_storage[0][0] = np.asarray(np.nonzero(a), dtype="int64").reshape(a.ndim, -1)

    def infer_shape(self, node, input_shapes):
        return [(node.inputs[0].type.ndim, _count_nonzero(node.inputs[0]))]

    def grad(self, inputs, output_grads):
        # Integer positions, piecewise constant in ``a`` (Theano's choice: undefined).
        return [grad_undefined(self, 0, inputs[0], "nonzero's indices are piecewise constant")]


def nonzero(a: Any, return_matrix: bool = False):
    """The indices of the non-zero elements of ``a``.

    Parameters
    ----------
    a : tensor of at least one dimension
    return_matrix : bool
        False (as NumPy): a tuple of ``a.ndim`` int64 vectors, one per dimension.
        True: one int64 matrix of shape ``(a.ndim, number of non-zeros)``.
    """
    matrix = Nonzero()(a)
    if return_matrix:
        return matrix
    return tuple(matrix[i] for i in range(matrix.owner.inputs[0].type.ndim))


def flatnonzero(a: Any) -> TensorVariable:
    """The indices of the non-zero elements of the flattened ``a`` (an int64 vector)."""
    return Nonzero()(flatten(as_tensor_variable(a)))[0]


class Compress(Op):
    """The slices of ``x`` along ``axis`` (None: the flattened elements) where ``condition`` is true."""

    __props__ = ("axis",)

    def __init__(self, axis: int | None = None):
        self.axis = None if axis is None else int(axis)

    def make_node(self, condition, x):
        condition = as_tensor_variable(condition)
        x = as_tensor_variable(x)
        if condition.type.dtype in complex_types:
            raise TypeError(f"compress: the condition cannot be complex ({condition.type})")
        if self.axis is None:
            bcast = (False,)
        else:
            axis = _normalize_static_axis(self.axis, x.type.ndim, "compress")
            bcast = list(x.type.broadcastable)
            bcast[axis] = False
        return Apply(self, [condition, x], [TensorType(x.type.dtype, bcast)()])

    def perform(self, node, inputs, output_storage, params=None):
        condition, x = inputs
        try:
            out = np.compress(condition.ravel().astype(bool), x, axis=self.axis)
        except IndexError:
            length = x.size if self.axis is None else x.shape[self.axis]
            raise ValueError(f"compress: a condition of {condition.size} entries selects past the end of "
                             f"an axis of length {length}") from None
        output_storage[0][0] = out

    def infer_shape(self, node, input_shapes):
        count = _count_nonzero(node.inputs[0])
        if self.axis is None:
            return [(count,)]
        shape = list(input_shapes[1])
        shape[self.axis % len(shape)] = count
        return [tuple(shape)]

    def connection_pattern(self, node):
        return [[False], [True]]

    def grad(self, inputs, output_grads):
        condition, x = inputs
        (gz,) = output_grads
        kept = Nonzero()(flatten(condition))[0]
        if self.axis is None:
            gx = reshape(_scatter_add(gz, kept, 0, flatten(x)), x.shape, ndim=x.type.ndim)
        else:
            gx = _scatter_add(gz, kept, self.axis % x.type.ndim, x)
        return [_disconnected(), gx]

    def R_op(self, inputs, eval_points):
        return [None if eval_points[1] is None else self(inputs[0], eval_points[1])]


def compress(condition: Any, x: Any, axis: int | None = None) -> TensorVariable:
    """The slices of ``x`` along ``axis`` at the positions where ``condition`` is non-zero.

    Parameters
    ----------
    condition : tensor
        Flattened; it may be shorter than the axis (the rest is not selected).
    x : tensor
    axis : int, optional
        None works on the flattened ``x``.
    """
    return Compress(axis)(condition, x)


def nonzero_values(a: Any) -> TensorVariable:
    """The non-zero elements of ``a``, flattened, in order (a vector)."""
    flat = flatten(as_tensor_variable(a))
    return Compress(None)(flat, flat)


# ------------------------------------------------------------------------------------------
# choose
# ------------------------------------------------------------------------------------------

_CHOOSE_MODES = ("raise", "wrap", "clip")


class Choose(Op):
    """``np.choose(a, choices, mode=mode)``; inputs ``(a, *choices)``, or ``(a, stacked_choices)``
    when ``stacked`` (the choices along the first axis of one tensor)."""

    __props__ = ("mode", "stacked")

    def __init__(self, mode: str = "raise", stacked: bool = False):
        if mode not in _CHOOSE_MODES:
            raise ValueError(f"choose: mode must be one of {_CHOOSE_MODES}, got {mode!r}")
        self.mode = mode
        self.stacked = bool(stacked)

    def make_node(self, a, *choices):
        a = as_tensor_variable(a)
        if not _is_int_type(a):
            raise TypeError(f"choose: the index array must be integers, got {a.type}")
        choices = [as_tensor_variable(c) for c in choices]
        if not choices:
            raise ValueError("choose needs at least one choice")
        if self.stacked:
            if len(choices) != 1 or choices[0].type.ndim == 0:
                raise TypeError("choose: stacked choices must be one tensor of at least one dimension")
            patterns = [a.type.broadcastable, choices[0].type.broadcastable[1:]]
        else:
            patterns = [a.type.broadcastable] + [c.type.broadcastable for c in choices]
        dtype = upcast(*[c.type.dtype for c in choices])
        return Apply(self, [a, *choices], [TensorType(dtype, _broadcast_bcast(patterns))()])

    def perform(self, node, inputs, output_storage, params=None):
        a, *choices = inputs
        options = choices[0] if self.stacked else choices
        try:
            out = np.choose(a, options, mode=self.mode)
        except ValueError as exc:
            raise ValueError(f"choose: {exc} (index array of shape {a.shape})") from None
        output_storage[0][0] = np.asarray(out, dtype=node.outputs[0].type.dtype)

    def infer_shape(self, node, input_shapes):
        if self.stacked:
            shapes = [input_shapes[0], tuple(input_shapes[1])[1:]]
        else:
            shapes = input_shapes
        return [_broadcast_shapes(shapes)]

    def connection_pattern(self, node):
        return [[False]] + [[True] for _ in node.inputs[1:]]

    def _picked(self, a: TensorVariable, n_choices: Any) -> TensorVariable:
        """The index of the choice used at each position, after ``mode`` is applied to ``a``."""
        if self.mode == "wrap":
            return tm.mod(a, n_choices)
        if self.mode == "clip":
            return tm.clip(a, 0, n_choices - 1)
        return a

    def L_op(self, inputs, outputs, output_grads):
        # Each choice gets the gradient at the positions where it was picked.
        a, *choices = inputs
        (gz,) = output_grads
        if not self.stacked:
            picked = self._picked(a, len(choices))
            return [_disconnected()] + [_sum_to(gz * tm.eq(picked, k), c) for k, c in enumerate(choices)]
        (stack,) = choices
        nd = gz.type.ndim
        picked = self._picked(a, stack.shape[0])
        picked = picked.dimshuffle("x", *(["x"] * (nd - a.type.ndim)), *range(a.type.ndim))
        which = arange(stack.shape[0]).dimshuffle(0, *(["x"] * nd))
        term = gz.dimshuffle("x", *range(nd)) * tm.eq(picked, which)
        # term has the choice axis first, then the output's axes; the stacked choices may lack
        # some of the leading output axes.
        extra = nd - (stack.type.ndim - 1)
        if extra:
            term = tm.sum(term, axis=list(range(1, 1 + extra)))
        return [_disconnected(), _sum_to(term, stack)]

    def R_op(self, inputs, eval_points):
        if all(p is None for p in eval_points[1:]):
            return [None]
        return [self(inputs[0], *_points_or_zeros(inputs[1:], eval_points[1:]))]


def choose(a: Any, choices: Any, out: None = None, mode: str = "raise") -> TensorVariable:
    """Build an array by picking, at each position, the element of ``choices[a]`` (NumPy's ``choose``).

    Parameters
    ----------
    a : integer tensor
        Which choice to take at each position; it broadcasts with the choices.
    choices : list or tuple of tensors, or a tensor
        A tensor means the sub-tensors along its first axis.
    out : None
        Kept from Theano's signature; must be None.
    mode : {'raise', 'wrap', 'clip'}
        What to do with indices outside ``[0, n)``.
    """
    if out is not None:
        raise ValueError("choose: the out argument is not supported")
    if isinstance(choices, (list, tuple)):
        return Choose(mode, stacked=False)(a, *choices)
    return Choose(mode, stacked=True)(a, choices)


# ------------------------------------------------------------------------------------------
# unique
# ------------------------------------------------------------------------------------------

class Unique(Op):
    """``np.unique``: the sorted unique values, and optionally the first indices, the inverse
    (positions of each input element among the values) and the counts."""

    __props__ = ("return_index", "return_inverse", "return_counts", "axis")

    def __init__(self, return_index: bool = False, return_inverse: bool = False, return_counts: bool = False,
                 axis: int | None = None):
        self.return_index = bool(return_index)
        self.return_inverse = bool(return_inverse)
        self.return_counts = bool(return_counts)
        self.axis = None if axis is None else int(axis)

    def make_node(self, ar):
        ar = as_tensor_variable(ar)
        if self.axis is None:
            values = TensorType(ar.type.dtype, (False,))()
            inverse_bcast = ar.type.broadcastable
        else:
            axis = _normalize_static_axis(self.axis, ar.type.ndim, "unique")
            # a length-1 axis has exactly one unique slice, so the pattern is unchanged
            values = TensorType(ar.type.dtype, ar.type.broadcastable)()
            inverse_bcast = (ar.type.broadcastable[axis],)
        outputs = [values]
        if self.return_index:
            outputs.append(TensorType("int64", (False,))())
        if self.return_inverse:
            outputs.append(TensorType("int64", inverse_bcast)())
        if self.return_counts:
            outputs.append(TensorType("int64", (False,))())
        return Apply(self, [ar], outputs)

    def perform(self, node, inputs, output_storage, params=None):
        (ar,) = inputs
        results = np.unique(ar, return_index=self.return_index, return_inverse=self.return_inverse,
                            return_counts=self.return_counts, axis=self.axis)
        if not isinstance(results, tuple):
            results = (results,)
        shapes = [None if self.axis is None else results[0].shape]
        shapes += [(-1,)] * self.return_index
        shapes += [ar.shape if self.axis is None else (-1,)] * self.return_inverse
        shapes += [(-1,)] * self.return_counts
        for storage, out, value, shape in zip(output_storage, node.outputs, results, shapes):
            value = _fresh(value, ar, out.type.dtype)
            storage[0] = value.reshape(-1) if shape is None else value.reshape(shape)

    def infer_shape(self, node, input_shapes):
        (ar_shape,) = input_shapes
        axis = None if self.axis is None else self.axis % len(ar_shape)
        # The number of unique values is only known by computing them.
        n_unique = shape_i(node.outputs[0], 0 if axis is None else axis)
        if axis is None:
            shapes = [(n_unique,)]
        else:
            values_shape = list(ar_shape)
            values_shape[axis] = n_unique
            shapes = [tuple(values_shape)]
        if self.return_index:
            shapes.append((n_unique,))
        if self.return_inverse:
            shapes.append(tuple(ar_shape) if axis is None else (ar_shape[axis],))
        if self.return_counts:
            shapes.append((n_unique,))
        return shapes

    def grad(self, inputs, output_grads):
        # Which values are distinct changes with the input: at ties the values are not
        # differentiable, and Theano defines no gradient.
        return [grad_undefined(self, 0, inputs[0], "unique is not differentiable")]


def unique(ar: Any, return_index: bool = False, return_inverse: bool = False, return_counts: bool = False,
           axis: int | None = None):
    """The sorted unique elements of ``ar`` (NumPy's ``unique``).

    Parameters
    ----------
    ar : tensor
    return_index : bool
        Also return the index of the first occurrence of each unique value.
    return_inverse : bool
        Also return, for each element of ``ar``, the index of its value among the unique ones
        (with ``ar``'s shape when ``axis`` is None, as in NumPy 2).
    return_counts : bool
        Also return how many times each unique value occurs.
    axis : int, optional
        Find unique sub-arrays along this axis instead of unique elements of the flattened array.

    Returns
    -------
    TensorVariable or list of TensorVariable
        The unique values, followed by the requested extra outputs (all int64).
    """
    return Unique(return_index, return_inverse, return_counts, axis)(ar)


# ------------------------------------------------------------------------------------------
# to_one_hot
# ------------------------------------------------------------------------------------------

class ToOneHot(NoGradientMixin, Op):
    """Rows of zeros with a one at column ``y[i]``; inputs ``(y, nb_class)``."""

    __props__ = ("dtype",)

    def __init__(self, dtype: str):
        self.dtype = str(np.dtype(dtype))

    def make_node(self, y, nb_class):
        y = as_tensor_variable(y)
        if y.type.ndim != 1 or not _is_int_type(y):
            raise TypeError(f"to_one_hot expects a vector of integers, got {y.type}")
        nb_class = _int_scalar(nb_class, "to_one_hot: nb_class")
        bcast = (y.type.broadcastable[0], _constant_int(nb_class) == 1)
        return Apply(self, [y, nb_class], [TensorType(self.dtype, bcast)()])

    def perform(self, node, inputs, output_storage, params=None):
        y, nb_class = inputs
        nb_class = int(nb_class)
        if y.size and (y.min() < 0 or y.max() >= nb_class):
            raise ValueError(f"to_one_hot: class indices must lie in [0, {nb_class}), got values from "
                             f"{y.min()} to {y.max()}")
        out = np.zeros((y.shape[0], nb_class), dtype=self.dtype)
        out[np.arange(y.shape[0]), y] = 1
        output_storage[0][0] = out

    def infer_shape(self, node, input_shapes):
        return [(input_shapes[0][0], node.inputs[1])]


def to_one_hot(y: Any, nb_class: Any, dtype: str | None = None) -> TensorVariable:
    """A matrix whose row ``i`` is the one-hot encoding of ``y[i]``.

    Parameters
    ----------
    y : integer vector
        Class indices in ``[0, nb_class)`` (others raise ValueError at run time).
    nb_class : int or integer scalar
        The number of classes (columns).
    dtype : str, optional
        Output dtype (``floatX`` by default).
    """
    import theano

    return ToOneHot(dtype or theano.config.floatX)(y, nb_class)


# ------------------------------------------------------------------------------------------
# ravel_multi_index, unravel_index
# ------------------------------------------------------------------------------------------

_ORDERS = ("C", "F")


class RavelMultiIndex(NoGradientMixin, Op):
    """Flat indices from index arrays into an array of shape ``dims``; inputs ``(*multi_index, dims)``."""

    __props__ = ("mode", "order")

    def __init__(self, mode: str | tuple[str, ...] = "raise", order: str = "C"):
        modes = (mode,) if isinstance(mode, str) else tuple(mode)
        for m in modes:
            if m not in _CHOOSE_MODES:
                raise ValueError(f"ravel_multi_index: mode must be one of {_CHOOSE_MODES}, got {m!r}")
        if order not in _ORDERS:
            raise ValueError(f"ravel_multi_index: order must be 'C' or 'F', got {order!r}")
        self.mode = mode if isinstance(mode, str) else modes
        self.order = order

    def make_node(self, *inputs):
        if len(inputs) < 2:
            raise TypeError("ravel_multi_index needs at least one index array and the dims")
        *indices, dims = inputs
        indices = [as_tensor_variable(i) for i in indices]
        for i in indices:
            if not _is_int_type(i):
                raise TypeError(f"ravel_multi_index: index arrays must be integers, got {i.type}")
        dims = _int_vector(dims, "ravel_multi_index: dims")
        bcast = _broadcast_bcast([i.type.broadcastable for i in indices])
        return Apply(self, [*indices, dims], [TensorType("int64", bcast)()])

    def perform(self, node, inputs, output_storage, params=None):
        *indices, dims = inputs
        if len(indices) != len(dims):
            raise ValueError(f"ravel_multi_index: {len(indices)} index arrays for {len(dims)} dimensions")
        out = np.ravel_multi_index(tuple(indices), tuple(int(d) for d in dims), mode=self.mode, order=self.order)
        output_storage[0][0] = np.asarray(out, dtype="int64")

    def infer_shape(self, node, input_shapes):
        return [_broadcast_shapes(input_shapes[:-1])]


def ravel_multi_index(multi_index: Sequence[Any], dims: Any, mode: str = "raise", order: str = "C") -> TensorVariable:
    """Flat indices of the elements at ``multi_index`` in an array of shape ``dims``.

    Parameters
    ----------
    multi_index : list or tuple of integer tensors
        One index array per dimension (they broadcast together).
    dims : list of ints or integer vector
        The array's shape.
    mode : {'raise', 'wrap', 'clip'} or a tuple of them (one per dimension)
    order : {'C', 'F'}
    """
    if not isinstance(multi_index, (list, tuple)):
        raise TypeError("ravel_multi_index: multi_index must be a list or tuple of index arrays")
    return RavelMultiIndex(mode, order)(*multi_index, dims)


class UnravelIndex(NoGradientMixin, Op):
    """Index arrays (one per dimension) from flat indices into an array of shape ``dims``."""

    __props__ = ("order",)

    def __init__(self, order: str = "C"):
        if order not in _ORDERS:
            raise ValueError(f"unravel_index: order must be 'C' or 'F', got {order!r}")
        self.order = order

    def make_node(self, indices, dims):
        indices = as_tensor_variable(indices)
        if not _is_int_type(indices):
            raise TypeError(f"unravel_index: indices must be integers, got {indices.type}")
        dims = _int_vector(dims, "unravel_index: dims")
        from theano.tensor.basic import get_vector_length

        try:
            n = get_vector_length(dims)
        except ValueError:
            raise ValueError("unravel_index: the length of dims must be known when the graph is built") from None
        outputs = [TensorType("int64", indices.type.broadcastable)() for _ in range(n)]
        return Apply(self, [indices, dims], outputs)

    def perform(self, node, inputs, output_storage, params=None):
        indices, dims = inputs
        results = np.unravel_index(indices, tuple(int(d) for d in dims), order=self.order)
        for storage, value in zip(output_storage, results):
            storage[0] = np.asarray(value, dtype="int64")

    def infer_shape(self, node, input_shapes):
        return [tuple(input_shapes[0]) for _ in node.outputs]


def unravel_index(indices: Any, dims: Any, order: str = "C") -> tuple:
    """The multi-dimensional indices of flat ``indices`` into an array of shape ``dims``.

    Parameters
    ----------
    indices : integer tensor
    dims : list of ints or integer vector of known length
    order : {'C', 'F'}

    Returns
    -------
    tuple of TensorVariable
        ``len(dims)`` int64 tensors with the shape of ``indices``.
    """
    result = UnravelIndex(order)(indices, dims)
    return tuple(result) if isinstance(result, list) else (result,)


# ------------------------------------------------------------------------------------------
# bartlett, cpu_contiguous
# ------------------------------------------------------------------------------------------

class Bartlett(NoGradientMixin, Op):
    """The Bartlett (triangular) window of ``M`` points (NumPy's ``bartlett``), float64."""

    __props__ = ()

    def make_node(self, M):
        M = _int_scalar(M, "bartlett: M")
        return Apply(self, [M], [TensorType("float64", (_constant_int(M) == 1,))()])

    def perform(self, node, inputs, output_storage, params=None):
        output_storage[0][0] = np.asarray(np.bartlett(int(inputs[0])), dtype="float64")

    def infer_shape(self, node, input_shapes):
        return [(tm.maximum(node.inputs[0], 0),)]


def bartlett(M: Any) -> TensorVariable:
    """The Bartlett window of ``M`` points (an empty vector when ``M <= 0``)."""
    return Bartlett()(M)


class CpuContiguous(Op):
    """``x`` with C-contiguous memory (``x`` itself when it already is)."""

    __props__ = ()
    view_map = {0: [0]}

    def make_node(self, x):
        x = as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage, params=None):
        output_storage[0][0] = np.ascontiguousarray(inputs[0])

    def infer_shape(self, node, input_shapes):
        return [tuple(input_shapes[0])]

    def grad(self, inputs, output_grads):
        return [output_grads[0]]

    def R_op(self, inputs, eval_points):
        return [eval_points[0]]


def cpu_contiguous(x: Any) -> TensorVariable:
    """``x`` with C-contiguous memory."""
    return CpuContiguous()(x)
