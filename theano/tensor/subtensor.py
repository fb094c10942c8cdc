"""Indexing: ``x[...]`` dispatch, basic slicing (Subtensor) and its update (IncSubtensor), and
``inc_subtensor``/``set_subtensor`` for every kind of index.

An indexing op stores its index as ``idx_list``, one entry per index position:

- an ``int``: a constant integer;
- a :class:`~theano.scalar.type.ScalarType`: a symbolic integer scalar, passed as a node input;
- a ``slice`` whose start, stop and step are each ``None``, an ``int`` or a ``ScalarType``;
- ``None`` (``np.newaxis``; advanced ops only; basic indexing adds new axes with a DimShuffle);
- a :class:`~theano.tensor.type.TensorType`: an integer or boolean array, passed as a node input
  (advanced ops only).

The node's inputs after ``x`` (and ``y`` for the increment ops) are the symbolic entries, in
order. The advanced ops live in :mod:`theano.tensor.advanced_indexing`; their Theano 1.0 names
are also importable from here.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from theano import scalar
from theano.graph.basic import Apply, Constant, Variable
from theano.graph.op import Op
from theano.scalar.type import ScalarType, complex_types, discrete_types
from theano.tensor.basic import (
    _is_python_scalar,
    _weak_scalar_dtype,
    addbroadcast,
    as_tensor_variable,
    cast,
    constant,
    scalar_from_tensor,
    tensor_from_scalar,
    zeros_like,
)
from theano.tensor.elemwise import DimShuffle
from theano.tensor.type import TensorType

__all__ = [
    "IncSubtensor",
    "Subtensor",
    "as_index_constant",
    "get_idx_list",
    "inc_subtensor",
    "set_subtensor",
]

# Names defined in theano.tensor.advanced_indexing that Theano 1.0 kept in this module.
_ADVANCED_NAMES = (
    "AdvancedBooleanIncSubtensor",
    "AdvancedBooleanSubtensor",
    "AdvancedIncSubtensor",
    "AdvancedIncSubtensor1",
    "AdvancedSubtensor",
    "AdvancedSubtensor1",
    "advanced_boolean_inc_subtensor",
    "advanced_boolean_set_subtensor",
    "advanced_boolean_subtensor",
    "advanced_inc_subtensor",
    "advanced_inc_subtensor1",
    "advanced_set_subtensor",
    "advanced_set_subtensor1",
    "advanced_subtensor",
    "advanced_subtensor1",
    "take",
)


def __getattr__(name: str):
    if name in _ADVANCED_NAMES:
        return getattr(importlib.import_module("theano.tensor.advanced_indexing"), name)
    raise AttributeError(f"module 'theano.tensor.subtensor' has no attribute '{name}'")


# ------------------------------------------------------------------------------------------
# Index entries: from user values to (idx_list, inputs)
# ------------------------------------------------------------------------------------------

def _is_integer_dtype(dtype: str) -> bool:
    return dtype in discrete_types and dtype != "bool"


def _as_index_scalar(var: Variable) -> Variable:
    """A symbolic integer scalar index as a ScalarType variable; TypeError for anything else."""
    if isinstance(var.type, TensorType):
        if var.type.ndim != 0 or not _is_integer_dtype(var.type.dtype):
            raise TypeError(f"index {var} must be an integer scalar, got {var.type}")
        return scalar_from_tensor(var)
    if not isinstance(var.type, ScalarType) or not _is_integer_dtype(var.type.dtype):
        raise TypeError(f"index {var} must be an integer scalar, got {var.type}")
    return var


def _slice_part(part: Any) -> int | Variable | None:
    """A slice's start, stop or step: None, a Python int, or a symbolic integer scalar."""
    if part is None:
        return None
    if isinstance(part, (bool, np.bool_)):
        raise TypeError(f"slice bounds must be integers, got {part!r}")
    if isinstance(part, (int, np.integer)):
        return int(part)
    if isinstance(part, Constant) and np.ndim(part.data) == 0 and _is_integer_dtype(str(np.asarray(part.data).dtype)):
        return int(part.data)
    if isinstance(part, Variable):
        return _as_index_scalar(part)
    if isinstance(part, np.ndarray) and part.ndim == 0 and part.dtype.kind in "iu":
        return int(part)
    raise TypeError(f"slice bounds must be integers or symbolic integer scalars, got {part!r:.60}")


