"""Indexing: basic slicing (Subtensor) and ``x[...]`` dispatch."""

from __future__ import annotations

from typing import Any

import numpy as np

from theano import scalar
from theano.graph.basic import Apply, Constant, Variable
from theano.graph.op import Op
from theano.scalar.type import ScalarType, discrete_types
from theano.tensor.basic import as_tensor_variable, scalar_from_tensor
from theano.tensor.type import TensorType


def _index_entry(entry: Any):
    """Split one basic index entry into its static form and its symbolic inputs.

    Python ints stay in the static form; symbolic integer scalars become ScalarType
    placeholders whose values are passed as inputs.
    """
    if entry is None:
        return None, []
    if isinstance(entry, (bool, np.bool_)):
        raise TypeError("a boolean is not a valid index here")
    if isinstance(entry, (int, np.integer)):
        return int(entry), []
    if isinstance(entry, Variable):
        if isinstance(entry, Constant) and np.ndim(entry.data) == 0 and np.asarray(entry.data).dtype.kind in "iu":
            return int(entry.data), []
        var = entry
        if isinstance(var.type, TensorType):
            if var.type.ndim != 0 or var.type.dtype not in discrete_types or var.type.dtype == "bool":
                raise TypeError(f"index {var} must be an integer scalar, got {var.type}")
            var = scalar_from_tensor(var)
        elif not isinstance(var.type, ScalarType) or var.type.dtype not in discrete_types:
            raise TypeError(f"index {var} must be an integer scalar")
        return scalar.get_scalar_type(var.type.dtype), [var]
    raise TypeError(f"invalid index {entry!r}")


class Subtensor(Op):
    """Basic indexing ``x[i, a:b:c, ...]`` with constant or symbolic integer entries; a view."""

    __props__ = ("idx_list",)
    view_map = {0: [0]}

    def __init__(self, idx_list):
        self.idx_list = tuple(idx_list)

    def __hash__(self):
        return hash((type(self), hashable_index(self.idx_list)))

    def make_node(self, x, *inputs):
        x = as_tensor_variable(x)
        if len(self.idx_list) > x.type.ndim:
            raise IndexError(f"too many indices: {len(self.idx_list)} for a {x.type.ndim}-d tensor")
        bcast = []
        for i, entry in enumerate(self.idx_list):
            if isinstance(entry, slice):
                bcast.append(x.type.broadcastable[i] and _slice_keeps_broadcast(entry))
        bcast.extend(x.type.broadcastable[len(self.idx_list):])
        return Apply(self, [x, *inputs], [TensorType(x.type.dtype, bcast)()])

    def _numpy_index(self, values) -> tuple:
        it = iter(values)

        def resolve(entry):
            if isinstance(entry, ScalarType):
                return int(next(it))
            return entry

        index = []
        for entry in self.idx_list:
            if isinstance(entry, slice):
                index.append(slice(resolve(entry.start), resolve(entry.stop), resolve(entry.step)))
            else:
                index.append(resolve(entry))
        return tuple(index)

    def perform(self, node, inputs, output_storage, params=None):
        x, *values = inputs
        index = self._numpy_index(values)
        try:
            out = x[index]
        except IndexError as exc:
            raise IndexError(f"{exc} (indexing an array of shape {x.shape} with {index})") from None
        output_storage[0][0] = np.asarray(out) if not isinstance(out, np.ndarray) else out

    def infer_shape(self, node, shapes):
        from theano.tensor import math as tm

        xshape = shapes[0]
        values = iter(node.inputs[1:])

        def resolve(entry):
            if isinstance(entry, ScalarType):
                return next(values)
            return entry

        out = []
        for i, entry in enumerate(self.idx_list):
            if isinstance(entry, slice):
                start, stop, step = resolve(entry.start), resolve(entry.stop), resolve(entry.step)
                out.append(_slice_length(start, stop, step, xshape[i], tm))
            else:
                resolve(entry)
        out.extend(xshape[len(self.idx_list):])
        return [tuple(out)]

    def __str__(self):
        parts = []
        for entry in self.idx_list:
            if isinstance(entry, slice):
                parts.append(":".join("" if p is None else ("int" if isinstance(p, ScalarType) else str(p))
                                      for p in (entry.start, entry.stop, entry.step)).rstrip(":") or ":")
            else:
                parts.append("int" if isinstance(entry, ScalarType) else str(entry))
        return f"Subtensor{{{', '.join(parts)}}}"


def hashable_index(idx_list) -> tuple:
    """``idx_list`` with slices turned into tuples (slices are unhashable before Python 3.12)."""
    return tuple(("slice", e.start, e.stop, e.step) if isinstance(e, slice) else e for e in idx_list)


