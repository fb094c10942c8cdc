"""Symbolic differentiation: ``grad`` (reverse mode), ``Rop`` (forward mode), ``Lop``,
``jacobian``, ``hessian``, gradient-modifying ops and ``verify_grad``.

Reverse mode walks the graph from the cost back to the variables asked for. Each op says,
through ``L_op(inputs, outputs, output_grads)`` (by default its ``grad(inputs,
output_grads)``), how the gradient of the cost with respect to its outputs becomes a
gradient with respect to its inputs. Contributions reaching a variable along several paths
are summed. The result is an ordinary graph: it can be rewritten, compiled and
differentiated again.

Special gradients:

- *disconnected*: the cost does not depend on the variable at all (a
  :class:`DisconnectedType` variable, or ``None`` returned by an op);
- *undefined*: the gradient does not exist or is not implemented (a
  :class:`~theano.graph.type.NullType` variable, from :func:`grad_undefined` or
  :func:`grad_not_implemented`); using it in a computation is an error;
- *zero*: integer-valued variables, and variables reached only through integer values,
  get zero gradients.
"""

from __future__ import annotations

import warnings
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np

import theano
from theano.graph.basic import Apply, Variable, graph_inputs, io_toposort
from theano.graph.op import Op
from theano.graph.type import NullType, Type
from theano.scalar.type import discrete_types

__all__ = [
    "DisconnectedInputError",
    "DisconnectedType",
    "GradientError",
    "Lop",
    "NullTypeGradError",
    "Rop",
    "consider_constant",
    "disconnected_grad",
    "grad",
    "grad_clip",
    "grad_not_implemented",
    "grad_scale",
    "grad_undefined",
    "hessian",
    "jacobian",
    "numeric_grad",
    "verify_grad",
    "zero_grad",
]


# ------------------------------------------------------------------------------------------
# Special gradient types
# ------------------------------------------------------------------------------------------

class DisconnectedType(Type):
    """The type of the "gradient" of a cost with respect to a variable it does not depend on."""

    def filter(self, data, strict=False, allow_downcast=None):
        raise AssertionError("Disconnected gradients have no values: the cost does not depend on this variable")

    def filter_variable(self, other, allow_convert=True):
        raise AssertionError("Disconnected gradients have no values: the cost does not depend on this variable")

    def __eq__(self, other):
        return type(self) is type(other)

    def __hash__(self):
        return hash(type(self))

    def __str__(self):
        return "DisconnectedType"


disconnected_type = DisconnectedType()


def _disconnected() -> Variable:
    return disconnected_type()


class DisconnectedInputError(ValueError):
    """``grad`` was asked for a variable the cost does not depend on."""


class NullTypeGradError(TypeError):
    """A gradient needed by ``grad`` is undefined (NullType)."""


class GradientError(Exception):
    """``verify_grad`` found the symbolic gradient far from the finite-difference one."""

    def __init__(self, arg, err_pos, shape, val1, val2, abs_err, rel_err, abs_tol, rel_tol):
        super().__init__()
        self.arg = arg
        self.err_pos = err_pos
        self.shape = shape
        self.val1 = val1
        self.val2 = val2
        self.abs_err = abs_err
        self.rel_err = rel_err
        self.abs_tol = abs_tol
        self.rel_tol = rel_tol

    def __str__(self):
        return (f"GradientError: numeric gradient and analytic gradient exceed tolerance:\n"
                f"        At position {self.err_pos} of argument {self.arg} with shape {self.shape},\n"
                f"            val1 = {self.val1:f}      ,  val2 = {self.val2:f}\n"
                f"            abs. error = {self.abs_err:f},  abs. tolerance = {self.abs_tol:f}\n"
                f"            rel. error = {self.rel_err:f},  rel. tolerance = {self.rel_tol:f}\n"
                "Exception args: ")


def grad_undefined(op, x_pos: int, x: Variable, comment: str = "") -> Variable:
    """The gradient of ``op``'s output with respect to its input ``x_pos`` is mathematically
    undefined: return a NullType variable that fails clearly if it is ever used."""
    return NullType(f"This variable is Null because the grad method for input {x_pos} ({x}) of the {op} op is "
                    f"mathematically undefined. {comment}")()


