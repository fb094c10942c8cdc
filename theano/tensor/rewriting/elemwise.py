"""Elementwise fusion: connected Elemwise subgraphs become one Elemwise of a Composite scalar op.

The paper's example: ``map(+, map(*, a, b), c)`` becomes
``map(lambda ai, bi, ci: ai * bi + ci, a, b, c)``, here ``Elemwise{Composite{(i0 * i1) + i2}}``.

Which nodes fuse
    Elemwise nodes (not subclasses) without an ``inplace_pattern``, whose scalar op has a
    NumPy implementation usable on whole arrays. A group holds nodes whose outputs share one
    broadcastable pattern, so no value is recomputed along a broadcast dimension; a node with
    another pattern feeds the group as an input.

Groups are connected, and as large as one greedy pass makes them
    One pass over the graph in topological order: each fusable node joins the groups of the
    Elemwise nodes that produce its inputs (merging them into one group) unless that would
    make a cycle once every group is contracted to one node: a path that leaves the group
    (through a dot, a reduction, another group, ...) and comes back into it. Each group
    carries one bit; masks of bits record which groups each node depends on, so the test is
    one ``&`` per input of the merged group. A group that a node outside it already uses may
    still grow, but only by nodes that bring no new upstream groups (this keeps the masks
    exact without revisiting nodes). The pass is close to linear (masks are Python
    integers, one bit per group) and never recurses: a chain of 10,000 ops fuses in well
    under a second.

Intermediate results used elsewhere
    A value computed inside a group that is also used outside it (or is an output of the
    function) becomes an extra output of the Composite: the group still fuses, and the value
    is computed once.

Bounds
    A fused node takes at most :data:`MAX_FUSED_INPUTS` inputs (constants of one element are
    written inside the Composite and do not count); a node that would cross the bound starts
    a new group.

Fusion runs after specialize and before inplace (see theano/compile/pipeline.py). The
gradient of a fused node (when a graph is differentiated after compilation, or a user
builds ``Elemwise(Composite(...))``) unfolds the Composite into Elemwise nodes again and
differentiates those: :func:`fused_L_op`, :func:`fused_R_op`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from theano.compile.pipeline import register_fusion
from theano.graph.basic import Apply, Constant, Variable
from theano.graph.fg import FunctionGraph
from theano.graph.rewriting.basic import GraphRewriter, node_rewriter, replace_validate
from theano.scalar.basic import ScalarOp
from theano.scalar.composite import Composite
from theano.scalar.type import ScalarConstant, get_scalar_type
from theano.tensor.elemwise import Elemwise

# Theano's bound on the inputs of a fused node (the future C and CUDA kernels take one
# argument per input).
MAX_FUSED_INPUTS = 32


def has_array_impl(scalar_op) -> bool:
    """Whether ``scalar_op`` can be evaluated on whole NumPy arrays (so it can be fused)."""
    if isinstance(scalar_op, Composite):
        return True
    if not isinstance(scalar_op, ScalarOp):
        return False
    cls = type(scalar_op)
    return (getattr(scalar_op, "nfunc", None) is not None or cls.impl is not ScalarOp.impl
            or cls.impl_arrays is not ScalarOp.impl_arrays)


def is_fusable(node: Apply) -> bool:
    """Whether ``node`` may be part of a fused Elemwise."""
    op = node.op
    return type(op) is Elemwise and not op.inplace_pattern and has_array_impl(op.scalar_op)


def _inlinable_constant(var: Variable) -> bool:
    """A constant of one element broadcast along every axis: written inside the Composite."""
    return (isinstance(var, Constant) and all(getattr(var.type, "broadcastable", (False,)))
            and np.size(var.data) == 1)


# ------------------------------------------------------------------------------------------
# Finding the groups
# ------------------------------------------------------------------------------------------

class _Group:
    """Nodes to fuse. ``bits`` marks the group in dependency masks; ``ancestors`` holds the
    bits of the groups it depends on; ``inputs`` are the variables its nodes use that no node
    of the group computes; ``frozen`` says that a node outside the group already uses it."""

    __slots__ = ("parent", "bits", "ancestors", "nodes", "inputs", "broadcastable", "frozen")

    def __init__(self, bit: int, node: Apply, ancestors: int):
        self.parent: _Group | None = None
        self.bits = bit
        self.ancestors = ancestors
        self.nodes = [node]
        self.inputs = dict.fromkeys(node.inputs)
        self.broadcastable = node.outputs[0].type.broadcastable
        self.frozen = False


def _root(group: _Group) -> _Group:
    top = group
    while top.parent is not None:
        top = top.parent
    while group.parent is not None and group.parent is not top:  # shorten the path
        group.parent, group = top, group.parent
    return top


class _Grouping:
    """One pass in topological order that assigns fusable nodes to groups.

    The graph with each group contracted to one node must stay acyclic. Masks of group bits
    record what depends on what: a group's ``ancestors``, and for every other node the
    groups upstream of it when it was visited. Those masks stay exact because a group that
    something outside it already uses is *frozen*: it may still grow, but only by nodes that
    bring no new ancestor groups. Joining is refused when an input of the grown group
    depends on the group itself (the path would leave the group and come back).
    """

    def __init__(self, fgraph: FunctionGraph, max_inputs: int):
        self.max_inputs = max_inputs
        self.order = fgraph.toposort()
        self.upstream: dict[Apply, int] = {}  # node outside any group -> bits of the groups it depends on
        self.group_of: dict[Apply, _Group] = {}
        self.groups: list[_Group] = []
        for node in self.order:
            self._visit(node)

    def _deps(self, var: Variable) -> int:
        """Bits of the groups ``var`` depends on (its own group included)."""
        owner = var.owner
        if owner is None:
            return 0
        group = self.group_of.get(owner)
        if group is None:
            return self.upstream[owner]
        group = _root(group)
        return group.bits | group.ancestors

    def _visit(self, node: Apply) -> None:
        group = self._place(node) if is_fusable(node) else None
        if group is None:
            deps = 0
            for inp in node.inputs:
                deps |= self._deps(inp)
            self.upstream[node] = deps
        for inp in node.inputs:  # groups used from outside may not gain new ancestors any more
            producer = self.group_of.get(inp.owner) if inp.owner is not None else None
            if producer is not None and _root(producer) is not group:
                _root(producer).frozen = True

    def _place(self, node: Apply) -> _Group:
        pattern = node.outputs[0].type.broadcastable
        candidates: list[_Group] = []
        for inp in node.inputs:
            group = self.group_of.get(inp.owner) if inp.owner is not None else None
            if group is not None:
                group = _root(group)
                if group.broadcastable == pattern and group not in candidates:
                    candidates.append(group)
        chosen: list[_Group] = []
        merged = None
        for candidate in candidates:
            trial = self._merged_inputs(chosen + [candidate], node)
            if trial is not None:
                chosen.append(candidate)
                merged = trial
        if chosen:
            group = self._merge(chosen, node, *merged)
        else:
            ancestors = 0
            for inp in node.inputs:
                ancestors |= self._deps(inp)
            group = _Group(1 << len(self.groups), node, ancestors)
            self.groups.append(group)
        self.group_of[node] = group
        return group

    def _merged_inputs(self, groups: list[_Group], node: Apply) -> tuple[dict, int] | None:
        """The inputs and ancestors of ``groups`` and ``node`` fused together, or None if that
        would make a cycle, grow a frozen group's ancestors, or take too many inputs."""
        bits = 0
        for group in groups:
            bits |= group.bits

        def inside(var: Variable) -> bool:
            owner_group = self.group_of.get(var.owner) if var.owner is not None else None
            return owner_group is not None and _root(owner_group) in groups

        inputs: dict[Variable, None] = {}
        ancestors = 0
        counted = 0
        for source in [*(group.inputs for group in groups), node.inputs]:
            for var in source:
                if var in inputs or inside(var):
                    continue
                deps = self._deps(var)
                if deps & bits:
                    return None  # a path from the group to this input: fusing would make a cycle
                ancestors |= deps
                inputs[var] = None
                if not _inlinable_constant(var):
                    counted += 1
                    if counted > self.max_inputs:
                        return None
        if any(group.frozen and ancestors & ~group.ancestors for group in groups):
            return None
        return inputs, ancestors

    def _merge(self, groups: list[_Group], node: Apply, inputs: dict, ancestors: int) -> _Group:
        main = max(groups, key=lambda group: len(group.nodes))
        for group in groups:
            if group is not main:
                group.parent = main
                main.bits |= group.bits
                main.frozen = main.frozen or group.frozen
                main.nodes.extend(group.nodes)
        main.nodes.append(node)
        main.inputs = inputs
        main.ancestors = ancestors
        return main

    def fusable_groups(self) -> list[list[Apply]]:
        """The groups of two nodes or more, each in topological order."""
        position = {node: i for i, node in enumerate(self.order)}
        found = []
        for group in self.groups:
            if group.parent is None and len(group.nodes) > 1:
                found.append(sorted(group.nodes, key=position.__getitem__))
        return found