def _array_index(entry: Any) -> int | Variable:
    """A non-scalar index entry (list, array, tensor) as a tensor variable.

    Integer 0-d entries come back as Python ints (constants) or ScalarType variables, as NumPy
    treats them as plain integers.
    """
    if isinstance(entry, Variable):
        var = as_tensor_variable(entry)
    elif isinstance(entry, (list, tuple)) and any(isinstance(e, Variable) for e in _flat(entry)):
        var = as_tensor_variable(entry)
    else:
        arr = np.asarray(entry)
        if arr.size == 0 and arr.dtype.kind == "f":
            arr = arr.astype("int64")  # [] is an empty integer index, as in NumPy
        if arr.dtype.kind not in "biu":
            raise TypeError(f"index arrays must be integers or booleans, got dtype {arr.dtype} in {entry!r:.60}")
        var = constant(arr)
    dtype = var.type.dtype
    if dtype not in discrete_types:
        raise TypeError(f"index {var} must be integers or booleans, got {var.type}")
    if var.type.ndim == 0 and dtype != "bool":
        if isinstance(var, Constant):
            return int(var.data)
        return _as_index_scalar(var)
    return var


def _flat(items) -> Iterator:
    stack = [items]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(item)
        else:
            yield item


def _convert_entry(entry: Any) -> Any:
    """One user index entry as None, Ellipsis, int, slice, ScalarType variable or tensor variable."""
    if entry is None or entry is Ellipsis:
        return entry
    if isinstance(entry, slice):
        parts = tuple(_slice_part(p) for p in (entry.start, entry.stop, entry.step))
        if parts[2] == 0:
            raise ValueError("slice step cannot be zero")
        return slice(*parts) if parts[2] != 1 else slice(parts[0], parts[1])
    if isinstance(entry, (bool, np.bool_)):
        return constant(np.asarray(entry, dtype=bool))  # NumPy: a 0-d boolean mask
    if isinstance(entry, (int, np.integer)):
        return int(entry)
    if isinstance(entry, float | np.floating | complex):
        raise TypeError(f"index {entry!r} must be an integer, a slice, None, Ellipsis or an integer/boolean array")
    if isinstance(entry, Variable) and isinstance(entry.type, ScalarType):
        return _as_index_scalar(entry)
    if isinstance(entry, (Variable, list, tuple, np.ndarray)):
        return _array_index(entry)
    raise TypeError(f"invalid index {entry!r:.60}: expected an integer, a slice, None, Ellipsis or an "
                    "integer/boolean array")


def _is_array_entry(entry: Any) -> bool:
    return isinstance(entry, Variable) and isinstance(entry.type, TensorType)


def _consumed_dims(entry: Any) -> int:
    """How many axes of ``x`` an index entry consumes."""
    if entry is None or entry is Ellipsis:
        return 0
    if _is_array_entry(entry) and entry.type.dtype == "bool":
        return entry.type.ndim
    return 1


def normalize_index(args: Any, ndim: int) -> list:
    """``x[args]``'s index for an ``ndim``-d ``x`` as a list of converted entries, Ellipsis expanded.

    Raises IndexError for too many indices or several Ellipses, TypeError for invalid entries.
    """
    if not isinstance(args, tuple):
        args = (args,)
    entries = [_convert_entry(a) for a in args]
    n_ellipsis = sum(1 for e in entries if e is Ellipsis)
    if n_ellipsis > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    used = sum(_consumed_dims(e) for e in entries)
    if used > ndim:
        raise IndexError(f"too many indices for a {ndim}-d tensor: the index uses {used} dimensions")
    if n_ellipsis:
        pos = entries.index(Ellipsis)
        entries[pos:pos + 1] = [slice(None)] * (ndim - used)
    return entries


def _placeholder(var: Variable) -> ScalarType | TensorType:
    if isinstance(var.type, ScalarType):
        return var.type
    return TensorType(var.type.dtype, (False,) * var.type.ndim)


def compile_index(entries: Sequence[Any]) -> tuple[tuple, list[Variable]]:
    """Converted index entries as ``(idx_list, inputs)``: variables become placeholders."""
    idx_list = []
    inputs = []
    for entry in entries:
        if isinstance(entry, slice):
            parts = []
            for part in (entry.start, entry.stop, entry.step):
                if isinstance(part, Variable):
                    inputs.append(part)
                    part = _placeholder(part)
                parts.append(part)
            idx_list.append(slice(*parts))
        elif isinstance(entry, Variable):
            inputs.append(entry)
            idx_list.append(_placeholder(entry))
        else:
            idx_list.append(entry)
    return tuple(idx_list), inputs


def _placeholders(idx_list: Sequence[Any]) -> Iterator:
    for entry in idx_list:
        parts = (entry.start, entry.stop, entry.step) if isinstance(entry, slice) else (entry,)
        for part in parts:
            if isinstance(part, (ScalarType, TensorType)):
                yield part