def grad_not_implemented(op, x_pos: int, x: Variable, comment: str = "") -> Variable:
    """The gradient exists but ``op`` does not implement it: a NullType variable saying so."""
    return NullType(f"This variable is Null because the grad method for input {x_pos} ({x}) of the {op} op is "
                    f"not implemented. {comment}")()


def _is_null(var: Any) -> bool:
    return isinstance(getattr(var, "type", None), NullType)


def _is_disconnected(var: Any) -> bool:
    return var is None or isinstance(getattr(var, "type", None), DisconnectedType)


def _is_discrete(var: Variable) -> bool:
    return getattr(var.type, "dtype", None) in discrete_types


def _float_zeros_like(x: Variable) -> Variable:
    import theano.tensor as T

    dtype = x.type.dtype if x.type.dtype not in discrete_types else theano.config.floatX
    return T.zeros_like(x, dtype=dtype)


def _float_ones_like(x: Variable) -> Variable:
    import theano.tensor as T

    dtype = x.type.dtype if x.type.dtype not in discrete_types else theano.config.floatX
    return T.ones_like(x, dtype=dtype)


# ------------------------------------------------------------------------------------------
# Ops that change how gradients flow
# ------------------------------------------------------------------------------------------

class _GradientFlowOp(Op):
    """Identity in the forward pass (a view); the subclass decides the backward pass."""

    __props__ = ()
    view_map = {0: [0]}

    def make_node(self, x):
        from theano.tensor.basic import as_tensor_variable

        x = as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage, params=None):
        output_storage[0][0] = inputs[0]

    def infer_shape(self, node, shapes):
        return [shapes[0]]

    def R_op(self, inputs, eval_points):
        return [eval_points[0]]


class ZeroGrad(_GradientFlowOp):
    """Forward: identity. Backward: zero."""

    def grad(self, inputs, output_grads):
        return [_float_zeros_like(inputs[0])]


class DisconnectedGrad(_GradientFlowOp):
    """Forward: identity. Backward: disconnected (``grad`` treats the input as a constant)."""

    def grad(self, inputs, output_grads):
        return [_disconnected()]

    def connection_pattern(self, node):
        return [[False]]


class ConsiderConstant(ZeroGrad):
    """Theano 1.0's ``consider_constant`` op: the gradient through it is zero."""


class GradClip(_GradientFlowOp):
    """Forward: identity. Backward: the gradient clipped to ``[clip_lower_bound, clip_upper_bound]``."""

    __props__ = ("clip_lower_bound", "clip_upper_bound")

    def __init__(self, clip_lower_bound: float, clip_upper_bound: float):
        if not clip_upper_bound >= clip_lower_bound:
            raise ValueError("grad_clip: the upper bound must be >= the lower bound")
        self.clip_lower_bound = float(clip_lower_bound)
        self.clip_upper_bound = float(clip_upper_bound)

    def grad(self, inputs, output_grads):
        import theano.tensor as T

        return [T.clip(output_grads[0], self.clip_lower_bound, self.clip_upper_bound)]


class GradScale(_GradientFlowOp):
    """Forward: identity. Backward: the gradient times ``multiplier``."""

    __props__ = ("multiplier",)

    def __init__(self, multiplier: float):
        self.multiplier = multiplier

    def grad(self, inputs, output_grads):
        return [output_grads[0] * self.multiplier]


def zero_grad(x: Variable) -> Variable:
    """``x`` in the forward pass; its gradient is zero."""
    return ZeroGrad()(x)


def disconnected_grad(x: Variable) -> Variable:
    """``x`` in the forward pass; ``grad`` treats it as a constant the cost does not depend on
    through this path (a wrt reached only through it is disconnected)."""
    return DisconnectedGrad()(x)


def consider_constant(x: Variable) -> Variable:
    """Theano 1.0's spelling of :func:`zero_grad`."""
    return ConsiderConstant()(x)


def grad_clip(x: Variable, lower_bound: float, upper_bound: float) -> Variable:
    """``x`` in the forward pass; the gradient flowing back through it is clipped."""
    return GradClip(lower_bound, upper_bound)(x)


def grad_scale(x: Variable, multiplier: float) -> Variable:
    """``x`` in the forward pass; the gradient flowing back through it is scaled."""
    return GradScale(multiplier)(x)


