"""Creating arrays from sizes: eye, identity_like, arange, tri, tril, triu."""

from __future__ import annotations

from typing import Any

import numpy as np

import theano
from theano.graph.basic import Apply, Constant
from theano.graph.op import Op
from theano.scalar.type import complex_types, discrete_types, upcast
from theano.tensor import math as tm
from theano.tensor.basic import (
    NotScalarConstantError,
    _is_python_scalar,
    as_tensor_variable,
    cast,
    constant,
    get_scalar_constant_value,
    zeros_like,
)
from theano.tensor.join import NoGradientMixin, _disconnected, _int_scalar
from theano.tensor.type import TensorType
from theano.tensor.var import TensorVariable

__all__ = [
    "ARange",
    "Eye",
    "arange",
    "eye",
    "identity_like",
    "tri",
    "tril",
    "triu",
]


def _is_constant_one(var: TensorVariable) -> bool:
    try:
        return int(get_scalar_constant_value(var)) == 1
    except NotScalarConstantError:
        return False


# ------------------------------------------------------------------------------------------
# eye
# ------------------------------------------------------------------------------------------

class Eye(NoGradientMixin, Op):
    """An ``n x m`` matrix of ``dtype`` with ones on diagonal ``k`` (inputs n, m, k)."""

    __props__ = ("dtype",)

    def __init__(self, dtype: str | None = None):
        self.dtype = str(np.dtype(dtype or theano.config.floatX))

    def make_node(self, n, m, k):
        n = _int_scalar(n, "eye: n")
        m = _int_scalar(m, "eye: m")
        k = _int_scalar(k, "eye: k")
        bcast = (_is_constant_one(n), _is_constant_one(m))
        return Apply(self, [n, m, k], [TensorType(self.dtype, bcast)()])

    def perform(self, node, inputs, output_storage, params=None):
        n, m, k = (int(v) for v in inputs)
        if n < 0 or m < 0:
            raise ValueError(f"eye: negative dimensions ({n}, {m})")
        output_storage[0][0] = np.eye(n, m, k, dtype=self.dtype)

    def infer_shape(self, node, input_shapes):
        n, m, _ = node.inputs
        return [(n, m)]


def eye(n: Any, m: Any = None, k: Any = 0, dtype: str | None = None) -> TensorVariable:
    """A 2-d tensor with ones on a diagonal and zeros elsewhere.

    Parameters
    ----------
    n : int or integer scalar
        Number of rows.
    m : int or integer scalar, optional
        Number of columns (``n`` by default).
    k : int or integer scalar
        The diagonal: 0 the main one, positive above it, negative below it.
    dtype : str, optional
        Output dtype (``floatX`` by default).
    """
    if m is None:
        m = n
    return Eye(dtype)(n, m, k)


def identity_like(x: Any) -> TensorVariable:
    """An identity matrix with the shape and dtype of the matrix ``x``."""
    x = as_tensor_variable(x)
    if x.type.ndim != 2:
        raise TypeError(f"identity_like expects a matrix, got {x.type}")
    return eye(x.shape[0], x.shape[1], k=0, dtype=x.type.dtype)


# ------------------------------------------------------------------------------------------
# arange
# ------------------------------------------------------------------------------------------

class ARange(Op):
    """``np.arange(start, stop, step)`` of ``dtype`` from three 0-d inputs."""

    __props__ = ("dtype",)

    def __init__(self, dtype: str):
        self.dtype = str(np.dtype(dtype))

    def make_node(self, start, stop, step):
        inputs = [as_tensor_variable(v) for v in (start, stop, step)]
        for name, var in zip(("start", "stop", "step"), inputs):
            if var.type.ndim != 0:
                raise TypeError(f"arange: {name} must be a scalar, got {var.type}")
            if var.type.dtype in complex_types:
                raise TypeError(f"arange: {name} cannot be complex ({var.type})")
        if isinstance(inputs[2], Constant) and np.all(inputs[2].data == 0):
            raise ValueError("arange: step must not be zero")
        return Apply(self, inputs, [TensorType(self.dtype, (False,))()])

    def perform(self, node, inputs, output_storage, params=None):
        start, stop, step = (v.item() for v in inputs)
        if step == 0:
            raise ValueError("arange: step must not be zero")
        output_storage[0][0] = np.arange(start, stop, step, dtype=self.dtype)

    def infer_shape(self, node, input_shapes):
        start, stop, step = node.inputs
        if all(v.type.dtype in discrete_types for v in node.inputs):
            start, stop, step = (cast(v, "int64") for v in node.inputs)
            # ceil((stop - start) / step) in exact integer arithmetic, for either sign of step
            length = -tm.int_div(start - stop, step)
        else:
            start, stop, step = (cast(v, "float64") for v in node.inputs)
            length = cast(tm.ceil((stop - start) / step), "int64")
        return [(tm.maximum(length, 0),)]

    def connection_pattern(self, node):
        # ``stop`` only decides the length; ``start`` and ``step`` move the values, which
        # can change only when the output is not integer.
        moves_values = self.dtype not in discrete_types
        return [[moves_values], [False], [moves_values]]

    def L_op(self, inputs, outputs, output_grads):
        (gz,) = output_grads
        if self.dtype in discrete_types:
            return [_disconnected() for _ in inputs]
        # out[i] = start + i * step
        steps = arange(outputs[0].shape[0], dtype=self.dtype)
        return [tm.sum(gz), _disconnected(), tm.sum(gz * steps)]

    def R_op(self, inputs, eval_points):
        start_point, _, step_point = eval_points
        if self.dtype in discrete_types or (start_point is None and step_point is None):
            return [None]
        out = self(*inputs)
        change = zeros_like(out)
        if start_point is not None:
            change = change + start_point
        if step_point is not None:
            change = change + arange(out.shape[0], dtype=self.dtype) * step_point
        return [cast(change, self.dtype)]


