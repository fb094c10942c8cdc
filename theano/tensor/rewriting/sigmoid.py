"""Stabilizing rewrites that find the logistic function written by hand.

Users write the sigmoid as ``1 / (1 + exp(-z))`` (the 2010 paper's case study does), and
``T.grad`` of such a graph multiplies exponentials and powers of ``1 + exp(...)`` that
overflow to ``inf / inf`` long before the true value leaves the floating-point range. These
rewrites recognise the pieces and rebuild them from ``sigmoid``, which is finite everywhere:

    1 / (1 + exp(t))              ->  sigmoid(-t)
    1 - sigmoid(t)                ->  sigmoid(-t)
    exp(t) * sigmoid(-t)          ->  sigmoid(t)      (anywhere inside a product or quotient)
    x / (1 + exp(t))              ->  x * sigmoid(-t)  (likewise)

Together with ``log(sigmoid(t)) -> -softplus(-t)`` (theano/tensor/rewriting/basic.py) they
make the paper's logistic regression, and its gradient, finite for saturated examples.
"""

from __future__ import annotations

from collections import Counter

import theano.tensor as T
from theano import scalar
from theano.compile.pipeline import register_stabilize
from theano.graph.rewriting.basic import node_rewriter
from theano.tensor.elemwise import Elemwise
from theano.tensor.nnet.sigm import sigmoid
from theano.tensor.rewriting.basic import _constant_value, _is_elemwise, fit_to_output
from theano.tensor.rewriting.fractions import _product
from theano.tensor.rewriting.nnet import _one_plus_exp_argument


def _scalar_op(var):
    node = var.owner
    if node is not None and isinstance(node.op, Elemwise):
        return node.op.scalar_op
    return None


def _negated(var):
    """``-var``, simplified where the graph makes it free: ``-(-x) = x``, ``-(a - b) = b - a``."""
    op = _scalar_op(var)
    if op == scalar.neg:
        return var.owner.inputs[0]
    if op == scalar.sub:
        a, b = var.owner.inputs
        if _scalar_op(a) == scalar.neg:
            return T.add(a.owner.inputs[0], b)
        return T.sub(b, a)
    return T.neg(var)


def _linear_terms(var, depth: int = 4) -> Counter:
    """``var`` as a signed sum of terms, looking through a few levels of add, sub and neg."""
    terms: Counter = Counter()
    stack = [(var, 1, 0)]
    while stack:
        v, sign, level = stack.pop()
        op = _scalar_op(v) if level < depth else None
        if op == scalar.add:
            stack.extend((inp, sign, level + 1) for inp in v.owner.inputs)
        elif op == scalar.sub:
            a, b = v.owner.inputs
            stack.append((a, sign, level + 1))
            stack.append((b, -sign, level + 1))
        elif op == scalar.neg:
            stack.append((v.owner.inputs[0], -sign, level + 1))
        else:
            terms[v] += sign
    return Counter({v: c for v, c in terms.items() if c})


def _are_negations(a, b) -> bool:
    """Whether ``a`` is ``-b`` as sums of the same terms with opposite signs."""
    if a.type.broadcastable != b.type.broadcastable:
        return False
    terms_a = _linear_terms(a)
    terms_b = _linear_terms(b)
    return bool(terms_a) and terms_a == Counter({v: -c for v, c in terms_b.items()})


@register_stabilize
@node_rewriter([T.inv])
def local_inv_1_plus_exp(fgraph, node):
    """1 / (1 + exp(t)) -> sigmoid(-t)."""
    t = _one_plus_exp_argument(node.inputs[0])
    if t is None:
        return None
    result = fit_to_output(sigmoid(_negated(t)), node.outputs[0])
    return [result] if result is not None else None


@register_stabilize
@node_rewriter([T.sub])
def local_1msigmoid(fgraph, node):
    """1 - sigmoid(t) -> sigmoid(-t)."""
    one, sig = node.inputs
    if _constant_value(one) != 1 or not _is_elemwise(sig, scalar.sigmoid):
        return None
    result = fit_to_output(sigmoid(_negated(sig.owner.inputs[0])), node.outputs[0])
    return [result] if result is not None else None


def _factors(root):
    """Numerator and denominator factors of a product/quotient tree, and its sign.
    ``sqr(u)`` counts as ``u`` twice; ``neg`` flips the sign. Unlike the fraction canonizer,
    shared subtrees are expanded too (the gradient of ``1/(1+exp(t))`` reuses that value)."""
    numerator: Counter = Counter()
    denominator: Counter = Counter()
    sign = 1
    stack = [(root, 1, True)]
    dtype = root.type.dtype
    while stack:
        var, power, is_root = stack.pop()
        op = _scalar_op(var)
        if not is_root and var.type.dtype != dtype:
            op = None
        if op == scalar.mul:
            stack.extend((inp, power, False) for inp in var.owner.inputs)
        elif op == scalar.true_div:
            num, den = var.owner.inputs
            stack.append((num, power, False))
            stack.append((den, -power, False))
        elif op == scalar.inv:
            stack.append((var.owner.inputs[0], -power, False))
        elif op == scalar.neg:
            sign = -sign
            stack.append((var.owner.inputs[0], power, False))
        elif op == scalar.sqr:
            stack.append((var.owner.inputs[0], 2 * power, False))
        elif power > 0:
            numerator[var] += power
        else:
            denominator[var] -= power
    return numerator, denominator, sign


@register_stabilize
@node_rewriter([T.mul, T.true_div])
def local_sigmoid_in_product(fgraph, node):
    """In a product or quotient: ``1 / (1 + exp(t))`` -> ``sigmoid(-t)`` and then
    ``exp(t) * sigmoid(-t)`` -> ``sigmoid(t)``. Only the root of a tree is rewritten."""
    out = node.outputs[0]
    if out.type.dtype not in ("float16", "float32", "float64"):
        return None
    for client, _ in fgraph.clients.get(out, ()):
        if client != "output" and _scalar_op(client.outputs[0]) in (scalar.mul, scalar.true_div, scalar.neg) and \
                client.outputs[0].type.dtype == out.type.dtype:
            return None
    numerator, denominator, sign = _factors(out)
    changed = False
    # 1 / (1 + exp(t))  ->  sigmoid(-t) in the numerator.
    for var in list(denominator):
        t = _one_plus_exp_argument(var)
        if t is not None:
            numerator[sigmoid(_negated(t))] += denominator.pop(var)
            changed = True
    # exp(t) * sigmoid(-t)  ->  sigmoid(t).
    sigmoids = [var for var in numerator if _is_elemwise(var, scalar.sigmoid)]
    for exp_var in [var for var in numerator if _is_elemwise(var, scalar.exp)]:
        t = exp_var.owner.inputs[0]
        for sig in sigmoids:
            if numerator[sig] and numerator[exp_var] and _are_negations(sig.owner.inputs[0], t):
                pairs = min(numerator[sig], numerator[exp_var])
                numerator[sig] -= pairs
                numerator[exp_var] -= pairs
                numerator[sigmoid(t)] += pairs
                changed = True
    if not changed:
        return None
    numerator += Counter()
    top = _product(numerator)
    bottom = _product(denominator)
    if top is None:
        top = T.constant(1.0, dtype=out.type.dtype)
    result = top if bottom is None else top / bottom
    if sign < 0:
        result = -result
    result = fit_to_output(result, out)
    return [result] if result is not None else None
