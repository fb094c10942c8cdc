"""FunctionGraph: a graph with fixed inputs and outputs that rewrites can edit in place."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from theano.graph.basic import Apply, Constant, Variable, clone_get_equiv, io_toposort, vars_between


class InconsistencyError(Exception):
    """A change would break an invariant that a feature maintains."""


class MissingInputError(Exception):
    """An output depends on a variable that is neither an input nor a constant."""


class Feature:
    """A listener attached to a FunctionGraph; every hook is optional."""

    def on_attach(self, fgraph: FunctionGraph) -> None: ...

    def on_detach(self, fgraph: FunctionGraph) -> None: ...

    def on_import(self, fgraph: FunctionGraph, node: Apply, reason: str | None) -> None: ...

    def on_prune(self, fgraph: FunctionGraph, node: Apply, reason: str | None) -> None: ...

    def on_change_input(self, fgraph: FunctionGraph, node, i: int, old: Variable, new: Variable,
                        reason: str | None) -> None: ...

    def orderings(self, fgraph: FunctionGraph) -> dict:
        return {}


class Clients:
    """The uses of one variable: ``(node, i)`` pairs in the order they were added.

    It reads like a list (iteration, ``len``, indexing, equality with a list) but removes a
    use in constant time: a constant shared by 100,000 nodes loses its uses one by one while
    they are rewritten, and a list would make that quadratic. Each pair occurs at most once.
    """

    __slots__ = ("_uses",)

    def __init__(self, uses: Iterable = ()):
        self._uses: dict = dict.fromkeys(uses)

    def append(self, use) -> None:
        self._uses[use] = None

    def remove(self, use) -> None:
        try:
            del self._uses[use]
        except KeyError:
            raise ValueError(f"{use} is not a use of this variable") from None

    def __iter__(self):
        return iter(self._uses)

    def __len__(self) -> int:
        return len(self._uses)

    def __contains__(self, use) -> bool:
        return use in self._uses

    def __getitem__(self, index):
        return list(self._uses)[index]

    def __eq__(self, other) -> bool:
        return list(self._uses) == list(other)

    __hash__ = None

    def __repr__(self) -> str:
        return repr(list(self._uses))


class FunctionGraph:
    """The subgraph between ``inputs`` and ``outputs``, with client lists and features.

    ``clients[var]`` lists ``(node, i)`` pairs, one per use of ``var`` as input ``i`` of
    ``node``; the node is the string ``"output"`` for a use as the graph's output ``i``.
    """

    def __init__(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                 features: Iterable[Feature] | None = None, clone: bool = True,
                 update_mapping: dict | None = None):
        if clone:
            equiv = clone_get_equiv(inputs, outputs, copy_inputs=True, copy_orphans=False)
            inputs = [equiv[i] for i in inputs]
            outputs = [equiv[o] for o in outputs]
        self.inputs: list[Variable] = []
        self._input_set: set[Variable] = set()
        self.outputs: list[Variable] = list(outputs)
        self.apply_nodes: set[Apply] = set()
        self.variables: set[Variable] = set()
        self.clients: dict[Variable, Clients] = {}
        self._features: list[Feature] = []
        self.update_mapping = update_mapping
        self._toposort_cache: list[Apply] | None = None
        for inp in inputs:
            if inp.owner is not None:
                raise ValueError(f"One of the provided inputs is the output of an already existing node: {inp}")
            self.add_input(inp)
        for i, out in enumerate(self.outputs):
            self.import_var(out, reason="init")
            self.clients[out].append(("output", i))
        for feature in features or ():
            self.attach_feature(feature)

    # -- building ----------------------------------------------------------------------------
    def add_input(self, var: Variable) -> None:
        if var in self.variables:
            return
        self.inputs.append(var)
        self._input_set.add(var)
        self.variables.add(var)
        self.clients.setdefault(var, Clients())

    def import_var(self, var: Variable, reason: str | None = None) -> None:
        if var in self.variables:
            return
        if var.owner is not None:
            self.import_node(var.owner, reason=reason)
        elif not isinstance(var, Constant) and var not in self._input_set:
            from theano.graph.utils import get_variable_trace_string

            raise MissingInputError(
                f"Input {var} of the graph is used but was not provided"
                + get_variable_trace_string(var)
            )
        self.variables.add(var)
        self.clients.setdefault(var, Clients())

    def import_node(self, node: Apply, reason: str | None = None) -> None:
        """Add ``node`` and every node it depends on that the graph lacks."""
        new_nodes = self._missing_nodes(node)
        for new in new_nodes:
            if new in self.apply_nodes:
                continue
            for inp in new.inputs:
                if inp not in self.variables:
                    if inp.owner is None and not isinstance(inp, Constant):
                        from theano.graph.utils import get_variable_trace_string

                        raise MissingInputError(
                            f"Input {inp} of node {new.op} is used but was not provided as an input "
                            "of the function" + get_variable_trace_string(inp)
                        )
                    self.variables.add(inp)
                    self.clients.setdefault(inp, Clients())
            self.apply_nodes.add(new)
            for out in new.outputs:
                self.variables.add(out)
                self.clients.setdefault(out, Clients())
            for i, inp in enumerate(new.inputs):
                self.clients[inp].append((new, i))
            self._toposort_cache = None
            self.execute_callbacks("on_import", new, reason)

    def _missing_nodes(self, node: Apply) -> list[Apply]:
        """``node`` and the nodes it depends on that the graph lacks, inputs first (the walk stops
        at variables already in the graph, so it costs the size of the new part only)."""
        order: list[Apply] = []
        done: set[Apply] = set()
        stack: list[tuple[Apply, bool]] = [(node, False)]
        while stack:
            current, expanded = stack.pop()
            if current in done:
                continue
            if expanded:
                done.add(current)
                order.append(current)
                continue
            stack.append((current, True))
            for inp in reversed(current.inputs):
                owner = inp.owner
                if owner is not None and owner not in done and inp not in self.variables:
                    stack.append((owner, False))
        return order

    def _remove_client(self, var: Variable, client: tuple, reason: str | None = None) -> None:
        """Drop one use of ``var``; prune its owner if nothing uses it any more."""
        stack = [(var, client)]
        while stack:
            var, client = stack.pop()
            uses = self.clients[var]
            uses.remove(client)
            if uses:
                continue
            if var.owner is None:
                # A constant (or orphan) nothing uses any more leaves the graph; inputs stay.
                if var not in self._input_set:
                    self.variables.discard(var)
                    self.clients.pop(var, None)
                continue
            node = var.owner
            if any(self.clients.get(out) for out in node.outputs):
                continue
            if any(out in self.outputs for out in node.outputs):
                continue
            self.apply_nodes.discard(node)
            for out in node.outputs:
                self.variables.discard(out)
                self.clients.pop(out, None)
            self._toposort_cache = None
            self.execute_callbacks("on_prune", node, reason)
            for i, inp in enumerate(node.inputs):
                stack.append((inp, (node, i)))

    # -- editing -----------------------------------------------------------------------------
    def change_input(self, node, i: int, new_var: Variable, reason: str | None = None) -> None:
        """Make input ``i`` of ``node`` (or output ``i`` when node is ``"output"``) ``new_var``."""
        if node == "output":
            old = self.outputs[i]
            if old.type != new_var.type:
                raise TypeError(f"Cannot replace output {old} of type {old.type} by {new_var} of "
                                f"type {new_var.type}")
            self.outputs[i] = new_var
        else:
            old = node.inputs[i]
            if old.type != new_var.type:
                raise TypeError(f"Cannot replace {old} of type {old.type} by {new_var} of "
                                f"type {new_var.type} in {node.op}")
            node.inputs[i] = new_var
        if old is new_var:
            return
        self.import_var(new_var, reason=reason)
        self.clients[new_var].append((node, i))
        self._remove_client(old, (node, i), reason=reason)
        self._toposort_cache = None
        self.execute_callbacks("on_change_input", node, i, old, new_var, reason)

    def replace(self, var: Variable, new_var: Variable, reason: str | None = None,
                verbose: bool | None = None, import_missing: bool = False) -> None:
        """Make every use of ``var`` a use of ``new_var``."""
        if var not in self.variables:
            return
        if var.type != new_var.type:
            converted = var.type.convert_variable(new_var)
            if converted is None:
                raise TypeError(f"The type of the replacement {new_var} ({new_var.type}) must match "
                                f"the type of {var} ({var.type}); reason: {reason}")
            new_var = converted
        for node, i in list(self.clients[var]):
            self.change_input(node, i, new_var, reason=reason)

    def replace_all(self, pairs: Iterable[tuple[Variable, Variable]], reason: str | None = None) -> None:
        for var, new_var in pairs:
            self.replace(var, new_var, reason=reason)

    def remove_input(self, index: int) -> None:
        var = self.inputs.pop(index)
        self._input_set.discard(var)
        if self.clients.get(var):
            raise ValueError(f"Input {var} is still used")
        self.variables.discard(var)
        self.clients.pop(var, None)

    # -- features ----------------------------------------------------------------------------
    def attach_feature(self, feature: Feature) -> None:
        if feature in self._features:
            return
        attach = getattr(feature, "on_attach", None)
        if attach is not None:
            attach(self)
        self._features.append(feature)
        self._toposort_cache = None  # the feature may add orderings

    def remove_feature(self, feature: Feature) -> None:
        self._features.remove(feature)
        detach = getattr(feature, "on_detach", None)
        if detach is not None:
            detach(self)
        self._toposort_cache = None

    def execute_callbacks(self, name: str, *args: Any) -> None:
        for feature in self._features:
            callback = getattr(feature, name, None)
            if callback is not None:
                callback(self, *args)

    def collect_callbacks(self, name: str, *args: Any) -> dict:
        return {f: getattr(f, name)(self, *args) for f in self._features if hasattr(f, name)}

    # -- queries -----------------------------------------------------------------------------
    def orderings(self) -> dict:
        merged: dict = {}
        for feature in self._features:
            for node, prereqs in feature.orderings(self).items():
                merged.setdefault(node, []).extend(prereqs)
        return merged

    def toposort(self) -> list[Apply]:
        """The nodes in an order that computes each after its inputs (cached until an edit)."""
        if self._toposort_cache is None:
            order = self.orderings()
            self._toposort_cache = io_toposort(self.inputs, self.outputs, order or None)
        return list(self._toposort_cache)

    def check_integrity(self) -> None:
        nodes = set(io_toposort(self.inputs, self.outputs))
        if nodes != self.apply_nodes:
            raise Exception("The nodes are inappropriately cached")
        for node in nodes:
            for i, inp in enumerate(node.inputs):
                if (node, i) not in self.clients.get(inp, []):
                    raise Exception(f"Inconsistent clients list for {inp} in {node}")
        variables = set(vars_between(self.inputs, self.outputs))
        if not variables <= self.variables:
            raise Exception("The variables are inappropriately cached")

    def clone(self, check_integrity: bool = True) -> FunctionGraph:
        return self.clone_get_equiv(check_integrity)[0]

    def clone_get_equiv(self, check_integrity: bool = True, attach_feature: bool = True):
        equiv = clone_get_equiv(self.inputs, self.outputs)
        if check_integrity:
            self.check_integrity()
        fg = FunctionGraph([equiv[i] for i in self.inputs], [equiv[o] for o in self.outputs],
                           clone=False, update_mapping=self.update_mapping)
        if attach_feature:
            for feature in self._features:
                clone_feature = getattr(feature, "clone", None)
                fg.attach_feature(clone_feature() if clone_feature else feature)
        return fg, equiv

    def __str__(self) -> str:
        return f"FunctionGraph({', '.join(str(o) for o in self.outputs)})"

    def __repr__(self) -> str:
        return str(self)

    def __contains__(self, item) -> bool:
        return item in self.variables or item in self.apply_nodes