def _check_index_inputs(idx_list: Sequence[Any], inputs: Sequence[Any]) -> list[Variable]:
    """Convert ``inputs`` to the kinds of the placeholders of ``idx_list``; TypeError on mismatch."""
    placeholders = list(_placeholders(idx_list))
    if len(inputs) != len(placeholders):
        raise TypeError(f"the index {_index_str(idx_list)} needs {len(placeholders)} symbolic entries, "
                        f"got {len(inputs)}")
    checked = []
    for ph, inp in zip(placeholders, inputs):
        if isinstance(ph, ScalarType):
            checked.append(_as_index_scalar(inp if isinstance(inp, Variable) else as_tensor_variable(inp)))
            continue
        var = as_tensor_variable(inp)
        if var.type.ndim != ph.ndim or (var.type.dtype == "bool") != (ph.dtype == "bool") or \
                var.type.dtype not in discrete_types:
            raise TypeError(f"index input {var} of type {var.type} does not match the index entry {ph}")
        checked.append(var)
    return checked


def _numpy_index(idx_list: Sequence[Any], values: Sequence[Any]) -> tuple:
    """The NumPy index tuple for ``idx_list`` given the run-time values of its placeholders."""
    it = iter(values)

    def resolve(entry):
        if isinstance(entry, ScalarType):
            return int(next(it))
        if isinstance(entry, TensorType):
            return next(it)
        return entry

    index = []
    for entry in idx_list:
        if isinstance(entry, slice):
            index.append(slice(resolve(entry.start), resolve(entry.stop), resolve(entry.step)))
        else:
            index.append(resolve(entry))
    return tuple(index)


def hashable_index(idx_list: Sequence[Any]) -> tuple:
    """``idx_list`` with slices turned into tuples (slices are unhashable before Python 3.12)."""
    return tuple(("slice", e.start, e.stop, e.step) if isinstance(e, slice) else e for e in idx_list)


def _entry_str(entry: Any) -> str:
    if isinstance(entry, ScalarType):
        return "int"
    if isinstance(entry, TensorType):
        return "mask" if entry.dtype == "bool" else "array"
    if entry is None:
        return "newaxis"
    return str(entry)


def _index_str(idx_list: Sequence[Any]) -> str:
    parts = []
    for entry in idx_list:
        if isinstance(entry, slice):
            start, stop, step = ("" if p is None else _entry_str(p) for p in (entry.start, entry.stop, entry.step))
            parts.append(f"{start}:{stop}" + (f":{step}" if step else ""))
        else:
            parts.append(_entry_str(entry))
    return ", ".join(parts)


def get_idx_list(inputs: Sequence[Variable], idx_list: Sequence[Any]) -> tuple:
    """``idx_list`` with its placeholders replaced by the node inputs after the first (``x``)."""
    it = iter(inputs[1:])

    def resolve(entry):
        return next(it) if isinstance(entry, (ScalarType, TensorType)) else entry

    out = []
    for entry in idx_list:
        if isinstance(entry, slice):
            out.append(slice(resolve(entry.start), resolve(entry.stop), resolve(entry.step)))
        else:
            out.append(resolve(entry))
    return tuple(out)


def as_index_constant(a: Any) -> Any:
    """Python integers in an index (also inside slices) as int64 scalar constants."""
    if a is None or a is Ellipsis:
        return a
    if isinstance(a, slice):
        return slice(as_index_constant(a.start), as_index_constant(a.stop), as_index_constant(a.step))
    if isinstance(a, (int, np.integer)) and not isinstance(a, (bool, np.bool_)):
        return scalar.ScalarConstant(scalar.get_scalar_type("int64"), np.int64(a))
    if not isinstance(a, Variable):
        return as_tensor_variable(a)
    return a


# ------------------------------------------------------------------------------------------
# The indexed result: its axes, broadcastable flags and symbolic shape
# ------------------------------------------------------------------------------------------

def _result_axes(idx_list: Sequence[Any], ndim: int, index_vars: Sequence[Variable]):
    """Walk an index: the result's axes and the advanced entries.

    Returns ``(axes, advanced)``. ``axes`` lists the result's axes in order, each
    ``("new",)``, ``("slice", axis, start, stop, step)`` (parts are None, ints or the index
    variables) or ``("advanced",)`` (the block of axes of the broadcast advanced indices).
    ``advanced`` lists ``(kind, position_in_inputs)`` with kind ``"int"``, ``"array"`` or
    ``"mask"``. Follows NumPy: integer scalars count as advanced indices when arrays are
    present, and the advanced block goes first unless the advanced entries are adjacent.
    """
    it = iter(enumerate(index_vars))

    def resolve(part):
        return next(it)[1] if isinstance(part, (ScalarType, TensorType)) else part

    axes = []
    advanced = []
    positions = []
    first_advanced_axis = None
    axis = 0
    has_arrays = any(isinstance(e, TensorType) for e in idx_list)
    for k, entry in enumerate(idx_list):
        if entry is None:
            axes.append(("new",))
        elif isinstance(entry, slice):
            axes.append(("slice", axis, resolve(entry.start), resolve(entry.stop), resolve(entry.step)))
            axis += 1
        elif isinstance(entry, TensorType):
            pos, _ = next(it)
            mask = entry.dtype == "bool"
            advanced.append(("mask" if mask else "array", pos))
            axis += entry.ndim if mask else 1
        else:  # an integer (constant or ScalarType)
            resolve(entry)
            if has_arrays:
                advanced.append(("int", None))
            axis += 1
        if has_arrays and not isinstance(entry, slice) and entry is not None:
            positions.append(k)
            if first_advanced_axis is None:
                first_advanced_axis = len(axes)
    if axis > ndim:
        raise IndexError(f"too many indices for a {ndim}-d tensor: the index {_index_str(idx_list)} uses "
                         f"{axis} dimensions")
    axes.extend(("slice", d, None, None, None) for d in range(axis, ndim))
    if has_arrays:
        adjacent = positions == list(range(positions[0], positions[-1] + 1))
        axes.insert(first_advanced_axis if adjacent else 0, ("advanced",))
    return axes, advanced