# ------------------------------------------------------------------------------------------
# Building the fused node
# ------------------------------------------------------------------------------------------

def _scalar_constant(var: Constant) -> ScalarConstant:
    dtype = var.type.dtype
    return ScalarConstant(get_scalar_type(dtype), np.asarray(var.data, dtype=dtype).reshape(()))


def fuse_nodes(fgraph: FunctionGraph, nodes: Sequence[Apply]) -> list[tuple[Variable, Variable]] | None:
    """The replacements that compute ``nodes`` (a convex group, in topological order) with one
    Elemwise of a Composite: one output per value used outside the group."""
    members = set(nodes)
    scalar_of: dict[Variable, Variable] = {}
    inner_inputs: list[Variable] = []
    outer_inputs: list[Variable] = []
    # constants go inside the Composite, unless they are all the group takes
    keep_constants = not any(var.owner not in members and not _inlinable_constant(var)
                             for node in nodes for var in node.inputs)
    for node in nodes:
        for var in node.inputs:
            if var in scalar_of:
                continue
            if _inlinable_constant(var) and not keep_constants:
                scalar_of[var] = _scalar_constant(var)
            else:  # an input of the group (no member computes it: members come in topological order)
                inner = get_scalar_type(var.type.dtype)()
                scalar_of[var] = inner
                inner_inputs.append(inner)
                outer_inputs.append(var)
        inner_node = node.op.scalar_op.make_node(*[scalar_of[var] for var in node.inputs])
        for out, inner_out in zip(node.outputs, inner_node.outputs):
            if inner_out.type.dtype != out.type.dtype:
                return None
            scalar_of[out] = inner_out
    old_outputs = [out for node in nodes for out in node.outputs
                   if any(client == "output" or client not in members for client, _ in fgraph.clients.get(out, ()))]
    if not old_outputs:
        return None
    composite = Composite(inner_inputs, [scalar_of[out] for out in old_outputs])
    new_outputs = Elemwise(composite).make_node(*outer_inputs).outputs
    if any(new.type != old.type for old, new in zip(old_outputs, new_outputs)):
        return None
    return list(zip(old_outputs, new_outputs))


