"""Rewriters: what changes a graph.

A *node rewriter* looks at one Apply node and returns replacements for its outputs (or
None). A *graph rewriter* changes a whole FunctionGraph: it walks the nodes applying node
rewriters once (:class:`WalkingGraphRewriter`) or until nothing changes
(:class:`EquilibriumGraphRewriter`), merges duplicates (:class:`MergeOptimizer`), or runs
other graph rewriters in order (:class:`SequentialGraphRewriter`).

Every replacement goes through :func:`replace_validate`, which undoes it when a feature of
the graph (the destroy handler, for example) rejects the result.
"""

from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import theano
from theano.graph.basic import Apply, Constant, Variable
from theano.graph.fg import FunctionGraph, InconsistencyError
from theano.graph.op import Op

# ------------------------------------------------------------------------------------------
# Replacing with validation
# ------------------------------------------------------------------------------------------

def replace_validate(fgraph: FunctionGraph, pairs: Sequence[tuple[Variable, Variable]], reason: str | None = None,
                     verbose: bool | None = None) -> bool:
    """Replace each ``old`` by ``new``; keep the change only if every feature's ``validate``
    accepts the graph. Return whether the change was kept."""
    done = []
    # The uses moved by each replacement: a revert moves back exactly these (``new`` may have
    # had uses of its own before, which must stay where they are).
    moved: list[tuple[Variable, list]] = []
    try:
        for old, new in pairs:
            if old is new or old not in fgraph.variables:
                continue
            moved.append((old, list(fgraph.clients[old])))
            _copy_trace(old, new)
            fgraph.replace(old, new, reason=reason)
            done.append((old, new))
        for feature in fgraph._features:
            validate = getattr(feature, "validate", None)
            if validate is not None:
                validate(fgraph)
    except InconsistencyError:
        for old, uses in reversed(moved):
            for client, i in reversed(uses):
                fgraph.change_input(client, i, old, reason=f"revert {reason}")
        return False
    if verbose or (verbose is None and theano.config.optimizer_verbose):
        for old, new in done:
            print(f"rewriting: rewrite {reason} replaces {old} of {old.owner} with {new} of {new.owner}")
    return bool(done)


# ------------------------------------------------------------------------------------------
# Node rewriters
# ------------------------------------------------------------------------------------------

class NodeRewriter:
    """Rewrites one node: :meth:`transform` returns replacements for its outputs, or None."""

    name: str = ""

    def tracks(self) -> list | None:
        """The ops (instances or classes) this rewriter can change; None means any node."""
        return None

    def transform(self, fgraph: FunctionGraph, node: Apply) -> Any:
        raise NotImplementedError

    def __str__(self) -> str:
        return self.name or type(self).__name__

    __repr__ = __str__


class FunctionNodeRewriter(NodeRewriter):
    """A node rewriter made from a plain function ``fn(fgraph, node)``."""

    def __init__(self, fn: Callable, tracks: Sequence | None = None, name: str | None = None):
        self.fn = fn
        self._tracks = list(tracks) if tracks is not None else None
        self.name = name or fn.__name__
        self.__doc__ = fn.__doc__

    def tracks(self):
        return self._tracks

    def transform(self, fgraph, node):
        return self.fn(fgraph, node)

    def __call__(self, fgraph, node):
        return self.fn(fgraph, node)


def node_rewriter(tracks: Sequence | None, name: str | None = None) -> Callable[[Callable], FunctionNodeRewriter]:
    """Decorator: ``@node_rewriter([T.add])`` turns ``def fn(fgraph, node)`` into a node rewriter.

    The function returns None (or False) for no change, a list of replacements (one per
    output of ``node``), or a dict mapping variables to their replacements.
    """
    def decorate(fn: Callable) -> FunctionNodeRewriter:
        return FunctionNodeRewriter(fn, tracks, name)

    return decorate


def _matches_track(node: Apply, tracked) -> bool:
    if isinstance(tracked, type):
        return isinstance(node.op, tracked)
    return node.op == tracked