def _arange_inputs(values: list) -> list[TensorVariable]:
    """Tensors for arange's bounds; Python numbers take the type of the symbolic bounds."""
    if all(_is_python_scalar(v) for v in values):
        if any(isinstance(v, float) for v in values):
            dtype = "float64" if theano.config.cast_policy == "numpy" else theano.config.floatX
        else:
            dtype = "int64"
        return [constant(v, dtype=dtype) for v in values]
    from theano.tensor.basic import as_elemwise_inputs

    return as_elemwise_inputs(values)


def arange(start: Any, stop: Any = None, step: Any = 1, dtype: str | None = None) -> TensorVariable:
    """Evenly spaced values in ``[start, stop)`` (NumPy's ``arange``), bounds may be symbolic.

    Parameters
    ----------
    start, stop, step : number or scalar tensor
        With one bound given it is ``stop`` and ``start`` is 0.
    dtype : str, optional
        Output dtype. By default integer bounds give int64 and floating bounds their upcast
        dtype (Python floats alone give ``floatX``).

    Returns
    -------
    TensorVariable
        A vector of length ``max(ceil((stop - start) / step), 0)``.
    """
    if stop is None:
        start, stop = 0, start
    start, stop, step = _arange_inputs([start, stop, step])
    if dtype is None:
        dtype = upcast(start.type.dtype, stop.type.dtype, step.type.dtype)
        if dtype in discrete_types:
            dtype = "int64"
    elif dtype == "floatX":
        dtype = theano.config.floatX
    return ARange(dtype)(start, stop, step)


# ------------------------------------------------------------------------------------------
# triangles
# ------------------------------------------------------------------------------------------

def tri(N: Any, M: Any = None, k: Any = 0, dtype: str | None = None) -> TensorVariable:
    """An ``N x M`` array with ones at and below diagonal ``k`` and zeros elsewhere.

    Parameters
    ----------
    N, M : int or integer scalar
        Rows and columns (``M`` defaults to ``N``).
    k : int or integer scalar
        The diagonal: 0 the main one, positive above it, negative below it.
    dtype : str, optional
        Output dtype (``floatX`` by default).
    """
    if dtype is None:
        dtype = theano.config.floatX
    if M is None:
        M = N
    rows = arange(_int_scalar(N, "tri: N")).dimshuffle(0, "x")
    cols = arange(_int_scalar(M, "tri: M")).dimshuffle("x", 0)
    mask = tm.ge(rows + _int_scalar(k, "tri: k"), cols)
    return cast(mask, dtype)


def _triangle_mask(m: TensorVariable, k: Any, what: str) -> TensorVariable:
    if m.type.ndim < 2:
        raise TypeError(f"{what} expects an array of at least 2 dimensions, got {m.type}")
    return tri(m.shape[-2], m.shape[-1], k=k, dtype="bool")


def tril(m: Any, k: Any = 0) -> TensorVariable:
    """``m`` with the elements above diagonal ``k`` of its last two axes set to zero.

    Parameters
    ----------
    m : tensor of at least 2 dimensions
    k : int or integer scalar
        The diagonal at and below which elements are kept.
    """
    m = as_tensor_variable(m)
    return tm.switch(_triangle_mask(m, k, "tril"), m, zeros_like(m))


def triu(m: Any, k: Any = 0) -> TensorVariable:
    """``m`` with the elements below diagonal ``k`` of its last two axes set to zero.

    Parameters
    ----------
    m : tensor of at least 2 dimensions
    k : int or integer scalar
        The diagonal at and above which elements are kept.
    """
    m = as_tensor_variable(m)
    below = _triangle_mask(m, _int_scalar(k, "triu: k") - 1, "triu")
    return tm.switch(below, zeros_like(m), m)
