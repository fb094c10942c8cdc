"""Stabilizing rewrites of the neural-network expressions the 2010 paper names:
log(softmax(x)), softmax followed by categorical crossentropy on class indices, and the
logistic function hidden in exp(x) / (1 + exp(x))."""

from __future__ import annotations

import theano.tensor as T
from theano import scalar
from theano.compile.pipeline import register_stabilize
from theano.graph.rewriting.basic import node_rewriter
from theano.tensor.elemwise import Elemwise
from theano.tensor.nnet.crossentropy import CrossentropyCategorical1Hot, crossentropy_softmax_1hot
from theano.tensor.nnet.sigm import sigmoid
from theano.tensor.nnet.softmax_ops import Softmax, logsoftmax_op
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
