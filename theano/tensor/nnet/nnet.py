"""Theano 1.0's ``theano.tensor.nnet.nnet``: rectifiers (``relu``, ``elu``, ``selu``), the
hierarchical softmax ``h_softmax`` and ``confusion_matrix``; it also re-exports the softmax,
sigmoid and cross-entropy functions, which Theano 1.0 made available from this module.
"""

from __future__ import annotations

from numbers import Number
from typing import Any

import theano.tensor as T
from theano.tensor.basic import as_tensor_variable
from theano.tensor.nnet.crossentropy import *  # noqa: F401,F403
from theano.tensor.nnet.crossentropy import __all__ as _crossentropy_names
from theano.tensor.nnet.sigm import *  # noqa: F401,F403
from theano.tensor.nnet.sigm import __all__ as _sigm_names
from theano.tensor.nnet.softmax_ops import *  # noqa: F401,F403
from theano.tensor.nnet.softmax_ops import __all__ as _softmax_names
from theano.tensor.nnet.softmax_ops import softmax
from theano.tensor.var import TensorVariable

__all__ = [
    "confusion_matrix",
    "elu",
    "h_softmax",
    "relu",
    "selu",
    *_crossentropy_names,
    *_sigm_names,
    *_softmax_names,
]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _is_python_number(value: Any) -> bool:
    """Python and NumPy numbers stay "weak" in arithmetic with tensors (they keep the tensor's dtype)."""
    return isinstance(value, Number)


def relu(x: Any, alpha: Any = 0) -> TensorVariable:
    """The rectifier: ``x`` where ``x > 0``, ``alpha * x`` elsewhere (a leaky rectifier when
    ``alpha`` is not 0).

    Parameters
    ----------
    x : tensor
        The input.
    alpha : number or tensor
        The slope for negative inputs; a tensor broadcasts against ``x`` (a learned slope).

    Returns
    -------
    TensorVariable
        ``0.5 * (1 + alpha) * x + 0.5 * (1 - alpha) * abs(x)``. A Python number ``alpha``
        keeps ``x``'s dtype.
    """
    x = as_tensor_variable(x)
    if not _is_python_number(alpha):
        alpha = as_tensor_variable(alpha)
    elif alpha == 0:
        return 0.5 * (x + abs(x))
    return 0.5 * (1 + alpha) * x + 0.5 * (1 - alpha) * abs(x)


def elu(x: Any, alpha: Any = 1) -> TensorVariable:
    """The exponential linear unit: ``x`` where ``x > 0``, ``alpha * (exp(x) - 1)`` elsewhere.

    Parameters
    ----------
    x : tensor
        The input.
    alpha : number or tensor
        The value approached for very negative inputs is ``-alpha``.

    Returns
    -------
    TensorVariable
        Same shape as ``x``; its gradient stays finite for large positive ``x``.
    """
    x = as_tensor_variable(x)
    if not _is_python_number(alpha):
        alpha = as_tensor_variable(alpha)
    # expm1 of min(x, 0): the branch not taken can never overflow (nor make the gradient NaN).
    return T.switch(T.gt(x, 0), x, alpha * T.expm1(T.minimum(x, 0)))


def selu(x: Any) -> TensorVariable:
    """The scaled exponential linear unit: ``scale * elu(x, alpha)`` with the self-normalizing
    constants ``alpha = 1.6732632...`` and ``scale = 1.0507009...``.

    Parameters
    ----------
    x : tensor

    Returns
    -------
    TensorVariable
        Same shape and (float) dtype as ``x``.
    """
    return _SELU_SCALE * elu(x, _SELU_ALPHA)


def h_softmax(x: Any, batch_size: Any, n_outputs: Any, n_classes: Any, n_outputs_per_class: Any, W1: Any, b1: Any,
              W2: Any, b2: Any, target: Any = None) -> TensorVariable:
    """A two-level hierarchical softmax: the outputs are split into ``n_classes`` classes of
    ``n_outputs_per_class`` outputs; ``P(output) = P(class) * P(output | class)``.

    Parameters
    ----------
    x : matrix, shape (batch_size, n_in)
        The inputs.
    batch_size : int or scalar
        ``x.shape[0]``.
    n_outputs : int
        The number of outputs (at most ``n_classes * n_outputs_per_class``).
    n_classes, n_outputs_per_class : int
        The shape of the hierarchy.
    W1 : matrix, shape (n_in, n_classes)
    b1 : vector, shape (n_classes,)
        The parameters of the softmax over classes.
    W2 : 3-d tensor, shape (n_classes, n_in, n_outputs_per_class)
    b2 : matrix, shape (n_classes, n_outputs_per_class)
        The parameters of the softmax inside each class.
    target : integer vector, optional
        One target output per example.

    Returns
    -------
    TensorVariable
        Without ``target``: the probabilities of all outputs, shape ``(batch_size, n_outputs)``;
        with ``target``: the probability of each example's target, shape ``(batch_size,)``.
    """
    x = as_tensor_variable(x)
    W2 = as_tensor_variable(W2)
    b2 = as_tensor_variable(b2)
    class_probs = softmax(T.dot(x, W1) + b1)
    if target is None:
        # (batch, n_classes, n_outputs_per_class): the softmax runs over the last axis.
        output_probs = softmax(T.tensordot(x, W2, [[1], [1]]) + b2)
        output_probs = class_probs.dimshuffle(0, 1, "x") * output_probs
        return output_probs.reshape((batch_size, -1))[:, :n_outputs]
    target = as_tensor_variable(target).flatten()
    target_classes = target // n_outputs_per_class
    target_outputs_in_class = target % n_outputs_per_class
    rows = T.arange(batch_size)
    activations = T.batched_dot(x, W2[target_classes]) + b2[target_classes]
    output_probs = softmax(activations)[rows, target_outputs_in_class]
    return class_probs[rows, target_classes] * output_probs


def confusion_matrix(actual: Any, pred: Any) -> list[TensorVariable]:
    """The confusion matrix of predicted labels against actual ones.

    Parameters
    ----------
    actual : vector
        The true labels.
    pred : vector
        The predicted labels.

    Returns
    -------
    [conf_mat, order]
        ``order``: the sorted labels that occur in ``actual`` or ``pred``; ``conf_mat[i, j]``
        (int64): how many examples with actual label ``order[i]`` were predicted ``order[j]``.
    """
    actual = as_tensor_variable(actual)
    pred = as_tensor_variable(pred)
    if actual.type.ndim != 1:
        raise TypeError(f"confusion_matrix: actual must be a 1-d tensor, got {actual.type}")
    if pred.type.ndim != 1:
        raise TypeError(f"confusion_matrix: pred must be a 1-d tensor, got {pred.type}")
    order = T.unique(T.concatenate([actual, pred]))
    actual_hot = T.cast(T.eq(actual.dimshuffle(0, "x"), order.dimshuffle("x", 0)), "int64")
    pred_hot = T.cast(T.eq(pred.dimshuffle(0, "x"), order.dimshuffle("x", 0)), "int64")
    return [T.dot(actual_hot.T, pred_hot), order]
