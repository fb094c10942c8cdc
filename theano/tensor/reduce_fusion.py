"""Reductions of an elementwise expression in one pass: ``FusedReduce`` and the rewrite making it.

``T.sum(T.exp(x) * y)`` compiles, after elementwise fusion, to two nodes: an
``Elemwise{Composite{exp(i0) * i1}}`` that writes a full-size temporary, and a ``Sum`` that reads
it back. :class:`FusedReduce` is the two of them as one op: its inputs are the Elemwise's inputs
(broadcasting with each other as an Elemwise's do) and its output is the reduction of the
elementwise values, so a backend can compute each value and combine it into the reduction at
once, with no temporary (the C kernel: :mod:`theano.link.c.fused_reduce_c`).

The rewrite :func:`local_fuse_reduce` runs in the fusion stage, after elementwise fusion has built
the final Composite (see theano/compile/pipeline.py). It replaces ``CAReduce(Elemwise(...))`` when

* the reduction is a sum, product, maximum, minimum, ``all`` or ``any`` (any CAReduce whose scalar
  op is add, mul, maximum, minimum, and, or or xor), an argmax, argmin or max_and_argmax, over at
  least one axis,
* the Elemwise is a plain one (not inplace, one output) whose output nothing else uses (else the
  temporary is needed anyway),
* and the C backend has a kernel for the fused node (every dtype and scalar op renders in C).

A single-op Elemwise (``T.sum(x ** 2)``) qualifies too: its scalar op is wrapped in a Composite,
one-element constants written inside it as fusion does.

Not fused: an Elemwise of several outputs (fusion makes one when a subexpression is shared, as in
``T.sum(x * y), T.max(x * y + 1)``): each reduction would recompute the shared part, which may cost
more than the temporaries it saves.
"""

from __future__ import annotations

from collections.abc import Sequence

from theano.compile.pipeline import register_fusion
from theano.graph.basic import Apply, Variable
from theano.graph.op import Op
from theano.graph.rewriting.basic import node_rewriter
from theano.scalar.composite import Composite
from theano.tensor.elemwise import CAReduce, Elemwise
from theano.tensor.math import Argmax, MaxAndArgmax

__all__ = ["ARG_REDUCTIONS", "FUSABLE_REDUCTIONS", "FusedReduce", "local_fuse_reduce"]

# the scalar ops (by name) of the reductions that fuse with their elementwise input
FUSABLE_REDUCTIONS = ("add", "mul", "maximum", "minimum", "and_", "or_", "xor")
# the reductions that are not CAReduces (Argmin is an Argmax)
ARG_REDUCTIONS = (Argmax, MaxAndArgmax)