# ------------------------------------------------------------------------------------------
# Reverse mode
# ------------------------------------------------------------------------------------------

class _Zero:
    """Marks a contribution known to be zero (an integer-valued path)."""


_ZERO = _Zero()


def _connection_pattern(node: Apply) -> list[list[bool]]:
    pattern_fn = getattr(node.op, "connection_pattern", None)
    if pattern_fn is None:
        return [[True] * len(node.outputs) for _ in node.inputs]
    return [list(map(bool, row)) for row in pattern_fn(node)]


def _wrt_dependents(wrt: Sequence[Variable], order: Sequence[Apply], blocked: set) -> set[Variable]:
    """The variables that depend on some ``wrt`` (themselves included), not through ``blocked``."""
    reached = set(wrt)
    for node in order:
        pattern = None
        for i, inp in enumerate(node.inputs):
            if inp in reached and inp not in blocked:
                pattern = pattern or _connection_pattern(node)
                for j, out in enumerate(node.outputs):
                    if pattern[i][j]:
                        reached.add(out)
    return reached


def _sum_contributions(var: Variable, contributions: list) -> Any:
    """One gradient from several contributions (None when there are none)."""
    if not contributions:
        return None
    nulls = [c for c in contributions if _is_null(c)]
    if nulls:
        return nulls[0]
    real = [c for c in contributions if c is not _ZERO]
    if not real:
        return _ZERO
    if len(real) == 1:
        return real[0]
    import theano.tensor as T

    total = T.add(*real)
    return total


def _check_input_grad(node: Apply, i: int, inp: Variable, g: Variable) -> Variable:
    """Validate op ``node.op``'s gradient for input ``i`` and adapt its dtype/broadcast pattern."""
    if not isinstance(g, Variable):
        raise TypeError(f"{node.op}.grad returned {g!r} for input {i}; expected a Variable or None")
    itype, gtype = inp.type, g.type
    if hasattr(itype, "ndim") and hasattr(gtype, "ndim"):
        if gtype.ndim != itype.ndim:
            raise ValueError(f"{node.op}.grad returned a term with {gtype.ndim} dimensions for input {i}, but "
                             f"{itype.ndim} are required.")
        import theano.tensor as T

        if gtype.dtype in discrete_types:
            raise TypeError(f"{node.op}.grad illegally returned an integer-valued variable for input {i} "
                            f"(dtype {gtype.dtype})")
        if itype.dtype not in discrete_types and gtype.dtype != itype.dtype:
            g = T.cast(g, itype.dtype)
        if g.type.broadcastable != itype.broadcastable:
            needed = tuple(ib or gb for ib, gb in zip(itype.broadcastable, g.type.broadcastable))
            if needed != g.type.broadcastable:
                g = T.patternbroadcast(g, needed)
    return g


def _node_input_grads(node: Apply, out_grads: list, relevant: set) -> list:
    """The gradient contributions to ``node``'s inputs (None: no contribution)."""
    pattern = _connection_pattern(node)
    connected_out = [not _is_disconnected(g) for g in out_grads]
    inputs_connected = [
        inp in relevant and any(p and c for p, c in zip(pattern[i], connected_out))
        for i, inp in enumerate(node.inputs)
    ]
    if not any(inputs_connected):
        return [None] * len(node.inputs)
    live = [g for g, c in zip(out_grads, connected_out) if c]
    nulls = [g for g in live if _is_null(g)]
    if nulls:
        return [nulls[0] if c else None for c in inputs_connected]
    if all(g is _ZERO for g in live):
        return [_ZERO if c else None for c in inputs_connected]
    filled = []
    for out, g in zip(node.outputs, out_grads):
        if _is_disconnected(g) or g is _ZERO:
            if _is_discrete(out) or not hasattr(out.type, "dtype"):
                filled.append(_disconnected() if _is_disconnected(g) else _float_zeros_like(out))
            else:
                filled.append(_float_zeros_like(out))
        else:
            if hasattr(out.type, "dtype") and out.type.dtype not in discrete_types and g.type.dtype != out.type.dtype:
                import theano.tensor as T

                g = T.cast(g, out.type.dtype)
            filled.append(g)
    input_grads = node.op.L_op(list(node.inputs), list(node.outputs), filled)
    if not isinstance(input_grads, (list, tuple)):
        raise TypeError(f"{node.op}.grad/L_op must return a list, got {type(input_grads).__name__}")
    if len(input_grads) != len(node.inputs):
        raise ValueError(f"{node.op}.grad returned {len(input_grads)} terms for {len(node.inputs)} inputs")
    result = []
    for i, (inp, g, connected) in enumerate(zip(node.inputs, input_grads, inputs_connected)):
        if not connected or _is_disconnected(g):
            result.append(None)
        elif _is_null(g):
            result.append(g)
        elif _is_discrete(inp):
            result.append(_ZERO)
        else:
            result.append(_check_input_grad(node, i, inp, g))
    return result