def _slice_keeps_broadcast(start, stop, step) -> bool:
    """A slice of a length-1 axis keeps length 1 only when it is known to select it."""
    if not all(p is None or isinstance(p, int) for p in (start, stop, step)):
        return False
    return len(range(1)[slice(start, stop, step)]) == 1


def _advanced_broadcastable(advanced, index_vars) -> tuple:
    ndim = 0
    flags = []
    for kind, pos in advanced:
        if kind == "int":
            continue
        bcast = (False,) if kind == "mask" else index_vars[pos].type.broadcastable
        flags.append(bcast)
        ndim = max(ndim, len(bcast))
    out = []
    for d in range(ndim):
        # Right-aligned, as in broadcasting: entries without this axis do not constrain it.
        out.append(all(b[d - ndim + len(b)] for b in flags if len(b) >= ndim - d))
    return tuple(out)


def indexed_broadcastable(x_type: TensorType, idx_list: Sequence[Any], index_vars: Sequence[Variable]) -> tuple:
    """The broadcastable flags of ``x[index]``."""
    axes, advanced = _result_axes(idx_list, x_type.ndim, index_vars)
    bcast = []
    for ax in axes:
        if ax[0] == "new":
            bcast.append(True)
        elif ax[0] == "slice":
            bcast.append(x_type.broadcastable[ax[1]] and _slice_keeps_broadcast(*ax[2:]))
        else:
            bcast.extend(_advanced_broadcastable(advanced, index_vars))
    return tuple(bcast)


def _slice_length(start, stop, step, length):
    """The symbolic length of ``range(length)[start:stop:step]`` (int64)."""
    from theano.tensor import math as tm

    static = all(p is None or isinstance(p, int) for p in (start, stop, step))
    if static and isinstance(length, (int, np.integer)):
        return len(range(int(length))[slice(start, stop, step)])
    if start is None and stop is None and step in (None, 1):
        return length
    length = cast(as_tensor_variable(length), "int64")

    def value(part):
        return tensor_from_scalar(part) if isinstance(part, Variable) else as_tensor_variable(part)

    def bound(part, default, low, high):
        if part is None:
            return default
        v = value(part)
        if not (isinstance(part, int) and part >= 0):
            v = tm.switch(tm.lt(v, 0), v + length, v)
        return tm.clip(v, low, high)

    def count(positive: bool, step_v):
        if positive:
            first = bound(start, 0, 0, length)
            end = bound(stop, length, 0, length)
            span, abs_step = end - first, step_v
        else:
            first = bound(start, length - 1, -1, length - 1)
            end = bound(stop, -1, -1, length - 1)
            span, abs_step = first - end, -step_v
        return tm.maximum(tm.int_div(span + abs_step - 1, abs_step), 0)

    if step is None or isinstance(step, int):
        step = 1 if step is None else step
        result = count(step > 0, step)
    else:
        step_v = value(step)
        result = tm.switch(tm.gt(step_v, 0), count(True, step_v), count(False, step_v))
    result = as_tensor_variable(result)
    return result if result.type.dtype == "int64" else cast(result, "int64")


def _broadcast_lengths(lengths):
    """The broadcast of symbolic lengths that are known to be compatible."""
    from theano.tensor import math as tm

    result = None
    for n in lengths:
        if result is None:
            result = n
        else:
            result = tm.switch(tm.eq(result, 1), n, result)
    return 1 if result is None else result


