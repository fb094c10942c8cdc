"""Building tensors from pieces: make_vector, join/concatenate, stack."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from theano.graph.basic import Apply
from theano.graph.op import Op
from theano.scalar.type import upcast
from theano.tensor.basic import (
    NotScalarConstantError,
    as_elemwise_inputs,
    as_tensor_variable,
    cast,
    get_scalar_constant_value,
    shape_padaxis,
)
from theano.tensor.type import TensorType


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
    return join(axis, *[shape_padaxis(t, axis) for t in tensors])


def _is_scalar_like(t) -> bool:
    if isinstance(t, (int, float, np.number, bool)):
        return True
    return hasattr(t, "type") and getattr(t.type, "ndim", None) == 0
