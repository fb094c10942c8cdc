"""Advanced indexing with integer arrays and boolean masks (NumPy's rules), its updates, and ``take``.

- ``AdvancedSubtensor1``: ``x[ilist]`` with an integer vector on the first axis (the common
  ``W[idx]``), and ``AdvancedIncSubtensor1`` its update.
- ``AdvancedSubtensor``: any mix of integer arrays, integers, slices and new axes
  (``x[rows, cols]``, ``x[:, idx, 1]``), and ``AdvancedIncSubtensor`` its update.
- ``AdvancedBooleanSubtensor``/``AdvancedBooleanIncSubtensor``: the same with boolean masks
  (``x[x > 0]``), whose selected length is known only at run time.

Increments accumulate over repeated indices (``np.add.at``); sets keep the last value written.
Gradients follow from linearity (see the helpers in :mod:`theano.tensor.subtensor`): a read's
gradient is an increment of zeros, so repeated indices accumulate; an update's gradient for
``y`` is a read of the output gradient.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from theano.graph.basic import Apply, Variable
from theano.graph.op import Op
from theano.tensor.basic import as_tensor_variable
from theano.tensor.subtensor import (
    BaseIncSubtensor,
    BaseSubtensor,
    IncSubtensor,
    Subtensor,
    _as_update_value,
    _is_array_entry,
    _is_integer_dtype,
    as_index_constant,
    check_update_broadcast,
    compile_index,
    get_idx_list,
    getitem,
    inc_subtensor,
    normalize_index,
    read_grads,
    read_r_op,
    set_subtensor,
    update_grads,
    update_r_op,
)
from theano.tensor.type import TensorType

__all__ = [
    "AdvancedBooleanIncSubtensor",
    "AdvancedBooleanSubtensor",
    "AdvancedIncSubtensor",
    "AdvancedIncSubtensor1",
    "AdvancedSubtensor",
    "AdvancedSubtensor1",
    "IncSubtensor",
    "Subtensor",
    "advanced_boolean_inc_subtensor",
    "advanced_boolean_set_subtensor",
    "advanced_boolean_subtensor",
    "advanced_inc_subtensor",
    "advanced_inc_subtensor1",
    "advanced_set_subtensor",
    "advanced_set_subtensor1",
    "advanced_subtensor",
    "advanced_subtensor1",
    "as_index_constant",
    "get_idx_list",
    "inc_subtensor",
    "set_subtensor",
    "take",
]


def _check_index_vector(ilist: Variable) -> None:
    if not _is_integer_dtype(ilist.type.dtype):
        raise TypeError(f"index must be integers, got {ilist.type}")
    if ilist.type.ndim != 1:
        raise TypeError(f"index must be a vector, got a {ilist.type.ndim}-d {ilist.type}")


class AdvancedSubtensor1(Op):
    """``x[ilist]``: the rows of ``x`` picked by the integer vector ``ilist`` (negatives count from the end)."""

    __props__ = ()

    def make_node(self, x, ilist):
        x = as_tensor_variable(x)
        ilist = as_tensor_variable(ilist)
        _check_index_vector(ilist)
        if x.type.ndim == 0:
            raise TypeError("cannot index into a scalar")
        bcast = (ilist.type.broadcastable[0], *x.type.broadcastable[1:])
        return Apply(self, [x, ilist], [TensorType(x.type.dtype, bcast)()])

    def perform(self, node, inputs, output_storage, params=None):
        x, ilist = inputs
        try:
            output_storage[0][0] = np.take(x, ilist, axis=0)
        except IndexError as exc:
            raise IndexError(f"{exc} (AdvancedSubtensor1 on an array of shape {x.shape})") from None

    def infer_shape(self, node, shapes):
        x_shape, ilist_shape = shapes
        return [(ilist_shape[0], *x_shape[1:])]

    def connection_pattern(self, node):
        return [[True], [False]]

    def grad(self, inputs, output_grads):
        return read_grads(self, inputs, output_grads)

    def R_op(self, inputs, eval_points):
        return read_r_op(self, inputs, eval_points)

    def inc_op(self, inplace: bool, set_instead_of_inc: bool) -> AdvancedIncSubtensor1:
        return AdvancedIncSubtensor1(inplace, set_instead_of_inc)


class AdvancedIncSubtensor1(Op):
    """``x`` with the rows ``x[ilist]`` incremented by (or set to) ``y``; repeated rows accumulate."""

    __props__ = ("inplace", "set_instead_of_inc")

    def __init__(self, inplace: bool = False, set_instead_of_inc: bool = False):
        self.inplace = bool(inplace)
        self.set_instead_of_inc = bool(set_instead_of_inc)
        if self.inplace:
            self.destroy_map = {0: [0]}

    def make_node(self, x, y, ilist):
        x = as_tensor_variable(x)
        ilist = as_tensor_variable(ilist)
        _check_index_vector(ilist)
        if x.type.ndim == 0:
            raise TypeError("cannot index into a scalar")
        y = _as_update_value(x, y, self.set_instead_of_inc, x.type.ndim)
        return Apply(self, [x, y, ilist], [x.type()])

    def perform(self, node, inputs, output_storage, params=None):
        x, y, ilist = inputs
        out = x if self.inplace else x.copy()
        y = np.asarray(y)
        if y.dtype != out.dtype:
            y = y.astype(out.dtype)
        check_update_broadcast(self, node.inputs[1], y, lambda: (len(ilist), *x.shape[1:]))
        try:
            if self.set_instead_of_inc:
                out[ilist] = y
            else:
                np.add.at(out, ilist, y)
        except ValueError as exc:
            raise ValueError(f"{self}: y of shape {y.shape} does not broadcast to the indexed shape "
                             f"{(len(ilist), *x.shape[1:])} ({exc})") from None
        except IndexError as exc:
            raise IndexError(f"{exc} ({self} on an array of shape {x.shape})") from None
        output_storage[0][0] = out

    def infer_shape(self, node, shapes):
        return [shapes[0]]

    def non_inplace(self) -> AdvancedIncSubtensor1:
        """This update as a new array (the op the gradient and R_op build)."""
        return AdvancedIncSubtensor1(False, self.set_instead_of_inc)

    def read_op(self) -> AdvancedSubtensor1:
        """The op reading the rows this op writes."""
        return advanced_subtensor1

    def connection_pattern(self, node):
        return [[True], [True], [False]]

    def grad(self, inputs, output_grads):
        return update_grads(self, inputs, output_grads)

    def R_op(self, inputs, eval_points):
        return update_r_op(self, inputs, eval_points)

    def __str__(self):
        mode = ("inplace" if self.inplace else "no_inplace") + (",set" if self.set_instead_of_inc else ",inc")
        return f"{type(self).__name__}{{{mode}}}"


class AdvancedSubtensor(BaseSubtensor):
    """``x[index]`` for an index with integer arrays (and integers, slices, new axes); a copy."""

    allow_advanced = True

    def perform(self, node, inputs, output_storage, params=None):
        x, *values = inputs
        out = np.asarray(self._index(x, values))
        if np.may_share_memory(out, x):
            out = out.copy()
        output_storage[0][0] = out

    def inc_op(self, inplace: bool, set_instead_of_inc: bool) -> AdvancedIncSubtensor:
        return AdvancedIncSubtensor(self.idx_list, inplace, set_instead_of_inc)


class AdvancedIncSubtensor(BaseIncSubtensor):
    """``x`` with ``x[index]`` (advanced) incremented by or set to ``y``; repeated elements accumulate."""

    allow_advanced = True

    @staticmethod
    def _increment(out: np.ndarray, index: Any, y: np.ndarray) -> None:
        np.add.at(out, index, y)

    def read_op(self) -> AdvancedSubtensor:
        return AdvancedSubtensor(self.idx_list)


class AdvancedBooleanSubtensor(AdvancedSubtensor):
    """``x[mask]`` (and masks mixed with other entries): the result's masked axis has run-time length."""

    def inc_op(self, inplace: bool, set_instead_of_inc: bool) -> AdvancedBooleanIncSubtensor:
        return AdvancedBooleanIncSubtensor(self.idx_list, inplace, set_instead_of_inc)


