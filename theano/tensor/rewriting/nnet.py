"""Stabilizing rewrites of the neural-network expressions the 2010 paper names:
log(softmax(x)), softmax followed by categorical crossentropy on class indices, and the
logistic function hidden in exp(x) / (1 + exp(x))."""

from __future__ import annotations

import numpy as np

import theano.tensor as T
from theano import scalar
from theano.compile.pipeline import register_stabilize
from theano.graph.rewriting.basic import node_rewriter
from theano.tensor.elemwise import DimShuffle, Elemwise, Sum
from theano.tensor.nnet.crossentropy import CrossentropyCategorical1Hot, crossentropy_softmax_1hot
from theano.tensor.nnet.sigm import sigmoid
from theano.tensor.nnet.softmax_ops import Softmax, SoftmaxGrad, logsoftmax_op
from theano.tensor.rewriting.basic import _constant_value, _is_elemwise


@register_stabilize
@node_rewriter([T.log])
def local_log_softmax(fgraph, node):
    """log(softmax(x)) -> log_softmax(x), exact where softmax underflows."""
    (arg,) = node.inputs
    if arg.owner is not None and isinstance(arg.owner.op, Softmax):
        result = logsoftmax_op(arg.owner.inputs[0])
        if result.type == node.outputs[0].type:
            return [result]
    return None


@register_stabilize
@node_rewriter([CrossentropyCategorical1Hot])
def local_crossentropy_of_softmax(fgraph, node):
    """categorical_crossentropy(softmax(x), y_idx) -> one stable softmax-crossentropy op."""
    coding, y_idx = node.inputs
    if coding.owner is not None and isinstance(coding.owner.op, Softmax) and coding.owner.inputs[0].type.ndim == 2:
        nll = crossentropy_softmax_1hot(coding.owner.inputs[0], y_idx)[0]
        if nll.type.dtype == node.outputs[0].type.dtype:
            return [T.patternbroadcast(nll, node.outputs[0].type.broadcastable)]
    return None


def _one_plus_exp_argument(var):
    """``x`` if ``var`` is ``1 + exp(x)`` (either order)."""
    if not _is_elemwise(var, scalar.add) or len(var.owner.inputs) != 2:
        return None
    a, b = var.owner.inputs
    for one, other in ((a, b), (b, a)):
        if _constant_value(one) == 1 and _is_elemwise(other, scalar.exp):
            return other.owner.inputs[0]
    return None


@register_stabilize
@node_rewriter([T.true_div])
def local_exp_over_1_plus_exp(fgraph, node):
    """(c * exp(x)) / (1 + exp(x)) -> c * sigmoid(x), finite for large x (gradients of
    softplus-like costs produce this form)."""
    numerator, denominator = node.inputs
    x = _one_plus_exp_argument(denominator)
    if x is None:
        return None
    if _is_elemwise(numerator, scalar.exp) and numerator.owner.inputs[0] is x:
        rest = []
    elif _is_elemwise(numerator, scalar.mul):
        factors = list(numerator.owner.inputs)
        for i, factor in enumerate(factors):
            if _is_elemwise(factor, scalar.exp) and factor.owner.inputs[0] is x:
                rest = factors[:i] + factors[i + 1:]
                break
        else:
            return None
    else:
        return None
    result = sigmoid(x)
    for factor in rest:
        result = result * factor
    out = node.outputs[0]
    if result.type.dtype != out.type.dtype or result.type.ndim != out.type.ndim:
        return None
    if result.type.broadcastable != out.type.broadcastable:
        if any(rb and not ob for rb, ob in zip(result.type.broadcastable, out.type.broadcastable)):
            result = T.second(denominator, result)
        result = T.patternbroadcast(result, out.type.broadcastable)
    return [result]


@register_stabilize
@node_rewriter([Elemwise])
def local_sigmoid_of_neg_exp(fgraph, node):
    """1 / (1 + exp(-x)) -> sigmoid(x)."""
    if node.op.scalar_op != scalar.inv:
        return None
    x = _one_plus_exp_argument(node.inputs[0])
    if x is None or not _is_elemwise(x, scalar.neg):
        return None
    result = sigmoid(x.owner.inputs[0])
    return [result] if result.type == node.outputs[0].type else None