class FusedReduce(Op):
    """``reduce_op(Elemwise(premap)(*inputs))`` as one op, computed without the elementwise temporary.

    Parameters
    ----------
    reduce_op : CAReduce, Argmax, Argmin or MaxAndArgmax
        The reduction (``Sum``, ``Prod``, ``Max``, ``Min``, ``All``, ``Any``, ...), with its axes,
        output dtype and accumulator dtype; its outputs are this op's.
    premap : Composite
        The scalar computation of each element before it is reduced; it has one output.

    Notes
    -----
    The op is made by the fusion stage, after gradients are taken; its gradient is still defined
    (it differentiates the unfused expression), so a compiled graph may be differentiated again.
    """

    __props__ = ("reduce_op", "premap")

    def __init__(self, reduce_op: CAReduce | Argmax | MaxAndArgmax, premap: Composite):
        if not isinstance(reduce_op, (CAReduce, *ARG_REDUCTIONS)):
            raise TypeError(f"FusedReduce: reduce_op must be a CAReduce, Argmax, Argmin or MaxAndArgmax, got "
                            f"{reduce_op!r}")
        if not isinstance(premap, Composite) or premap.nout != 1:
            raise TypeError(f"FusedReduce: premap must be a Composite with one output, got {premap!r}")
        self.reduce_op = reduce_op
        self.premap = premap
        self._unfused: dict[tuple, tuple[Apply, Apply]] = {}

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_unfused"] = {}
        return state

    def unfused_nodes(self, inputs: Sequence[Variable]) -> tuple[Apply, Apply]:
        """The Elemwise node and the reduction node this op stands for, on fresh variables of the
        types of ``inputs`` (cached per input types)."""
        key = tuple(x.type for x in inputs)
        nodes = self._unfused.get(key)
        if nodes is None:
            elemwise = Elemwise(self.premap).make_node(*[t() for t in key])
            reduction = self.reduce_op.make_node(elemwise.outputs[0])
            if reduction.inputs[0] is not elemwise.outputs[0]:
                raise TypeError(f"FusedReduce: {self.reduce_op} does not reduce the {elemwise.outputs[0].type} "
                                f"values of {self.premap} directly")
            nodes = self._unfused[key] = (elemwise, reduction)
        return nodes

    def make_node(self, *inputs) -> Apply:
        from theano.tensor.basic import as_tensor_variable

        inputs = [as_tensor_variable(x) for x in inputs]
        elemwise = Elemwise(self.premap).make_node(*inputs)  # checks the inputs, adds broadcast dimensions
        reduction = self.reduce_op.make_node(elemwise.outputs[0])
        if reduction.op != self.reduce_op or reduction.inputs[0] is not elemwise.outputs[0]:
            raise TypeError(f"FusedReduce: {self.reduce_op} does not reduce the {elemwise.outputs[0].type} "
                            f"values of {self.premap} directly (normalize its axes and dtypes first)")
        return Apply(self, list(elemwise.inputs), [out.type() for out in reduction.outputs])

    def perform(self, node, inputs, output_storage, params=None):
        elemwise, reduction = self.unfused_nodes(node.inputs)
        values = [None]
        elemwise.op.perform(elemwise, inputs, [values])
        reduction.op.perform(reduction, values, output_storage)

    def connection_pattern(self, node):
        elemwise, reduction = self.unfused_nodes(node.inputs)
        if not hasattr(reduction.op, "connection_pattern"):
            return [[True] * len(node.outputs) for _ in node.inputs]
        (through,) = reduction.op.connection_pattern(reduction)  # one input: the values
        return [[bool(c) for c in through] for _ in node.inputs]

    def infer_shape(self, node, shapes):
        elemwise, reduction = self.unfused_nodes(node.inputs)
        (elemwise_shape,) = elemwise.op.infer_shape(elemwise, shapes)[:1]
        return reduction.op.infer_shape(reduction, [elemwise_shape])

    def L_op(self, inputs, outputs, output_grads):
        """The gradient of the unfused expression (built on stand-ins, so only it is visited)."""
        from theano.gradient import DisconnectedType, grad
        from theano.graph.basic import clone_replace

        stand_ins = [x.type() for x in inputs]
        unfused = self.reduce_op(Elemwise(self.premap)(*stand_ins))
        unfused = unfused if isinstance(unfused, (list, tuple)) else [unfused]
        known = {}
        replace = list(zip(stand_ins, inputs))
        for out, g in zip(unfused, output_grads):
            if g is None or isinstance(g.type, DisconnectedType) or out.type.dtype.startswith(("int", "uint")):
                continue
            g_stand_in = g.type()
            known[out] = g_stand_in
            replace.append((g_stand_in, g))
        if not known:
            return [DisconnectedType()() for _ in inputs]
        grads = grad(None, stand_ins, known_grads=known, disconnected_inputs="ignore",
                     return_disconnected="Disconnected", null_gradients="return")
        return clone_replace(grads, replace=replace, strict=False)

    def __str__(self) -> str:
        return f"FusedReduce{{{self.reduce_op}, {self.premap}}}"


def _premap_of(fgraph, elemwise: Apply) -> tuple[Composite, list[Variable]] | None:
    """The Composite and the inputs computing ``elemwise``'s output (one op wrapped in a Composite,
    its one-element constants inside it)."""
    scalar_op = elemwise.op.scalar_op
    if isinstance(scalar_op, Composite):
        return scalar_op, list(elemwise.inputs)
    from theano.tensor.rewriting.elemwise import fuse_nodes, has_array_impl

    if not has_array_impl(scalar_op):
        return None
    pairs = fuse_nodes(fgraph, [elemwise])
    if not pairs or len(pairs) != 1:
        return None
    fused = pairs[0][1].owner
    return fused.op.scalar_op, list(fused.inputs)


def _has_kernel(node: Apply) -> bool:
    """Whether the C backend has a kernel for ``node`` (nothing is compiled to know it)."""
    try:
        from theano.link.c.kernels import kernel_for
    except ImportError:  # pragma: no cover - the C backend is part of the package
        return False
    return kernel_for(node) is not None


@node_rewriter([CAReduce, *ARG_REDUCTIONS])
def local_fuse_reduce(fgraph, node):
    """``CAReduce(Elemwise(premap)(inputs))`` -> ``FusedReduce(CAReduce, premap)(inputs)`` (and the same
    for the arg reductions) when the elementwise values are used by the reduction only (see the module
    docstring)."""
    op = node.op
    if isinstance(op, CAReduce) and getattr(op.scalar_op, "name", None) not in FUSABLE_REDUCTIONS:
        return None
    if len(node.inputs) != 1:
        return None
    (values,) = node.inputs
    if op.axis is not None and not op.axis or values.type.ndim == 0:
        return None  # nothing reduced: a copy
    elemwise = values.owner
    if elemwise is None or type(elemwise.op) is not Elemwise or elemwise.op.inplace_pattern:
        return None
    if len(elemwise.outputs) != 1 or [client for client, _ in fgraph.clients.get(values, ())] != [node]:
        return None
    found = _premap_of(fgraph, elemwise)
    if found is None:
        return None
    premap, inputs = found
    try:
        fused = FusedReduce(op, premap).make_node(*inputs)
    except (TypeError, ValueError):
        return None
    if [out.type for out in fused.outputs] != [out.type for out in node.outputs] or not _has_kernel(fused):
        return None
    return list(fused.outputs)


# after elementwise fusion and local_useless_composite (the fusion stage walks in registration order)
register_fusion(local_fuse_reduce, name="reduce_fusion")