def indexed_shape(x_shape: Sequence[Any], idx_list: Sequence[Any], index_vars: Sequence[Variable],
                  index_shapes: Sequence[Sequence[Any]]) -> tuple:
    """The symbolic shape of ``x[index]`` from ``x``'s shape and the index's values and shapes."""
    from theano.tensor import math as tm

    axes, advanced = _result_axes(idx_list, len(x_shape), index_vars)
    shape = []
    for ax in axes:
        if ax[0] == "new":
            shape.append(1)
        elif ax[0] == "slice":
            shape.append(_slice_length(*ax[2:], x_shape[ax[1]]))
        else:
            shapes = []
            for kind, pos in advanced:
                if kind == "mask":
                    shapes.append((tm.sum(index_vars[pos], dtype="int64"),))
                elif kind == "array":
                    var = index_vars[pos]
                    shapes.append(tuple(1 if b else s for b, s in zip(var.type.broadcastable, index_shapes[pos])))
            ndim = max((len(s) for s in shapes), default=0)
            for d in range(ndim):
                lengths = [s[d - ndim + len(s)] for s in shapes if len(s) >= ndim - d]
                shape.append(_broadcast_lengths([n for n in lengths if not (isinstance(n, int) and n == 1)]))
    return tuple(shape)


# ------------------------------------------------------------------------------------------
# Gradient helpers shared by every indexing op
# ------------------------------------------------------------------------------------------
#
# Reading x[index] is linear in x: its gradient scatters gz back into zeros shaped like x
# (an increment, so repeated indices accumulate), and its forward-mode product indexes the
# tangent the same way. An update of x[index] by y passes gz to x (zeroed where a set
# overwrote x) and gathers gz[index] for y, summed over the axes along which y was broadcast.
# Index inputs are integers: they are disconnected.

def _disconnected_grads(n: int) -> list:
    from theano.gradient import DisconnectedType

    return [DisconnectedType()() for _ in range(n)]


def _float_zeros_like(x: Variable) -> Variable:
    """Zeros shaped like ``x`` (floatX for an integer ``x``): the gradient of an integer-valued input."""
    from theano.gradient import _float_zeros_like as float_zeros_like

    return float_zeros_like(x)


def sum_over_broadcast_dims(y: Variable, gy: Variable) -> Variable:
    """``gy`` (shaped like the part ``y`` was broadcast to) summed back to ``y``'s dimensions.

    Sums over the leading axes ``y`` lacks and over the axes where ``y`` is broadcastable and
    ``gy`` is not.
    """
    from theano.tensor import math as tm

    extra = gy.type.ndim - y.type.ndim
    stretched = [extra + d for d, flag in enumerate(y.type.broadcastable)
                 if flag and not gy.type.broadcastable[extra + d]]
    if stretched:
        gy = tm.sum(gy, axis=stretched, keepdims=True)
    if extra:
        gy = tm.sum(gy, axis=list(range(extra)))
    return gy


def read_grads(op: Op, inputs: Sequence[Variable], output_grads: Sequence[Variable]) -> list:
    """Gradients of a reading op ``x[index]`` (inputs ``x, *index``): ``gz`` added into zeros like ``x``."""
    x, *index = inputs
    (gz,) = output_grads
    if x.type.dtype in discrete_types:
        gx = _float_zeros_like(x)
    else:
        gx = op.inc_op(False, False)(zeros_like(x), gz, *index)
    return [gx, *_disconnected_grads(len(index))]


def read_r_op(op: Op, inputs: Sequence[Variable], eval_points: Sequence[Variable | None]) -> list:
    """Forward mode of a reading op: the tangent of ``x`` indexed the same way."""
    if eval_points[0] is None:
        return [None]
    return [op(eval_points[0], *inputs[1:])]


def update_grads(op: Op, inputs: Sequence[Variable], output_grads: Sequence[Variable]) -> list:
    """Gradients of an update op (inputs ``x, y, *index``) that sets or increments ``x[index]`` by ``y``.

    ``op`` provides ``read_op()`` (the matching reading op), ``non_inplace()`` and
    ``set_instead_of_inc``. With a set and repeated indices, every occurrence gathers its
    gradient for ``y`` (Theano's convention), although only the last one was written.
    """
    x, y, *index = inputs
    (gz,) = output_grads
    if x.type.dtype in discrete_types:
        return [_float_zeros_like(x), _float_zeros_like(y), *_disconnected_grads(len(index))]
    gx = gz
    if op.set_instead_of_inc:
        gx = op.non_inplace()(gz, constant(0, dtype=gz.type.dtype), *index)
    gy = sum_over_broadcast_dims(y, op.read_op()(gz, *index))
    return [gx, gy, *_disconnected_grads(len(index))]


def update_r_op(op: Op, inputs: Sequence[Variable], eval_points: Sequence[Variable | None]) -> list:
    """Forward mode of an update op: the same update applied to the tangents of ``x`` and ``y``."""
    x, y, *index = inputs
    ex, ey = eval_points[:2]
    if ex is None and ey is None:
        return [None]
    ex = zeros_like(x) if ex is None else ex
    ey = zeros_like(y) if ey is None else ey
    return [op.non_inplace()(ex, ey, *index)]


