"""Lazy evaluation for both backends: which nodes a run may skip once a condition is known.

An op with a ``lazy_inputs(node)`` method (:class:`theano.ifelse.IfElse`) needs some of its
inputs only when one of its inputs, the condition, has a given truth value. A node is *dead
when* a set of conditions holds if, under any one of them, nothing that will run reads its
outputs. Computed backwards over the program:

- a use by a graph output is never dead;
- a use by an ordinary node is dead when that node is;
- a use as a branch input of a lazy node is dead when the lazy node is, or when its condition
  has the value that does not need that input.

A node's set is the intersection over all its uses (a node that both branches need is dead
only when the lazy node itself is). The linkers check a node's conditions just before running
it and skip it when one holds; a condition counts only if it is computed earlier in the order
(the topological order visits a node's first input, the condition, before its branches, so it
normally is). Skipping leaves the node's output cells untouched: only skipped nodes and the
branch input the lazy node does not read would read them.
"""

from __future__ import annotations

from collections.abc import Sequence

from theano.graph.basic import Apply, Variable

__all__ = ["Guard", "has_lazy_nodes", "skip_conditions"]

# (condition variable, the truth value under which the node is skipped)
Guard = tuple[Variable, bool]


def has_lazy_nodes(order: Sequence[Apply]) -> bool:
    """Whether any node of the program has lazily needed inputs."""
    return any(hasattr(node.op, "lazy_inputs") for node in order)


def skip_conditions(fgraph, order: Sequence[Apply]) -> list[tuple[Guard, ...]]:
    """For each node in ``order``, the conditions under which a run may skip it (usually none)."""
    position = {node: k for k, node in enumerate(order)}
    dead: dict[Apply, frozenset] = {}
    empty: frozenset = frozenset()
    for node in reversed(order):
        uses: list[frozenset] = []
        for out in node.outputs:
            for client, i in fgraph.clients.get(out, ()):
                if client == "output":
                    uses.append(empty)
                    continue
                base = dead.get(client, empty)
                lazy = client.op.lazy_inputs(client) if hasattr(client.op, "lazy_inputs") else None
                if lazy and i in lazy:
                    cond_position, needed_when = lazy[i]
                    base = base | {(client.inputs[cond_position], not needed_when)}
                uses.append(base)
                if not base:
                    break
            if uses and not uses[-1]:
                break
        dead[node] = frozenset.intersection(*uses) if uses else empty
    guards = []
    for node in order:
        here = position[node]
        usable = tuple(sorted(
            ((cond, value) for cond, value in dead[node]
             if cond.owner is None or position.get(cond.owner, len(order)) < here),
            key=lambda guard: (position.get(guard[0].owner, -1), guard[1]),
        ))
        guards.append(usable)
    return guards