def _softmax_in_denominator(dy, sm):
    """``num`` if ``dy`` is ``num / sm`` or ``num / (sm * rest)`` (then ``num / rest``), else None."""
    if not _is_elemwise(dy, scalar.true_div):
        return None
    numerator, denominator = dy.owner.inputs
    if denominator is sm:
        return numerator
    if _is_elemwise(denominator, scalar.mul):
        factors = list(denominator.owner.inputs)
        if sm in factors:
            factors.remove(sm)
            rest = factors[0] if len(factors) == 1 else T.mul(*factors)
            return numerator / rest
    return None


@register_stabilize
@node_rewriter([SoftmaxGrad])
def local_softmax_grad_of_log(fgraph, node):
    """softmax_grad(g / sm, sm) with sm = softmax(x) -> g - sum(g, -1) * sm: the gradient of
    log(softmax(x)) without dividing by probabilities that may have underflowed to 0."""
    dy, sm = node.inputs
    if sm.owner is None or not isinstance(sm.owner.op, Softmax):
        return None
    g = _softmax_in_denominator(dy, sm)
    if g is None or g.type.ndim != sm.type.ndim:
        return None
    result = g - T.sum(g, axis=-1, keepdims=True) * sm
    out = node.outputs[0]
    if result.type.dtype != out.type.dtype:
        result = T.cast(result, out.type.dtype)
    if result.type.broadcastable != out.type.broadcastable:
        if any(rb and not ob for rb, ob in zip(result.type.broadcastable, out.type.broadcastable)):
            result = T.second(sm, result)
        result = T.patternbroadcast(result, out.type.broadcastable)
    return [result]


def _added_axes(dimshuffle: DimShuffle) -> bool:
    """Whether a DimShuffle only inserts broadcastable axes (the keepdims form of a reduction)."""
    kept = [entry for entry in dimshuffle.new_order if entry != "x"]
    return kept == list(range(len(dimshuffle.input_broadcastable)))


@register_stabilize
@node_rewriter([T.log])
def local_logsumexp(fgraph, node):
    """log(sum(exp(x), axis)) -> m + log(sum(exp(x - m), axis)) with m = max(x, axis):
    finite for large x (and the keepdims form too)."""
    if getattr(node.outputs[0].tag, "shifted_logsumexp", False):
        return None  # this rewrite's own output
    (arg,) = node.inputs
    keepdims = None
    if arg.owner is not None and isinstance(arg.owner.op, DimShuffle) and _added_axes(arg.owner.op):
        keepdims = arg.owner.op
        arg = arg.owner.inputs[0]
    if arg.owner is None or not isinstance(arg.owner.op, Sum) or not _is_elemwise(arg.owner.inputs[0], scalar.exp):
        return None
    x = arg.owner.inputs[0].owner.inputs[0]
    if x.type.dtype not in ("float16", "float32", "float64") or arg.owner.op.dtype not in (None, x.type.dtype):
        return None
    axis = arg.owner.op.axis
    axes = list(range(x.type.ndim)) if axis is None else list(axis)
    if not axes:
        return None
    largest = T.max(x, axis=axes)
    # An infinite maximum (all -inf, or some +inf) would make x - m NaN: shift by 0 then.
    shift = T.switch(T.isinf(largest), T.constant(np.zeros((), dtype=largest.type.dtype)), largest)
    kept_shape = [("x" if d in axes else d - _count_below(d, axes)) for d in range(x.type.ndim)]
    shifted = x - shift.dimshuffle(kept_shape)
    log_sum = T.log(T.sum(T.exp(shifted), axis=axes))
    log_sum.tag.shifted_logsumexp = True
    result = log_sum + shift
    if keepdims is not None:
        result = keepdims(result)
    out = node.outputs[0]
    if result.type.dtype != out.type.dtype:
        result = T.cast(result, out.type.dtype)
    if result.type.broadcastable != out.type.broadcastable:
        if result.type.ndim != out.type.ndim or any(
                rb and not ob for rb, ob in zip(result.type.broadcastable, out.type.broadcastable)):
            return None
        result = T.patternbroadcast(result, out.type.broadcastable)
    return [result]


def _count_below(d: int, axes: list[int]) -> int:
    return sum(1 for a in axes if a < d)
