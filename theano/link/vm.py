"""The Python VM: runs each node's ``perform`` in topological order.

Every op has a ``perform``, so this VM runs any graph; it is the reference the native
backends are tested against. It frees each intermediate result as soon as nothing else
needs it (``config.allow_gc``) and checks that every op returned a value of its output type.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from theano.graph.basic import Apply
from theano.link.lazy import has_lazy_nodes, skip_conditions
from theano.link.utils import gc_plan, map_storage, raise_with_op
from theano.tensor.type import TensorType


def _coercer(var) -> Callable[[Any], Any] | None:
    """A function fixing a tensor output's container type (NumPy scalars to 0-d arrays)."""
    if not isinstance(var.type, TensorType):
        return None
    dtype = var.type.numpy_dtype
    ndim = var.type.ndim

    def coerce(value):
        if type(value) is not np.ndarray or value.dtype != dtype:
            value = np.asarray(value, dtype=dtype)
        if value.ndim != ndim:
            raise TypeError(f"{var.owner.op} returned a {value.ndim}-d value for its {ndim}-d output {var}")
        return value

    return coerce


class Step:
    """One node of the program: its op's perform bound to its storage cells."""

    __slots__ = ("node", "perform", "inputs", "outputs", "coercers", "dead", "params", "guards")

    def __init__(self, node: Apply, storage_map: dict, dead: list[list], guards=()):
        self.node = node
        self.perform = node.op.perform
        self.inputs = [storage_map[v] for v in node.inputs]
        self.outputs = [storage_map[v] for v in node.outputs]
        self.coercers = [(cell, c) for cell, c in zip(self.outputs, map(_coercer, node.outputs)) if c is not None]
        self.dead = dead
        self.params = node.op.get_params(node)
        # (condition cell, truth value): skip this node when the condition has that value
        self.guards = [(storage_map[cond], value) for cond, value in guards]

    def skipped(self) -> bool:
        """Whether a lazy node's condition, already computed, makes this node's work useless."""
        for cell, value in self.guards:
            if cell[0] is not None and _truth(cell[0]) == value:
                return True
        return False


def _truth(value) -> bool:
    return bool(value.item()) if isinstance(value, np.ndarray) else bool(value)


class VM:
    """Runs a FunctionGraph's nodes; storage cells are shared with the caller."""

    def __init__(self, fgraph, order: Sequence[Apply], storage_map: dict, allow_gc: bool = True,
                 profile=None, node_checker=None, impl: str = "py", guards=None):
        self.fgraph = fgraph
        self.order = list(order)
        self.storage_map = storage_map
        plan = gc_plan(fgraph, self.order, storage_map) if allow_gc else [[] for _ in self.order]
        for node in self.order:
            node.op.prepare_node(node, storage_map, None, impl)
        self.lazy = has_lazy_nodes(self.order)
        if guards is None:  # (the C linker computes them itself and passes them)
            guards = skip_conditions(fgraph, self.order) if self.lazy else [()] * len(self.order)
        self.steps = [Step(node, storage_map, dead, g) for node, dead, g in zip(self.order, plan, guards)]
        self.profile = profile
        self.node_checker = node_checker

    def __call__(self) -> None:
        if self.profile is not None or self.node_checker is not None or self.lazy:
            return self._run_instrumented()
        for step in self.steps:
            self._run_step(step)
            for cell in step.dead:
                cell[0] = None

    def _run_step(self, step: Step) -> list:
        """Run one node's perform on its storage cells; return its input values."""
        args = [cell[0] for cell in step.inputs]
        try:
            if step.params is None:
                step.perform(step.node, args, step.outputs)
            else:
                step.perform(step.node, args, step.outputs, step.params)
            for cell, coerce in step.coercers:
                cell[0] = coerce(cell[0])
        except Exception as exc:
            self._clear()
            raise_with_op(step.node, exc, args, self.fgraph)
        return args

    def _run_instrumented(self) -> None:
        """The slow path: skip what lazy nodes do not need, time each node (profile) and/or check
        it (DebugMode, NanGuardMode)."""
        profile = self.profile
        checker = self.node_checker
        for step in self.steps:
            if step.guards and step.skipped():
                for cell in step.dead:
                    cell[0] = None
                continue
            before = checker.before(step.node, [cell[0] for cell in step.inputs]) if checker is not None else None
            start = time.perf_counter()
            args = self._run_step(step)
            if profile is not None:
                # time, run count and output shapes (before the outputs may be freed)
                profile.record_apply(step.node, time.perf_counter() - start, step.outputs)
            if checker is not None:
                try:
                    checker.after(step.node, args, [cell[0] for cell in step.outputs], before)
                except Exception as exc:
                    self._clear()
                    raise_with_op(step.node, exc, args, self.fgraph)
            for cell in step.dead:
                cell[0] = None

    def _clear(self) -> None:
        """Drop intermediate values after a failure."""
        keep = set(map(id, (self.storage_map[v] for v in self.fgraph.inputs)))
        for step in self.steps:
            for cell in step.outputs:
                if id(cell) not in keep:
                    cell[0] = None


def build_vm(fgraph, input_storage: list, allow_gc: bool = True, profile=None,
             node_checker=None) -> tuple[VM, list]:
    """A VM for ``fgraph`` whose inputs read from ``input_storage`` cells; also its output cells.

    ``node_checker`` (an object with ``before(node, inputs)`` and ``after(node, inputs,
    outputs, before_state)``) is called around every node, as DebugMode and NanGuardMode do.
    """
    order = fgraph.toposort()
    _, output_storage, storage_map = map_storage(fgraph, order, input_storage)
    vm = VM(fgraph, order, storage_map, allow_gc=allow_gc, profile=profile, node_checker=node_checker)
    return vm, output_storage