class AdvancedBooleanIncSubtensor(AdvancedIncSubtensor):
    """``x`` with ``x[mask]`` (and masks mixed with other entries) incremented by or set to ``y``."""

    def read_op(self) -> AdvancedBooleanSubtensor:
        return AdvancedBooleanSubtensor(self.idx_list)


advanced_subtensor1 = AdvancedSubtensor1()
advanced_inc_subtensor1 = AdvancedIncSubtensor1()
advanced_set_subtensor1 = AdvancedIncSubtensor1(set_instead_of_inc=True)


def _is_full_slice(entry: Any) -> bool:
    return isinstance(entry, slice) and entry.start is None and entry.stop is None and entry.step is None


def _has_mask(entries) -> bool:
    return any(_is_array_entry(e) and e.type.dtype == "bool" for e in entries)


def advanced_index(x: Variable, entries: list) -> Variable:
    """``x[entries]`` for normalized entries holding at least one array (called by ``x[...]``)."""
    core = list(entries)
    while core and _is_full_slice(core[-1]):
        core.pop()  # x[idx, :] is x[idx]
    if len(core) == 1 and _is_array_entry(core[0]) and core[0].type.ndim == 1 and core[0].type.dtype != "bool":
        return advanced_subtensor1(x, core[0])
    idx_list, inputs = compile_index(core)
    cls = AdvancedBooleanSubtensor if _has_mask(core) else AdvancedSubtensor
    return cls(idx_list)(x, *inputs)


