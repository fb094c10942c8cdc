"""The first tensor rewrites: constant folding, useless ops, and the paper's named
canonicalizations, stabilizations and specializations of elementwise expressions.

Each rewrite is a plain function ``(fgraph, node) -> replacements or None`` registered by
decorators into the pipeline's databases (see theano/compile/pipeline.py).
"""

from __future__ import annotations

import numpy as np

import theano.tensor as T
from theano import scalar
from theano.compile.pipeline import register_canonicalize, register_specialize, register_stabilize
from theano.graph.basic import Constant
from theano.graph.rewriting.basic import node_rewriter
from theano.tensor.basic import NotScalarConstantError, get_scalar_constant_value
from theano.tensor.elemwise import CAReduce, DimShuffle, Elemwise


def _is_elemwise(var, scalar_op) -> bool:
    node = var.owner
    return node is not None and isinstance(node.op, Elemwise) and node.op.scalar_op == scalar_op


def _constant_value(var):
    """The single value of a constant (seen through broadcasts), or None."""
    try:
        return get_scalar_constant_value(var, elemwise=False)
    except NotScalarConstantError:
        return None


def _same_type_or_none(old, new):
    """``new`` if it can stand for ``old`` (same type, or a safe broadcast-pattern change)."""
    if new.type == old.type:
        return new
    converted = old.type.convert_variable(new)
    if converted is not None:
        return converted
    if getattr(new.type, "ndim", None) == old.type.ndim and new.type.dtype == old.type.dtype:
        return T.patternbroadcast(new, old.type.broadcastable)
    return None


def fit_to_output(result, out, cancelled=()):
    """``result`` made to stand for ``out`` exactly (dtype, ndim, broadcastable), or None.

    ``cancelled`` are the variables a rewrite dropped (terms or factors that cancelled): one of
    them may have decided ``out``'s length along an axis, so it is kept as ``second(var, ...)``
    until the broadcast pattern matches. A result broadcastable where ``out`` is not cannot be
    trusted to have ``out``'s length: None then.
    """
    if result.type.dtype != out.type.dtype:
        result = T.cast(result, out.type.dtype)
    for var in cancelled:
        if result.type.broadcastable == out.type.broadcastable:
            break
        if all(var.type.broadcastable):
            continue
        result = T.second(var, result)
    if result.type.ndim < out.type.ndim:
        result = T.shape_padleft(result, out.type.ndim - result.type.ndim)
    if result.type.broadcastable != out.type.broadcastable:
        if any(rb and not ob for rb, ob in zip(result.type.broadcastable, out.type.broadcastable)):
            return None
        result = T.patternbroadcast(result, out.type.broadcastable)
    return result


# ------------------------------------------------------------------------------------------
# Constant folding
# ------------------------------------------------------------------------------------------

@register_canonicalize
@node_rewriter(None)
def constant_folding(fgraph, node):
    """Compute nodes whose inputs are all constants (unless the op declines)."""
    if not node.inputs or not all(isinstance(i, Constant) for i in node.inputs):
        return None
    if not node.op.do_constant_folding(node):
        return None
    storage = [[None] for _ in node.outputs]
    node.op.perform(node, [i.data for i in node.inputs], storage)
    replacements = []
    for out, cell in zip(node.outputs, storage):
        value = cell[0]
        if hasattr(out.type, "numpy_dtype"):
            value = np.asarray(value, dtype=out.type.dtype)
        replacements.append(out.type.make_constant(value))
    return replacements


# ------------------------------------------------------------------------------------------
# Canonicalize
# ------------------------------------------------------------------------------------------

@register_canonicalize
@node_rewriter([T.neg])
def local_neg_neg(fgraph, node):
    """--x -> x"""
    (x,) = node.inputs
    if _is_elemwise(x, scalar.neg):
        return [x.owner.inputs[0]]
    return None


