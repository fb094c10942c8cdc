"""Canonical fraction form of products and quotients (the 2010 paper's canonicalize stage).

A tree of ``mul``, ``true_div``, ``inv`` and ``neg`` nodes is flattened into a numerator and
a denominator (lists of factors with multiplicity) and a scalar coefficient collecting the
constants and signs. Factors appearing on both sides cancel, and the tree is rebuilt as
``coefficient * (n1 * n2 ...) / (d1 * d2 ...)``:

    a / (((a * b) / c) / d)   ->   (c * d) / b
    x * y / x                 ->   y
"""

from __future__ import annotations

from collections import Counter

import numpy as np

import theano.tensor as T
from theano import scalar
from theano.compile.pipeline import register_canonicalize
from theano.graph.basic import Constant, equal_computations
from theano.graph.rewriting.basic import node_rewriter
from theano.tensor.elemwise import Elemwise
from theano.tensor.rewriting.basic import _constant_value, fit_to_output

_FAMILY = {scalar.mul, scalar.true_div, scalar.inv, scalar.neg}


def _family_op(var):
    node = var.owner
    if node is not None and isinstance(node.op, Elemwise) and node.op.scalar_op in _FAMILY:
        return node.op.scalar_op
    return None


def _flatten(root, fgraph):
    """Factors of ``root``: (numerator Counter, denominator Counter, coefficient, nodes seen)."""
    numerator: Counter = Counter()
    denominator: Counter = Counter()
    coefficient = 1.0
    internal = 0
    stack = [(root, 1, True)]
    dtype = root.type.dtype
    while stack:
        var, power, is_root = stack.pop()
        op = _family_op(var)
        expandable = op is not None and var.type.dtype == dtype and (
            is_root or len(fgraph.clients.get(var, ())) == 1)
        if not expandable:
            value = _constant_value(var)
            if value is not None and np.ndim(value) == 0 and np.isrealobj(value) and float(value) != 0:
                coefficient = coefficient * float(value) if power > 0 else coefficient / float(value)
            else:
                (numerator if power > 0 else denominator)[var] += 1
            continue
        internal += 1
        inputs = var.owner.inputs
        if op == scalar.mul:
            stack.extend((inp, power, False) for inp in inputs)
        elif op == scalar.true_div:
            stack.append((inputs[0], power, False))
            stack.append((inputs[1], -power, False))
        elif op == scalar.inv:
            stack.append((inputs[0], -power, False))
        else:  # neg
            coefficient = -coefficient
            stack.append((inputs[0], power, False))
    return numerator, denominator, coefficient, internal


def _order_key(var) -> int:
    """A stable order of factors (creation order), so a canonical tree is rebuilt identically."""
    return int(var.auto_name.rsplit("_", 1)[1])


def _terms(factors: Counter) -> list:
    """The factors, each repeated by its multiplicity, in creation order."""
    return [var for var, count in sorted(factors.items(), key=lambda item: _order_key(item[0]))
            for _ in range(count)]


def _product(factors: Counter):
    terms = _terms(factors)
    if not terms:
        return None
    return terms[0] if len(terms) == 1 else T.mul(*terms)


def _coefficient(value: float, out):
    """The constant ``value`` already broadcast to ``out``'s ndim (a DimShuffle around a scalar
    constant would be folded into this form anyway, and the rewrite must reach a fixed point)."""
    return T.constant(np.full((1,) * out.type.ndim, value, dtype=out.type.dtype))


def _is_product_of(var, terms: list) -> bool:
    if len(terms) == 1:
        return var is terms[0]
    return _family_op(var) == scalar.mul and len(var.owner.inputs) == len(terms) and all(
        a is b for a, b in zip(var.owner.inputs, terms))


def _is_coefficient(var, value: float, out) -> bool:
    if not isinstance(var, Constant) or var.type != out.type.clone(broadcastable=(True,) * out.type.ndim):
        return False
    data = np.asarray(var.data)
    return data.size == 1 and float(data.reshape(())) == value


def _is_fraction_form(out, top: list, bottom: list, coefficient: float) -> bool:
    """Whether ``out`` is exactly the tree :func:`local_fraction_canonizer` would build from
    these factors (mirrors its construction, so a canonical tree is recognized cheaply)."""
    var = out
    if coefficient == -1.0:
        if _family_op(var) != scalar.neg:
            return False
        var = var.owner.inputs[0]
    elif coefficient != 1.0:
        op = _family_op(var)
        if top:
            if op != scalar.mul or len(var.owner.inputs) != 2 or not _is_coefficient(
                    var.owner.inputs[0], coefficient, out):
                return False
            var = var.owner.inputs[1]
        else:
            return op == scalar.true_div and _is_coefficient(var.owner.inputs[0], coefficient, out) and \
                bool(bottom) and _is_product_of(var.owner.inputs[1], bottom)
    if not top:
        return bool(bottom) and _family_op(var) == scalar.inv and _is_product_of(var.owner.inputs[0], bottom)
    if not bottom:
        return _is_product_of(var, top)
    return _family_op(var) == scalar.true_div and _is_product_of(var.owner.inputs[0], top) and \
        _is_product_of(var.owner.inputs[1], bottom)


@register_canonicalize
@node_rewriter([T.mul, T.true_div, T.inv, T.neg])
def local_fraction_canonizer(fgraph, node):
    """Put a product/quotient tree in fraction form, cancelling common factors and folding
    constant factors into one coefficient."""
    out = node.outputs[0]
    if out.type.dtype not in ("float16", "float32", "float64"):
        return None
    # Only the root of a tree: a consumer of the same family will rewrite the whole tree.
    for client, _ in fgraph.clients.get(out, ()):
        if client != "output" and isinstance(client.op, Elemwise) and client.op.scalar_op in _FAMILY and \
                client.outputs[0].type.dtype == out.type.dtype and len(fgraph.clients[out]) == 1:
            return None
    numerator, denominator, coefficient, _ = _flatten(out, fgraph)
    cancelled = []
    for var in list(numerator):
        common = min(numerator[var], denominator.get(var, 0))
        if common:
            numerator[var] -= common
            denominator[var] -= common
            cancelled.append(var)
    numerator += Counter()  # drop zero counts
    denominator += Counter()
    if not cancelled and _is_fraction_form(out, _terms(numerator), _terms(denominator), coefficient):
        return None  # already in canonical form (checked without building the tree again)
    top = _product(numerator)
    bottom = _product(denominator)
    if top is None and bottom is None:
        result = T.constant(np.asarray(coefficient, dtype=out.type.dtype))
    else:
        if top is None:
            result = T.inv(bottom) if coefficient in (1.0, -1.0) else _coefficient(coefficient, out) / bottom
            coefficient = 1.0 if coefficient not in (1.0, -1.0) else coefficient
        elif bottom is None:
            result = top
        else:
            result = top / bottom
        if coefficient == -1.0:
            result = -result
        elif coefficient != 1.0:
            result = _coefficient(coefficient, out) * result
    result = fit_to_output(result, out, cancelled)
    if result is None:
        return None
    leaves = list(numerator) + list(denominator) + cancelled
    if equal_computations([result], [out], leaves, leaves):
        return None  # already in canonical form
    return [result]
