"""Helpers shared by the linkers: storage maps, garbage-collection plans, error reports."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

from theano.graph.basic import Apply, Constant, Variable
from theano.graph.utils import get_variable_trace_string


def map_storage(fgraph, order: Sequence[Apply], input_storage: list | None = None,
                storage_map: dict | None = None) -> tuple[list, list, dict]:
    """Give every variable of ``fgraph`` a one-element storage cell; constants are filled in."""
    storage_map = {} if storage_map is None else storage_map
    if input_storage is None:
        input_storage = [[None] for _ in fgraph.inputs]
    for var, cell in zip(fgraph.inputs, input_storage):
        storage_map[var] = cell
    for node in order:
        for var in node.inputs:
            if var not in storage_map:
                if isinstance(var, Constant):
                    storage_map[var] = [var.data]
                else:
                    raise ValueError(f"variable {var} has no storage: is it a missing input?")
        for var in node.outputs:
            storage_map.setdefault(var, [None])
    for var in fgraph.outputs:
        if var not in storage_map:
            if isinstance(var, Constant):
                storage_map[var] = [var.data]
            else:
                storage_map[var] = [None]
    output_storage = [storage_map[var] for var in fgraph.outputs]
    return input_storage, output_storage, storage_map


def gc_plan(fgraph, order: Sequence[Apply], storage_map: dict) -> list[list[list]]:
    """For each node in ``order``, the storage cells that are dead once it has run."""
    keep = set(fgraph.inputs) | set(fgraph.outputs)
    last_use: dict[Variable, int] = {}
    for position, node in enumerate(order):
        for var in node.inputs:
            last_use[var] = position
        for var in node.outputs:
            last_use.setdefault(var, position)
    plan: list[list[list]] = [[] for _ in order]
    for var, position in last_use.items():
        if var in keep or isinstance(var, Constant) or var.owner is None:
            continue
        plan[position].append(storage_map[var])
    return plan


def _describe_value(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"{value.dtype} array of shape {value.shape}"
    if value is None:
        return "None"
    return type(value).__name__


def raise_with_op(node: Apply, exc: BaseException, input_values: Sequence[Any] | None = None,
                  fgraph=None) -> None:
    """Re-raise ``exc`` (same type where possible) with a report of the failing node."""
    lines = [f"Apply node that caused the error: {node}"]
    if input_values is not None:
        described = ", ".join(_describe_value(v) for v in input_values)
        lines.append(f"Inputs: [{described}]")
    lines.append("Inputs types: [" + ", ".join(str(v.type) for v in node.inputs) + "]")
    for out in node.outputs:
        trace = get_variable_trace_string(out)
        if trace:
            lines.append(trace.lstrip("\n"))
            break
    else:
        lines.append("HINT: set theano.config.traceback.limit above 0 to record where variables are created.")
    report = "\n".join(lines)
    original = str(exc)
    try:
        new_exc = type(exc)(f"{original}\n{report}")
    except Exception:
        exc.add_note(report)
        raise exc.with_traceback(sys.exc_info()[2])
    new_exc.__dict__.update(getattr(exc, "__dict__", {}))
    raise new_exc.with_traceback(sys.exc_info()[2]) from None