# ------------------------------------------------------------------------------------------
# Ops
# ------------------------------------------------------------------------------------------

class BaseSubtensor(Op):
    """Reading ``x[idx_list]``: the part shared by Subtensor and AdvancedSubtensor."""

    __props__ = ("idx_list",)
    allow_advanced = False

    def __init__(self, idx_list: Sequence[Any]):
        self.idx_list = tuple(idx_list)
        if not self.allow_advanced:
            for entry in self.idx_list:
                if entry is None or isinstance(entry, TensorType):
                    raise TypeError(f"{type(self).__name__} takes integers and slices only; "
                                    f"got {_entry_str(entry)} in [{_index_str(self.idx_list)}]")

    def __hash__(self):
        return hash((type(self), hashable_index(self.idx_list)))

    def make_node(self, x, *inputs):
        x = as_tensor_variable(x)
        index_vars = _check_index_inputs(self.idx_list, inputs)
        bcast = indexed_broadcastable(x.type, self.idx_list, index_vars)
        return Apply(self, [x, *index_vars], [TensorType(x.type.dtype, bcast)()])

    def _index(self, x, values):
        index = _numpy_index(self.idx_list, values)
        try:
            return x[index if index else Ellipsis]
        except IndexError as exc:
            raise IndexError(f"{exc} (indexing an array of shape {x.shape} with [{_index_str(self.idx_list)}])") \
                from None

    def infer_shape(self, node, shapes):
        return [indexed_shape(shapes[0], self.idx_list, node.inputs[1:], shapes[1:])]

    def connection_pattern(self, node):
        return [[True]] + [[False] for _ in node.inputs[1:]]

    def grad(self, inputs, output_grads):
        return read_grads(self, inputs, output_grads)

    def R_op(self, inputs, eval_points):
        return read_r_op(self, inputs, eval_points)

    def __str__(self):
        return f"{type(self).__name__}{{{_index_str(self.idx_list)}}}"


class Subtensor(BaseSubtensor):
    """Basic indexing ``x[i, a:b:c, ...]`` with constant or symbolic integer entries; a view of ``x``."""

    view_map = {0: [0]}

    def perform(self, node, inputs, output_storage, params=None):
        x, *values = inputs
        out = self._index(x, values)
        output_storage[0][0] = out if isinstance(out, np.ndarray) else np.asarray(out)

    def inc_op(self, inplace: bool, set_instead_of_inc: bool) -> IncSubtensor:
        return IncSubtensor(self.idx_list, inplace, set_instead_of_inc)


def _as_update_value(x: Variable, y: Any, set_instead_of_inc: bool, sub_ndim: int) -> Variable:
    """``y`` as the value written into ``x[index]``; TypeError when it cannot be."""
    verb = "set" if set_instead_of_inc else "increment"
    if _is_python_scalar(y):
        y = constant(y, dtype=_weak_scalar_dtype(y, x.type.dtype))
    y = as_tensor_variable(y)
    if y.type.ndim > sub_ndim:
        raise TypeError(f"cannot {verb} a {sub_ndim}-d subtensor with a {y.type.ndim}-d value y")
    if y.type.dtype in complex_types and x.type.dtype not in complex_types:
        raise TypeError(f"cannot {verb} a {x.type.dtype} tensor with complex values y ({y.type.dtype})")
    if not set_instead_of_inc and not np.can_cast(y.type.dtype, x.type.dtype, "same_kind"):
        raise TypeError(f"cannot increment a {x.type.dtype} tensor by {y.type.dtype} values y: cast y first")
    return y


def check_update_broadcast(op: Op, y_var: Variable, y: np.ndarray, sub_shape) -> None:
    """Refuse a ``y`` that would stretch along a dimension its type does not declare
    broadcastable (the rule elementwise ops follow; the gradient relies on it).

    ``sub_shape`` is a callable giving the shape of the indexed part, computed only when
    ``y`` has a length-1 dimension to check.
    """
    flags = y_var.type.broadcastable
    if not any(length == 1 and not flag for length, flag in zip(y.shape, flags)):
        return
    target = tuple(sub_shape())
    offset = len(target) - y.ndim
    for d, (length, flag) in enumerate(zip(y.shape, flags)):
        if length == 1 and not flag and offset + d >= 0 and target[offset + d] != 1:
            raise ValueError(
                f"{op}: y has length 1 along dimension {d}, which its type does not declare broadcastable, "
                f"while the indexed part has shape {target}; make that dimension broadcastable "
                "(T.addbroadcast(y, d) or a row/col type) to repeat y along it")


