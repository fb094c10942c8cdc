"""Specialize rewrites that turn dot products and scaled sums into BLAS ops (Gemm, Gemv, Ger, Dot22).

Two steps, both in the specialize stage (an equilibrium, so they feed each other):

1. :func:`local_dot_to_dot22`: ``dot`` of two float matrices becomes ``Dot22``; a
   matrix-vector (or vector-matrix) ``dot`` becomes ``Gemv`` with ``b = 0`` over a zero vector.
2. :func:`local_blas_sum`: an elementwise ``add``/``sub``/``neg``/``mul`` tree is read as a
   sum of scaled terms ``s1 * t1 + s2 * t2 + ...`` (the scales are scalars: constants, 0-d
   tensors, or all-broadcastable tensors such as ``DimShuffle{x,x}(a)``). If one term is a
   matrix product (``Dot22``, ``Dot22Scalar``, or a ``Gemm``/``Gemv`` with ``b = 0``) and
   another term ``z`` has exactly the type of the sum, the two become one ``Gemm`` (or
   ``Gemv``, or ``Ger`` for an outer product of two vectors added to ``z``):

       W - 0.01 * dot(x.T, g)        ->  Gemm(W, -0.01, x.T, g, 1)
       2 * y + dot(A, v) * a         ->  Gemv(y, a, A, v, 2)
       A + c * outer(u, v)           ->  Ger(A, c, u, v)

   A product that is only scaled (``a * dot(x, y)``) becomes ``Dot22Scalar(x, y, a)`` (a Gemv's
   ``a`` absorbs the scale). The other terms stay in an ``add`` around the new op.

Rules that keep values unchanged and the rewriting finite:

- Only the root of a sum is rewritten, and inner nodes are opened only when the sum is their
  single client (so nothing is computed twice). Among the candidates for ``z``, graph inputs
  come first (the weight of an update ``W - lr * dot(...)``), then older variables.
- A replacement is made only when its type (dtype and broadcast pattern) equals the replaced
  output's: integer products, mixed dtypes and products that would be broadcast stay as they are.
- BLAS skips ``z`` when ``b == 0``, but ``0 * z`` is NaN where ``z`` is NaN or infinite. So only a
  non-zero constant scale of ``z`` becomes ``b``; a symbolic one is multiplied into ``z``
  elementwise (``Gemm(b * z, a, x, y, 1)``).
- Reading a sum this way distributes scales over sums: ``a * (u + dot(x, y))`` is computed as
  ``a * u + a * dot(x, y)``, equal up to rounding.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

import theano.tensor as T
from theano import scalar
from theano.compile.pipeline import register_specialize
from theano.graph.basic import Variable
from theano.graph.rewriting.basic import node_rewriter
from theano.tensor.blas import (
    BLAS_DTYPES,
    Dot22,
    Dot22Scalar,
    Gemm,
    Gemv,
    _dot22,
    _dot22scalar,
    gemm_no_inplace,
    gemv_no_inplace,
    ger,
    upcast_fits,
)
from theano.tensor.elemwise import DimShuffle, Elemwise
from theano.tensor.products import Dot
from theano.tensor.rewriting.basic import _constant_value

# ------------------------------------------------------------------------------------------
# dot -> Dot22 / Gemv
# ------------------------------------------------------------------------------------------


def _zero_vector(length: Variable, dtype: str, broadcastable: bool) -> Variable:
    """A vector of zeros for the ``y`` of a Gemv with ``b = 0`` (its values are never read)."""
    zeros = T.alloc(np.asarray(0, dtype=dtype), length)
    if zeros.type.broadcastable != (broadcastable,):
        zeros = T.patternbroadcast(zeros, (broadcastable,))
    return zeros


@register_specialize
@node_rewriter([Dot])
def local_dot_to_dot22(fgraph, node):
    """dot(matrix, matrix) -> Dot22; dot(matrix, vector) and dot(vector, matrix) -> Gemv(0, 1, A, x, 0).

    Only for operands of one BLAS dtype (float32, float64, complex64, complex128).
    """
    x, y = node.inputs
    dtype = x.type.dtype
    if dtype != y.type.dtype or dtype not in BLAS_DTYPES:
        return None
    out = node.outputs[0]
    if x.type.ndim == 2 and y.type.ndim == 2:
        new = _dot22(x, y)
    elif x.type.ndim == 2 and y.type.ndim == 1:
        zeros = _zero_vector(x.shape[0], dtype, x.type.broadcastable[0])
        new = gemv_no_inplace(zeros, np.asarray(1, dtype=dtype), x, y, np.asarray(0, dtype=dtype))
    elif x.type.ndim == 1 and y.type.ndim == 2:
        zeros = _zero_vector(y.shape[1], dtype, y.type.broadcastable[1])
        new = gemv_no_inplace(zeros, np.asarray(1, dtype=dtype), y.T, x, np.asarray(0, dtype=dtype))
    else:
        return None
    return [new] if new.type == out.type else None


# ------------------------------------------------------------------------------------------
# Sums of scaled terms
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Scale:
    """A product of a number and scalar variables (each 0-d or all-broadcastable)."""

    number: complex | float = 1.0
    factors: tuple[Variable, ...] = ()

    def times(self, other: _Scale) -> _Scale:
        return _Scale(self.number * other.number, self.factors + other.factors)

    def negated(self) -> _Scale:
        return _Scale(-self.number, self.factors)

    def is_one(self) -> bool:
        return not self.factors and self.number == 1

    def as_variable(self, dtype: str) -> Variable:
        """This scale as a 0-d tensor of ``dtype``."""
        result = None
        for factor in self.factors:
            if factor.type.ndim:
                factor = factor.dimshuffle()  # drop the broadcastable axes
            if factor.type.dtype != dtype:
                factor = T.cast(factor, dtype)
            result = factor if result is None else result * factor
        if result is None:
            return T.constant(np.asarray(self.number, dtype=dtype))
        if self.number != 1:
            result = T.constant(np.asarray(self.number, dtype=dtype)) * result
        return result


@dataclass
class _Product:
    """A matrix product found among the terms: ``alpha * op(operands)``."""

    kind: str  # "gemm" (x, y matrices), "gemv" (A matrix, x vector) or "outer" (x, y vectors)
    alpha: _Scale
    operands: tuple[Variable, ...]
    # For an outer product computed by a Dot22 of a column and a row: its Gemm operands.
    gemm_operands: tuple[Variable, ...] = field(default=())


@dataclass
class _Term:
    scale: _Scale
    var: Variable
    # When var is ``c * x[:, None] * y[None, :]``: the vectors (x, y) and the scale of their
    # outer product in the sum (``scale`` times the scalar factors ``c`` inside var).
    outer: tuple[Variable, Variable] | None = None
    outer_scale: _Scale | None = None


def _single_client(fgraph, var: Variable) -> bool:
    return len(fgraph.clients.get(var, ())) == 1


def _scalar_factor(var: Variable, dtype: str) -> _Scale | None:
    """``var`` (all-broadcastable) as a scale, or None if it is not a scalar that fits ``dtype``."""
    if not all(var.type.broadcastable):
        return None
    value = _constant_value(var)
    if value is not None and np.ndim(value) == 0:
        value = value.item()
        if isinstance(value, complex) and not dtype.startswith("complex"):
            return None
        return _Scale(value)
    while var.owner is not None and isinstance(var.owner.op, DimShuffle):
        var = var.owner.inputs[0]
    if not all(var.type.broadcastable) or not upcast_fits(var.type.dtype, dtype):
        return None
    return _Scale(1.0, (var,))


def _vector_behind(var: Variable, new_order: tuple) -> Variable | None:
    """``v`` if ``var`` is ``DimShuffle(new_order)(v)`` of a vector ``v``, else None."""
    owner = var.owner
    if owner is None or not isinstance(owner.op, DimShuffle) or owner.op.new_order != new_order:
        return None
    (vector,) = owner.inputs
    return vector if vector.type.ndim == 1 else None


def _outer_operands(col: Variable, row: Variable) -> tuple[Variable, Variable] | None:
    """``(x, y)`` if ``col`` is ``x[:, None]`` and ``row`` is ``y[None, :]`` for vectors x, y."""
    x = _vector_behind(col, (0, "x"))
    y = _vector_behind(row, ("x", 0))
    if x is None or y is None:
        return None
    return x, y


def _scaled_terms(fgraph, root: Variable) -> list[_Term]:
    """``root`` as a list of scaled terms whose sum is ``root``.

    ``add``, ``sub``, ``neg`` and ``mul`` by scalars are opened (the root always, inner nodes
    when ``root``'s tree is their only client and they keep its dtype and number of dimensions).
    """
    dtype, ndim = root.type.dtype, root.type.ndim
    terms: list[_Term] = []
    stack: list[tuple[Variable, _Scale, bool]] = [(root, _Scale(), True)]
    while stack:
        var, scale, is_root = stack.pop()
        owner = var.owner
        openable = (owner is not None and isinstance(owner.op, Elemwise) and var.type.dtype == dtype
                    and var.type.ndim == ndim and (is_root or _single_client(fgraph, var)))
        if not openable:
            terms.append(_Term(scale, var))
            continue
        scalar_op = owner.op.scalar_op
        if scalar_op == scalar.add:
            stack.extend((inp, scale, False) for inp in reversed(owner.inputs))
        elif scalar_op == scalar.sub:
            stack.append((owner.inputs[1], scale.negated(), False))
            stack.append((owner.inputs[0], scale, False))
        elif scalar_op == scalar.neg:
            stack.append((owner.inputs[0], scale.negated(), False))
        elif scalar_op == scalar.mul:
            factor_scale = _Scale()
            others = []
            for inp in owner.inputs:
                factor = _scalar_factor(inp, dtype) if inp.type.ndim == ndim else None
                if factor is None:
                    others.append(inp)
                else:
                    factor_scale = factor_scale.times(factor)
            if len(others) == 1:
                stack.append((others[0], scale.times(factor_scale), False))
            elif len(others) == 2 and ndim == 2:
                outer = _outer_operands(*others) or _outer_operands(*reversed(others))
                terms.append(_Term(scale, var, outer, scale.times(factor_scale)) if outer else _Term(scale, var))
            else:
                terms.append(_Term(scale, var))
        else:
            terms.append(_Term(scale, var))
    return terms


def _scale_of(var: Variable) -> _Scale:
    """The 0-d ``a`` of a BLAS op as a scale (a number when it is a constant)."""
    value = _constant_value(var)
    if value is not None and np.ndim(value) == 0:
        return _Scale(value.item())
    return _Scale(1.0, (var,))


def _is_zero(var: Variable) -> bool:
    value = _constant_value(var)
    return value is not None and np.ndim(value) == 0 and value == 0


def _product_of(fgraph, term: _Term) -> _Product | None:
    """The matrix product computed by a term, if its node may be absorbed into another op."""
    if term.outer is not None:
        return _Product("outer", term.outer_scale, term.outer)
    var = term.var
    owner = var.owner
    if owner is None or not _single_client(fgraph, var):
        return None
    op = owner.op
    if isinstance(op, Dot22):
        x, y = owner.inputs
        outer = _outer_operands(x, y)
        if outer is not None:
            return _Product("outer", term.scale, outer, gemm_operands=(x, y))
        return _Product("gemm", term.scale, (x, y))
    if isinstance(op, Dot22Scalar):
        x, y, a = owner.inputs
        return _Product("gemm", term.scale.times(_scale_of(a)), (x, y))
    if isinstance(op, Gemm) and _is_zero(owner.inputs[4]):
        _, a, x, y, _ = owner.inputs
        return _Product("gemm", term.scale.times(_scale_of(a)), (x, y))
    if isinstance(op, Gemv) and _is_zero(owner.inputs[4]):
        y, a, A, x, _ = owner.inputs
        return _Product("gemv", term.scale.times(_scale_of(a)), (A, x, y))
    return None


def _term_variable(term: _Term, dtype: str) -> Variable:
    """The term as a variable of the sum's dtype (an integer or boolean term is cast first, as
    the elementwise sum would)."""
    var = term.var
    if var.type.dtype != dtype:
        var = T.cast(var, dtype)
    if term.scale.is_one():
        return var
    if not term.scale.factors and term.scale.number == -1:
        return -var
    return term.scale.as_variable(dtype) * var


def _z_and_beta(z: _Term, dtype: str) -> tuple[Variable, Variable] | None:
    """``(z, b)`` for the BLAS op from the term ``z.scale * z.var``, or None.

    A constant scale becomes ``b``. A symbolic scale is multiplied into ``z`` elementwise and
    ``b = 1``: with ``b == 0`` at run time the BLAS op would skip ``z``, and ``0 * z`` is NaN
    where ``z`` is NaN or infinite. A constant 0 scale is refused for the same reason.
    """
    if z.scale.factors:
        return z.scale.as_variable(dtype) * z.var, T.constant(np.asarray(1, dtype=dtype))
    if z.scale.number == 0:
        return None
    return z.var, z.scale.as_variable(dtype)


def _combine(product: _Product, z: _Term, out: Variable) -> Variable | None:
    """One BLAS op computing ``z.scale * z.var + product``, or None."""
    dtype = out.type.dtype
    z_and_beta = _z_and_beta(z, dtype)
    if z_and_beta is None:
        return None
    z_var, beta = z_and_beta
    alpha = product.alpha.as_variable(dtype)
    if product.kind == "gemv":
        A, x, _ = product.operands
        return gemv_no_inplace(z_var, alpha, A, x, beta)
    if product.kind == "outer":
        x, y = product.operands
        if z.scale.is_one() and x.type.dtype == y.type.dtype == dtype:
            return ger(z_var, alpha, x, y)
        if not product.gemm_operands:
            return None
        return gemm_no_inplace(z_var, alpha, *product.gemm_operands, beta)
    x, y = product.operands
    return gemm_no_inplace(z_var, alpha, x, y, beta)


def _product_type_fits(fgraph, product: _Product, out: Variable) -> bool:
    """Whether the product has the output's broadcast pattern (no broadcasting is needed)."""
    if product.kind == "gemv":
        A = product.operands[0]
        return (A.type.broadcastable[0],) == out.type.broadcastable and A.type.dtype == out.type.dtype
    x, y = product.gemm_operands or product.operands
    if product.kind == "outer" and not product.gemm_operands:
        bcast = (x.type.broadcastable[0], y.type.broadcastable[0])
    else:
        bcast = (x.type.broadcastable[0], y.type.broadcastable[1])
    return bcast == out.type.broadcastable and x.type.dtype == y.type.dtype == out.type.dtype


