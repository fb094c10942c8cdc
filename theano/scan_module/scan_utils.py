"""Helpers of ``theano.scan``: the ``until`` marker, the parsing of what the inner function
returns, and small graph utilities shared by the op, its gradient and its rewrites."""

from __future__ import annotations

import warnings
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from theano.graph.basic import Constant, Variable, graph_inputs, io_toposort


class until:
    """The stopping condition of a do-while loop: the inner function of :func:`scan` returns
    ``outputs, until(condition)`` (or ``outputs, updates, until(condition)``); the loop stops
    after the first step whose condition is true (that step's outputs are kept)."""

    def __init__(self, condition: Any):
        from theano.tensor.basic import as_tensor_variable

        self.condition = as_tensor_variable(condition)
        if self.condition.ndim != 0:
            raise TypeError(f"the condition of until must be a scalar, got a {self.condition.ndim}-d {self.condition}")


def wrap_into_list(x: Any) -> list:
    """``x`` as a list: None gives ``[]``, a tuple its items, anything else ``[x]``."""
    if x is None:
        return []
    if isinstance(x, (list, tuple)):
        return list(x)
    return [x]


def _is_outputs(elem: Any) -> bool:
    if isinstance(elem, Variable):
        return True
    return isinstance(elem, (list, tuple)) and all(isinstance(x, Variable) for x in elem)


def _is_updates(elem: Any) -> bool:
    if isinstance(elem, dict):
        return True
    return (isinstance(elem, (list, tuple)) and len(elem) > 0
            and all(isinstance(x, (list, tuple)) and len(x) == 2 for x in elem))


_RETURN_HELP = ("The return value of the inner function of scan must be: outputs (a variable or a list of "
                "variables), updates (a dict or a list of (shared variable, new value) pairs), an until "
                "condition, or a tuple of these: (outputs, updates), (updates, outputs), (outputs, until), "
                "(outputs, updates, until).")


def get_updates_and_outputs(ls: Any) -> tuple[Variable | None, list[Variable], OrderedDict]:
    """Split what the inner function of scan returned into (condition, outputs, updates)."""
    if isinstance(ls, until):
        return ls.condition, [], OrderedDict()
    if _is_outputs(ls):
        return None, wrap_into_list(ls), OrderedDict()
    if _is_updates(ls):
        return None, [], OrderedDict(ls)
    if not isinstance(ls, (list, tuple)):
        raise ValueError(f"{_RETURN_HELP} Got {ls!r:.100}")
    parts = list(ls)
    outputs: list = []
    updates: OrderedDict = OrderedDict()
    condition = None
    kinds = []
    for part in parts:
        if isinstance(part, until):
            kinds.append("until")
            condition = part.condition
        elif _is_outputs(part):
            kinds.append("outputs")
            outputs = wrap_into_list(part)
        elif _is_updates(part) or (isinstance(part, (list, tuple)) and not part):
            kinds.append("updates")
            updates = OrderedDict(part)
        else:
            raise ValueError(f"{_RETURN_HELP} Got an element {part!r:.100}")
    if len(set(kinds)) != len(kinds) or kinds.count("until") and kinds[-1] != "until":
        raise ValueError(f"{_RETURN_HELP} Got elements of kinds {kinds}")
    if kinds[:2] == ["updates", "outputs"]:
        warnings.warn("scan's inner function returned (updates, outputs); the documented order is "
                      "(outputs, updates)", DeprecationWarning, stacklevel=3)
    return condition, outputs, updates


def safe_new(var: Variable, name_suffix: str = "") -> Variable:
    """A fresh input variable of ``var``'s type (named after it)."""
    new = var.type()
    if var.name is not None:
        new.name = var.name + name_suffix
    return new