@register_canonicalize
@node_rewriter([T.add, T.mul])
def local_useless_elemwise_operand(fgraph, node):
    """x * 1 -> x, x + 0 -> x (when the result keeps x's type)."""
    neutral = 0 if node.op.scalar_op == scalar.add else 1
    kept = [i for i in node.inputs if _constant_value(i) != neutral]
    if len(kept) == len(node.inputs) or not kept:
        return None
    new = kept[0] if len(kept) == 1 else node.op(*kept)
    out = node.outputs[0]
    # A dropped operand may decide the output's length along an axis (then the broadcast
    # patterns differ) or its dtype: keep the node then.
    if new.type != out.type:
        return None
    return [new]


@register_canonicalize
@node_rewriter([DimShuffle])
def local_dimshuffle_lift(fgraph, node):
    """An identity DimShuffle disappears; two DimShuffles in a row become one."""
    op = node.op
    (x,) = node.inputs
    if op.new_order == tuple(range(len(op.input_broadcastable))):
        return [x]
    inner = x.owner
    if inner is not None and isinstance(inner.op, DimShuffle):
        composed = [entry if entry == "x" else inner.op.new_order[entry] for entry in op.new_order]
        source = inner.inputs[0]
        return [DimShuffle(source.type.broadcastable, composed)(source)]
    return None


# Reductions whose value over one element is that element.
_SINGLE_ELEMENT_IDENTITY = {scalar.add, scalar.mul, scalar.maximum, scalar.minimum, scalar.and_, scalar.or_}


@register_canonicalize
@node_rewriter([CAReduce])
def local_reduce_broadcastable(fgraph, node):
    """A reduction over axes of length 1 drops them instead: sum(x.dimshuffle('x', 0), axis=0) -> x.
    Over some of its axes only, the reduction keeps the others."""
    op = node.op
    if op.scalar_op not in _SINGLE_ELEMENT_IDENTITY:
        return None
    (x,) = node.inputs
    out = node.outputs[0]
    broadcastable = x.type.broadcastable
    axes = tuple(range(x.type.ndim)) if op.axis is None else op.axis
    trivial = [a for a in axes if broadcastable[a]]
    if not trivial:
        return None
    kept_dims = [i for i in range(x.type.ndim) if i not in trivial]
    squeezed = DimShuffle(broadcastable, kept_dims)(x)
    remaining = [kept_dims.index(a) for a in axes if a not in trivial]
    result = op.clone_with_axis(tuple(remaining))(squeezed) if remaining else squeezed
    if result.type.dtype != out.type.dtype:
        result = T.cast(result, out.type.dtype)
    return [_same_type_or_none(out, result)]


@register_canonicalize
@node_rewriter([T.exp, T.log])
def local_exp_log(fgraph, node):
    """exp(log(x)) -> x and log(exp(x)) -> x."""
    (x,) = node.inputs
    inverse = scalar.log if node.op.scalar_op == scalar.exp else scalar.exp
    if _is_elemwise(x, inverse):
        inner = x.owner.inputs[0]
        return [_same_type_or_none(node.outputs[0], inner)] if inner.type.dtype == node.outputs[0].type.dtype \
            else None
    return None


@register_canonicalize
@register_specialize
@node_rewriter([Elemwise])
def local_useless_cast_or_copy(fgraph, node):
    """cast(x, x.dtype) -> x; tensor_copy(x) -> x (outputs get their copies when the function
    is built, so an identity elementwise op inside the graph only costs a pass over memory)."""
    scalar_op = node.op.scalar_op
    if scalar_op != scalar.identity and not isinstance(scalar_op, scalar.Cast):
        return None
    if node.op.inplace_pattern:
        return None
    (x,) = node.inputs
    out = node.outputs[0]
    if x.type.dtype != out.type.dtype:
        return None
    result = _same_type_or_none(out, x)
    return [result] if result is not None else None