def _parse(x: Any, args: tuple) -> tuple[Variable, tuple, list, bool]:
    x = as_tensor_variable(x)
    entries = normalize_index(args, x.type.ndim)
    idx_list, inputs = compile_index(entries)
    return x, idx_list, inputs, _has_mask(entries)


def advanced_subtensor(x: Any, *args: Any) -> Variable:
    """``x[args]`` as one AdvancedSubtensor (AdvancedBooleanSubtensor with masks) node.

    ``args`` are index entries as in ``x[...]``: integers, slices, None, Ellipsis, integer or
    boolean arrays, lists and symbolic tensors.
    """
    x, idx_list, inputs, has_mask = _parse(x, args)
    cls = AdvancedBooleanSubtensor if has_mask else AdvancedSubtensor
    return cls(idx_list)(x, *inputs)


def advanced_boolean_subtensor(x: Any, *args: Any) -> Variable:
    """``x[args]`` as one AdvancedBooleanSubtensor node (an index with boolean masks)."""
    x, idx_list, inputs, _ = _parse(x, args)
    return AdvancedBooleanSubtensor(idx_list)(x, *inputs)


def _advanced_update(x: Any, y: Any, args: tuple, set_instead_of_inc: bool, boolean: bool | None) -> Variable:
    x, idx_list, inputs, has_mask = _parse(x, args)
    boolean = has_mask if boolean is None else boolean
    cls = AdvancedBooleanIncSubtensor if boolean else AdvancedIncSubtensor
    return cls(idx_list, set_instead_of_inc=set_instead_of_inc)(x, y, *inputs)


def advanced_inc_subtensor(x: Any, y: Any, *args: Any) -> Variable:
    """``x`` with ``x[args]`` incremented by ``y`` (repeated elements accumulate)."""
    return _advanced_update(x, y, args, set_instead_of_inc=False, boolean=None)


def advanced_set_subtensor(x: Any, y: Any, *args: Any) -> Variable:
    """``x`` with ``x[args]`` set to ``y`` (for repeated elements the last value wins)."""
    return _advanced_update(x, y, args, set_instead_of_inc=True, boolean=None)


def advanced_boolean_inc_subtensor(x: Any, y: Any, *args: Any) -> Variable:
    """``x`` with ``x[args]`` (an index with boolean masks) incremented by ``y``."""
    return _advanced_update(x, y, args, set_instead_of_inc=False, boolean=True)


def advanced_boolean_set_subtensor(x: Any, y: Any, *args: Any) -> Variable:
    """``x`` with ``x[args]`` (an index with boolean masks) set to ``y``."""
    return _advanced_update(x, y, args, set_instead_of_inc=True, boolean=True)


_TAKE_MODES = ("raise", "wrap", "clip")


def take(a: Any, indices: Any, axis: int | None = None, mode: str = "raise") -> Variable:
    """Elements of ``a`` at ``indices`` along ``axis``, as ``numpy.take``.

    Parameters
    ----------
    a
        The tensor to take from.
    indices
        Integer indices (a scalar, list, array or symbolic integer tensor of any dimension).
    axis
        The axis to take along; None takes from the flattened ``a``.
    mode
        ``'raise'`` (out-of-range indices raise IndexError at run time; negative indices count
        from the end), ``'wrap'`` (indices wrap around) or ``'clip'`` (indices are clipped to
        ``[0, n - 1]``, so negative indices select the first element).

    Returns
    -------
    TensorVariable
        Of shape ``a.shape[:axis] + indices.shape + a.shape[axis + 1:]``.
    """
    from theano.tensor import math as tm

    a = as_tensor_variable(a)
    if mode not in _TAKE_MODES:
        raise ValueError(f"take: mode must be one of {_TAKE_MODES}, got {mode!r}")
    if isinstance(indices, (list, tuple)) and len(indices) == 0:
        indices = np.zeros(0, dtype="int64")
    indices = as_tensor_variable(indices)
    if not _is_integer_dtype(indices.type.dtype):
        raise TypeError(f"take: indices must be integers, got {indices.type}")
    if axis is None:
        a = a.flatten()
        axis = 0
    ndim = a.type.ndim
    if not -ndim <= axis < ndim:
        raise ValueError(f"take: axis {axis} is out of range for a {ndim}-d tensor")
    axis %= ndim
    if mode == "wrap":
        indices = tm.mod(indices, a.shape[axis])
    elif mode == "clip":
        indices = tm.clip(indices, 0, a.shape[axis] - 1)
    if indices.type.ndim == 1 and axis == 0:
        return advanced_subtensor1(a, indices)
    return getitem(a, (slice(None),) * axis + (indices,))
