"""Cross-entropy losses: the fused softmax + negative log-likelihood ops on class indices
(``crossentropy_softmax_1hot`` and relatives), ``crossentropy_categorical_1hot``, and the
graph-level ``categorical_crossentropy``, ``binary_crossentropy`` and
``sigmoid_binary_crossentropy``.

Class indices are a vector of integers, one per row of a matrix of scores or probabilities.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import theano.tensor as T
from theano.gradient import DisconnectedType
from theano.graph.basic import Apply
from theano.graph.op import Op
from theano.scalar.type import discrete_types, upcast
from theano.tensor.basic import as_tensor_variable
from theano.tensor.nnet.sigm import softplus
from theano.tensor.nnet.softmax_ops import float_tensor, log_softmax_values, softmax_grad, sum_to_pattern
from theano.tensor.type import TensorType
from theano.tensor.var import TensorVariable

__all__ = [
    "CrossentropyCategorical1Hot",
    "CrossentropyCategorical1HotGrad",
    "CrossentropySoftmax1HotWithBiasDx",
    "CrossentropySoftmaxArgmax1HotWithBias",
    "binary_crossentropy",
    "categorical_crossentropy",
    "crossentropy_categorical_1hot",
    "crossentropy_categorical_1hot_grad",
    "crossentropy_softmax_1hot",
    "crossentropy_softmax_1hot_with_bias",
    "crossentropy_softmax_1hot_with_bias_dx",
    "crossentropy_softmax_argmax_1hot_with_bias",
    "crossentropy_softmax_max_and_argmax_1hot",
    "crossentropy_softmax_max_and_argmax_1hot_with_bias",
    "sigmoid_binary_crossentropy",
]


# ------------------------------------------------------------------------------------------
# Helpers
# ------------------------------------------------------------------------------------------

def _class_indices(y_idx: Any, what: str) -> TensorVariable:
    y_idx = as_tensor_variable(y_idx)
    if y_idx.type.ndim != 1 or y_idx.type.dtype not in discrete_types or y_idx.type.dtype == "bool":
        raise TypeError(f"{what} must be a 1-d tensor of integer class indices, got {y_idx.type}")
    return y_idx


def _check_indices(what: str, y_idx: np.ndarray, rows: int, n_classes: int) -> None:
    """Run-time checks: one index per row, each in ``[0, n_classes)``."""
    if y_idx.shape[0] != rows:
        raise ValueError(f"{what}: {y_idx.shape[0]} class indices for {rows} rows")
    if y_idx.size and (y_idx.min() < 0 or y_idx.max() >= n_classes):
        raise ValueError(f"{what}: class index out of bounds: indices must be in [0, {n_classes}), got values in "
                         f"[{y_idx.min()}, {y_idx.max()}]")


def _one_hot(y_idx: TensorVariable, n_classes: Any) -> TensorVariable:
    """A boolean matrix with True at ``[i, y_idx[i]]`` (built from comparisons, so gradient
    graphs that use it stay differentiable)."""
    return T.eq(y_idx.dimshuffle(0, "x"), T.arange(n_classes).dimshuffle("x", 0))


def _rows(values: np.ndarray) -> np.ndarray:
    return np.arange(values.shape[0])


def _disconnected() -> TensorVariable:
    return DisconnectedType()()


# ------------------------------------------------------------------------------------------
# Softmax fused with the negative log-likelihood of class indices
# ------------------------------------------------------------------------------------------

class CrossentropySoftmaxArgmax1HotWithBias(Op):
    """Outputs ``(nll, sm, am)`` for scores ``x`` (matrix), bias ``b`` (vector) and class
    indices ``y_idx``: ``sm = softmax(x + b)``, ``nll[i] = -log(sm[i, y_idx[i]])`` (computed
    from the log-sum-exp, so it stays finite for large scores) and ``am = argmax(x + b, axis=1)``.
    """

    __props__ = ()
    nout = 3

    def make_node(self, x, b, y_idx):
        x = float_tensor(x, "crossentropy_softmax_argmax_1hot_with_bias: x", ndim=2)
        b = float_tensor(b, "crossentropy_softmax_argmax_1hot_with_bias: b", ndim=1)
        y_idx = _class_indices(y_idx, "crossentropy_softmax_argmax_1hot_with_bias: y_idx")
        dtype = upcast(x.type.dtype, b.type.dtype)
        nll = TensorType(dtype, y_idx.type.broadcastable)()
        sm = TensorType(dtype, x.type.broadcastable)()
        am = y_idx.type()
        return Apply(self, [x, b, y_idx], [nll, sm, am])

    def perform(self, node, inputs, output_storage, params=None):
        x, b, y_idx = inputs
        if x.shape[1] != b.shape[0]:
            raise ValueError(f"crossentropy_softmax_argmax_1hot_with_bias: x of shape {x.shape} needs a bias of "
                             f"length {x.shape[1]}, got shape {b.shape}")
        _check_indices("crossentropy_softmax_argmax_1hot_with_bias", y_idx, x.shape[0], x.shape[1])
        scores = x + b
        log_sm = log_softmax_values(scores)
        dtypes = [out.type.dtype for out in node.outputs]
        output_storage[0][0] = np.asarray(-log_sm[_rows(x), y_idx], dtype=dtypes[0])
        output_storage[1][0] = np.asarray(np.exp(log_sm), dtype=dtypes[1])
        # With no classes there can be no rows either (the index check above): argmax is then empty.
        am = np.argmax(scores, axis=1) if x.shape[1] else np.zeros(0)
        output_storage[2][0] = np.asarray(am, dtype=dtypes[2])

    def infer_shape(self, node, input_shapes):
        x_shape, _, y_shape = input_shapes
        return [y_shape, x_shape, y_shape]

    def connection_pattern(self, node):
        return [[True, True, False], [True, True, False], [False, False, False]]

    def L_op(self, inputs, outputs, output_grads):
        x, b, y_idx = inputs
        _, sm, _ = outputs
        g_nll, g_sm, _ = output_grads
        dx = crossentropy_softmax_1hot_with_bias_dx(g_nll, sm, y_idx) + softmax_grad(g_sm, sm)
        return [dx, T.sum(dx, axis=0), _disconnected()]


class CrossentropySoftmax1HotWithBiasDx(Op):
    """The gradient of the ``nll`` output of :class:`CrossentropySoftmaxArgmax1HotWithBias`
    with respect to ``x``: ``dy[:, None] * (sm - one_hot(y_idx))``."""

    __props__ = ()

    def make_node(self, dy, sm, y_idx):
        dy = float_tensor(dy, "crossentropy_softmax_1hot_with_bias_dx: dy", ndim=1)
        sm = float_tensor(sm, "crossentropy_softmax_1hot_with_bias_dx: sm", ndim=2)
        y_idx = _class_indices(y_idx, "crossentropy_softmax_1hot_with_bias_dx: y_idx")
        out = TensorType(upcast(dy.type.dtype, sm.type.dtype), sm.type.broadcastable)()
        return Apply(self, [dy, sm, y_idx], [out])

    def perform(self, node, inputs, output_storage, params=None):
        dy, sm, y_idx = inputs
        _check_indices("crossentropy_softmax_1hot_with_bias_dx", y_idx, sm.shape[0], sm.shape[1])
        if dy.shape[0] not in (sm.shape[0], 1):
            raise ValueError(f"crossentropy_softmax_1hot_with_bias_dx: dy of shape {dy.shape} does not match sm "
                             f"of shape {sm.shape}")
        dy = np.broadcast_to(dy, (sm.shape[0],))
        dx = np.asarray(dy[:, None] * sm, dtype=node.outputs[0].type.dtype)
        dx[_rows(sm), y_idx] -= dy
        output_storage[0][0] = dx

    def infer_shape(self, node, input_shapes):
        return [input_shapes[1]]

    def connection_pattern(self, node):
        return [[True], [True], [False]]

    def L_op(self, inputs, outputs, output_grads):
        dy, sm, y_idx = inputs
        (g,) = output_grads
        g_dy = T.sum(g * (sm - _one_hot(y_idx, sm.shape[1])), axis=1)
        g_sm = sum_to_pattern(g * dy.dimshuffle(0, "x"), sm)
        return [sum_to_pattern(g_dy, dy), g_sm, _disconnected()]


crossentropy_softmax_argmax_1hot_with_bias = CrossentropySoftmaxArgmax1HotWithBias()
crossentropy_softmax_1hot_with_bias_dx = CrossentropySoftmax1HotWithBiasDx()


def crossentropy_softmax_1hot_with_bias(x: Any, b: Any, y_idx: Any, **kwargs: Any) -> list[TensorVariable]:
    """The negative log-likelihood of classes ``y_idx`` under ``softmax(x + b)``, and that softmax.

    Parameters
    ----------
    x : matrix
        Scores, one row per example.
    b : vector
        A bias added to every row.
    y_idx : integer vector
        The class of each row, in ``[0, x.shape[1])``.

    Returns
    -------
    [nll, sm]
        ``nll`` (vector): ``-log(softmax(x + b)[i, y_idx[i]])``, finite even for large scores;
        ``sm`` (matrix): ``softmax(x + b)``.
    """
    return crossentropy_softmax_argmax_1hot_with_bias(x, b, y_idx, **kwargs)[0:2]


def _zero_bias(x: Any) -> tuple[TensorVariable, TensorVariable]:
    x = float_tensor(x, "crossentropy_softmax_1hot: x", ndim=2)
    return x, T.zeros((x.shape[1],), dtype=x.type.dtype)


def crossentropy_softmax_1hot(x: Any, y_idx: Any, **kwargs: Any) -> list[TensorVariable]:
    """:func:`crossentropy_softmax_1hot_with_bias` with no bias: ``[nll, softmax(x)]``."""
    x, b = _zero_bias(x)
    return crossentropy_softmax_1hot_with_bias(x, b, y_idx, **kwargs)


def crossentropy_softmax_max_and_argmax_1hot_with_bias(x: Any, b: Any, y_idx: Any,
                                                       **kwargs: Any) -> list[TensorVariable]:
    """``[nll, max(sm, axis=1), argmax(sm, axis=1)]`` with ``nll`` and ``sm`` as in
    :func:`crossentropy_softmax_1hot_with_bias`."""
    nll, sm = crossentropy_softmax_1hot_with_bias(x, b, y_idx, **kwargs)
    max_pr, argmax = T.max_and_argmax(sm, axis=-1)
    return [nll, max_pr, argmax]


def crossentropy_softmax_max_and_argmax_1hot(x: Any, y_idx: Any, **kwargs: Any) -> list[TensorVariable]:
    """:func:`crossentropy_softmax_max_and_argmax_1hot_with_bias` with no bias."""
    x, b = _zero_bias(x)
    return crossentropy_softmax_max_and_argmax_1hot_with_bias(x, b, y_idx, **kwargs)


# ------------------------------------------------------------------------------------------
# Negative log-likelihood of class indices under given probabilities
# ------------------------------------------------------------------------------------------

class CrossentropyCategorical1Hot(Op):
    """``y[i] = -log(coding_dist[i, true_one_of_n[i]])`` for a matrix of probabilities and a
    vector of class indices."""

    __props__ = ()

    def make_node(self, coding_dist, true_one_of_n):
        coding_dist = float_tensor(coding_dist, "crossentropy_categorical_1hot: coding_dist", ndim=2)
        true_one_of_n = _class_indices(true_one_of_n, "crossentropy_categorical_1hot: true_one_of_n")
        out = TensorType(coding_dist.type.dtype, (coding_dist.type.broadcastable[0],))()
        return Apply(self, [coding_dist, true_one_of_n], [out])

    def perform(self, node, inputs, output_storage, params=None):
        coding, idx = inputs
        _check_indices("crossentropy_categorical_1hot", idx, coding.shape[0], coding.shape[1])
        with np.errstate(divide="ignore"):
            y = -np.log(coding[_rows(coding), idx])
        output_storage[0][0] = np.asarray(y, dtype=node.outputs[0].type.dtype)

    def infer_shape(self, node, input_shapes):
        return [(input_shapes[0][0],)]

    def connection_pattern(self, node):
        return [[True], [False]]

    def L_op(self, inputs, outputs, output_grads):
        coding, idx = inputs
        return [crossentropy_categorical_1hot_grad(output_grads[0], coding, idx), _disconnected()]


class CrossentropyCategorical1HotGrad(Op):
    """The gradient of :class:`CrossentropyCategorical1Hot` with respect to ``coding_dist``:
    zero except ``-g_y[i] / coding_dist[i, true_one_of_n[i]]`` at ``[i, true_one_of_n[i]]``."""

    __props__ = ()

    def make_node(self, g_y, coding_dist, true_one_of_n):
        g_y = float_tensor(g_y, "crossentropy_categorical_1hot_grad: g_y", ndim=1)
        coding_dist = float_tensor(coding_dist, "crossentropy_categorical_1hot_grad: coding_dist", ndim=2)
        true_one_of_n = _class_indices(true_one_of_n, "crossentropy_categorical_1hot_grad: true_one_of_n")
        out = TensorType(upcast(g_y.type.dtype, coding_dist.type.dtype), coding_dist.type.broadcastable)()
        return Apply(self, [g_y, coding_dist, true_one_of_n], [out])

    def perform(self, node, inputs, output_storage, params=None):
        g_y, coding, idx = inputs
        _check_indices("crossentropy_categorical_1hot_grad", idx, coding.shape[0], coding.shape[1])
        rows = _rows(coding)
        out = np.zeros(coding.shape, dtype=node.outputs[0].type.dtype)
        with np.errstate(divide="ignore", invalid="ignore"):
            out[rows, idx] = -np.broadcast_to(g_y, rows.shape) / coding[rows, idx]
        output_storage[0][0] = out

    def infer_shape(self, node, input_shapes):
        return [input_shapes[1]]

    def connection_pattern(self, node):
        return [[True], [True], [False]]

    def L_op(self, inputs, outputs, output_grads):
        g_y, coding, idx = inputs
        (g,) = output_grads
        hot = _one_hot(idx, coding.shape[1])
        picked = T.sum(coding * hot, axis=1)
        g_picked = T.sum(g * hot, axis=1)
        grad_g_y = -g_picked / picked
        grad_coding = hot * (g_y * g_picked / T.sqr(picked)).dimshuffle(0, "x")
        return [sum_to_pattern(grad_g_y, g_y), sum_to_pattern(grad_coding, coding), _disconnected()]


crossentropy_categorical_1hot = CrossentropyCategorical1Hot()
crossentropy_categorical_1hot_grad = CrossentropyCategorical1HotGrad()


# ------------------------------------------------------------------------------------------
# Graph-level losses
# ------------------------------------------------------------------------------------------

def categorical_crossentropy(coding_dist: Any, true_dist: Any) -> TensorVariable:
    """The cross-entropy between a predicted distribution and a true one, per example:
    ``-sum(true_dist * log(coding_dist), axis=-1)``.

    Parameters
    ----------
    coding_dist : tensor
        Predicted probabilities (each slice along the last axis a distribution), for example
        the output of :func:`~theano.tensor.nnet.softmax`.
    true_dist : tensor
        Either a tensor of the same number of dimensions (one-hot rows or probabilities), or an
        integer vector of class indices, one per row of a matrix ``coding_dist``.

    Returns
    -------
    TensorVariable
        One dimension fewer than ``coding_dist`` (a vector for a matrix).
    """
    coding_dist = as_tensor_variable(coding_dist)
    true_dist = as_tensor_variable(true_dist)
    if true_dist.type.ndim == coding_dist.type.ndim:
        if coding_dist.type.ndim == 0:
            raise TypeError("categorical_crossentropy: coding_dist must have at least one dimension, got a scalar")
        return -T.sum(true_dist * T.log(coding_dist), axis=coding_dist.type.ndim - 1)
    if true_dist.type.ndim == coding_dist.type.ndim - 1:
        return crossentropy_categorical_1hot(coding_dist, true_dist)
    raise TypeError(f"categorical_crossentropy: rank mismatch between coding and true distributions: "
                    f"coding_dist is {coding_dist.type.ndim}-d, true_dist is {true_dist.type.ndim}-d (expected the "
                    "same number of dimensions, or one fewer for class indices)")


def binary_crossentropy(output: Any, target: Any) -> TensorVariable:
    """Elementwise ``-(target * log(output) + (1 - target) * log(1 - output))``.

    Parameters
    ----------
    output : tensor
        Predicted probabilities in ``(0, 1)``.
    target : tensor
        Targets in ``[0, 1]``, broadcastable against ``output``.

    Returns
    -------
    TensorVariable
        The elementwise loss.
    """
    output = as_tensor_variable(output)
    target = as_tensor_variable(target)
    return -(target * T.log(output) + (1.0 - target) * T.log(1.0 - output))


def sigmoid_binary_crossentropy(output: Any, target: Any) -> TensorVariable:
    """``binary_crossentropy(sigmoid(output), target)`` computed stably from the logits ``output``.

    Parameters
    ----------
    output : tensor
        Logits (any real values).
    target : tensor
        Targets in ``[0, 1]``, broadcastable against ``output``.

    Returns
    -------
    TensorVariable
        ``softplus(-|output|) + output * ((output > 0) - target)``: finite for any logits, with
        the gradient ``sigmoid(output) - target`` with respect to ``output``.
    """
    output = as_tensor_variable(output)
    target = as_tensor_variable(target)
    return softplus(-abs(output)) + output * (T.gt(output, 0) - target)
