"""Building tensors from pieces and cutting them: make_vector, join/concatenate, stack, split, tile, roll."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from theano.gradient import DisconnectedType
from theano.graph.basic import Apply, Constant, Variable
from theano.graph.op import Op
from theano.scalar.type import discrete_types, upcast
from theano.tensor.basic import (
    NotScalarConstantError,
    alloc,
    as_elemwise_inputs,
    as_tensor_variable,
    cast,
    get_scalar_constant_value,
    get_vector_length,
    shape_padaxis,
)
from theano.tensor.type import TensorType
from theano.tensor.var import TensorVariable

__all__ = [
    "Join",
    "MakeVector",
    "Roll",
    "Split",
    "Tile",
    "as_shape_vector",
    "concatenate",
    "horizontal_stack",
    "join",
    "make_vector",
    "roll",
    "split",
    "stack",
    "stacklists",
    "tile",
    "vertical_stack",
]


class MakeVector(Op):
    """A vector from 0-d tensors of one dtype."""

    __props__ = ("dtype",)

    def __init__(self, dtype: str = "int64"):
        self.dtype = dtype

    def make_node(self, *inputs):
        inputs = [as_tensor_variable(i) for i in inputs]
        for i in inputs:
            if i.type.ndim != 0:
                raise TypeError(f"MakeVector expects 0-d inputs, got {i.type}")
        inputs = [cast(i, self.dtype) if i.type.dtype != self.dtype and np.can_cast(i.type.dtype, self.dtype)
                  else i for i in inputs]
        for i in inputs:
            if i.type.dtype != self.dtype:
                raise TypeError(f"MakeVector({self.dtype}) cannot take an input of dtype {i.type.dtype}")
        return Apply(self, inputs, [TensorType(self.dtype, (len(inputs) == 1,))()])

    def perform(self, node, inputs, output_storage, params=None):
        output_storage[0][0] = np.asarray(inputs, dtype=self.dtype).reshape(len(inputs))

    def infer_shape(self, node, shapes):
        return [(len(node.inputs),)]

    def grad(self, inputs, output_grads):
        (gz,) = output_grads
        return [gz[i] for i in range(len(inputs))]

    def R_op(self, inputs, eval_points):
        if all(p is None for p in eval_points):
            return [None]
        return [self(*_points_or_zeros(inputs, eval_points))]


def make_vector(*values):
    """A vector of the given scalars, of their common dtype."""
    values = as_elemwise_inputs(values) if values else []
    dtype = upcast(*[v.type.dtype for v in values]) if values else "int64"
    return MakeVector(dtype)(*values)


def as_shape_vector(entries: Sequence[Any]):
    """A shape given as a list of ints and int scalars, as an int64 vector."""
    if all(isinstance(e, (int, np.integer)) for e in entries):
        return as_tensor_variable(np.asarray(entries, dtype="int64"))
    return MakeVector("int64")(*[cast(as_tensor_variable(e), "int64") for e in entries])


class Join(Op):
    """Concatenate tensors along an axis given as the first (symbolic) input."""

    __props__ = ()

    def make_node(self, axis, *tensors):
        if not tensors:
            raise ValueError("join needs at least one tensor")
        axis = as_tensor_variable(axis)
        if axis.type.ndim != 0 or axis.type.dtype[:3] not in ("int", "uin"):
            raise TypeError("join: axis must be an integer scalar")
        tensors = [as_tensor_variable(t) for t in tensors]
        ndim = tensors[0].type.ndim
        if ndim == 0:
            raise TypeError("join cannot concatenate 0-d tensors: use stack")
        for t in tensors:
            if t.type.ndim != ndim:
                raise TypeError(f"join: all tensors must have {ndim} dimensions, got {t.type}")
        dtype = upcast(*[t.type.dtype for t in tensors])
        try:
            ax = int(get_scalar_constant_value(axis))
            if not -ndim <= ax < ndim:
                raise IndexError(f"join: axis {ax} is out of range for {ndim}-d tensors")
            ax %= ndim
            # Off the join axis a dimension is broadcastable when any input says it has length 1
            # (they must all agree at run time).
            bcast = [d != ax and any(t.type.broadcastable[d] for t in tensors) for d in range(ndim)]
            if len(tensors) == 1:
                bcast[ax] = tensors[0].type.broadcastable[ax]
        except NotScalarConstantError:
            bcast = [False] * ndim
        tensors = [cast(t, dtype) for t in tensors]
        return Apply(self, [axis, *tensors], [TensorType(dtype, bcast)()])

    def perform(self, node, inputs, output_storage, params=None):
        axis, *tensors = inputs
        try:
            out = np.concatenate(tensors, axis=int(axis))
        except ValueError as exc:
            shapes = ", ".join(str(t.shape) for t in tensors)
            raise ValueError(f"join along axis {int(axis)}: shapes {shapes} do not match: {exc}") from None
        output_storage[0][0] = out.astype(node.outputs[0].type.dtype, copy=False)

    def infer_shape(self, node, shapes):
        axis = node.inputs[0]
        from theano.tensor import math as tm

        in_shapes = shapes[1:]
        ndim = len(in_shapes[0])
        out = []
        for d in range(ndim):
            total = in_shapes[0][d]
            for s in in_shapes[1:]:
                total = total + s[d]
            out.append(tm.switch(tm.eq(axis % ndim if ndim else axis, d), total, in_shapes[0][d]))
        return [tuple(out)]

    def connection_pattern(self, node):
        return [[False]] + [[True] for _ in node.inputs[1:]]

    def grad(self, inputs, output_grads):
        axis, *tensors = inputs
        (gz,) = output_grads
        ax = _constant_int(axis)
        sizes = [t.shape[axis if ax is None else ax] for t in tensors]
        pieces = split(gz, sizes, len(tensors), axis)
        if len(tensors) == 1:
            pieces = [pieces]
        return [_disconnected(), *pieces]

    def R_op(self, inputs, eval_points):
        if all(p is None for p in eval_points[1:]):
            return [None]
        return [self(inputs[0], *_points_or_zeros(inputs[1:], eval_points[1:]))]


join_ = Join()


def join(axis, *tensors_list):
    """Concatenate ``tensors_list`` along ``axis`` (Theano's argument order)."""
    if len(tensors_list) == 1:
        return as_tensor_variable(tensors_list[0])
    return join_(axis, *tensors_list)


def concatenate(tensor_list, axis=0):
    """Concatenate a list of tensors along ``axis`` (NumPy's argument order)."""
    if not isinstance(tensor_list, (list, tuple)):
        raise TypeError("concatenate takes a list or tuple of tensors, and the axis second")
    return join(axis, *tensor_list)


def stack(*tensors, **kwargs):
    """Stack tensors of the same shape along a new axis ``axis`` (default 0)."""
    axis = kwargs.pop("axis", 0)
    if kwargs:
        raise TypeError(f"stack got unexpected arguments {sorted(kwargs)}")
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tensors[0]
    if len(tensors) == 0:
        raise ValueError("stack needs at least one tensor")
    if axis == 0 and all(_is_scalar_like(t) for t in tensors):
        return make_vector(*tensors)
    tensors = [as_tensor_variable(t) for t in tensors]
    ndims = {t.type.ndim for t in tensors}
    if len(ndims) != 1:
        raise TypeError(f"stack: all tensors must have the same number of dimensions, got types "
                        f"{', '.join(str(t.type) for t in tensors)}")
    if len(tensors) == 1:
        return shape_padaxis(tensors[0], axis)
    return join(axis, *[shape_padaxis(t, axis) for t in tensors])


def _is_scalar_like(t) -> bool:
    if isinstance(t, (int, float, np.number, bool)):
        return True
    return hasattr(t, "type") and getattr(t.type, "ndim", None) == 0


def stacklists(arg: Any) -> TensorVariable:
    """A tensor from nested lists of tensors (or numbers), stacking each level along a new axis.

    ``stacklists([[a, b], [c, d]])`` with scalars ``a``...``d`` is a 2x2 matrix.
    """
    if isinstance(arg, (list, tuple)):
        return stack([stacklists(item) for item in arg])
    return as_tensor_variable(arg)


def _check_2d(args: Sequence[Any], what: str) -> list[TensorVariable]:
    if not args:
        raise ValueError(f"{what} needs at least one tensor")
    tensors = [as_tensor_variable(a) for a in args]
    for t in tensors:
        if t.type.ndim != 2:
            raise TypeError(f"{what} expects matrices, got {t.type}")
    return tensors


def horizontal_stack(*args: Any) -> TensorVariable:
    """Concatenate matrices side by side (along axis 1).

    Unlike ``numpy.hstack`` it only takes 2-d tensors, as in Theano.
    """
    return concatenate(_check_2d(args, "horizontal_stack"), axis=1)


def vertical_stack(*args: Any) -> TensorVariable:
    """Concatenate matrices one above the other (along axis 0).

    Unlike ``numpy.vstack`` it only takes 2-d tensors, as in Theano.
    """
    return concatenate(_check_2d(args, "vertical_stack"), axis=0)


# ------------------------------------------------------------------------------------------
# Helpers shared by the ops below (and by creation, extra_ops and sort)
# ------------------------------------------------------------------------------------------

def _int_scalar(value: Any, what: str) -> TensorVariable:
    """``value`` as an int64 0-d tensor; TypeError naming ``what`` when it is not an integer scalar."""
    var = as_tensor_variable(value)
    if var.type.ndim != 0 or var.type.dtype not in discrete_types or var.type.dtype == "bool":
        raise TypeError(f"{what} must be an integer scalar, got {var.type}")
    return cast(var, "int64")


def _int_vector(value: Any, what: str) -> TensorVariable:
    """``value`` (a list of ints/int scalars or an integer vector) as an int64 vector."""
    if isinstance(value, (list, tuple)):
        entries = [_int_scalar(v, what) for v in value]
        if all(isinstance(e, Constant) for e in entries):
            return as_tensor_variable(np.asarray([e.data for e in entries], dtype="int64").reshape(len(entries)))
        return MakeVector("int64")(*entries)
    var = as_tensor_variable(value)
    if var.type.ndim != 1 or var.type.dtype not in discrete_types or var.type.dtype == "bool":
        raise TypeError(f"{what} must be a vector of integers, got {var.type}")
    return cast(var, "int64")


def _constant_entry(vector: TensorVariable, i: int) -> int | None:
    """Entry ``i`` of an int vector when it is known at graph-build time, else None."""
    if isinstance(vector, Constant):
        return int(vector.data[i])
    if vector.owner is not None and isinstance(vector.owner.op, MakeVector):
        try:
            return int(get_scalar_constant_value(vector.owner.inputs[i]))
        except NotScalarConstantError:
            return None
    return None


def _constant_int(var: TensorVariable) -> int | None:
    """The value of an integer scalar when it is known at graph-build time, else None."""
    try:
        return int(get_scalar_constant_value(var))
    except NotScalarConstantError:
        return None


def _normalize_static_axis(axis: int, ndim: int, what: str) -> int:
    if not -ndim <= axis < ndim:
        raise ValueError(f"{what}: axis {axis} is out of range for a {ndim}-d tensor")
    return axis % ndim


def _axis_switch(axis: TensorVariable, ndim: int, d: int, if_axis, otherwise):
    """``if_axis`` when the symbolic ``axis`` (possibly negative) names dimension ``d``."""
    from theano.tensor import math as tm

    return tm.switch(tm.eq(tm.mod(axis, ndim), d), if_axis, otherwise)


def _disconnected() -> Variable:
    """The gradient term of an input the outputs do not depend on differentiably (sizes, axes, indices)."""
    return DisconnectedType()()


class NoGradientMixin:
    """For ops whose inputs are only sizes and indices: no output depends on any input
    differentiably, so every input is disconnected (``grad`` through them raises
    DisconnectedInputError unless asked to ignore it)."""

    def connection_pattern(self, node):
        return [[False] * len(node.outputs) for _ in node.inputs]

    def grad(self, inputs, output_grads):
        return [_disconnected() for _ in inputs]


def _points_or_zeros(inputs: Sequence[Variable], eval_points: Sequence[Variable | None]) -> list[Variable]:
    """R_op helper: each input's eval point (in the input's dtype), or zeros shaped like the input
    where it has none."""
    from theano.tensor.basic import zeros_like

    return [zeros_like(x) if p is None else cast(p, x.type.dtype) for x, p in zip(inputs, eval_points)]


# ------------------------------------------------------------------------------------------
# split
# ------------------------------------------------------------------------------------------

class Split(Op):
    """Cut ``x`` along ``axis`` into ``len_splits`` pieces of the lengths in ``splits``.

    Inputs are ``(x, axis, splits)``; the outputs are views of ``x``.
    """

    __props__ = ("len_splits",)

    def __init__(self, len_splits: int):
        self.len_splits = int(len_splits)
        if self.len_splits < 1:
            raise ValueError(f"split: the number of splits must be at least 1, got {len_splits}")
        self.view_map = {i: [0] for i in range(self.len_splits)}

    def make_node(self, x, axis, splits):
        x = as_tensor_variable(x)
        if x.type.ndim == 0:
            raise TypeError("split: cannot split a 0-d tensor")
        axis = _int_scalar(axis, "split: axis")
        splits = _int_vector(splits, "split: splits_size")
        try:
            n = get_vector_length(splits)
        except ValueError:
            n = None
        if n is not None and n != self.len_splits:
            raise ValueError(f"split: {n} split sizes given for {self.len_splits} splits")
        ax = _constant_int(axis)
        if ax is None:
            bcast = [False] * x.type.ndim
        else:
            ax = _normalize_static_axis(ax, x.type.ndim, "split")
            bcast = list(x.type.broadcastable)
            bcast[ax] = False
        outputs = [TensorType(x.type.dtype, bcast)() for _ in range(self.len_splits)]
        return Apply(self, [x, axis, splits], outputs)

    def perform(self, node, inputs, output_storage, params=None):
        x, axis, splits = inputs
        axis = int(axis)
        if not -x.ndim <= axis < x.ndim:
            raise ValueError(f"split: axis {axis} is out of range for an array of shape {x.shape}")
        if len(splits) != self.len_splits:
            raise ValueError(f"split: {len(splits)} split sizes given for {self.len_splits} splits")
        if np.any(splits < 0):
            raise ValueError(f"split: negative split sizes {splits.tolist()}")
        if splits.sum() != x.shape[axis]:
            raise ValueError(f"split: the sizes {splits.tolist()} sum to {splits.sum()}, but axis {axis} of the "
                             f"input (shape {x.shape}) has length {x.shape[axis]}")
        pieces = np.split(x, np.cumsum(splits[:-1]), axis=axis)
        for storage, piece in zip(output_storage, pieces):
            storage[0] = piece

    def infer_shape(self, node, input_shapes):
        x, axis, splits = node.inputs
        x_shape = input_shapes[0]
        ndim = x.type.ndim
        ax = _constant_int(axis)
        out = []
        for i in range(self.len_splits):
            if ax is not None:
                shape = list(x_shape)
                shape[ax % ndim] = splits[i]
            else:
                shape = [_axis_switch(axis, ndim, d, splits[i], x_shape[d]) for d in range(ndim)]
            out.append(tuple(shape))
        return out

    def connection_pattern(self, node):
        return [[True] * self.len_splits, [False] * self.len_splits, [False] * self.len_splits]

    def grad(self, inputs, output_grads):
        # Pieces the cost does not use arrive as zeros, so joining them back is always valid.
        axis = inputs[1]
        return [join(axis, *output_grads), _disconnected(), _disconnected()]

    def R_op(self, inputs, eval_points):
        if eval_points[0] is None:
            return [None] * self.len_splits
        pieces = self(eval_points[0], *inputs[1:])
        return pieces if isinstance(pieces, list) else [pieces]


def split(x: Any, splits_size: Any, n_splits: int, axis: Any = 0):
    """Cut ``x`` along ``axis`` into ``n_splits`` pieces of lengths ``splits_size``.

    Parameters
    ----------
    x : tensor
    splits_size : list of ints or integer vector
        The length of each piece; they must sum to the length of ``axis`` (checked at run time).
    n_splits : int
        The number of pieces (the length of ``splits_size``).
    axis : int or integer scalar

    Returns
    -------
    list of TensorVariable
        The pieces (as in Theano, a single variable when ``n_splits`` is 1).
    """
    return Split(n_splits)(x, axis, splits_size)


# ------------------------------------------------------------------------------------------
# tile
# ------------------------------------------------------------------------------------------

class Tile(Op):
    """``np.tile(x, reps)`` with a result of ``ndim`` dimensions; ``reps`` has ``ndim`` entries."""

    __props__ = ("ndim",)

    def __init__(self, ndim: int):
        self.ndim = int(ndim)

    def make_node(self, x, reps):
        x = as_tensor_variable(x)
        if x.type.ndim > self.ndim:
            raise ValueError(f"tile: the input has {x.type.ndim} dimensions, more than ndim={self.ndim}")
        reps = _int_vector(reps, "tile: reps")
        x_bcast = (True,) * (self.ndim - x.type.ndim) + x.type.broadcastable
        bcast = [b and _constant_entry(reps, i) == 1 for i, b in enumerate(x_bcast)]
        return Apply(self, [x, reps], [TensorType(x.type.dtype, bcast)()])

    def perform(self, node, inputs, output_storage, params=None):
        x, reps = inputs
        if len(reps) != self.ndim:
            raise ValueError(f"tile: reps has {len(reps)} entries, expected {self.ndim} (the output's ndim)")
        if np.any(reps < 0):
            raise ValueError(f"tile: negative repetitions {reps.tolist()}")
        x = x.reshape((1,) * (self.ndim - x.ndim) + x.shape)
        output_storage[0][0] = np.tile(x, tuple(int(r) for r in reps))

    def infer_shape(self, node, input_shapes):
        x, reps = node.inputs
        x_shape = (1,) * (self.ndim - x.type.ndim) + tuple(input_shapes[0])
        return [tuple(x_shape[i] * reps[i] for i in range(self.ndim))]

    def connection_pattern(self, node):
        return [[True], [False]]

    def grad(self, inputs, output_grads):
        from theano.tensor import math as tm
        from theano.tensor.shape import reshape

        x, reps = inputs
        (gz,) = output_grads
        # Output axis i holds reps[i] consecutive copies of the (padded) input axis i: view it as
        # (reps[i], length_i) and sum the copies.
        padded = [1] * (self.ndim - x.type.ndim) + [x.shape[d] for d in range(x.type.ndim)]
        blocks = []
        for i, length in enumerate(padded):
            blocks += [reps[i], length]
        summed = tm.sum(reshape(gz, blocks, ndim=2 * self.ndim), axis=list(range(0, 2 * self.ndim, 2)))
        return [reshape(summed, x.shape, ndim=x.type.ndim), _disconnected()]

    def R_op(self, inputs, eval_points):
        if eval_points[0] is None:
            return [None]
        return [self(eval_points[0], inputs[1])]


def tile(x: Any, reps: Any, ndim: int | None = None) -> TensorVariable:
    """Repeat ``x`` ``reps[i]`` times along each axis ``i`` (NumPy's ``tile``).

    Parameters
    ----------
    x : tensor
    reps : int, integer scalar, list of those, or integer vector
        Repetitions per axis; shorter than ``ndim`` means leading ones.
    ndim : int, optional
        Dimensions of the result, at least ``x.ndim`` and ``len(reps)``. Defaults to the larger
        of the two; required when ``reps`` is a vector of unknown length.
    """
    x = as_tensor_variable(x)
    entries = None  # the repetitions as a list, when their number is known
    if isinstance(reps, (list, tuple)):
        entries = list(reps)
    else:
        reps = as_tensor_variable(reps)
        if reps.type.ndim == 0:
            entries = [reps]
        elif isinstance(reps, Constant) and reps.type.ndim == 1:
            entries = [int(r) for r in _int_vector(reps, "tile: reps").data]
        else:
            reps = _int_vector(reps, "tile: reps")
    n_reps = len(entries) if entries is not None else None
    if n_reps is None:
        try:
            n_reps = get_vector_length(reps)
        except ValueError:
            n_reps = None
    if ndim is None:
        if n_reps is None:
            raise ValueError("tile: reps is a vector of unknown length; pass ndim")
        ndim = max(x.type.ndim, n_reps)
    if ndim < x.type.ndim:
        raise ValueError(f"tile: ndim={ndim} is smaller than the input's {x.type.ndim} dimensions")
    if n_reps is not None and n_reps > ndim:
        raise ValueError(f"tile: reps has {n_reps} entries, more than ndim={ndim}")
    if entries is not None:
        reps = _int_vector([1] * (ndim - n_reps) + entries, "tile: reps")
    else:
        from theano.tensor import math as tm

        n_pad = tm.maximum(ndim - reps.shape[0], 0)
        reps = join(0, alloc(np.asarray(1, dtype="int64"), n_pad), reps)
    return Tile(ndim)(x, reps)


# ------------------------------------------------------------------------------------------
# roll
# ------------------------------------------------------------------------------------------

class Roll(Op):
    """``np.roll(x, shift, axis)``: elements shifted circularly; ``axis`` None rolls the flat array."""

    __props__ = ("axis",)

    def __init__(self, axis: int | tuple[int, ...] | None = None):
        if isinstance(axis, (int, np.integer)):
            axis = (int(axis),)
        self.axis = None if axis is None else tuple(int(a) for a in axis)

    def make_node(self, x, shift):
        x = as_tensor_variable(x)
        shift = as_tensor_variable(shift)
        if shift.type.ndim > 1 or shift.type.dtype not in discrete_types or shift.type.dtype == "bool":
            raise TypeError(f"roll: shift must be an integer scalar or vector, got {shift.type}")
        if self.axis is not None:
            for a in self.axis:
                _normalize_static_axis(a, x.type.ndim, "roll")
        elif x.type.ndim == 0:
            raise TypeError("roll: cannot roll a 0-d tensor")
        return Apply(self, [x, cast(shift, "int64")], [x.type()])

    def perform(self, node, inputs, output_storage, params=None):
        x, shift = inputs
        shift = int(shift) if shift.ndim == 0 else tuple(int(s) for s in shift)
        try:
            output_storage[0][0] = np.roll(x, shift, axis=self.axis)
        except ValueError as exc:
            raise ValueError(f"roll: shift {shift} does not match axis {self.axis}: {exc}") from None

    def infer_shape(self, node, input_shapes):
        return [tuple(input_shapes[0])]

    def connection_pattern(self, node):
        return [[True], [False]]

    def grad(self, inputs, output_grads):
        x, shift = inputs
        return [self(output_grads[0], -shift), _disconnected()]

    def R_op(self, inputs, eval_points):
        if eval_points[0] is None:
            return [None]
        return [self(eval_points[0], inputs[1])]


def roll(x: Any, shift: Any, axis: int | tuple[int, ...] | None = None) -> TensorVariable:
    """Shift the elements of ``x`` circularly by ``shift`` along ``axis`` (NumPy's ``roll``).

    Parameters
    ----------
    x : tensor
    shift : int, integer scalar or integer vector
        Number of places to shift (negative: towards the start).
    axis : int, tuple of ints or None
        Axis or axes to roll; None rolls the flattened array and restores the shape.
    """
    return Roll(axis)(x, shift)