class FusionOptimizer(GraphRewriter):
    """Fuse every maximal convex group of compatible Elemwise nodes (see the module docstring)."""

    def __init__(self, max_inputs: int = MAX_FUSED_INPUTS, name: str = "elemwise_fusion"):
        self.max_inputs = max_inputs
        self.name = name

    def apply(self, fgraph: FunctionGraph) -> int:
        fused = 0
        for nodes in _Grouping(fgraph, self.max_inputs).fusable_groups():
            pairs = fuse_nodes(fgraph, nodes)
            if pairs and replace_validate(fgraph, pairs, reason=self.name):
                fused += 1
        return fused


elemwise_fusion = FusionOptimizer()
register_fusion(elemwise_fusion, name="elemwise_fusion")


@register_fusion
@node_rewriter([Elemwise])
def local_useless_composite(fgraph, node):
    """Drop the outputs of a fused node that nothing uses; a Composite of one op becomes that op."""
    composite = node.op.scalar_op
    if not isinstance(composite, Composite) or node.op.inplace_pattern:
        return None
    used = [k for k, out in enumerate(node.outputs) if fgraph.clients.get(out)]
    if used and len(used) < len(node.outputs):
        smaller = Composite(composite.inputs, [composite.outputs[k] for k in used])
        new_outputs = Elemwise(smaller).make_node(*node.inputs).outputs
        return {node.outputs[k]: new for k, new in zip(used, new_outputs)}
    if len(composite.nodes) == 1:
        (inner,) = composite.nodes
        if list(inner.inputs) == list(composite.inputs) and list(inner.outputs) == list(composite.outputs):
            return Elemwise(inner.op).make_node(*node.inputs).outputs
    return None


