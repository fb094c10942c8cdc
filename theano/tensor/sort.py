"""Sorting: sort, argsort, the k largest (or smallest) elements (topk, argtopk), searchsorted."""

from __future__ import annotations

from typing import Any

import numpy as np

from theano.graph.basic import Apply, Variable
from theano.graph.op import Op
from theano.scalar.type import complex_types, discrete_types, float_types
from theano.tensor.basic import as_tensor_variable, zeros_like
from theano.tensor.join import _constant_int, _disconnected, _int_scalar, _normalize_static_axis
from theano.tensor.shape import flatten
from theano.tensor.type import TensorType
from theano.tensor.var import TensorVariable

__all__ = [
    "ArgSortOp",
    "SearchsortedOp",
    "SortOp",
    "TopKOp",
    "argsort",
    "argtopk",
    "searchsorted",
    "sort",
    "topk",
    "topk_and_argtopk",
]

_SORT_KINDS = ("quicksort", "mergesort", "heapsort", "stable")


class _SortBase(Op):
    """Shared make_node/infer_shape of SortOp and ArgSortOp: inputs ``(a, axis)``."""

    __props__ = ("kind", "order")

    def __init__(self, kind: str = "quicksort", order: None = None):
        if kind not in _SORT_KINDS:
            raise ValueError(f"{type(self).__name__}: kind must be one of {_SORT_KINDS}, got {kind!r}")
        if order is not None:
            raise ValueError(f"{type(self).__name__}: sorting by fields (order=) is not supported")
        self.kind = kind
        self.order = order

    def _output_dtype(self, a: TensorVariable) -> str:
        raise NotImplementedError

    def make_node(self, a, axis=-1):
        a = as_tensor_variable(a)
        if a.type.ndim == 0:
            raise TypeError(f"{type(self).__name__}: cannot sort a 0-d tensor along an axis (use axis=None)")
        if a.type.dtype in complex_types:
            raise TypeError(f"{type(self).__name__}: complex values have no order here ({a.type})")
        axis = _int_scalar(axis, f"{type(self).__name__}: axis")
        ax = _constant_int(axis)
        if ax is not None:
            _normalize_static_axis(ax, a.type.ndim, type(self).__name__)
        return Apply(self, [a, axis], [TensorType(self._output_dtype(a), a.type.broadcastable)()])

    def _check_axis(self, a: np.ndarray, axis: int) -> int:
        if not -a.ndim <= axis < a.ndim:
            raise ValueError(f"{type(self).__name__}: axis {axis} is out of range for an array of shape {a.shape}")
        return axis

    def infer_shape(self, node, input_shapes):
        return [tuple(input_shapes[0])]

    def connection_pattern(self, node):
        return [[True], [False]]


def _along_axis_index(indices: TensorVariable, axis: Variable | int) -> tuple:
    """The advanced index that picks, along ``axis``, the positions ``indices`` (NumPy's
    ``take_along_axis``): ``x[index]`` gathers, ``inc_subtensor`` at it scatters.

    ``axis`` may be an int or a symbolic integer scalar (possibly negative).
    """
    from theano.tensor import math as tm
    from theano.tensor.creation import arange

    ndim = indices.type.ndim
    static_axis = axis if isinstance(axis, int) else _constant_int(axis)
    index = []
    for d in range(ndim):
        pattern = ["x"] * ndim
        pattern[d] = 0
        position = arange(indices.shape[d]).dimshuffle(pattern)
        if static_axis is not None:
            index.append(indices if d == static_axis % ndim else position)
        else:
            index.append(tm.switch(tm.eq(tm.mod(axis, ndim), d), indices, position))
    return tuple(index)


def _float_zeros(x: TensorVariable) -> TensorVariable:
    """A zero gradient for ``x``: its dtype when floating, floatX otherwise."""
    import theano

    return zeros_like(x, dtype=x.type.dtype if x.type.dtype in float_types else theano.config.floatX)


def _take_along_axis(x: TensorVariable, indices: TensorVariable, axis: Variable | int) -> TensorVariable:
    return x[_along_axis_index(indices, axis)]


class SortOp(_SortBase):
    """``np.sort(a, axis, kind)``."""

    def _output_dtype(self, a):
        return a.type.dtype

    def perform(self, node, inputs, output_storage, params=None):
        a, axis = inputs
        output_storage[0][0] = np.sort(a, axis=self._check_axis(a, int(axis)), kind=self.kind)

    def grad(self, inputs, output_grads):
        # out = take_along_axis(a, perm): the gradient goes back through the inverse permutation.
        a, axis = inputs
        perm = ArgSortOp(self.kind)(a, axis)
        inverse = ArgSortOp("stable")(perm, axis)
        return [_take_along_axis(output_grads[0], inverse, axis), _disconnected()]

    def R_op(self, inputs, eval_points):
        if eval_points[0] is None:
            return [None]
        a, axis = inputs
        return [_take_along_axis(eval_points[0], ArgSortOp(self.kind)(a, axis), axis)]