def _as_list(x) -> tuple[list, bool]:
    if isinstance(x, (list, tuple)):
        return list(x), True
    return [x], False


def grad(cost, wrt, consider_constant=None, disconnected_inputs="raise", add_names=True, known_grads=None,
         return_disconnected="zero", null_gradients="raise"):
    """The symbolic gradient of the scalar ``cost`` with respect to ``wrt``.

    Parameters
    ----------
    cost : scalar Variable or None
        What to differentiate; None is allowed when ``known_grads`` is given.
    wrt : Variable or list of Variables
        The variables to differentiate with respect to; a list gives a list.
    consider_constant : list of Variables
        Expressions not to backpropagate through.
    disconnected_inputs : {'raise', 'warn', 'ignore'}
        What to do when ``cost`` does not depend on some ``wrt``.
    add_names : bool
        Name each gradient ``(dcost/dwrt)`` when both have names.
    known_grads : dict
        Maps variables to gradients already known (to start backpropagation elsewhere).
    return_disconnected : {'zero', 'None', 'Disconnected'}
        What to return for a disconnected ``wrt``.
    null_gradients : {'raise', 'return'}
        Raise :class:`NullTypeGradError` for an undefined gradient, or return it.
    """
    import theano.tensor as T

    if cost is None and not known_grads:
        raise AssertionError("cost and known_grads can't both be None.")
    if cost is not None:
        if not isinstance(cost, Variable):
            raise TypeError(f"In grad(), cost argument should be a Variable, got {cost!r}")
        if getattr(cost.type, "ndim", 0) != 0:
            raise TypeError("cost must be a scalar (a 0-d tensor); take the sum or mean of a vector cost, or use "
                            "known_grads/Lop")
    if disconnected_inputs not in ("raise", "warn", "ignore"):
        raise ValueError(f"Invalid value for keyword 'disconnected_inputs', valid values are 'ignore', 'warn' and "
                         f"'raise', got {disconnected_inputs!r}")
    if return_disconnected not in ("zero", "None", "Disconnected"):
        raise ValueError("Invalid value for keyword 'return_disconnected': expected 'zero', 'None' or 'Disconnected'")
    if null_gradients not in ("raise", "return"):
        raise ValueError("Invalid value for keyword 'null_gradients': expected 'raise' or 'return'")
    wrt_list, was_list = _as_list(wrt)
    for w in wrt_list:
        if not isinstance(w, Variable):
            raise TypeError(f"Expected Variable in wrt, got {w!r}")
    if consider_constant is None:
        consider_constant = []
    else:
        try:
            consider_constant = list(consider_constant)
        except TypeError:
            raise TypeError(f"consider_constant must be an iterable collection, got {type(consider_constant)}")
        for elem in consider_constant:
            if not isinstance(elem, Variable):
                raise TypeError(f"Elements of consider_constant must be variables, but got {type(elem)}")
    known = OrderedDict()
    for var, g in (known_grads or {}).items():
        if not isinstance(var, Variable):
            raise TypeError(f"known_grads keys must be Variables, got {var!r}")
        if not isinstance(g, Variable):
            g = T.as_tensor_variable(g)
        known[var] = g

    roots = ([cost] if cost is not None else []) + list(known)
    order = io_toposort(graph_inputs(roots), roots)
    blocked = set(consider_constant)
    relevant = _wrt_dependents(wrt_list, order, blocked)

    contributions: dict[Variable, list] = {}
    if cost is not None and cost not in known:
        contributions[cost] = [_float_ones_like(cost)]
    for var, g in known.items():
        if _is_null(g) or _is_disconnected(g):
            contributions.setdefault(var, []).append(g if _is_null(g) else None)
            contributions[var] = [c for c in contributions[var] if c is not None]
        else:
            if getattr(g.type, "ndim", None) != getattr(var.type, "ndim", None):
                raise ValueError(f"known_grads: the gradient of {var} has {g.type.ndim} dimensions, {var} has "
                                 f"{var.type.ndim}")
            contributions.setdefault(var, []).append(g)

    for node in reversed(order):
        if not any(out in contributions for out in node.outputs):
            continue
        if not any(inp in relevant and inp not in blocked for inp in node.inputs):
            continue
        out_grads = []
        for out in node.outputs:
            total = _sum_contributions(out, contributions.get(out, []))
            out_grads.append(_disconnected() if total is None else total)
        input_grads = _node_input_grads(node, out_grads, relevant - blocked)
        for inp, g in zip(node.inputs, input_grads):
            if g is not None and inp not in blocked:
                contributions.setdefault(inp, []).append(g)

    cost_name = cost.name if cost is not None else None
    results = []
    for w in wrt_list:
        total = _sum_contributions(w, contributions.get(w, []))
        if total is None:
            message = (f"grad method was asked to compute the gradient with respect to a variable that is not part "
                       f"of the computational graph of the cost, or is used only by a non-differentiable operator: "
                       f"{w}")
            if disconnected_inputs == "raise":
                raise DisconnectedInputError(message)
            if disconnected_inputs == "warn":
                warnings.warn(message, stacklevel=2)
            if return_disconnected == "zero":
                total = _float_zeros_like(w)
            elif return_disconnected == "None":
                total = None
            else:
                total = _disconnected()
        elif total is _ZERO:
            total = _float_zeros_like(w)
        elif _is_null(total):
            if null_gradients == "raise":
                raise NullTypeGradError(f"grad encountered a NaN. {total.type.why_null}")
        if (add_names and total is not None and isinstance(total, Variable) and total.name is None
                and cost_name is not None and w.name is not None and not _is_null(total)):
            total.name = f"(d{cost_name}/d{w.name})"
        results.append(total)
    return results if was_list else results[0]