class PatternNodeRewriter(NodeRewriter):
    """Replace a pattern by another: ``PatternNodeRewriter((T.neg, (T.neg, "x")), "x")``.

    A pattern is a variable name (a string, matching anything; the same name must match
    the same variable), a Python number (matching a constant of that value, of any shape
    broadcast to one value), or a tuple ``(op, *sub_patterns)`` matching a node of that op.
    ``op`` may also be a callable predicate on ops. The output pattern uses the same forms
    to build the replacement.
    """

    def __init__(self, in_pattern, out_pattern, name: str | None = None, allow_multiple_clients: bool = False,
                 tracks: Sequence | None = None):
        if not isinstance(in_pattern, tuple):
            raise TypeError("the input pattern must be a tuple (op, *sub_patterns)")
        self.in_pattern = in_pattern
        self.out_pattern = out_pattern
        self.allow_multiple_clients = allow_multiple_clients
        self.name = name or f"{_pattern_str(in_pattern)} -> {_pattern_str(out_pattern)}"
        self._tracks = list(tracks) if tracks is not None else [in_pattern[0]] if isinstance(
            in_pattern[0], (Op, type)) else None

    def tracks(self):
        return self._tracks

    def transform(self, fgraph, node):
        if not isinstance(self.in_pattern[0], (Op, type)) and not callable(self.in_pattern[0]):
            return None
        bindings: dict[str, Variable] = {}
        if not self._match(fgraph, self.in_pattern, node.outputs[0], bindings, top=True):
            return None
        new = self._build(self.out_pattern, bindings)
        old = node.outputs[0]
        if new.type != old.type:
            converted = old.type.convert_variable(new) if hasattr(old.type, "convert_variable") else None
            if converted is None:
                from theano.tensor.basic import cast, patternbroadcast

                if getattr(new.type, "dtype", None) != old.type.dtype:
                    new = cast(new, old.type.dtype)
                if new.type != old.type and getattr(new.type, "ndim", None) == old.type.ndim:
                    new = patternbroadcast(new, old.type.broadcastable)
                if new.type != old.type:
                    return None
            else:
                new = converted
        return [new]

    def _match(self, fgraph, pattern, var, bindings, top=False) -> bool:
        if isinstance(pattern, str):
            bound = bindings.get(pattern)
            if bound is None:
                bindings[pattern] = var
                return True
            return bound is var or (isinstance(bound, Constant) and isinstance(var, Constant) and bound.equals(var))
        if isinstance(pattern, (int, float)):
            if not isinstance(var, Constant):
                return False
            import numpy as np

            data = np.asarray(var.data)
            return data.size > 0 and bool(np.all(data == pattern))
        op_pattern, *subs = pattern
        node = var.owner
        if node is None:
            return False
        if isinstance(op_pattern, type):
            if not isinstance(node.op, op_pattern):
                return False
        elif isinstance(op_pattern, Op):
            if node.op != op_pattern:
                return False
        elif callable(op_pattern):
            if not op_pattern(node.op):
                return False
        if len(subs) != len(node.inputs):
            return False
        if not top and not self.allow_multiple_clients and len(fgraph.clients.get(var, ())) > 1:
            return False
        return all(self._match(fgraph, sub, inp, bindings) for sub, inp in zip(subs, node.inputs))

    def _build(self, pattern, bindings):
        if isinstance(pattern, str):
            return bindings[pattern]
        if isinstance(pattern, (int, float)):
            from theano.tensor.basic import constant

            return constant(pattern)
        op, *subs = pattern
        return op(*[self._build(sub, bindings) for sub in subs])


def _pattern_str(pattern) -> str:
    if isinstance(pattern, tuple):
        return f"{pattern[0]}({', '.join(_pattern_str(p) for p in pattern[1:])})"
    return str(pattern)


def _replacements(node: Apply, result) -> list[tuple[Variable, Variable]] | None:
    """Normalize what a node rewriter returned into (old, new) pairs."""
    if result is None or result is False:
        return None
    if isinstance(result, dict):
        return [(old, new) for old, new in result.items()]
    if isinstance(result, (list, tuple)):
        if len(result) != len(node.outputs):
            raise ValueError(f"node rewriter returned {len(result)} replacements for {len(node.outputs)} outputs")
        return [(old, new) for old, new in zip(node.outputs, result) if new is not None]
    raise TypeError(f"a node rewriter must return None, a list or a dict, got {type(result).__name__}")