class ArgSortOp(_SortBase):
    """``np.argsort(a, axis, kind)`` as int64."""

    def _output_dtype(self, a):
        return "int64"

    def perform(self, node, inputs, output_storage, params=None):
        a, axis = inputs
        out = np.argsort(a, axis=self._check_axis(a, int(axis)), kind=self.kind)
        output_storage[0][0] = out.astype("int64", copy=False)

    def grad(self, inputs, output_grads):
        # Integer positions, piecewise constant in ``a``: a zero gradient (as Theano).
        return [_float_zeros(inputs[0]), _disconnected()]


def _flat_if_none(a: Any, axis: Any) -> tuple[TensorVariable, Any]:
    a = as_tensor_variable(a)
    if axis is None:
        return flatten(a), 0
    return a, axis


def sort(a: Any, axis: Any = -1, kind: str = "quicksort", order: None = None) -> TensorVariable:
    """A sorted copy of ``a`` (NumPy's ``sort``).

    Parameters
    ----------
    a : tensor
    axis : int, integer scalar or None
        The axis to sort along; None sorts the flattened array.
    kind : {'quicksort', 'mergesort', 'heapsort', 'stable'}
    order : None
        Sorting structured arrays by fields is not supported.
    """
    a, axis = _flat_if_none(a, axis)
    return SortOp(kind, order)(a, axis)


def argsort(a: Any, axis: Any = -1, kind: str = "quicksort", order: None = None) -> TensorVariable:
    """The int64 indices that sort ``a`` along ``axis`` (NumPy's ``argsort``).

    Parameters
    ----------
    a : tensor
    axis : int, integer scalar or None
        None gives indices into the flattened array.
    kind : {'quicksort', 'mergesort', 'heapsort', 'stable'}
    order : None
    """
    a, axis = _flat_if_none(a, axis)
    return ArgSortOp(kind, order)(a, axis)


class TopKOp(Op):
    """The ``kth`` largest elements along ``axis`` (the ``-kth`` smallest when ``kth < 0``) and their
    indices; inputs ``(x, kth)``, outputs ``(values, indices)``.

    Results are ordered: largest first for ``kth > 0``, smallest first for ``kth < 0``.
    """

    __props__ = ("axis", "sorted", "idx_dtype")

    def __init__(self, axis: int = -1, sorted: bool = True, idx_dtype: str = "int64"):  # noqa: A002
        self.axis = int(axis)
        self.sorted = bool(sorted)
        self.idx_dtype = str(np.dtype(idx_dtype))
        if np.dtype(self.idx_dtype).kind not in "iu":
            raise TypeError(f"TopKOp: idx_dtype must be an integer dtype, got {idx_dtype}")

    def make_node(self, x, kth):
        x = as_tensor_variable(x)
        if x.type.ndim == 0:
            raise TypeError("topk needs an input of at least one dimension")
        if x.type.dtype in complex_types:
            raise TypeError(f"topk: complex values have no order here ({x.type})")
        axis = _normalize_static_axis(self.axis, x.type.ndim, "topk")
        kth = _int_scalar(kth, "topk: kth")
        k = _constant_int(kth)
        if k == 0:
            raise ValueError("topk: kth must not be 0")
        bcast = list(x.type.broadcastable)
        bcast[axis] = k in (1, -1)
        return Apply(self, [x, kth], [TensorType(x.type.dtype, bcast)(), TensorType(self.idx_dtype, bcast)()])

    def perform(self, node, inputs, output_storage, params=None):
        x, kth = inputs
        k = int(kth)
        length = x.shape[self.axis]
        if k == 0 or abs(k) > length:
            raise ValueError(f"topk: kth={k} is out of range for an axis of length {length} (shape {x.shape})")
        order = np.argsort(x, axis=self.axis, kind="stable")
        if k > 0:
            order = np.flip(order, axis=self.axis)
        indices = np.take(order, np.arange(abs(k)), axis=self.axis)
        output_storage[0][0] = np.take_along_axis(x, indices, axis=self.axis)
        output_storage[1][0] = indices.astype(self.idx_dtype)

    def infer_shape(self, node, input_shapes):
        x, kth = node.inputs
        shape = list(input_shapes[0])
        shape[self.axis % len(shape)] = abs(kth)
        return [tuple(shape), tuple(shape)]

    def connection_pattern(self, node):
        # Only the values depend on x differentiably; the indices and kth are integers.
        return [[True, False], [False, False]]

    def L_op(self, inputs, outputs, output_grads):
        from theano.tensor.advanced_indexing import advanced_inc_subtensor

        x, _ = inputs
        g_values = output_grads[0]
        index = _along_axis_index(outputs[1], self.axis)
        gx = advanced_inc_subtensor(zeros_like(x, dtype=g_values.type.dtype), g_values, *index)
        return [gx, _disconnected()]

    def R_op(self, inputs, eval_points):
        if eval_points[0] is None:
            return [None, None]
        indices = self(*inputs)[1]
        return [_take_along_axis(eval_points[0], indices, self.axis), None]