def Lop(f, wrt, eval_points, consider_constant=None, disconnected_inputs="raise"):
    """The vector-Jacobian product ``eval_points . d f / d wrt`` (the "L operator").

    ``f`` and ``eval_points`` may be single variables or matching lists.
    """
    f_list, _ = _as_list(f)
    points, _ = _as_list(eval_points)
    if len(f_list) != len(points):
        raise ValueError("Lop: f and eval_points must have the same length")
    known = OrderedDict(zip(f_list, points))
    wrt_list, was_list = _as_list(wrt)
    result = grad(None, wrt_list, consider_constant=consider_constant, disconnected_inputs=disconnected_inputs,
                  known_grads=known)
    return result if was_list else result[0]


def Rop(f, wrt, eval_points, disconnected_outputs="raise", return_disconnected="zero"):
    """The Jacobian-vector product ``d f / d wrt . eval_points`` (forward mode, via each op's ``R_op``).

    ``wrt`` and ``eval_points`` may be single variables or matching lists; the result
    mirrors ``f``.
    """
    import theano.tensor as T

    f_list, f_was_list = _as_list(f)
    wrt_list, _ = _as_list(wrt)
    points, _ = _as_list(eval_points)
    if len(wrt_list) != len(points):
        raise ValueError("`wrt` must be the same length as `eval_points`.")
    tangents: dict[Variable, Variable] = {}
    for w, p in zip(wrt_list, points):
        if not isinstance(p, Variable):
            p = T.as_tensor_variable(p)
        if getattr(w.type, "ndim", None) != getattr(p.type, "ndim", None):
            raise ValueError(f"Rop: eval point of {w} has {p.type.ndim} dimensions, {w} has {w.type.ndim}")
        tangents[w] = p
    for node in io_toposort(wrt_list, f_list):
        in_points = [tangents.get(inp) for inp in node.inputs]
        if all(p is None for p in in_points):
            continue
        try:
            out_points = node.op.R_op(list(node.inputs), in_points)
        except NotImplementedError as exc:
            raise NotImplementedError(f"Rop is not implemented for {node.op}: {exc}") from None
        for out, p in zip(node.outputs, out_points):
            if p is not None:
                if getattr(p.type, "ndim", None) != getattr(out.type, "ndim", None):
                    raise ValueError(f"{node.op}.R_op returned a {p.type.ndim}-d eval point for a "
                                     f"{out.type.ndim}-d output")
                tangents[out] = p
    results = []
    for out in f_list:
        point = tangents.get(out)
        if point is None:
            if disconnected_outputs == "raise":
                raise ValueError(f"Rop: output {out} does not depend on any of the wrt variables")
            point = _float_zeros_like(out) if return_disconnected == "zero" else None
        results.append(point)
    return results if f_was_list else results[0]


