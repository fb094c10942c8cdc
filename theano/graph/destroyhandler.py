"""The destroy handler: which variables share memory, which node overwrites which value.

An op declares ``view_map = {output: [input]}`` when an output may be a view of an input
(it aliases the input's memory without changing it), and ``destroy_map = {output: [input]}``
when it overwrites an input and returns the result in that input's memory. The
:class:`DestroyHandler` feature of a FunctionGraph follows these declarations and keeps
every rewrite honest:

- a variable, together with all the views of its memory (its *impact*), is destroyed by at
  most one node;
- every other node reading that memory runs before the destroyer (the handler contributes
  these edges to :meth:`FunctionGraph.toposort` through :meth:`DestroyHandler.orderings`),
  and no such reader may depend on the destroyer (that would be a cycle);
- protected memory is never destroyed: constants, variables tagged ``indestructible``, graph
  outputs (they are read after everything), and the variables that a :class:`Supervisor`
  protects (``theano.function`` protects its inputs unless they are mutable).

The output of a destroyer is a new value, even though it lives in the input's memory: the
old value is dead once the destroyer has run, so the output is the root of its own views.

Speed: the handler keeps its state up to date in ``on_import``/``on_prune``/
``on_change_input`` and only re-checks what changed since the last :meth:`validate`. To
detect cycles without walking the graph it keeps a *level* for every node, larger than the
levels of everything that must run before it (inputs' owners and, for a destroyer, the
other readers of the memory it destroys). A change that breaks that order raises the levels
after it, stopping as soon as they are in order again; meeting the start node on the way
means a cycle. New levels leave gaps of :data:`LEVEL_GAP` so that most raises stop at once.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable

from theano.graph.basic import Apply, Constant, Variable
from theano.graph.fg import Feature, FunctionGraph, InconsistencyError

LEVEL_GAP = 16


class AlreadyThere(Exception):
    """The feature is already attached to this graph."""


class Supervisor(Feature):
    """Protects variables (the non-mutable inputs of a function) from being destroyed.

    The :class:`DestroyHandler` of the graph refuses any destroyer of a protected variable or
    of anything that is a view of it.
    """

    def __init__(self, protected: Iterable[Variable]):
        self.protected: set[Variable] = set(protected)

    def on_attach(self, fgraph: FunctionGraph) -> None:
        handler = getattr(fgraph, "destroy_handler", None)
        if handler is not None:
            handler.recheck_all()


class DestroyHandler(Feature):
    """A FunctionGraph feature that tracks views and destroyers and validates inplace graphs.

    Attaching it gives the graph three methods: ``fgraph.destroyers(var)`` (the nodes
    overwriting ``var``'s memory), ``fgraph.has_destroyers(vars)``, and
    ``fgraph.destroy_handler``.

    Parameters
    ----------
    do_imports_on_attach
        Kept for Theano 1.0 compatibility; the graph's nodes are always imported on attach.
    algo
        Kept for Theano 1.0 compatibility ('regular' or 'fast'); one incremental algorithm
        serves both.
    """

    def __init__(self, do_imports_on_attach: bool = True, algo: str | None = None):
        self.fgraph: FunctionGraph | None = None
        self.do_imports_on_attach = do_imports_on_attach
        self.algo = algo
        # output variable -> the input variable it is a view of
        self.view_i: dict[Variable, Variable] = {}
        # variable -> its direct views (an ordered set)
        self.view_o: dict[Variable, dict[Variable, None]] = {}
        # directly destroyed variable -> the (node, input index) pairs overwriting it
        self.destroyed_by: dict[Variable, list[tuple[Apply, int]]] = {}
        # the nodes with a destroy_map (an ordered set)
        self.destroyer_nodes: dict[Apply, None] = {}
        # root variable -> {destroyer: count}; None when it must be rebuilt
        self._root_destroyers: dict[Variable, dict[Apply, int]] | None = {}
        # topological levels; None until needed (and after a failure)
        self._level: dict[Apply, int] | None = None
        # nodes whose constraints changed since the last validate (an ordered set)
        self._dirty: dict[Apply, None] = {}

    # -- attaching -------------------------------------------------------------------------
    def on_attach(self, fgraph: FunctionGraph) -> None:
        if self.fgraph is not None and self.fgraph is not fgraph:
            raise AlreadyThere("this DestroyHandler is already attached to another graph")
        if getattr(fgraph, "destroy_handler", None) is not None:
            raise AlreadyThere("the graph already has a DestroyHandler")
        self.fgraph = fgraph
        fgraph.destroy_handler = self
        fgraph.destroyers = self.destroyers_of
        fgraph.has_destroyers = self.has_destroyers
        for node in fgraph.toposort():
            self.on_import(fgraph, node, "on_attach")
        fgraph._toposort_cache = None

    def on_detach(self, fgraph: FunctionGraph) -> None:
        if self.fgraph is not fgraph:
            raise ValueError("this DestroyHandler is not attached to that graph")
        for attr in ("destroy_handler", "destroyers", "has_destroyers"):
            if hasattr(fgraph, attr):
                delattr(fgraph, attr)
        fgraph._toposort_cache = None
        self.__init__(self.do_imports_on_attach, self.algo)

    def clone(self) -> DestroyHandler:
        return DestroyHandler(self.do_imports_on_attach, self.algo)

    # -- queries ---------------------------------------------------------------------------
    def root(self, var: Variable) -> Variable:
        """The variable whose memory ``var`` views (``var`` itself when it is no view)."""
        view_i = self.view_i
        while var in view_i:
            var = view_i[var]
        return var

    def impact(self, root: Variable) -> list[Variable]:
        """``root`` and every variable viewing its memory, directly or through other views."""
        found = [root]
        position = 0
        while position < len(found):
            found.extend(self.view_o.get(found[position], ()))
            position += 1
        return found

    def destroyers_of(self, var: Variable) -> list[Apply]:
        """The nodes overwriting the memory of ``var`` (through any view of it)."""
        return list(self._destroyers_of_root(self.root(var)))

    def has_destroyers(self, variables: Iterable[Variable]) -> bool:
        """Whether any of ``variables`` has its memory overwritten by a node of the graph."""
        return any(self._destroyers_of_root(self.root(var)) for var in variables)

    def is_protected(self, var: Variable) -> bool:
        """Whether the memory of ``var`` may never be overwritten (checks its root)."""
        root = self.root(var)
        if isinstance(root, Constant) or getattr(root.tag, "indestructible", False):
            return True
        return any(root in feature.protected for feature in self._supervisors())

    def can_destroy(self, var: Variable, node: Apply | None = None) -> bool:
        """A quick test of whether a new node may overwrite ``var``: it is not protected, not
        already destroyed, and no graph output shares its memory. Order constraints are left
        to :meth:`validate`. ``node`` is a node that will be replaced and does not count."""
        fgraph = self.fgraph
        root = self.root(var)
        if self.is_protected(root):
            return False
        if any(d is not node for d in self._destroyers_of_root(root)):
            return False
        for v in self.impact(root):
            for client, _ in fgraph.clients.get(v, ()):
                if client == "output":
                    return False
        return True

    def orderings(self, fgraph: FunctionGraph) -> dict[Apply, list[Apply]]:
        """For each destroyer, the other nodes reading the memory it overwrites (they run first)."""
        result: dict[Apply, list[Apply]] = {}
        for node in self.destroyer_nodes:
            readers: dict[Apply, None] = {}
            for j in _destroyed_indices(node):
                for v in self.impact(self.root(node.inputs[j])):
                    for client, _ in fgraph.clients.get(v, ()):
                        if client != "output" and client is not node:
                            readers[client] = None
            if readers:
                result[node] = list(readers)
        return result

    # -- keeping the state up to date ------------------------------------------------------
    def on_import(self, fgraph: FunctionGraph, node: Apply, reason: str | None) -> None:
        op = node.op
        view_map = getattr(op, "view_map", None) or {}
        destroy_map = getattr(op, "destroy_map", None) or {}
        for o, inputs in view_map.items():
            if len(inputs) != 1:
                raise NotImplementedError(f"{op}: an output may be a view of one input only (view_map={view_map})")
            self._add_view(node.outputs[o], node.inputs[inputs[0]])
        if destroy_map:
            for j in _destroyed_indices(node):
                self._add_destroyed(node, j, node.inputs[j])
            self.destroyer_nodes[node] = None
        if self._level is not None:
            level = 0
            for inp in node.inputs:
                owner = inp.owner
                if owner is not None:
                    level = max(level, self._level.get(owner, 0))
            self._level[node] = level + LEVEL_GAP
        if self.destroyer_nodes or self._level is not None:
            self._dirty[node] = None
            self._mark_destroyers_reading(node.inputs, node)

    def on_prune(self, fgraph: FunctionGraph, node: Apply, reason: str | None) -> None:
        op = node.op
        for o in (getattr(op, "view_map", None) or {}):
            self._remove_view(node.outputs[o])
        if node in self.destroyer_nodes:
            for j in _destroyed_indices(node):
                self._remove_destroyed(node, j, node.inputs[j])
            del self.destroyer_nodes[node]
        if self._level is not None:
            self._level.pop(node, None)
        self._dirty.pop(node, None)

    def on_change_input(self, fgraph: FunctionGraph, node, i: int, old: Variable, new: Variable,
                        reason: str | None) -> None:
        if node == "output":
            if self.destroyer_nodes:
                self._mark_destroyers_reading([new], None)
            return
        op = node.op
        for o, inputs in (getattr(op, "view_map", None) or {}).items():
            if inputs[0] == i:
                out = node.outputs[o]
                self._remove_view(out)
                self._add_view(out, new)
                # Destroyers of the moved views now overwrite memory of another root.
                for v in self.impact(out):
                    for destroyer, _ in self.destroyed_by.get(v, ()):
                        self._dirty[destroyer] = None
        if node in self.destroyer_nodes and i in _destroyed_indices(node):
            self._remove_destroyed(node, i, old)
            self._add_destroyed(node, i, new)
        if self.destroyer_nodes or self._level is not None:
            self._dirty[node] = None
            self._mark_destroyers_reading([new], node)

    def _add_view(self, out: Variable, inp: Variable) -> None:
        self.view_i[out] = inp
        self.view_o.setdefault(inp, {})[out] = None
        self._root_destroyers = None

    def _remove_view(self, out: Variable) -> None:
        inp = self.view_i.pop(out, None)
        if inp is None:
            return
        views = self.view_o.get(inp)
        if views is not None:
            views.pop(out, None)
            if not views:
                del self.view_o[inp]
        self._root_destroyers = None

    def _add_destroyed(self, node: Apply, j: int, var: Variable) -> None:
        self.destroyed_by.setdefault(var, []).append((node, j))
        if self._root_destroyers is not None:
            counts = self._root_destroyers.setdefault(self.root(var), {})
            counts[node] = counts.get(node, 0) + 1

    def _remove_destroyed(self, node: Apply, j: int, var: Variable) -> None:
        entries = self.destroyed_by.get(var)
        if entries is not None and (node, j) in entries:
            entries.remove((node, j))
            if not entries:
                del self.destroyed_by[var]
        if self._root_destroyers is not None:
            root = self.root(var)
            counts = self._root_destroyers.get(root)
            if counts is not None and node in counts:
                counts[node] -= 1
                if counts[node] <= 0:
                    del counts[node]
                if not counts:
                    del self._root_destroyers[root]

    def _destroyers_of_root(self, root: Variable) -> dict[Apply, int]:
        if self._root_destroyers is None:
            table: dict[Variable, dict[Apply, int]] = {}
            for var, entries in self.destroyed_by.items():
                counts = table.setdefault(self.root(var), {})
                for node, _ in entries:
                    counts[node] = counts.get(node, 0) + 1
            self._root_destroyers = table
        return self._root_destroyers.get(root, {})

    def _mark_destroyers_reading(self, variables: Iterable[Variable], reader: Apply | None) -> None:
        """A node now reads ``variables``: the destroyers of their memory must be re-checked."""
        for var in variables:
            for destroyer in self._destroyers_of_root(self.root(var)):
                if destroyer is not reader:
                    self._dirty[destroyer] = None

    def recheck_all(self) -> None:
        """Check every destroyer again at the next :meth:`validate` (protections changed)."""
        for node in self.destroyer_nodes:
            self._dirty[node] = None

    def _supervisors(self) -> list[Supervisor]:
        return [f for f in self.fgraph._features if isinstance(f, Supervisor)]

    # -- validation ------------------------------------------------------------------------
    def validate(self, fgraph: FunctionGraph) -> bool:
        """Raise InconsistencyError unless the destroyers can all run safely in some order."""
        if not self._dirty:
            return True
        if self._level is None:
            if not self.destroyer_nodes:
                self._dirty.clear()
                return True
            for node in self.destroyer_nodes:
                self._check_destroyer(fgraph, node)
            self._recompute_levels(fgraph)
            self._dirty.clear()
            return True
        level = self._level
        pending = [node for node in self._dirty if node in fgraph.apply_nodes]
        pending.sort(key=lambda n: level.get(n, 0))
        need_full = False
        for node in pending:
            if node not in level:
                need_full = True
                continue
            before = [inp.owner for inp in node.inputs if inp.owner is not None]
            if node in self.destroyer_nodes:
                before.extend(self._check_destroyer(fgraph, node))
            highest = max((level.get(p, 0) for p in before), default=0)
            if highest < level[node]:
                continue
            outcome = self._raise_level(fgraph, node, highest + 1, set(before))
            if outcome is False:
                raise InconsistencyError(
                    f"{node.op} cannot run after every other reader of the memory it overwrites: one of "
                    "them depends on its result (a cycle)")
            if outcome is None:
                need_full = True
        if need_full:
            self._recompute_levels(fgraph)
        self._dirty.clear()
        return True

    def _check_destroyer(self, fgraph: FunctionGraph, node: Apply) -> list[Apply]:
        """The local rules for one destroyer; return the other readers of what it destroys."""
        op = node.op
        tolerate_same = {tuple(p) for p in getattr(op, "destroyhandler_tolerate_same", ()) or ()}
        tolerate_aliased = {tuple(p) for p in getattr(op, "destroyhandler_tolerate_aliased", ()) or ()}
        readers: dict[Apply, None] = {}
        for j in _destroyed_indices(node):
            var = node.inputs[j]
            root = self.root(var)
            if self.is_protected(root):
                raise InconsistencyError(
                    f"{op} would overwrite {_describe(var, root)}, which is protected (a constant, or an input "
                    "of the function that is not declared mutable)")
            for v in self.impact(root):
                for destroyer, k in self.destroyed_by.get(v, ()):
                    if destroyer is not node or k != j:
                        raise InconsistencyError(
                            f"{_describe(var, root)} would be overwritten twice: by {op} and by {destroyer.op}")
                for client, k in fgraph.clients.get(v, ()):
                    if client == "output":
                        raise InconsistencyError(
                            f"{op} would overwrite {_describe(var, root)}, whose memory holds an output of the "
                            "graph")
                    if client is node:
                        if k == j or (j, k) in tolerate_aliased or (v is var and (j, k) in tolerate_same):
                            continue
                        raise InconsistencyError(
                            f"{op} reads its input {k} while overwriting its input {j}, and they share memory")
                    readers[client] = None
        return list(readers)

    def _successors(self, fgraph: FunctionGraph, node: Apply) -> list[Apply]:
        """The nodes that must run after ``node``: users of its outputs, and the destroyers of
        the memory it reads."""
        found = []
        for out in node.outputs:
            for client, _ in fgraph.clients.get(out, ()):
                if client != "output":
                    found.append(client)
        for inp in node.inputs:
            for destroyer in self._destroyers_of_root(self.root(inp)):
                if destroyer is not node:
                    found.append(destroyer)
        return found

    def _raise_level(self, fgraph: FunctionGraph, start: Apply, new_level: int, before: set[Apply]) -> bool | None:
        """Raise ``start`` to ``new_level`` and what follows it as needed, keeping the levels in
        order. False: a cycle (nothing is changed); None: the levels were out of order
        elsewhere (recompute them); True: done."""
        level = self._level
        tentative = {start: new_level}
        heap = [(level[start], 0, start)]
        queued = {start}
        done: set[Apply] = set()
        counter = 1
        while heap:
            _, _, node = heapq.heappop(heap)
            done.add(node)
            node_level = tentative[node]
            for succ in self._successors(fgraph, node):
                current = tentative.get(succ, level.get(succ))
                if current is None:
                    return None
                if current > node_level:
                    continue
                if succ is start or succ in before:
                    return False
                if succ in done:
                    return None
                tentative[succ] = node_level + 1
                if succ not in queued:
                    queued.add(succ)
                    heapq.heappush(heap, (level[succ], counter, succ))
                    counter += 1
        level.update(tentative)
        return True

    def _recompute_levels(self, fgraph: FunctionGraph) -> None:
        """Levels for the whole graph (Kahn's algorithm over data and order edges)."""
        successors: dict[Apply, list[Apply]] = {node: [] for node in fgraph.apply_nodes}
        waiting: dict[Apply, int] = dict.fromkeys(fgraph.apply_nodes, 0)
        for node in fgraph.apply_nodes:
            for inp in node.inputs:
                owner = inp.owner
                if owner is not None and owner in successors:
                    successors[owner].append(node)
                    waiting[node] += 1
        for destroyer, readers in self.orderings(fgraph).items():
            for reader in readers:
                successors[reader].append(destroyer)
                waiting[destroyer] += 1
        level = {node: LEVEL_GAP for node, count in waiting.items() if count == 0}
        ready = list(level)
        while ready:
            node = ready.pop()
            next_level = level[node] + LEVEL_GAP
            for succ in successors[node]:
                if level.get(succ, 0) < next_level:
                    level[succ] = next_level
                waiting[succ] -= 1
                if waiting[succ] == 0:
                    ready.append(succ)
        if any(count for count in waiting.values()):
            self._level = None
            raise InconsistencyError("the destroyers cannot be ordered: some reader of the memory a node overwrites "
                                     "depends on that node (a cycle)")
        self._level = level


def _destroyed_indices(node: Apply) -> list[int]:
    """The inputs of ``node`` its op overwrites."""
    found: list[int] = []
    for inputs in (getattr(node.op, "destroy_map", None) or {}).values():
        for j in inputs:
            if j not in found:
                found.append(j)
    return found


def _describe(var: Variable, root: Variable) -> str:
    return f"{var}" if var is root else f"{var} (a view of {root})"


__all__ = ["AlreadyThere", "DestroyHandler", "LEVEL_GAP", "Supervisor"]