def _slice_keeps_broadcast(entry: slice) -> bool:
    """A slice of a length-1 axis keeps length 1 only when it is known to select it."""
    return (entry.start in (None, 0) and (entry.stop is None or (isinstance(entry.stop, int) and entry.stop >= 1))
            and (entry.step is None or (isinstance(entry.step, int) and entry.step > 0)))


def _slice_length(start, stop, step, length, tm):
    """The symbolic length of ``range(length)[start:stop:step]``."""
    if all(isinstance(p, (int, type(None))) for p in (start, stop, step)) and isinstance(length, (int, np.integer)):
        return len(range(int(length))[slice(start, stop, step)])
    from theano.tensor.basic import as_tensor_variable as atv

    def val(p, default):
        return atv(default) if p is None else (atv(p) if not isinstance(p, Variable) else _tensor(p))

    length = atv(length)
    step_v = val(step, 1)
    # Normalise start and stop as Python slicing does, for either sign of step.
    if start is None:
        start_v = tm.switch(tm.gt(step_v, 0), 0, length - 1)
    else:
        start_v = val(start, 0)
        start_v = tm.switch(tm.lt(start_v, 0), start_v + length, start_v)
        start_v = tm.switch(tm.gt(step_v, 0), tm.clip(start_v, 0, length), tm.clip(start_v, -1, length - 1))
    if stop is None:
        stop_v = tm.switch(tm.gt(step_v, 0), length, -1)
    else:
        stop_v = val(stop, 0)
        stop_v = tm.switch(tm.lt(stop_v, 0), stop_v + length, stop_v)
        stop_v = tm.switch(tm.gt(step_v, 0), tm.clip(stop_v, 0, length), tm.clip(stop_v, -1, length - 1))
    span = tm.switch(tm.gt(step_v, 0), stop_v - start_v, start_v - stop_v)
    abs_step = abs(step_v)
    count = tm.int_div(span + abs_step - 1, abs_step)
    return tm.maximum(count, 0)


def _tensor(v):
    from theano.tensor.basic import tensor_from_scalar

    if isinstance(v.type, ScalarType):
        return tensor_from_scalar(v)
    return v


def _is_basic_entry(entry) -> bool:
    if entry is None or entry is Ellipsis or isinstance(entry, slice):
        return True
    if isinstance(entry, (bool, np.bool_)):
        return False
    if isinstance(entry, (int, np.integer)):
        return True
    if isinstance(entry, Variable):
        t = entry.type
        return (isinstance(t, ScalarType) or (isinstance(t, TensorType) and t.ndim == 0)) and \
            t.dtype in discrete_types and t.dtype != "bool"
    return False


def _expand_ellipsis(args: tuple, ndim: int) -> tuple:
    n_ellipsis = sum(1 for a in args if a is Ellipsis)
    if n_ellipsis > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    used = sum(1 for a in args if a is not None and a is not Ellipsis)
    if n_ellipsis:
        pos = next(i for i, a in enumerate(args) if a is Ellipsis)
        fill = (slice(None),) * max(ndim - used, 0)
        args = args[:pos] + fill + args[pos + 1:]
    return args


def getitem(x, args):
    """``x[args]`` for a symbolic tensor ``x``."""
    if not isinstance(args, tuple):
        args = (args,)
    if not all(_is_basic_entry(a) for a in args):
        from theano.tensor.advanced_subtensor import advanced_getitem

        return advanced_getitem(x, args)
    args = _expand_ellipsis(args, x.type.ndim)
    # Remove None (np.newaxis) entries; add the axes back with a DimShuffle afterwards.
    new_axes = [i for i, a in enumerate(args) if a is None]
    core = [a for a in args if a is not None]
    if len(core) > x.type.ndim:
        raise IndexError(f"too many indices for a {x.type.ndim}-d tensor: {len(core)}")
    idx_list = []
    inputs = []
    for entry in core:
        if isinstance(entry, slice):
            parts = []
            for p in (entry.start, entry.stop, entry.step):
                static, extra = _index_entry(p)
                parts.append(static)
                inputs.extend(extra)
            if parts[2] == 0:
                raise ValueError("slice step cannot be zero")
            idx_list.append(slice(*parts))
        else:
            static, extra = _index_entry(entry)
            idx_list.append(static)
            inputs.extend(extra)
    # Drop trailing full slices: x[0, :] is x[0].
    while idx_list and idx_list[-1] == slice(None):
        idx_list.pop()
    if idx_list:
        out = Subtensor(idx_list)(x, *inputs)
    else:
        out = x
    if new_axes:
        # Position of each remaining axis in the final result.
        kept_axes = []
        pos = 0
        for a in args:
            if a is None:
                kept_axes.append("x")
            elif isinstance(a, slice):
                kept_axes.append(pos)
                pos += 1
        kept_axes.extend(range(pos, out.type.ndim))
        out = out.dimshuffle(kept_axes)
    return out


def as_index_constant(a):
    return a