# ------------------------------------------------------------------------------------------
# Jacobian and Hessian
# ------------------------------------------------------------------------------------------

def jacobian(expression, wrt, consider_constant=None, disconnected_inputs="raise"):
    """The Jacobian of the vector (or scalar) ``expression`` with respect to ``wrt``.

    The result for each ``wrt`` has shape ``expression.shape + wrt.shape``; a list of
    ``wrt`` gives a list.
    """
    import theano.tensor as T
    from theano.gradient_loop import map_over_range

    expression = T.as_tensor_variable(expression)
    wrt_list, was_list = _as_list(wrt)
    if expression.type.ndim == 0:
        result = grad(expression, wrt_list, consider_constant=consider_constant,
                      disconnected_inputs=disconnected_inputs)
        return result if was_list else result[0]
    if expression.type.ndim != 1:
        raise TypeError("jacobian expects a scalar or a vector expression; flatten it first")
    index = T.lscalar("jacobian_index")
    rows = grad(expression[index], wrt_list, consider_constant=consider_constant,
                disconnected_inputs=disconnected_inputs)
    result = map_over_range(index, rows, expression.shape[0])
    return result if was_list else result[0]


def hessian(cost, wrt, consider_constant=None, disconnected_inputs="raise"):
    """The Hessian of the scalar ``cost`` with respect to each vector ``wrt``."""
    wrt_list, was_list = _as_list(wrt)
    results = []
    for w in wrt_list:
        if getattr(w.type, "ndim", None) != 1:
            raise TypeError("hessian expects vector wrt variables")
        g = grad(cost, w, consider_constant=consider_constant, disconnected_inputs=disconnected_inputs)
        results.append(jacobian(g, w, consider_constant=consider_constant, disconnected_inputs=disconnected_inputs))
    return results if was_list else results[0]


# ------------------------------------------------------------------------------------------
# Finite differences
# ------------------------------------------------------------------------------------------

_TYPE_EPS = {"float64": 1e-7, "float32": 3e-4, "float16": 1e-1}
_TYPE_TOL = {"float64": 1e-4, "float32": 1e-2, "float16": 5e-2}


class numeric_grad:
    """One-sided finite-difference gradient of a scalar function of arrays."""

    type_eps = _TYPE_EPS

    def __init__(self, f, pt, eps=None, out_type=None):
        pt = [np.array(p) for p in pt]
        dtypes = [str(p.dtype) for p in pt]
        if eps is None:
            eps = max(_TYPE_EPS.get(d, 1e-7) for d in dtypes)
        self.eps = eps
        f_x = float(np.asarray(f(*pt)))
        gradients = []
        for p in pt:
            g = np.zeros(p.shape, dtype="float64")
            flat = p.reshape(-1)
            for k in range(flat.size):
                original = flat[k]
                flat[k] = original + eps
                g.reshape(-1)[k] = (float(np.asarray(f(*pt))) - f_x) / eps
                flat[k] = original
            gradients.append(g)
        self.gf = gradients

    @staticmethod
    def abs_rel_err(a, b):
        abs_err = np.abs(a - b)
        rel_err = abs_err / np.maximum(np.abs(a) + np.abs(b), 1e-8)
        return abs_err, rel_err

    def abs_rel_errors(self, g_pt):
        if len(g_pt) != len(self.gf):
            raise ValueError("argument has wrong number of elements", len(g_pt))
        errors = []
        for a, b in zip(self.gf, g_pt):
            b = np.asarray(b)
            if a.shape != b.shape:
                raise ValueError(f"argument element has wrong shape {a.shape} vs {b.shape}")
            errors.append(self.abs_rel_err(a, b))
        return errors

    def max_err(self, g_pt, abs_tol, rel_tol):
        """The argument, position, absolute and relative error of the worst element."""
        worst = (0, 0, 0.0, 0.0, -np.inf)
        for i, (abs_err, rel_err) in enumerate(self.abs_rel_errors(g_pt)):
            if abs_err.size == 0:
                continue
            scaled = np.minimum(abs_err / abs_tol, rel_err / rel_tol)
            pos = int(np.argmax(scaled))
            if scaled.flat[pos] > worst[4]:
                worst = (i, pos, float(abs_err.flat[pos]), float(rel_err.flat[pos]), float(scaled.flat[pos]))
        return worst[:4]