class BaseIncSubtensor(Op):
    """``x`` with ``x[idx_list]`` set to, or incremented by, ``y``: shared by the increment ops.

    Inputs are ``x, y, *index_inputs``. Unless ``inplace``, the output is a new array.
    """

    __props__ = ("idx_list", "inplace", "set_instead_of_inc")
    allow_advanced = False

    def __init__(self, idx_list: Sequence[Any], inplace: bool = False, set_instead_of_inc: bool = False,
                 destroyhandler_tolerate_aliased: Sequence[Sequence[int]] | None = None):
        self.idx_list = tuple(idx_list)
        if not self.allow_advanced:
            for entry in self.idx_list:
                if entry is None or isinstance(entry, TensorType):
                    raise TypeError(f"{type(self).__name__} takes integers and slices only; "
                                    f"got {_entry_str(entry)} in [{_index_str(self.idx_list)}]")
        self.inplace = bool(inplace)
        self.set_instead_of_inc = bool(set_instead_of_inc)
        self.destroyhandler_tolerate_aliased = [list(p) for p in destroyhandler_tolerate_aliased or ()]
        if self.inplace:
            self.destroy_map = {0: [0]}

    def __hash__(self):
        return hash((type(self), hashable_index(self.idx_list), self.inplace, self.set_instead_of_inc))

    def make_node(self, x, y, *inputs):
        x = as_tensor_variable(x)
        index_vars = _check_index_inputs(self.idx_list, inputs)
        sub_ndim = len(indexed_broadcastable(x.type, self.idx_list, index_vars))
        y = _as_update_value(x, y, self.set_instead_of_inc, sub_ndim)
        return Apply(self, [x, y, *index_vars], [x.type()])

    def perform(self, node, inputs, output_storage, params=None):
        x, y, *values = inputs
        out = x if self.inplace else x.copy()
        index = _numpy_index(self.idx_list, values)
        index = index if index else Ellipsis
        y = np.asarray(y)
        if y.dtype != out.dtype:
            y = y.astype(out.dtype)
        check_update_broadcast(self, node.inputs[1], y, lambda: np.shape(x[index]))
        try:
            if self.set_instead_of_inc:
                out[index] = y
            else:
                self._increment(out, index, y)
        except ValueError as exc:
            sub_shape = np.shape(x[index])
            raise ValueError(f"{self}: y of shape {y.shape} does not broadcast to the indexed shape {sub_shape} "
                             f"({exc})") from None
        except IndexError as exc:
            raise IndexError(f"{exc} (indexing an array of shape {x.shape} with [{_index_str(self.idx_list)}])") \
                from None
        output_storage[0][0] = out

    @staticmethod
    def _increment(out: np.ndarray, index: Any, y: np.ndarray) -> None:
        out[index] += y

    def infer_shape(self, node, shapes):
        return [shapes[0]]

    def non_inplace(self) -> BaseIncSubtensor:
        """This update as a new array (the op the gradient and R_op build)."""
        return type(self)(self.idx_list, False, self.set_instead_of_inc)

    def read_op(self) -> BaseSubtensor:
        """The op reading the part of ``x`` this op writes."""
        raise NotImplementedError

    def connection_pattern(self, node):
        return [[True], [True]] + [[False] for _ in node.inputs[2:]]

    def grad(self, inputs, output_grads):
        return update_grads(self, inputs, output_grads)

    def R_op(self, inputs, eval_points):
        return update_r_op(self, inputs, eval_points)

    def __str__(self):
        mode = ("inplace" if self.inplace else "no_inplace") + (",set" if self.set_instead_of_inc else ",inc")
        return f"{type(self).__name__}{{{mode};{_index_str(self.idx_list)}}}"


class IncSubtensor(BaseIncSubtensor):
    """``x`` with the basic-indexed part ``x[i, a:b:c, ...]`` set to or incremented by ``y``."""

    def read_op(self) -> Subtensor:
        return Subtensor(self.idx_list)


# ------------------------------------------------------------------------------------------
# Public functions
# ------------------------------------------------------------------------------------------

def getitem(x: Variable, args: Any) -> Variable:
    """``x[args]`` for a symbolic tensor ``x``, with NumPy's indexing rules."""
    entries = normalize_index(args, x.type.ndim)
    if any(_is_array_entry(e) for e in entries):
        from theano.tensor.advanced_indexing import advanced_index

        return advanced_index(x, entries)
    # Basic indexing: None (np.newaxis) entries become a DimShuffle after the Subtensor.
    core = [e for e in entries if e is not None]
    while core and core[-1] == slice(None):
        core.pop()  # x[0, :] is x[0]
    if not core and x.type.ndim > 0:
        core = [slice(None)]
    idx_list, inputs = compile_index(core)
    out = Subtensor(idx_list)(x, *inputs)
    if any(e is None for e in entries):
        pattern = []
        pos = 0
        for e in entries:
            if e is None:
                pattern.append("x")
            elif isinstance(e, slice):
                pattern.append(pos)
                pos += 1
        pattern.extend(range(pos, out.type.ndim))
        out = out.dimshuffle(pattern)
    return out


