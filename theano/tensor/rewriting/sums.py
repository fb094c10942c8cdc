"""Canonical form of sums and differences (the additive counterpart of fractions.py).

A tree of ``add``, ``sub`` and ``neg`` nodes is flattened into terms with signed
multiplicities and one constant. Terms appearing with both signs cancel, constants are
summed, and the tree is rebuilt as ``(p1 + p2 + ... + c) - (n1 + n2 + ...)``:

    x + y - x       ->   y
    (x - y) + y     ->   x
    x - x           ->   zeros shaped like x
    (x + 1) + 2     ->   x + 3

A negative constant goes to the subtracted side (``x + -1`` becomes ``x - 1``), so
``exp(x) - 1`` keeps the form the expm1 stabilization looks for.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

import theano.tensor as T
from theano import scalar
from theano.compile.pipeline import register_canonicalize
from theano.graph.basic import Variable
from theano.graph.rewriting.basic import node_rewriter
from theano.tensor.elemwise import Elemwise
from theano.tensor.rewriting.basic import _constant_value, fit_to_output
from theano.tensor.rewriting.fractions import _order_key

_FAMILY = {scalar.add, scalar.sub, scalar.neg}
_NUMERIC_KINDS = "fiu"


def _family_op(var):
    node = var.owner
    if node is not None and isinstance(node.op, Elemwise) and node.op.scalar_op in _FAMILY:
        return node.op.scalar_op
    return None


def _foldable_constant(var):
    """The value of ``var`` if it is a real scalar constant that cannot decide a shape (every
    axis broadcastable), else None."""
    if not all(var.type.broadcastable):
        return None
    value = _constant_value(var)
    if value is None or np.ndim(value) != 0 or not np.isrealobj(value):
        return None
    return value


def _flatten(root, fgraph) -> tuple[Counter, object]:
    """Terms of ``root`` with their signed multiplicities, and the sum of its constants."""
    terms: Counter = Counter()
    constant = np.asarray(0, dtype=root.type.dtype)
    dtype = root.type.dtype
    stack = [(root, 1, True)]
    while stack:
        var, sign, is_root = stack.pop()
        op = _family_op(var)
        expandable = op is not None and var.type.dtype == dtype and (
            is_root or len(fgraph.clients.get(var, ())) == 1)
        if not expandable:
            value = _foldable_constant(var)
            if value is not None:
                with np.errstate(all="ignore"):
                    step = np.asarray(value).astype(dtype)
                    constant = constant + step if sign > 0 else constant - step
                    constant = np.asarray(constant, dtype=dtype)
            else:
                terms[var] += sign
            continue
        inputs = var.owner.inputs
        if op == scalar.add:
            stack.extend((inp, sign, False) for inp in inputs)
        elif op == scalar.sub:
            stack.append((inputs[0], sign, False))
            stack.append((inputs[1], -sign, False))
        else:  # neg
            stack.append((inputs[0], -sign, False))
    return terms, constant


def _expand(terms: Counter, sign: int) -> list[Variable]:
    """The terms of one sign, each repeated by its multiplicity, in creation order."""
    chosen = [(var, count * sign) for var, count in terms.items() if count * sign > 0]
    chosen.sort(key=lambda item: _order_key(item[0]))
    return [var for var, count in chosen for _ in range(count)]


def _constant_like(value, out) -> Variable:
    """``value`` as a constant of ``out``'s dtype, already broadcast to its ndim (constant
    folding would turn a DimShuffle of a scalar constant into this form anyway)."""
    return T.constant(np.full((1,) * out.type.ndim, value, dtype=out.type.dtype))


def _sides(terms: Counter, constant, out) -> tuple[list, list, object, object]:
    """Positive and negative term lists and the constant each side carries (or None)."""
    positive, negative = _expand(terms, 1), _expand(terms, -1)
    pos_constant = neg_constant = None
    if constant != 0 or np.isnan(constant):
        if constant < 0:
            neg_constant = -constant
        else:
            pos_constant = constant
    return positive, negative, pos_constant, neg_constant


def _is_sum_of(var, terms: list, constant, fgraph, is_root: bool) -> bool:
    """Whether ``var`` is already the canonical sum of ``terms`` (in any order) and ``constant``."""
    count = len(terms) + (constant is not None)
    if count == 1:
        if terms:
            return var is terms[0]
        value = _foldable_constant(var)
        return value is not None and _same_value(value, constant)
    if not _is_elemwise_of(var, scalar.add):
        return False
    if not is_root and len(fgraph.clients.get(var, ())) != 1:
        return False
    inputs = list(var.owner.inputs)
    if len(inputs) != count:
        return False
    if constant is not None:
        for i, inp in enumerate(inputs):
            value = _foldable_constant(inp)
            if value is not None and _same_value(value, constant):
                del inputs[i]
                break
        else:
            return False
    return Counter(inputs) == Counter(terms)


def _same_value(a, b) -> bool:
    return bool(np.asarray(a) == np.asarray(b)) or bool(np.isnan(a) and np.isnan(b))


def _is_elemwise_of(var, scalar_op) -> bool:
    node = var.owner
    return node is not None and isinstance(node.op, Elemwise) and node.op.scalar_op == scalar_op


def _is_canonical(root, fgraph, positive, negative, pos_constant, neg_constant) -> bool:
    has_positive = bool(positive) or pos_constant is not None
    has_negative = bool(negative) or neg_constant is not None
    if has_negative and has_positive:
        if not _is_elemwise_of(root, scalar.sub):
            return False
        left, right = root.owner.inputs
        return (_is_sum_of(left, positive, pos_constant, fgraph, False)
                and _is_sum_of(right, negative, neg_constant, fgraph, False))
    if has_negative:
        return _is_elemwise_of(root, scalar.neg) and _is_sum_of(
            root.owner.inputs[0], negative, neg_constant, fgraph, False)
    return has_positive and _is_sum_of(root, positive, pos_constant, fgraph, True)


def _sum(terms: list, constant, out):
    items = list(terms) + ([_constant_like(constant, out)] if constant is not None else [])
    if not items:
        return None
    return items[0] if len(items) == 1 else T.add(*items)


@register_canonicalize
@node_rewriter([T.add, T.sub, T.neg])
def local_sum_canonizer(fgraph, node):
    """Put an add/sub/neg tree in canonical form: cancel terms that appear with both signs
    and fold its constants into one."""
    out = node.outputs[0]
    if out.type.dtype[0] not in _NUMERIC_KINDS or out.type.dtype == "bool":
        return None
    # Only the root of a tree: a consumer of the same family will rewrite the whole tree.
    uses = fgraph.clients.get(out, ())
    if len(uses) == 1 and uses[0][0] != "output" and isinstance(uses[0][0].op, Elemwise) and \
            uses[0][0].op.scalar_op in _FAMILY and uses[0][0].outputs[0].type.dtype == out.type.dtype:
        return None
    terms, constant = _flatten(out, fgraph)
    cancelled = [var for var, count in terms.items() if count == 0]
    positive, negative, pos_constant, neg_constant = _sides(terms, constant, out)
    if not cancelled and _is_canonical(out, fgraph, positive, negative, pos_constant, neg_constant):
        return None
    top = _sum(positive, pos_constant, out)
    bottom = _sum(negative, neg_constant, out)
    if top is None and bottom is None:
        result = _constant_like(0, out)
    elif bottom is None:
        result = top
    elif top is None:
        result = T.neg(bottom)
    else:
        result = T.sub(top, bottom)
    result = fit_to_output(result, out, cancelled)
    return [result] if result is not None else None