def verify_grad(fun, pt, n_tests=2, rng=None, eps=None, out_type=None, abs_tol=None, rel_tol=None, mode=None,
                cast_to_output_type=False, no_debug_ref=True):
    """Check the symbolic gradient of ``fun`` at ``pt`` against finite differences.

    ``fun`` takes symbolic inputs (one per array in ``pt``) and returns one symbolic output.
    Its gradient is tested along a random projection: the cost is ``sum(u * fun(*inputs))``
    for a random ``u``. Raises :class:`GradientError` when an element's absolute and
    relative errors both exceed the tolerances (by dtype: 1e-4 for float64, 1e-2 for
    float32, unless given).
    """
    import theano.tensor as T

    if not isinstance(pt, (list, tuple)):
        raise TypeError("verify_grad: pt must be a list or tuple of numpy arrays")
    pt = [np.array(p) for p in pt]
    for i, p in enumerate(pt):
        if p.dtype.kind not in "fc":
            raise TypeError(f"verify_grad can work only with floating point inputs, but input {i} has dtype "
                            f"{p.dtype}")
    if rng is None:
        rng = np.random.default_rng(int(theano.config.unittests.rseed))
    dtypes = [str(p.dtype) for p in pt]
    if abs_tol is None:
        abs_tol = max(_TYPE_TOL.get(d, 1e-4) for d in dtypes)
    if rel_tol is None:
        rel_tol = max(_TYPE_TOL.get(d, 1e-4) for d in dtypes)
    inputs = [T.TensorType(p.dtype, tuple(s == 1 for s in p.shape))(f"input {i}") for i, p in enumerate(pt)]
    output = fun(*inputs)
    if isinstance(output, (list, tuple)):
        raise TypeError("verify_grad: fun must return a single variable, not a list")
    output = T.as_tensor_variable(output)
    out_fn = theano.function(inputs, output, mode=mode, on_unused_input="ignore")
    out_value = np.asarray(out_fn(*[p.copy() for p in pt]))

    def random_projection():
        if hasattr(rng, "random"):
            values = rng.random(out_value.shape)
        else:
            values = rng.rand(*out_value.shape)
        return np.asarray(values + 0.5, dtype=output.type.dtype)

    projection = theano.shared(random_projection(), name="random_projection")
    cost = T.sum(output * projection)
    if cast_to_output_type and output.type.dtype in ("float32", "float16"):
        cost = T.cast(cost, output.type.dtype)
    cost_fn = theano.function(inputs, cost, mode=mode, on_unused_input="ignore")
    symbolic = grad(cost, inputs, disconnected_inputs="ignore")
    grad_fn = theano.function(inputs, symbolic, mode=mode, on_unused_input="ignore")
    for _ in range(n_tests):
        numeric = numeric_grad(cost_fn, [p.copy() for p in pt], eps, out_type)
        analytic = grad_fn(*[p.copy() for p in pt])
        if not isinstance(analytic, (list, tuple)):
            analytic = [analytic]
        arg, pos, abs_err, rel_err = numeric.max_err(analytic, abs_tol, rel_tol)
        if abs_err > abs_tol and rel_err > rel_tol:
            raise GradientError(arg, pos, pt[arg].shape, float(numeric.gf[arg].flat[pos]),
                                float(np.asarray(analytic[arg]).flat[pos]), abs_err, rel_err, abs_tol, rel_tol)
        projection.set_value(random_projection())