def _creation_index(var: Variable) -> int:
    try:
        return int(var.auto_name.rsplit("_", 1)[1])
    except (AttributeError, ValueError, IndexError):
        return 0


def _z_preference(term: _Term) -> tuple[int, int]:
    """Order of the candidates for ``z``: graph inputs (shared weights, whose update can then run
    in place) before computed terms, then older variables first. The order depends only on the
    terms, not on how the sum was grouped."""
    return (0 if term.var.owner is None else 1, _creation_index(term.var))


def _fuse_sum(fgraph, out: Variable, terms: list[_Term]) -> Variable | None:
    """The sum of ``terms`` with one product and one other term fused into a BLAS op."""
    dtype = out.type.dtype
    candidates = sorted((j for j, t in enumerate(terms) if t.var.type == out.type),
                        key=lambda j: _z_preference(terms[j]))
    for i, term in enumerate(terms):
        product = _product_of(fgraph, term)
        if product is None or not _product_type_fits(fgraph, product, out):
            continue
        for j in candidates:
            if j == i:
                continue
            fused = _combine(product, terms[j], out)
            if fused is None:
                continue
            rest = [_term_variable(t, dtype) for k, t in enumerate(terms) if k not in (i, j)]
            return T.add(*rest, fused) if rest else fused
    return None


