"""A per-process cache of rewritten graphs: compiling the same graph twice rewrites it once.

The key is the structure of the graph handed to ``theano.function``: for each node in
topological order its op (ops compare by ``__props__``) and where each input comes from (a
function input by position, a constant by type and value, or an earlier node's output), plus
everything else that steers the rewrites (the mode's optimizer and tags, the inputs' flags, the
outputs' ``borrow``). A hit returns a copy of the rewritten graph, so the second compilation of
a 1,000-op expression costs a walk over its nodes instead of the whole optimizer.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from theano.graph.basic import Constant, Variable, io_toposort

MAX_ENTRIES = 256


class _Key:
    """A graph's structure as a dictionary key that hashes its (long) tuple only once."""

    __slots__ = ("parts", "_hash")

    def __init__(self, parts: tuple):
        self.parts = parts
        self._hash = hash(parts)

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other) -> bool:
        return isinstance(other, _Key) and self._hash == other._hash and self.parts == other.parts

_entries: OrderedDict[_Key, tuple] = OrderedDict()


def _constant_key(const: Constant) -> tuple | None:
    data = const.data
    if isinstance(data, np.ndarray):
        return ("array", const.type, data.dtype.str, data.shape, hashlib.sha1(np.ascontiguousarray(data)).digest())
    if isinstance(data, np.generic):
        return ("scalar", const.type, data.dtype.str, data.tobytes())
    try:
        hash(data)
    except TypeError:
        return None
    return ("value", const.type, type(data), data)


def _reference(var: Variable, refs: dict) -> tuple | None:
    """Where ``var`` comes from: an input or earlier node (in ``refs``) or a constant's value;
    None for anything else (a variable that is neither, or an unhashable constant)."""
    ref = refs.get(var)
    if ref is None and isinstance(var, Constant):
        ref = refs[var] = _constant_key(var)
    return ref


def signature(inputs: Sequence[Variable], outputs: Sequence[Variable], extra: tuple) -> _Key | None:
    """The structural key of the graph from ``inputs`` to ``outputs``, or None when it cannot
    be made (an unhashable op or constant, a variable that is neither input nor constant)."""
    refs: dict[Variable, tuple | None] = {var: ("in", k) for k, var in enumerate(inputs)}
    parts: list = [extra, tuple(var.type for var in inputs)]
    try:
        for position, node in enumerate(io_toposort(list(inputs), list(outputs))):
            args = tuple(_reference(var, refs) for var in node.inputs)
            if None in args:
                return None
            parts.append((node.op, args, tuple(out.type for out in node.outputs)))
            for k, out in enumerate(node.outputs):
                refs[out] = ("node", position, k)
        out_refs = tuple(_reference(var, refs) for var in outputs)
        if None in out_refs:
            return None
        parts.append(out_refs)
        return _Key(tuple(parts))
    except TypeError:
        return None


def lookup(key: _Key | None, inputs: Sequence[Variable], outputs: Sequence[Variable]):
    """A private copy of the rewritten graph stored under ``key`` and its destroyed input indices,
    or None. The copy's variables carry the creation traces of the corresponding variables of the
    graph from ``inputs`` to ``outputs`` (so errors point at the caller's own lines)."""
    if key is None:
        return None
    entry = _entries.get(key)
    if entry is None:
        return None
    _entries.move_to_end(key)
    fgraph, destroyed, traced = entry
    copy, equiv = _copy(fgraph)
    if traced:
        nodes = io_toposort(list(inputs), list(outputs))
        for var, (position, k) in traced:
            trace = getattr(nodes[position].outputs[k].tag, "trace", None)
            if trace:
                equiv[var].tag.trace = trace
    return copy, list(destroyed)


def _copy(fgraph):
    """A copy of ``fgraph`` without its rewriting features, but with a destroy handler when some
    node overwrites memory: its orderings (every reader of a value runs before the node that
    overwrites it) are part of what the graph means. Also the map from old to new variables."""
    from theano.graph.destroyhandler import DestroyHandler

    copy, equiv = fgraph.clone_get_equiv(check_integrity=False, attach_feature=False)
    if any(getattr(node.op, "destroy_map", None) for node in copy.apply_nodes):
        copy.attach_feature(DestroyHandler())
    return copy, equiv


def store(key: _Key | None, fgraph, destroyed: Sequence[int], inputs: Sequence[Variable],
          outputs: Sequence[Variable]) -> None:
    """Keep a copy of the rewritten ``fgraph`` (without its features) under ``key``, with where
    each of its variables' creation traces came from in the graph from ``inputs`` to ``outputs``
    (rewrites hand the user's trace objects on to the variables that replace them)."""
    if key is None:
        return
    positions = {}
    for position, node in enumerate(io_toposort(list(inputs), list(outputs))):
        for k, out in enumerate(node.outputs):
            trace = getattr(out.tag, "trace", None)
            if trace:
                positions.setdefault(id(trace), (position, k))
    copy, equiv = _copy(fgraph)
    traced = []
    for var in fgraph.variables:
        trace = getattr(var.tag, "trace", None)
        if trace and id(trace) in positions and var in equiv:
            traced.append((equiv[var], positions[id(trace)]))
    _entries[key] = (copy, tuple(destroyed), traced)
    while len(_entries) > MAX_ENTRIES:
        _entries.popitem(last=False)


def clear() -> None:
    """Forget every cached graph."""
    _entries.clear()