# ------------------------------------------------------------------------------------------
# Stabilize
# ------------------------------------------------------------------------------------------

def _split_one_plus(var):
    """If ``var`` is ``1 + y`` (either order), return ``y``."""
    if not _is_elemwise(var, scalar.add) or len(var.owner.inputs) != 2:
        return None
    a, b = var.owner.inputs
    if _constant_value(a) == 1:
        return b
    if _constant_value(b) == 1:
        return a
    return None


@register_stabilize
@node_rewriter([T.log])
def local_log1p_softplus(fgraph, node):
    """log(1 + exp(x)) -> softplus(x); log(1 + x) -> log1p(x)."""
    rest = _split_one_plus(node.inputs[0])
    if rest is None:
        return None
    from theano.tensor.nnet.sigm import softplus

    if _is_elemwise(rest, scalar.exp):
        return [_same_type_or_none(node.outputs[0], softplus(rest.owner.inputs[0]))]
    return [_same_type_or_none(node.outputs[0], T.log1p(rest))]


@register_stabilize
@node_rewriter([T.sub])
def local_expm1(fgraph, node):
    """exp(x) - 1 -> expm1(x)."""
    a, b = node.inputs
    if _constant_value(b) == 1 and _is_elemwise(a, scalar.exp):
        return [_same_type_or_none(node.outputs[0], T.expm1(a.owner.inputs[0]))]
    return None


def _negated(x):
    """``-x``, without a double negation when ``x`` is already ``-y``."""
    return x.owner.inputs[0] if _is_elemwise(x, scalar.neg) else -x


@register_stabilize
@node_rewriter([T.log])
def local_log_sigmoid(fgraph, node):
    """log(sigmoid(x)) -> -softplus(-x); log(1 - sigmoid(x)) -> -softplus(x)."""
    from theano.tensor.nnet.sigm import softplus

    (arg,) = node.inputs
    if _is_elemwise(arg, scalar.sigmoid):
        x = arg.owner.inputs[0]
        return [_same_type_or_none(node.outputs[0], -softplus(_negated(x)))]
    if _is_elemwise(arg, scalar.sub) and _constant_value(arg.owner.inputs[0]) == 1 and _is_elemwise(
            arg.owner.inputs[1], scalar.sigmoid):
        x = arg.owner.inputs[1].owner.inputs[0]
        return [_same_type_or_none(node.outputs[0], -softplus(x))]
    return None


# ------------------------------------------------------------------------------------------
# Specialize
# ------------------------------------------------------------------------------------------

def _power_by_squaring(x, n: int):
    """``x ** n`` for an integer ``n >= 1`` from squarings and multiplications."""
    result = None
    square = x
    while True:
        if n & 1:
            result = square if result is None else result * square
        n >>= 1
        if not n:
            return result
        square = T.sqr(square)


@register_specialize
@node_rewriter([T.pow])
def local_pow_specialize(fgraph, node):
    """x**2 -> sqr(x), x**0.5 -> sqrt(x), x**-1 -> inv(x), x**1 -> x, integer powers up to 16
    by squaring and multiplying (x**10 = sqr(sqr(x) * sqr(sqr(x)))... at most 7 operations)."""
    x, exponent = node.inputs
    value = _constant_value(exponent)
    if value is None:
        return None
    out = node.outputs[0]
    value = float(value)
    if x.type.dtype != out.type.dtype:
        x = T.cast(x, out.type.dtype)
    if value == 2:
        new = T.sqr(x)
    elif value == 0.5:
        new = T.sqrt(x)
    elif value == -1:
        new = T.inv(x)
    elif value == 1:
        new = x
    elif value == int(value) and 3 <= abs(value) <= 16:
        new = _power_by_squaring(x, int(abs(value)))
        if value < 0:
            new = T.inv(new)
    else:
        return None
    if new.type.dtype != out.type.dtype:
        return None
    return [_same_type_or_none(out, new)]
