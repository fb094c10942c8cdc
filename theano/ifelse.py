"""The lazy conditional ``ifelse(condition, then_branch, else_branch)``.

Unlike ``T.switch``, which is elementwise and computes both of its branches, ``ifelse`` picks one
whole branch from a scalar condition, and both backends compute only the branch it picks: the
nodes that only the other branch needs are skipped at run time (see :mod:`theano.link.lazy`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from theano.graph.basic import Apply, Variable
from theano.graph.op import Op

__all__ = ["IfElse", "ifelse"]


class IfElse(Op):
    """``n_outs`` outputs, each a copy of the matching then-input or else-input.

    Inputs are ``(condition, then_1, ..., then_n, else_1, ..., else_n)``. The condition is a
    scalar; anything but zero (or False) picks the then-branch. The op itself is eager (its
    ``perform`` receives both branches); the laziness comes from the linkers, which read
    :meth:`lazy_inputs` and skip what the branch not taken alone needs.

    Outputs are copies, never views: an output may come from either branch, and an op may only
    declare itself a view of one input.
    """

    __props__ = ("n_outs", "as_view", "gpu", "name")

    def __init__(self, n_outs: int, as_view: bool = False, gpu: bool = False, name: str | None = None):
        if n_outs < 1:
            raise ValueError(f"IfElse needs at least one output, got n_outs={n_outs}")
        self.n_outs = int(n_outs)
        self.as_view = bool(as_view)
        self.gpu = bool(gpu)
        self.name = name

    def __str__(self) -> str:
        return f"if{{{self.name}}}" if self.name else "if{}"

    def make_node(self, condition: Any, *branches: Any) -> Apply:
        if len(branches) != 2 * self.n_outs:
            raise ValueError(f"{self}: expected {self.n_outs} then-values and {self.n_outs} else-values, got "
                             f"{len(branches)} values in all")
        condition = _as_condition(condition)
        thens = [_as_variable(v) for v in branches[: self.n_outs]]
        elses = [_as_variable(v) for v in branches[self.n_outs:]]
        for k, (then, other) in enumerate(zip(thens, elses)):
            if then.type != other.type:
                raise TypeError(f"ifelse: the two branches should have identical types, but output {k} has "
                                f"{then.type} in the then-branch and {other.type} in the else-branch")
        return Apply(self, [condition, *thens, *elses], [t.type() for t in thens])

    def lazy_inputs(self, node: Apply) -> dict[int, tuple[int, bool]]:
        """For each branch input position: (the condition's position, the value it is needed for)."""
        n = self.n_outs
        lazy = {1 + k: (0, True) for k in range(n)}
        lazy.update({1 + n + k: (0, False) for k in range(n)})
        return lazy

    def perform(self, node: Apply, inputs: Sequence[Any], output_storage: list[list[Any]]) -> None:
        n = self.n_outs
        chosen = inputs[1: 1 + n] if _truth(inputs[0]) else inputs[1 + n:]
        for cell, value in zip(output_storage, chosen):
            cell[0] = _copy(value)

    def infer_shape(self, fgraph, node: Apply, shapes: list) -> list:
        n = self.n_outs
        result = []
        for then_shape, else_shape in zip(shapes[1: 1 + n], shapes[1 + n:]):
            if then_shape is None or else_shape is None:
                result.append(None)
                continue
            dims = []
            for a, b in zip(then_shape, else_shape):
                dims.append(a if a is b else IfElse(1)(node.inputs[0], a, b))
            result.append(tuple(dims))
        return result

    def connection_pattern(self, node: Apply) -> list[list[bool]]:
        n = self.n_outs
        pattern = [[True] * n]  # the condition decides every output
        for k in range(2 * n):
            pattern.append([j == k % n for j in range(n)])
        return pattern

    def L_op(self, inputs, outputs, output_grads):
        import theano.tensor as T

        n = self.n_outs
        condition = inputs[0]
        thens, elses = inputs[1: 1 + n], inputs[1 + n:]
        name_then = f"{self.name}_grad_then" if self.name else None
        name_else = f"{self.name}_grad_else" if self.name else None
        zeros_then = [T.zeros_like(t, dtype=g.dtype) for t, g in zip(thens, output_grads)]
        zeros_else = [T.zeros_like(e, dtype=g.dtype) for e, g in zip(elses, output_grads)]
        grads_then = IfElse(n, name=name_then)(condition, *output_grads, *zeros_then, return_list=True)
        grads_else = IfElse(n, name=name_else)(condition, *zeros_else, *output_grads, return_list=True)
        # the condition picks a branch: a small change of it does not change the outputs
        return [T.zeros_like(condition), *grads_then, *grads_else]

    def R_op(self, inputs, eval_points):
        import theano.tensor as T

        n = self.n_outs
        if all(p is None for p in eval_points[1:]):
            return [None] * n
        points = [p if p is not None else T.zeros_like(v) for v, p in zip(inputs[1:], eval_points[1:])]
        return IfElse(n)(inputs[0], *points, return_list=True)


def _as_condition(condition: Any) -> Variable:
    import theano.tensor as T

    if not isinstance(condition, Variable):
        condition = T.as_tensor_variable(condition)
    ndim = getattr(condition.type, "ndim", 0)
    if ndim:
        raise TypeError(f"ifelse: the condition must be a scalar (0 is false, anything else true), got a {ndim}-d "
                        f"{condition.type}")
    return condition


def _as_variable(value: Any) -> Variable:
    import theano.tensor as T

    return value if isinstance(value, Variable) else T.as_tensor_variable(value)


def _truth(value: Any) -> bool:
    return bool(np.asarray(value).item()) if isinstance(value, np.ndarray) else bool(value)


def _copy(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.copy()
    import copy

    return copy.deepcopy(value)


def ifelse(condition: Any, then_branch: Any, else_branch: Any, name: str | None = None) -> Any:
    """``then_branch`` when the scalar ``condition`` is true (nonzero), else ``else_branch``.

    Parameters
    ----------
    condition : scalar
        Zero or False picks ``else_branch``, anything else ``then_branch``.
    then_branch, else_branch : variable or list/tuple of variables
        Two branches of the same length whose matching variables have the same type.
    name : str, optional
        A name for the op (shown by debugprint).

    Returns
    -------
    A variable, or a list/tuple (the type of ``then_branch``) of variables.

    Notes
    -----
    Only the chosen branch is computed, on the Python and the C backends alike: computations
    that only the other branch needs are skipped. Computations shared with the rest of the
    graph still run.
    """
    import theano.tensor as T

    container = type(then_branch) if isinstance(then_branch, (list, tuple)) else None
    thens = list(then_branch) if container else [then_branch]
    elses = list(else_branch) if isinstance(else_branch, (list, tuple)) else [else_branch]
    if len(thens) != len(elses):
        raise ValueError(f"ifelse: the then-branch has {len(thens)} values and the else-branch {len(elses)}; "
                         "they must have the same number")
    thens = [_as_variable(v) for v in thens]
    elses = [_as_variable(v) for v in elses]
    for k, (then, other) in enumerate(zip(thens, elses)):
        if then.type == other.type:
            continue
        t_dtype, e_dtype = getattr(then.type, "dtype", None), getattr(other.type, "dtype", None)
        if t_dtype is None or t_dtype != e_dtype or then.type.ndim != other.type.ndim:
            raise TypeError(f"ifelse: the two branches should have identical types, but value {k} is {then.type} "
                            f"in the then-branch and {other.type} in the else-branch (this happens, for example, "
                            "when one branch is a one-element list and the other a tensor)")
        # same dtype and rank, different broadcastable patterns: unify to the more general one
        pattern = tuple(a and b for a, b in zip(then.type.broadcastable, other.type.broadcastable))
        thens[k] = T.unbroadcast(then, *[d for d, b in enumerate(then.type.broadcastable) if b and not pattern[d]])
        elses[k] = T.unbroadcast(other, *[d for d, b in enumerate(other.type.broadcastable) if b and not pattern[d]])
    outputs = IfElse(len(thens), name=name)(condition, *thens, *elses, return_list=True)
    if container is None:
        return outputs[0]
    return container(outputs)


# -- rewrites ------------------------------------------------------------------------------

def _register_rewrites() -> None:
    from theano.compile.pipeline import register_canonicalize
    from theano.graph.rewriting.basic import node_rewriter
    from theano.tensor.rewriting.basic import _constant_value

    @register_canonicalize
    @node_rewriter([IfElse])
    def local_ifelse_known_branch(fgraph, node):
        """ifelse(constant, t, e) -> t or e; ifelse(c, x, x) -> x."""
        n = node.op.n_outs
        thens, elses = node.inputs[1: 1 + n], node.inputs[1 + n:]
        if all(t is e for t, e in zip(thens, elses)):
            return list(thens)
        value = _constant_value(node.inputs[0])
        if value is None:
            return None
        return list(thens) if bool(value) else list(elses)


_register_rewrites()