def apply_node_rewriter(fgraph: FunctionGraph, rewriter: NodeRewriter, node: Apply) -> bool:
    """Run ``rewriter`` on ``node``; apply and validate its replacements. Return whether it changed."""
    try:
        result = rewriter.transform(fgraph, node)
    except Exception as exc:
        policy = theano.config.on_opt_error
        if policy == "raise":
            raise
        if policy == "warn":
            import warnings

            warnings.warn(f"rewrite {rewriter} failed on {node}: {type(exc).__name__}: {exc}", stacklevel=2)
        return False
    pairs = _replacements(node, result)
    if not pairs:
        return False
    checked = []
    for old, new in pairs:
        if new.type != old.type:
            converted = old.type.convert_variable(new) if hasattr(old.type, "convert_variable") else None
            if converted is None:
                raise TypeError(f"rewrite {rewriter} replaced {old} ({old.type}) by {new} of another type {new.type}")
            new = converted
        checked.append((old, new))
    return replace_validate(fgraph, checked, reason=str(rewriter))


def _copy_trace(old: Variable, new: Variable) -> None:
    """Keep the user's creation trace on the replacement (errors then point at the user's line)."""
    trace = getattr(old.tag, "trace", None)
    if trace and not getattr(new.tag, "trace", None):
        new.tag.trace = trace


# ------------------------------------------------------------------------------------------
# Graph rewriters
# ------------------------------------------------------------------------------------------

class GraphRewriter:
    """Changes a whole FunctionGraph in place (:meth:`apply`); calling it does the same."""

    name: str = ""

    def apply(self, fgraph: FunctionGraph) -> Any:
        raise NotImplementedError

    def add_requirements(self, fgraph: FunctionGraph) -> None:
        """Attach the features this rewriter needs."""

    def __call__(self, fgraph: FunctionGraph) -> Any:
        self.add_requirements(fgraph)
        return self.apply(fgraph)

    def __str__(self) -> str:
        return self.name or type(self).__name__

    __repr__ = __str__


class _Tracker:
    """Node rewriters indexed by the op (or op class) they track."""

    def __init__(self, rewriters: Iterable[NodeRewriter]):
        self.by_op: dict = defaultdict(list)
        self.by_class: list[tuple[type, NodeRewriter]] = []
        self.untracked: list[NodeRewriter] = []
        for rewriter in rewriters:
            tracks = rewriter.tracks()
            if tracks is None:
                self.untracked.append(rewriter)
                continue
            for tracked in tracks:
                if isinstance(tracked, type):
                    self.by_class.append((tracked, rewriter))
                else:
                    self.by_op[tracked].append(rewriter)

        # Rewriters per op instance (ops are shared by many nodes; hashing an op by its
        # properties costs more than this lookup). The op is kept so its id stays unique.
        self._cache: dict[int, tuple[Any, list[NodeRewriter]]] = {}

    def for_node(self, node: Apply) -> list[NodeRewriter]:
        op = node.op
        cached = self._cache.get(id(op))
        if cached is not None and cached[0] is op:
            return cached[1]
        found = list(self.untracked)
        try:
            found.extend(self.by_op.get(op, ()))
        except TypeError:  # an unhashable op
            pass
        found.extend(r for cls, r in self.by_class if isinstance(op, cls))
        self._cache[id(op)] = (op, found)
        return found


class WalkingGraphRewriter(GraphRewriter):
    """Apply node rewriters once to every node, in topological order (``in_to_out``) or its reverse."""

    def __init__(self, rewriters: NodeRewriter | Sequence[NodeRewriter], order: str = "in_to_out", name: str = ""):
        self.rewriters = [rewriters] if isinstance(rewriters, NodeRewriter) else list(rewriters)
        if order not in ("in_to_out", "out_to_in"):
            raise ValueError("order must be 'in_to_out' or 'out_to_in'")
        self.order = order
        self.name = name or f"walk({', '.join(map(str, self.rewriters))})"

    def apply(self, fgraph):
        tracker = _Tracker(self.rewriters)
        nodes = fgraph.toposort()
        if self.order == "out_to_in":
            nodes.reverse()
        changes = 0
        for node in nodes:
            if node not in fgraph.apply_nodes:
                continue
            for rewriter in tracker.for_node(node):
                if apply_node_rewriter(fgraph, rewriter, node):
                    changes += 1
                    break
        return changes


