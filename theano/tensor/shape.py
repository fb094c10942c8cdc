"""Shapes: reading them (Shape, Shape_i), changing them (Reshape, flatten), checking them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from theano.graph.basic import Apply, Constant, Variable
from theano.graph.op import Op
from theano.scalar.type import discrete_types
from theano.tensor.basic import (
    NotScalarConstantError,
    as_tensor_variable,
    constant,
    get_scalar_constant_value,
    get_vector_length,
)
from theano.tensor.elemwise import DimShuffle
from theano.tensor.type import TensorType


class Shape(Op):
    """The shape of a tensor, as an int64 vector."""

    __props__ = ()

    def make_node(self, x):
        x = as_tensor_variable(x)
        return Apply(self, [x], [TensorType("int64", (False,))()])

    def perform(self, node, inputs, output_storage, params=None):
        output_storage[0][0] = np.asarray(inputs[0].shape, dtype="int64")

    def infer_shape(self, node, shapes):
        return [(len(shapes[0]),)]

    def connection_pattern(self, node):
        return [[False]]

    def R_op(self, inputs, eval_points):
        return [None]

    def grad(self, inputs, output_grads):
        from theano.gradient import DisconnectedType

        return [DisconnectedType()()]

    def do_constant_folding(self, node):
        return False


_shape = Shape()


def shape(x: Any) -> Variable:
    """The symbolic shape of ``x`` (an int64 vector of length ``x.ndim``)."""
    return _shape(x)


class Shape_i(Op):
    """Length of axis ``i`` of a tensor, as an int64 scalar."""

    __props__ = ("i",)

    def __init__(self, i: int):
        self.i = int(i)

    def make_node(self, x):
        x = as_tensor_variable(x)
        if x.type.ndim <= self.i:
            raise TypeError(f"Shape_i: {x} has {x.type.ndim} dimensions, no axis {self.i}")
        return Apply(self, [x], [TensorType("int64", ())()])

    def perform(self, node, inputs, output_storage, params=None):
        output_storage[0][0] = np.asarray(inputs[0].shape[self.i], dtype="int64")

    def infer_shape(self, node, shapes):
        return [()]

    def connection_pattern(self, node):
        return [[False]]

    def R_op(self, inputs, eval_points):
        return [None]

    def grad(self, inputs, output_grads):
        from theano.gradient import DisconnectedType

        return [DisconnectedType()()]

    def __str__(self):
        return f"Shape_i{{{self.i}}}"


def shape_i(x, i: int):
    """Length of axis ``i`` of ``x``: a constant 1 for broadcastable axes."""
    x = as_tensor_variable(x)
    if x.type.broadcastable[i]:
        return constant(1, dtype="int64")
    return Shape_i(i)(x)


class SpecifyShape(Op):
    """Pass ``x`` through, checking at run time that it has the given shape."""

    __props__ = ()
    view_map = {0: [0]}

    def make_node(self, x, shape):
        x = as_tensor_variable(x)
        shape = as_tensor_variable(shape, ndim=1)
        if shape.type.dtype not in discrete_types:
            raise TypeError("specify_shape: the shape must be integers")
        try:
            if get_vector_length(shape) != x.type.ndim:
                raise ValueError(f"specify_shape: {x.type.ndim}-d input, shape of length {get_vector_length(shape)}")
        except ValueError as exc:
            if "length not known" not in str(exc):
                raise
        return Apply(self, [x, shape], [x.type()])

    def perform(self, node, inputs, output_storage, params=None):
        x, shape = inputs
        if x.shape != tuple(shape):
            raise AssertionError(f"specify_shape: got shape {x.shape}, expected {tuple(shape)}")
        output_storage[0][0] = x

    def infer_shape(self, node, shapes):
        return [tuple(node.inputs[1][i] for i in range(node.inputs[0].type.ndim))]

    def connection_pattern(self, node):
        return [[True], [False]]

    def grad(self, inputs, output_grads):
        from theano.gradient import DisconnectedType

        return [specify_shape(output_grads[0], inputs[1]), DisconnectedType()()]

    def R_op(self, inputs, eval_points):
        return [None if eval_points[0] is None else self(eval_points[0], inputs[1])]


specify_shape = SpecifyShape()


class Reshape(Op):
    """Reshape to ``ndim`` dimensions given by a shape vector (one entry may be -1)."""

    __props__ = ("ndim",)
    view_map = {0: [0]}

    def __init__(self, ndim: int, name: str | None = None):
        self.ndim = int(ndim)

    def make_node(self, x, shp):
        x = as_tensor_variable(x)
        shp = as_tensor_variable(shp, ndim=1)
        if shp.type.dtype not in discrete_types or shp.type.dtype == "bool":
            raise TypeError(f"reshape: the shape must be a vector of integers, got {shp.type}")
        bcast = []
        for i in range(self.ndim):
            try:
                entry = get_scalar_constant_value(shp[i]) if not isinstance(shp, Constant) else shp.data[i]
                bcast.append(int(entry) == 1)
            except (NotScalarConstantError, IndexError, TypeError, ValueError):
                bcast.append(False)
        return Apply(self, [x, shp], [TensorType(x.type.dtype, bcast)()])

    def perform(self, node, inputs, output_storage, params=None):
        x, shp = inputs
        if len(shp) != self.ndim:
            raise ValueError(f"reshape: shape argument {tuple(shp)} has {len(shp)} entries, expected {self.ndim}")
        try:
            output_storage[0][0] = np.reshape(x, tuple(int(s) for s in shp))
        except ValueError:
            raise ValueError(f"cannot reshape an array of shape {x.shape} (size {x.size}) into shape "
                             f"{tuple(int(s) for s in shp)}") from None

    def infer_shape(self, node, shapes):
        x, shp = node.inputs
        from theano.tensor import math as tm

        known = [shp[i] for i in range(self.ndim)]
        # Resolve a -1 entry from the input's size.
        size = tm.prod(shapes[0], dtype="int64") if shapes[0] else constant(1, dtype="int64")
        product = constant(1, dtype="int64")
        for entry in known:
            product = product * entry
        missing = tm.int_div(size, -product)
        return [tuple(tm.switch(tm.eq(entry, -1), missing, entry) for entry in known)]

    def connection_pattern(self, node):
        return [[True], [False]]

    def grad(self, inputs, output_grads):
        from theano.gradient import DisconnectedType

        x, _ = inputs
        return [reshape(output_grads[0], shape(x), ndim=x.type.ndim), DisconnectedType()()]

    def R_op(self, inputs, eval_points):
        return [None if eval_points[0] is None else self(eval_points[0], inputs[1])]


def reshape(x: Any, newshape: Any, ndim: int | None = None, name: str | None = None):
    """``x`` reshaped to ``newshape`` (tuple, list or symbolic vector; one entry may be -1)."""
    x = as_tensor_variable(x)
    if ndim is None:
        if isinstance(newshape, (list, tuple)):
            ndim = len(newshape)
        else:
            newshape_v = as_tensor_variable(newshape)
            if newshape_v.type.ndim == 0:
                ndim = 1
                newshape = [newshape_v]
            else:
                try:
                    ndim = get_vector_length(newshape_v)
                except ValueError:
                    raise ValueError(
                        f"reshape: the length of the shape {newshape} is not known; pass ndim=") from None
    if isinstance(newshape, (list, tuple)):
        from theano.tensor.join import as_shape_vector

        newshape = as_shape_vector(newshape)
    out = Reshape(ndim)(x, newshape)
    if name:
        out.name = name
    return out


def flatten(x: Any, ndim: int = 1, outdim: int | None = None):
    """``x`` with its trailing axes merged so it has ``ndim`` dimensions."""
    if outdim is not None:
        ndim = outdim
    x = as_tensor_variable(x)
    if ndim < 1 or (ndim > 1 and ndim > x.type.ndim):
        raise ValueError(f"flatten: ndim {ndim} is out of range for a {x.type.ndim}-d tensor")
    if ndim == 1:
        if x.type.ndim == 1:
            return x
        return reshape(x, [-1], ndim=1)
    shp = shape(x)
    new_shape = [shp[i] for i in range(ndim - 1)] + [-1]
    out = reshape(x, new_shape, ndim=ndim)
    bcast = x.type.broadcastable[: ndim - 1] + (all(x.type.broadcastable[ndim - 1:]),)
    from theano.tensor.basic import patternbroadcast

    return patternbroadcast(out, bcast) if out.type.broadcastable != bcast and all(
        ob or not b for ob, b in zip(out.type.broadcastable, bcast)) else out


def transpose(x: Any, axes: Sequence[int] | None = None):
    """``x`` with its axes permuted (reversed by default)."""
    x = as_tensor_variable(x)
    if axes is None:
        axes = list(range(x.type.ndim - 1, -1, -1))
    out = DimShuffle(x.type.broadcastable, list(axes))(x)
    if x.name and axes == list(range(x.type.ndim - 1, -1, -1)):
        out.name = x.name + ".T"
    return out


def swapaxes(y: Any, axis1: int, axis2: int):
    """``y`` with two axes exchanged."""
    y = as_tensor_variable(y)
    order = list(range(y.type.ndim))
    order[axis1], order[axis2] = order[axis2], order[axis1]
    return transpose(y, order)
