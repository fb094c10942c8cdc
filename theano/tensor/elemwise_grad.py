"""Gradients of elementwise ops: one rule per scalar op, written with tensor operations.

A rule takes the Elemwise node's ``inputs`` (already padded to the output's ndim), its
output ``z`` and the output gradient ``gz``, and returns one term per input: a tensor with
the output's shape, or None when the input does not influence the output differentiably
(integer-valued, or piecewise constant). :func:`elemwise_grads` then sums each term over
the dimensions the input was broadcast along and casts it to the input's dtype; the same
rules give the forward-mode product (``R_op``).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import theano.tensor as T
from theano.gradient import grad_not_implemented
from theano.scalar import basic as sb
from theano.scalar.type import complex_types, discrete_types
from theano.tensor.elemwise import Elemwise

_SQRT_PI = math.sqrt(math.pi)
_SIGMOID = Elemwise(sb.sigmoid, name="sigmoid")  # equal to theano.tensor.nnet.sigmoid


def _mul_others(inputs, gz):
    terms = []
    for i in range(len(inputs)):
        others = [x for j, x in enumerate(inputs) if j != i]
        if not others:
            terms.append(gz)
        else:
            terms.append(gz * (others[0] if len(others) == 1 else T.mul(*others)))
    return terms


def _pow_grads(x, y, z, gz):
    base = gz * y * T.pow(x, y - 1)
    safe_log = T.log(T.switch(T.eq(x, 0), 1, x))
    exponent = gz * T.switch(T.eq(x, 0), 0, z * safe_log)
    return [base, exponent]


def _clip_grads(x, low, high, gz):
    inside = T.and_(T.ge(x, low), T.le(x, high))
    return [gz * inside, gz * T.lt(x, low), gz * T.gt(x, high)]


def _zero_terms(inputs, z, gz):
    return [T.zeros_like(gz) for _ in inputs]


# scalar op name -> rule(inputs, z, gz) -> list of terms
RULES: dict[str, Callable] = {
    "add": lambda xs, z, gz: [gz for _ in xs],
    "sub": lambda xs, z, gz: [gz, -gz],
    "mul": lambda xs, z, gz: _mul_others(xs, gz),
    "true_div": lambda xs, z, gz: [gz / xs[1], -gz * xs[0] / T.sqr(xs[1])],
    "int_div": _zero_terms,
    "mod": lambda xs, z, gz: [gz, -gz * T.floor_div(xs[0], xs[1])],
    "pow": lambda xs, z, gz: _pow_grads(xs[0], xs[1], z, gz),
    "maximum": lambda xs, z, gz: [gz * T.eq(z, xs[0]), gz * T.eq(z, xs[1])],
    "minimum": lambda xs, z, gz: [gz * T.eq(z, xs[0]), gz * T.eq(z, xs[1])],
    "arctan2": lambda xs, z, gz: [gz * xs[1] / (T.sqr(xs[0]) + T.sqr(xs[1])),
                                  -gz * xs[0] / (T.sqr(xs[0]) + T.sqr(xs[1]))],
    "hypot": lambda xs, z, gz: [gz * xs[0] / z, gz * xs[1] / z],
    "neg": lambda xs, z, gz: [-gz],
    "abs": lambda xs, z, gz: [gz * xs[0] / z if xs[0].dtype in complex_types else gz * T.sgn(xs[0])],
    "sgn": _zero_terms,
    "floor": _zero_terms,
    "ceil": _zero_terms,
    "trunc": _zero_terms,
    "round_half_to_even": _zero_terms,
    "round_half_away_from_zero": _zero_terms,
    "inv": lambda xs, z, gz: [-gz * T.sqr(z)],
    "sqr": lambda xs, z, gz: [gz * 2 * xs[0]],
    "sqrt": lambda xs, z, gz: [gz * 0.5 / z],
    "identity": lambda xs, z, gz: [gz],
    "exp": lambda xs, z, gz: [gz * z],
    "exp2": lambda xs, z, gz: [gz * z * math.log(2.0)],
    "expm1": lambda xs, z, gz: [gz * (z + 1)],
    "log": lambda xs, z, gz: [gz / xs[0]],
    "log2": lambda xs, z, gz: [gz / (xs[0] * math.log(2.0))],
    "log10": lambda xs, z, gz: [gz / (xs[0] * math.log(10.0))],
    "log1p": lambda xs, z, gz: [gz / (1 + xs[0])],
    "log1mexp": lambda xs, z, gz: [-gz / T.expm1(-xs[0])],
    "xlogx": lambda xs, z, gz: [gz * (1 + T.log(xs[0]))],
    "xlogy0": lambda xs, z, gz: [gz * T.log(xs[1]), gz * xs[0] / xs[1]],
    "sigmoid": lambda xs, z, gz: [gz * z * (1 - z)],
    "softplus": lambda xs, z, gz: [gz * _SIGMOID(xs[0])],
    "sin": lambda xs, z, gz: [gz * T.cos(xs[0])],
    "cos": lambda xs, z, gz: [-gz * T.sin(xs[0])],
    "tan": lambda xs, z, gz: [gz * (1 + T.sqr(z))],
    "arcsin": lambda xs, z, gz: [gz / T.sqrt(1 - T.sqr(xs[0]))],
    "arccos": lambda xs, z, gz: [-gz / T.sqrt(1 - T.sqr(xs[0]))],
    "arctan": lambda xs, z, gz: [gz / (1 + T.sqr(xs[0]))],
    "sinh": lambda xs, z, gz: [gz * T.cosh(xs[0])],
    "cosh": lambda xs, z, gz: [gz * T.sinh(xs[0])],
    "tanh": lambda xs, z, gz: [gz * (1 - T.sqr(z))],
    "arcsinh": lambda xs, z, gz: [gz / T.sqrt(T.sqr(xs[0]) + 1)],
    "arccosh": lambda xs, z, gz: [gz / T.sqrt(T.sqr(xs[0]) - 1)],
    "arctanh": lambda xs, z, gz: [gz / (1 - T.sqr(xs[0]))],
    "deg2rad": lambda xs, z, gz: [gz * (math.pi / 180.0)],
    "rad2deg": lambda xs, z, gz: [gz * (180.0 / math.pi)],
    "erf": lambda xs, z, gz: [gz * (2.0 / _SQRT_PI) * T.exp(-T.sqr(xs[0]))],
    "erfc": lambda xs, z, gz: [-gz * (2.0 / _SQRT_PI) * T.exp(-T.sqr(xs[0]))],
    "erfcx": lambda xs, z, gz: [gz * (2 * xs[0] * z - 2.0 / _SQRT_PI)],
    "erfinv": lambda xs, z, gz: [gz * (_SQRT_PI / 2.0) * T.exp(T.sqr(z))],
    "erfcinv": lambda xs, z, gz: [-gz * (_SQRT_PI / 2.0) * T.exp(T.sqr(z))],
    "gamma": lambda xs, z, gz: [gz * z * T.psi(xs[0])],
    "gammaln": lambda xs, z, gz: [gz * T.psi(xs[0])],
    "psi": lambda xs, z, gz: [gz * T.tri_gamma(xs[0])],
    "j0": lambda xs, z, gz: [-gz * T.j1(xs[0])],
    "j1": lambda xs, z, gz: [gz * (T.j0(xs[0]) - z / xs[0])],
    "i0": lambda xs, z, gz: [gz * T.i1(xs[0])],
    "i1": lambda xs, z, gz: [gz * (T.i0(xs[0]) - z / xs[0])],
    "real": lambda xs, z, gz: [T.complex(gz, T.zeros_like(gz))] if xs[0].dtype in complex_types else [gz],
    "imag": lambda xs, z, gz: ([T.complex(T.zeros_like(gz), gz)] if xs[0].dtype in complex_types
                               else [T.zeros_like(gz)]),
    "conj": lambda xs, z, gz: [T.conj(gz)],
    "complex": lambda xs, z, gz: [T.real(gz), T.imag(gz)],
    "second": lambda xs, z, gz: [T.zeros_like(gz), gz],
    "switch": lambda xs, z, gz: [None, T.switch(xs[0], gz, 0), T.switch(xs[0], 0, gz)],
    "clip": lambda xs, z, gz: _clip_grads(xs[0], xs[1], xs[2], gz),
}

# Comparisons, logic and tests produce booleans: no gradient flows through them.
for _name in ("lt", "gt", "le", "ge", "eq", "neq", "isnan", "isinf", "and_", "or_", "xor", "invert"):
    RULES[_name] = _zero_terms
del _name


def _rule_for(scalar_op):
    if isinstance(scalar_op, sb.Cast):
        return lambda xs, z, gz: [gz]
    return RULES.get(scalar_op.name)


def _sum_to_input(term, inp, out):
    """Sum ``term`` (shaped like ``out``) over the axes ``inp`` was broadcast along."""
    axes = [d for d, (ib, ob) in enumerate(zip(inp.type.broadcastable, out.type.broadcastable)) if ib and not ob]
    if axes:
        term = T.sum(term, axis=axes, keepdims=True)
    if term.type.dtype != inp.type.dtype and inp.type.dtype not in discrete_types:
        if term.type.dtype in complex_types and inp.type.dtype not in complex_types:
            term = T.real(term)
        term = T.cast(term, inp.type.dtype)
    return T.patternbroadcast(term, inp.type.broadcastable)


def elemwise_grads(op, inputs, outputs, output_grads):
    """The gradient terms of an Elemwise node (its ``L_op``)."""
    if len(outputs) != 1:
        return [grad_not_implemented(op, i, x, "multi-output elementwise op") for i, x in enumerate(inputs)]
    rule = _rule_for(op.scalar_op)
    if rule is None:
        return [grad_not_implemented(op, i, x) for i, x in enumerate(inputs)]
    (z,) = outputs
    (gz,) = output_grads
    terms = rule(list(inputs), z, gz)
    grads = []
    for inp, term in zip(inputs, terms):
        if term is None or inp.type.dtype in discrete_types:
            # Connected, but piecewise constant in this input: a zero gradient.
            grads.append(T.zeros_like(inp, dtype=gz.type.dtype if gz.type.dtype not in discrete_types
                                      else "float64"))
        else:
            grads.append(_sum_to_input(term, inp, z))
    return grads


def elemwise_rop(op, inputs, eval_points, outputs):
    """The forward-mode product of an Elemwise node: sum over inputs of dz/dx_i * eval_i."""
    rule = _rule_for(op.scalar_op)
    if rule is None or len(outputs) != 1:
        raise NotImplementedError(f"R_op is not implemented for {op}")
    (z,) = outputs
    ones = T.ones_like(z)
    partials = rule(list(inputs), z, ones)
    total = None
    for partial, point in zip(partials, eval_points):
        if point is None or partial is None:
            continue
        term = partial * point
        total = term if total is None else total + term
    if total is None:
        return [None]
    if total.type.dtype != z.type.dtype and z.type.dtype not in discrete_types:
        total = T.cast(total, z.type.dtype)
    return [total]


def dimshuffle_grad(op, inputs, output_grads):
    """Undo the permutation; axes the shuffle added are summed away, dropped axes come back."""
    (x,) = inputs
    (gz,) = output_grads
    if x.type.dtype in discrete_types:
        return [None]
    added = [i for i, entry in enumerate(op.new_order) if entry == "x"]
    if added:
        gz = T.sum(gz, axis=added, keepdims=True)
        gz = T.addbroadcast(gz, *added)
    order = ["x"] * x.type.ndim
    for position, entry in enumerate(op.new_order):
        if entry != "x":
            order[entry] = position
    from theano.tensor.elemwise import DimShuffle

    return [DimShuffle(gz.type.broadcastable, order)(gz)]


def _expand_reduced(x, value, axis):
    """``value`` (the reduction of ``x`` over ``axis``) with the reduced axes put back (length 1)."""
    axis = tuple(range(x.type.ndim)) if axis is None else tuple(axis)
    pattern = []
    kept = 0
    for d in range(x.type.ndim):
        if d in axis:
            pattern.append("x")
        else:
            pattern.append(kept)
            kept += 1
    return value.dimshuffle(pattern)


def careduce_grads(op, inputs, outputs, output_grads):
    """Gradients of Sum, Prod, Max and Min (and zero for boolean reductions)."""
    (x,) = inputs
    (z,) = outputs
    (gz,) = output_grads
    if x.type.dtype in discrete_types:
        return [None]
    name = op.scalar_op.name
    gz_b = _expand_reduced(x, gz, op.axis)
    if name == "add":
        return [T.cast(T.second(x, gz_b), x.type.dtype)]
    z_b = _expand_reduced(x, z, op.axis)
    if name in ("maximum", "minimum"):
        # Every element equal to the extremum receives the gradient (Theano's rule for ties).
        return [T.cast(gz_b * T.eq(x, z_b), x.type.dtype)]
    if name == "mul":
        is_zero = T.eq(x, 0)
        n_zeros = _expand_reduced(x, T.sum(is_zero, axis=op.axis), op.axis)
        prod_nonzero = _expand_reduced(x, T.prod(T.switch(is_zero, 1, x), axis=op.axis), op.axis)
        safe_x = T.switch(is_zero, 1, x)
        no_zero = z_b / safe_x
        one_zero = T.switch(is_zero, prod_nonzero, 0)
        local = T.switch(T.eq(n_zeros, 0), no_zero, T.switch(T.eq(n_zeros, 1), one_zero, 0))
        return [T.cast(gz_b * local, x.type.dtype)]
    return [T.zeros_like(x)]


def careduce_rop(op, inputs, eval_points, outputs):
    """Forward mode for Sum (linear); other reductions are not implemented."""
    if eval_points[0] is None:
        return [None]
    if op.scalar_op.name == "add":
        return [op(eval_points[0])]
    raise NotImplementedError(f"R_op is not implemented for {op}")
