"""Softmax over the last axis: ``Softmax``, ``LogSoftmax``, ``SoftmaxWithBias`` and the
gradient op ``SoftmaxGrad``.

Every op works on tensors of any number of dimensions (at least one): the classes are along
the last axis. Values are computed stably (the maximum of each row is subtracted before
exponentiating); gradients are graphs, so they can be differentiated again.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import theano.tensor as T
from theano.graph.basic import Apply
from theano.graph.op import Op
from theano.scalar.type import complex_types, discrete_types, upcast, upgrade_to_float_dtype
from theano.tensor.basic import as_tensor_variable, cast
from theano.tensor.type import TensorType
from theano.tensor.var import TensorVariable

__all__ = [
    "LogSoftmax",
    "Softmax",
    "SoftmaxGrad",
    "SoftmaxWithBias",
    "log_softmax",
    "logsoftmax",
    "logsoftmax_op",
    "softmax",
    "softmax_grad",
    "softmax_graph",
    "softmax_op",
    "softmax_with_bias",
]


# ------------------------------------------------------------------------------------------
# Helpers shared by the nnet ops
# ------------------------------------------------------------------------------------------

def float_tensor(x: Any, what: str, min_ndim: int = 0, ndim: int | None = None) -> TensorVariable:
    """``x`` as a real float tensor (integers and booleans are cast to a float), checking its ndim.

    ``what`` names the argument in error messages (for example ``"softmax: x"``).
    """
    x = as_tensor_variable(x)
    dtype = x.type.dtype
    if dtype in complex_types:
        raise TypeError(f"{what} must be a real tensor, got {x.type}")
    if ndim is not None and x.type.ndim != ndim:
        raise TypeError(f"{what} must be a {ndim}-d tensor, got a {x.type.ndim}-d {x.type}")
    if x.type.ndim < min_ndim:
        raise TypeError(f"{what} must have at least {min_ndim} dimension(s) (the classes are along the last "
                        f"axis), got {x.type}")
    if dtype in discrete_types:
        x = cast(x, upgrade_to_float_dtype(dtype))
    return x


def row_dot(a: TensorVariable, b: TensorVariable) -> TensorVariable:
    """``sum(a * b)`` along the last axis, kept as a length-1 axis (it broadcasts against ``a``)."""
    return T.sum(a * b, axis=-1, keepdims=True)


def sum_to_pattern(term: TensorVariable, var: TensorVariable) -> TensorVariable:
    """Sum ``term`` over the axes along which ``var`` is broadcastable but ``term`` is not."""
    axes = [d for d, (vb, tb) in enumerate(zip(var.type.broadcastable, term.type.broadcastable)) if vb and not tb]
    if axes:
        term = T.sum(term, axis=axes, keepdims=True)
    return term


def _stable_shifted(x: np.ndarray) -> np.ndarray:
    """``x`` minus the maximum of its last axis (an empty last axis leaves ``x`` unchanged)."""
    return x - np.max(x, axis=-1, keepdims=True, initial=-np.inf)


def softmax_values(x: np.ndarray) -> np.ndarray:
    """NumPy softmax along the last axis, without overflow."""
    e = np.exp(_stable_shifted(x))
    return e / np.sum(e, axis=-1, keepdims=True)


def log_softmax_values(x: np.ndarray) -> np.ndarray:
    """NumPy log-softmax along the last axis, without overflow or cancellation."""
    shifted = _stable_shifted(x)
    with np.errstate(divide="ignore"):  # an empty last axis sums to 0
        return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


# ------------------------------------------------------------------------------------------
# Ops
# ------------------------------------------------------------------------------------------

class Softmax(Op):
    """``exp(x) / sum(exp(x))`` along the last axis."""

    __props__ = ()

    def make_node(self, x):
        x = float_tensor(x, "softmax: x", min_ndim=1)
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage, params=None):
        output_storage[0][0] = np.asarray(softmax_values(inputs[0]), dtype=node.outputs[0].type.dtype)

    def infer_shape(self, node, input_shapes):
        return [input_shapes[0]]

    def L_op(self, inputs, outputs, output_grads):
        return [softmax_grad(output_grads[0], outputs[0])]

    def R_op(self, inputs, eval_points):
        if eval_points[0] is None:
            return [None]
        # The Jacobian of softmax is symmetric: J v is the gradient expression applied to v.
        return [softmax_grad(eval_points[0], self(inputs[0]))]


class SoftmaxGrad(Op):
    """The gradient of softmax: ``(dy - sum(dy * sm, axis=-1)) * sm`` for output gradient ``dy``
    and softmax output ``sm``."""

    __props__ = ()

    def make_node(self, dy, sm):
        dy = float_tensor(dy, "softmax_grad: dy", min_ndim=1)
        sm = float_tensor(sm, "softmax_grad: sm", min_ndim=1)
        if dy.type.ndim != sm.type.ndim:
            raise TypeError(f"softmax_grad: dy and sm must have the same number of dimensions, got {dy.type} and "
                            f"{sm.type}")
        out = TensorType(upcast(dy.type.dtype, sm.type.dtype), sm.type.broadcastable)()
        return Apply(self, [dy, sm], [out])

    def perform(self, node, inputs, output_storage, params=None):
        dy, sm = inputs
        try:
            dy = np.broadcast_to(dy, sm.shape)
        except ValueError:
            raise ValueError(f"softmax_grad: dy of shape {dy.shape} does not match sm of shape {sm.shape}") from None
        out = (dy - np.sum(dy * sm, axis=-1, keepdims=True)) * sm
        output_storage[0][0] = np.asarray(out, dtype=node.outputs[0].type.dtype)

    def infer_shape(self, node, input_shapes):
        return [input_shapes[1]]

    def L_op(self, inputs, outputs, output_grads):
        dy, sm = inputs
        (g,) = output_grads
        # The map dy -> output is the (symmetric) softmax Jacobian at sm.
        g_dy = sum_to_pattern(softmax_grad(g, sm), dy)
        g_sm = g * (dy - row_dot(dy, sm)) - dy * row_dot(g, sm)
        return [g_dy, g_sm]


class LogSoftmax(Op):
    """``x - log(sum(exp(x)))`` along the last axis, exact for widely spread inputs."""

    __props__ = ()

    def make_node(self, x):
        x = float_tensor(x, "logsoftmax: x", min_ndim=1)
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage, params=None):
        output_storage[0][0] = np.asarray(log_softmax_values(inputs[0]), dtype=node.outputs[0].type.dtype)

    def infer_shape(self, node, input_shapes):
        return [input_shapes[0]]

    def L_op(self, inputs, outputs, output_grads):
        (gz,) = output_grads
        return [gz - T.exp(outputs[0]) * T.sum(gz, axis=-1, keepdims=True)]

    def R_op(self, inputs, eval_points):
        if eval_points[0] is None:
            return [None]
        v = eval_points[0]
        return [v - row_dot(v, T.exp(self(inputs[0])))]


class SoftmaxWithBias(Op):
    """``softmax(x + b)`` for a bias vector ``b`` added along the last axis of ``x``."""

    __props__ = ()

    def make_node(self, x, b):
        x = float_tensor(x, "softmax_with_bias: x", min_ndim=1)
        b = float_tensor(b, "softmax_with_bias: b", ndim=1)
        out = TensorType(upcast(x.type.dtype, b.type.dtype), x.type.broadcastable)()
        return Apply(self, [x, b], [out])

    def perform(self, node, inputs, output_storage, params=None):
        x, b = inputs
        if x.shape[-1] != b.shape[0]:
            raise ValueError(f"softmax_with_bias: the last axis of x (shape {x.shape}) must have the length of b "
                             f"(shape {b.shape})")
        output_storage[0][0] = np.asarray(softmax_values(x + b), dtype=node.outputs[0].type.dtype)

    def infer_shape(self, node, input_shapes):
        return [input_shapes[0]]

    def L_op(self, inputs, outputs, output_grads):
        x, b = inputs
        dx = softmax_grad(output_grads[0], outputs[0])
        db = T.sum(dx, axis=list(range(x.type.ndim - 1))) if x.type.ndim > 1 else dx
        return [dx, db]

    def R_op(self, inputs, eval_points):
        x, b = inputs
        v_x, v_b = eval_points
        if v_x is None and v_b is None:
            return [None]
        if v_x is None:
            v_x = T.zeros_like(x)
        tangent = v_x if v_b is None else v_x + v_b
        return [softmax_grad(tangent, self(x, b))]


softmax_op = Softmax()
logsoftmax_op = LogSoftmax()
softmax_grad = SoftmaxGrad()
softmax_with_bias = SoftmaxWithBias()


# ------------------------------------------------------------------------------------------
# Public functions
# ------------------------------------------------------------------------------------------

def softmax(c: Any) -> TensorVariable:
    """The softmax of ``c`` along its last axis: ``exp(c) / sum(exp(c), axis=-1)``.

    Parameters
    ----------
    c : tensor-like
        A real tensor with at least one dimension (a matrix is a batch of rows).

    Returns
    -------
    TensorVariable
        Same shape and (float) dtype as ``c``; each slice along the last axis sums to 1.
        Computed stably: large inputs give finite values.
    """
    return softmax_op(c)


def logsoftmax(c: Any) -> TensorVariable:
    """The logarithm of :func:`softmax` along the last axis, computed as
    ``c - max(c) - log(sum(exp(c - max(c))))``.

    Parameters
    ----------
    c : tensor-like
        A real tensor with at least one dimension.

    Returns
    -------
    TensorVariable
        Same shape and (float) dtype as ``c``; exact where ``log(softmax(c))`` underflows.
    """
    return logsoftmax_op(c)


log_softmax = logsoftmax


def softmax_graph(c: Any) -> TensorVariable:
    """Softmax written with elementwise ops and a sum (``exp(c) / exp(c).sum(axis=-1)``); not
    stabilized, kept for Theano 1.0 compatibility."""
    c = as_tensor_variable(c)
    e = T.exp(c)
    return e / T.sum(e, axis=-1, keepdims=True)