def free_variables(outputs: Sequence[Variable], explicit: Sequence[Variable], loop_dependent: set) -> list[Variable]:
    """The outer variables an inner graph reads: for each node between ``explicit`` and
    ``outputs``, its inputs that are neither constants nor computed from a variable of
    ``loop_dependent`` (the largest outer sub-expressions, not their roots); outputs that do
    not depend on the loop count too. Returned in first-use order."""
    explicit_set = set(explicit)
    depends: set = set(loop_dependent) | explicit_set
    order = io_toposort(list(graph_inputs(outputs)), list(outputs))
    for node in order:
        if any(inp in depends for inp in node.inputs):
            depends.update(node.outputs)
    found: list[Variable] = []
    seen: set = set()

    def visit(var: Variable) -> None:
        if var in depends or isinstance(var, Constant) or var in seen:
            return
        seen.add(var)
        found.append(var)

    for node in order:
        if any(out in depends for out in node.outputs):
            for inp in node.inputs:
                visit(inp)
    for out in outputs:
        visit(out)
    return found


def shared_state_frontier(outputs: Sequence[Variable], shared_states: Sequence[Variable]) -> list[Variable]:
    """The tensor values computed from ``shared_states`` alone (random draws) where they meet
    values computed from anything else (the loop's inputs, other variables): recording them
    lets the gradient replay a step without drawing again."""
    shared_states = set(shared_states)
    roots = list(graph_inputs(outputs))
    drawn = set(shared_states)
    other = {v for v in roots if v not in shared_states and not isinstance(v, Constant)}
    order = io_toposort(roots, list(outputs))
    for node in order:
        if any(inp in other for inp in node.inputs):
            other.update(node.outputs)
        elif any(inp in drawn for inp in node.inputs):
            drawn.update(node.outputs)
    frontier: list[Variable] = []
    for node in order:
        if not any(inp in other for inp in node.inputs):
            continue
        for inp in node.inputs:
            if inp not in drawn or not hasattr(inp.type, "ndim") or inp in frontier:
                continue
            if inp in shared_states and not inp.type.dtype.startswith("float"):
                continue  # a generator's state (MRG's int32 matrix): its draws are recorded instead
            frontier.append(inp)
    return frontier


def inner_shapes(inner_inputs: Sequence[Variable], inner_outputs: Sequence[Variable],
                 input_shapes: Sequence[tuple | None], outer_ok: set) -> list[tuple | None]:
    """Shapes of ``inner_outputs`` as expressions of outer variables, from the shapes of the
    inner inputs (``input_shapes``) and the ops' ``infer_shape``; None for an output whose
    shape needs an inner value (``outer_ok`` is unused: any expression that reads an inner
    variable is rejected)."""
    shape_of: dict[Variable, tuple | None] = dict(zip(inner_inputs, input_shapes))
    inner_vars: set = set(inner_inputs)
    for node in io_toposort(list(inner_inputs), list(inner_outputs)):
        inner_vars.update(node.outputs)
        in_shapes = []
        for inp in node.inputs:
            if inp not in shape_of:
                shape_of[inp] = _constant_shape(inp)
            in_shapes.append(shape_of[inp])
        result = None
        infer = getattr(node.op, "infer_shape", None)
        if infer is not None and all(s is not None for s, v in zip(in_shapes, node.inputs) if hasattr(v.type, "ndim")):
            try:
                result = infer(node, in_shapes)
            except Exception:
                result = None
        for k, out in enumerate(node.outputs):
            shape = None
            if result is not None and k < len(result) and result[k] is not None:
                shape = tuple(result[k])
            shape_of[out] = shape
    shapes = []
    for out in inner_outputs:
        shape = shape_of.get(out)
        if shape is None and isinstance(out, Constant):
            shape = _constant_shape(out)
        if shape is not None:
            from theano.tensor.basic import as_tensor_variable

            try:
                entries = [as_tensor_variable(s) for s in shape]
            except TypeError:
                entries = None
            if entries is None or any(v in inner_vars for v in graph_inputs(entries)):
                shape = None
        shapes.append(shape)
    return shapes


def _constant_shape(var: Variable) -> tuple | None:
    import numpy as np

    if isinstance(var, Constant) and hasattr(var.type, "ndim"):
        return tuple(int(n) for n in np.shape(var.data))
    return None