# ------------------------------------------------------------------------------------------
# Gradients of fused nodes: unfold, then differentiate the Elemwise nodes
# ------------------------------------------------------------------------------------------

def _apply_elementwise(scalar_op, args):
    from theano.tensor.basic import constant

    tensors = [constant(np.asarray(a.data), dtype=a.type.dtype) if isinstance(a, ScalarConstant) else a
               for a in args]
    return Elemwise(scalar_op).make_node(*tensors).outputs


def unfold(op: Elemwise, inputs: Sequence[Variable]) -> list[Variable]:
    """The outputs of ``op`` (an Elemwise of a Composite) on ``inputs``, as unfused Elemwise nodes."""
    return op.scalar_op.build(list(inputs), _apply_elementwise)


def fused_L_op(op: Elemwise, inputs, outputs, output_grads) -> list[Variable]:
    """``L_op`` of an Elemwise of a Composite: backpropagate through the unfolded graph.

    The unfolded graph is built on stand-ins for the inputs and output gradients, so that
    differentiating it visits that small graph only, never the graph upstream of the node.
    """
    from theano.gradient import DisconnectedType, grad
    from theano.graph.basic import clone_replace

    stand_ins = {x.type(): x for x in inputs}
    unfolded = unfold(op, list(stand_ins))
    known: dict[Variable, Variable] = {}
    for out, g in zip(unfolded, output_grads):
        if g is None or isinstance(g.type, DisconnectedType):
            continue
        g_stand_in = g.type()
        stand_ins[g_stand_in] = g
        known[out] = known[out] + g_stand_in if out in known else g_stand_in
    if not known:
        return [DisconnectedType()() for _ in inputs]
    grads = grad(None, list(stand_ins)[: len(inputs)], known_grads=known, disconnected_inputs="ignore",
                 return_disconnected="Disconnected", null_gradients="return")
    return clone_replace(grads, replace=list(stand_ins.items()), strict=False)


def fused_R_op(op: Elemwise, inputs, eval_points) -> list[Variable | None]:
    """``R_op`` of an Elemwise of a Composite: push the eval points through the unfolded graph."""
    from theano.gradient import Rop

    wrt = [x for x, point in zip(inputs, eval_points) if point is not None]
    points = [point for point in eval_points if point is not None]
    if not wrt:
        return [None] * op.scalar_op.nout
    return Rop(unfold(op, inputs), wrt, points, disconnected_outputs="ignore", return_disconnected="None")


__all__ = [
    "MAX_FUSED_INPUTS", "FusionOptimizer", "elemwise_fusion", "fuse_nodes", "fused_L_op", "fused_R_op",
    "has_array_impl", "is_fusable", "local_useless_composite", "unfold",
]