class EquilibriumGraphRewriter(GraphRewriter):
    """Apply node rewriters (and graph rewriters between passes) until nothing changes.

    Each pass walks the graph; nodes created by a rewrite are visited in the same pass. A
    guard stops rewriting that would never settle: no rewriter may be applied more than
    ``max_use_ratio`` times the number of nodes.
    """

    def __init__(self, rewriters: Sequence[NodeRewriter | GraphRewriter], max_use_ratio: float = 10.0,
                 name: str = ""):
        self.node_rewriters = [r for r in rewriters if isinstance(r, NodeRewriter)]
        self.graph_rewriters = [r for r in rewriters if isinstance(r, GraphRewriter)]
        self.max_use_ratio = max_use_ratio
        self.name = name or "equilibrium"
        self.profile: dict[str, int] = {}

    def add_requirements(self, fgraph):
        for rewriter in self.graph_rewriters:
            rewriter.add_requirements(fgraph)

    def apply(self, fgraph):
        tracker = _Tracker(self.node_rewriters)
        budget = max(int(self.max_use_ratio * max(len(fgraph.apply_nodes), 1)), 100)
        uses: dict[NodeRewriter, int] = defaultdict(int)
        total = 0
        while True:
            changed = 0
            for rewriter in self.graph_rewriters:
                if rewriter.apply(fgraph):
                    changed += 1
            queue = deque(fgraph.toposort())
            seen: set[Apply] = set()
            while queue:
                node = queue.popleft()
                if node in seen or node not in fgraph.apply_nodes:
                    continue
                seen.add(node)
                for rewriter in tracker.for_node(node):
                    if uses[rewriter] >= budget:
                        continue
                    if apply_node_rewriter(fgraph, rewriter, node):
                        uses[rewriter] += 1
                        changed += 1
                        # Visit what the rewrite created: the owners of the new variables.
                        queue.extend(n for n in _new_nodes(fgraph, node) if n not in seen)
                        break
            total += changed
            if not changed:
                break
        for rewriter, count in uses.items():
            self.profile[str(rewriter)] = self.profile.get(str(rewriter), 0) + count
        return total


def _new_nodes(fgraph: FunctionGraph, old_node: Apply) -> list[Apply]:
    """Nodes that now use what replaced ``old_node``'s outputs (their inputs may match new patterns)."""
    found = []
    for out in old_node.outputs:
        for client, _ in fgraph.clients.get(out, ()):
            if client != "output":
                found.append(client)
    return found


class SequentialGraphRewriter(GraphRewriter):
    """Run graph rewriters one after another."""

    def __init__(self, *rewriters: GraphRewriter, name: str = ""):
        self.rewriters = list(rewriters)
        self.name = name or "sequence"
        self.times: dict[str, float] = {}

    def add_requirements(self, fgraph):
        for rewriter in self.rewriters:
            rewriter.add_requirements(fgraph)

    def apply(self, fgraph):
        changes = 0
        for rewriter in self.rewriters:
            start = time.perf_counter()
            result = rewriter.apply(fgraph)
            self.times[str(rewriter)] = self.times.get(str(rewriter), 0.0) + time.perf_counter() - start
            changes += int(result or 0) if not isinstance(result, bool) else int(result)
        return changes


class MergeOptimizer(GraphRewriter):
    """Merge equal constants and identical computations (same op on the same inputs).

    One pass in topological order suffices: once a node's inputs are merged, nodes that
    became identical meet in the table.
    """

    name = "merge"

    def apply(self, fgraph):
        merged = 0
        constants: dict = {}
        checked: set = set()
        seen: dict = {}
        # Constants are merged as their first client is reached in topological order, so the
        # kept constant's client list follows that order and later removals from it (when the
        # nodes reading it merge) find their entry near the front instead of scanning it.
        for node in fgraph.toposort():
            if node not in fgraph.apply_nodes:
                continue
            for var in list(node.inputs):
                if isinstance(var, Constant) and var not in checked and var in fgraph.variables:
                    checked.add(var)
                    merged += self._merge_constant(fgraph, var, constants)
            try:
                key = (node.op, tuple(map(id, node.inputs)))
                hash(key)
            except TypeError:
                continue
            other = seen.get(key)
            if other is None or other not in fgraph.apply_nodes or list(other.inputs) != list(node.inputs):
                seen[key] = node
                continue
            if getattr(node.op, "destroy_map", None):
                continue
            pairs = list(zip(node.outputs, other.outputs))
            if all(a.type == b.type for a, b in pairs) and replace_validate(fgraph, pairs, reason="merge"):
                merged += 1
        return merged

    @staticmethod
    def _merge_constant(fgraph, var, constants: dict) -> int:
        try:
            key = var.signature()
            hash(key)
        except TypeError:
            return 0
        kept = constants.setdefault(key, var)
        if kept is not var and kept.type == var.type and replace_validate(fgraph, [(var, kept)], reason="merge"):
            return 1
        return 0