def _scaled_product(fgraph, term: _Term, dtype: str) -> Variable | None:
    """``term`` (``scale * product``) as one op: Dot22Scalar, or a Gemv with a new ``a``."""
    if term.scale.is_one():
        return None
    product = _product_of(fgraph, term)
    if product is None or product.kind == "outer":
        return None
    alpha = product.alpha.as_variable(dtype)
    if product.kind == "gemv":
        A, x, zeros = product.operands
        return gemv_no_inplace(zeros, alpha, A, x, np.asarray(0, dtype=dtype))
    x, y = product.operands
    return _dot22scalar(x, y, alpha)


def _scale_products(fgraph, out: Variable, terms: list[_Term]) -> Variable | None:
    """The sum of ``terms`` with each scaled product computed by one op (None if there is none)."""
    dtype = out.type.dtype
    scaled = [_scaled_product(fgraph, term, dtype) for term in terms]
    scaled = [new if new is not None and new.type == term.var.type else None for new, term in zip(scaled, terms)]
    if all(new is None for new in scaled):
        return None
    parts = [new if new is not None else _term_variable(term, dtype) for new, term in zip(scaled, terms)]
    return T.add(*parts) if len(parts) > 1 else parts[0]


def _opened_by_client(fgraph, var: Variable) -> bool:
    """Whether the only client of ``var`` is a node that :func:`_scaled_terms` would open with
    ``var`` inside: then that client, not ``var``'s node, is the root of the sum to rewrite."""
    clients = fgraph.clients.get(var, ())
    if len(clients) != 1:
        return False
    client, _ = clients[0]
    if isinstance(client, str) or not isinstance(client.op, Elemwise):
        return False
    client_out = client.outputs[0]
    if client_out.type.dtype != var.type.dtype or client_out.type.ndim != var.type.ndim:
        return False
    scalar_op = client.op.scalar_op
    if scalar_op in (scalar.add, scalar.sub, scalar.neg):
        return True
    if scalar_op == scalar.mul:
        others = [inp for inp in client.inputs if inp is not var]
        return len(others) == len(client.inputs) - 1 and all(
            inp.type.ndim == var.type.ndim and _scalar_factor(inp, var.type.dtype) is not None for inp in others)
    return False


@register_specialize
@node_rewriter([T.add, T.sub, T.neg, T.mul])
def local_blas_sum(fgraph, node):
    """z * b + a * dot(x, y) -> Gemm(z, a, x, y, b) (Gemv for vectors, Ger for outer products);
    a * dot(x, y) not added to anything -> Dot22Scalar(x, y, a).

    Only the root of a sum is rewritten (the node whose output no add/sub/neg/scaling opens).
    """
    out = node.outputs[0]
    if out.type.dtype not in BLAS_DTYPES or out.type.ndim not in (1, 2) or _opened_by_client(fgraph, out):
        return None
    terms = _scaled_terms(fgraph, out)
    new = _fuse_sum(fgraph, out, terms)
    if new is None:
        new = _scale_products(fgraph, out, terms)
    if new is None or new.type != out.type:
        return None
    return [new]