def _topk_node(x: Any, kth: Any, axis: Any, sorted: bool, idx_dtype: str) -> list:  # noqa: A002
    x, axis = _flat_if_none(x, axis)
    return TopKOp(axis=axis, sorted=sorted, idx_dtype=idx_dtype)(x, kth)


def topk(x: Any, kth: Any, axis: int | None = -1, sorted: bool = True,  # noqa: A002
         idx_dtype: str = "int64") -> TensorVariable:
    """The ``kth`` largest elements of ``x`` along ``axis`` (smallest ``-kth`` when negative).

    Parameters
    ----------
    x : tensor
    kth : int or integer scalar
        Non-zero; its absolute value is the number of elements returned.
    axis : int or None
        None works on the flattened array.
    sorted : bool
        Accepted for Theano compatibility; the results are always ordered (largest first, or
        smallest first when ``kth < 0``).
    idx_dtype : str
        The dtype of the indices (see :func:`argtopk`).
    """
    return _topk_node(x, kth, axis, sorted, idx_dtype)[0]


def argtopk(x: Any, kth: Any, axis: int | None = -1, sorted: bool = True,  # noqa: A002
            idx_dtype: str = "int64") -> TensorVariable:
    """The indices of the ``kth`` largest elements along ``axis`` (smallest ``-kth`` when negative).

    Parameters are those of :func:`topk`; ties are broken arbitrarily.
    """
    return _topk_node(x, kth, axis, sorted, idx_dtype)[1]


def topk_and_argtopk(x: Any, kth: Any, axis: int | None = -1, sorted: bool = True,  # noqa: A002
                     idx_dtype: str = "int64") -> tuple[TensorVariable, TensorVariable]:
    """Both :func:`topk` and :func:`argtopk`, computed by one op: ``(values, indices)``."""
    values, indices = _topk_node(x, kth, axis, sorted, idx_dtype)
    return values, indices


# ------------------------------------------------------------------------------------------
# searchsorted
# ------------------------------------------------------------------------------------------

class SearchsortedOp(Op):
    """Where to insert ``v`` into the sorted vector ``x`` to keep it sorted; inputs ``(x, v[, sorter])``."""

    __props__ = ("side",)

    def __init__(self, side: str = "left"):
        if side not in ("left", "right"):
            raise ValueError(f"searchsorted: side must be 'left' or 'right', got {side!r}")
        self.side = side

    def make_node(self, x, v, sorter=None):
        x = as_tensor_variable(x)
        v = as_tensor_variable(v)
        if x.type.ndim != 1:
            raise TypeError(f"searchsorted: the sorted array must be a vector, got {x.type}")
        inputs = [x, v]
        if sorter is not None:
            sorter = as_tensor_variable(sorter)
            if sorter.type.ndim != 1 or sorter.type.dtype not in discrete_types or sorter.type.dtype == "bool":
                raise TypeError(f"searchsorted: sorter must be a vector of integers, got {sorter.type}")
            inputs.append(sorter)
        return Apply(self, inputs, [TensorType("int64", v.type.broadcastable)()])

    def perform(self, node, inputs, output_storage, params=None):
        x, v = inputs[:2]
        sorter = inputs[2] if len(inputs) == 3 else None
        if sorter is not None and sorter.shape != x.shape:
            raise ValueError(f"searchsorted: sorter of shape {sorter.shape} does not match x of shape {x.shape}")
        out = np.searchsorted(x, v, side=self.side, sorter=sorter)
        output_storage[0][0] = np.asarray(out, dtype="int64")

    def infer_shape(self, node, input_shapes):
        return [tuple(input_shapes[1])]

    def connection_pattern(self, node):
        return [[True], [True], [False]][: len(node.inputs)]

    def grad(self, inputs, output_grads):
        # Insertion positions are piecewise constant in x and v: zero gradients (as Theano).
        return [_float_zeros(x) for x in inputs[:2]] + [_disconnected()] * (len(inputs) - 2)


def searchsorted(x: Any, v: Any, side: str = "left", sorter: Any = None) -> TensorVariable:
    """Indices where the elements of ``v`` would be inserted into the sorted vector ``x``.

    Parameters
    ----------
    x : vector
        Sorted ascending, unless ``sorter`` gives the indices that sort it.
    v : tensor
        Values to insert; the result has its shape.
    side : {'left', 'right'}
        Which index to give for values equal to elements of ``x``.
    sorter : integer vector, optional
    """
    return SearchsortedOp(side)(x, v, sorter)