def _indexing_op_types() -> tuple:
    adv = importlib.import_module("theano.tensor.advanced_indexing")
    return Subtensor, adv.AdvancedSubtensor1, adv.AdvancedSubtensor


def inc_subtensor(x: Variable, y: Any, inplace: bool = False, set_instead_of_inc: bool = False,
                  tolerate_inplace_aliasing: bool = False) -> Variable:
    """``x``'s base tensor with the indexed part ``x`` incremented by (or set to) ``y``.

    Parameters
    ----------
    x
        The result of an indexing expression such as ``a[2:, idx]``; the returned tensor has the
        shape of the tensor it indexes (``a``).
    y
        Values broadcast (NumPy's rules) to ``x``'s shape. Where an integer index repeats an
        element, the increments accumulate; with ``set_instead_of_inc`` the last write wins.
    inplace
        Build the in-place op (it destroys ``a``); ``theano.function`` then needs
        ``accept_inplace=True``. Normally left to the optimizer.
    set_instead_of_inc
        Write ``y`` instead of adding it (see :func:`set_subtensor`).
    tolerate_inplace_aliasing
        Allow ``y`` to alias ``a`` in the in-place op.

    Returns
    -------
    TensorVariable
        A new tensor like ``a``; ``a`` itself is unchanged unless ``inplace``.

    Examples
    --------
    >>> a = T.dmatrix('a')
    >>> b = T.inc_subtensor(a[[0, 0], 1], 1.0)   # adds 2.0 to a[0, 1]
    """
    x = as_tensor_variable(x)
    owner = x.owner
    if owner is None or not isinstance(owner.op, _indexing_op_types() + (DimShuffle,)):
        raise TypeError(f"inc_subtensor/set_subtensor need the result of an indexing expression such as "
                        f"a[1:, idx] as first argument, got {x}" + (f" (the output of {owner.op})" if owner else ""))
    if _is_python_scalar(y):
        y = constant(y, dtype=_weak_scalar_dtype(y, x.type.dtype))
    y = as_tensor_variable(y)
    verb = "set" if set_instead_of_inc else "increment"
    if y.type.ndim > x.type.ndim:
        raise TypeError(f"cannot {verb} a {x.type.ndim}-d subtensor with a {y.type.ndim}-d value y")
    offset = x.type.ndim - y.type.ndim
    # y may have length 1 where x_sub is broadcastable; check it at run time.
    stretch = [d for d in range(y.type.ndim) if x.type.broadcastable[d + offset] and not y.type.broadcastable[d]]
    if stretch:
        y = addbroadcast(y, *stretch)
    if isinstance(owner.op, DimShuffle):
        return _inc_through_newaxis(x, y, inplace, set_instead_of_inc, tolerate_inplace_aliasing)
    op = owner.op.inc_op(inplace, set_instead_of_inc)
    if tolerate_inplace_aliasing:
        op.destroyhandler_tolerate_aliased = [[0, 1]]
    return op(owner.inputs[0], y, *owner.inputs[1:])


def _inc_through_newaxis(x, y, inplace, set_instead_of_inc, tolerate_inplace_aliasing):
    """``inc_subtensor`` of ``a[..., None, ...]``: the new axes wrap an indexing result."""
    order = x.owner.op.new_order
    inner = x.owner.inputs[0]
    kept = [e for e in order if e != "x"]
    if kept != list(range(inner.type.ndim)) or inner.owner is None or not isinstance(
            inner.owner.op, _indexing_op_types()):
        raise TypeError(f"inc_subtensor/set_subtensor need the result of an indexing expression as first "
                        f"argument, got {x} (a DimShuffle {order} that is not a new axis of an indexing result)")
    y = y.dimshuffle(["x"] * (x.type.ndim - y.type.ndim) + list(range(y.type.ndim)))
    new_axes = [i for i, e in enumerate(order) if e == "x"]
    y = addbroadcast(y, *new_axes) if any(not y.type.broadcastable[i] for i in new_axes) else y
    y = y.dimshuffle([i for i in range(x.type.ndim) if i not in new_axes])
    return inc_subtensor(inner, y, inplace, set_instead_of_inc, tolerate_inplace_aliasing)


def set_subtensor(x: Variable, y: Any, inplace: bool = False, tolerate_inplace_aliasing: bool = False) -> Variable:
    """``x``'s base tensor with the indexed part ``x`` replaced by ``y``.

    Same as ``inc_subtensor(x, y, set_instead_of_inc=True)``: where an integer index repeats an
    element, the last value written wins.

    Examples
    --------
    >>> a = T.dvector('a')
    >>> b = T.set_subtensor(a[:2], [5.0, 6.0])
    """
    return inc_subtensor(x, y, inplace, set_instead_of_inc=True, tolerate_inplace_aliasing=tolerate_inplace_aliasing)
