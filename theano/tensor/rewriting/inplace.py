"""Inplace rewrites: ops that overwrite dead intermediates, validated by the destroy handler.

The paper: "Theano replaces Ops with equivalents that reuse the memory of their inputs (which
means, as a side effect, that no subsequent Ops may use the original values)". The inplace
stage of the pipeline (after fusion) walks the graph once per rewriter below and, for each
candidate, swaps in the version of the op that writes its result into an input's buffer:

- ``inplace_subtensor``: ``IncSubtensor`` and the advanced increment/set ops get ``inplace=True``
  (``x[idx] += y`` on ``x``'s own buffer);
- ``inplace_blas``: ``Gemm``/``Gemv`` become ``gemm_inplace``/``gemv_inplace`` and ``Ger``
  becomes ``ger_destructive`` (when theano.tensor.blas defines them);
- ``inplace_elemwise``: an ``Elemwise`` gets an ``inplace_pattern={output: input}`` for an
  input of the output's exact type (dtype and broadcastable pattern); fused ``Composite`` ops
  are ordinary scalar ops here and are handled the same way.

Each change goes through :func:`~theano.graph.rewriting.basic.replace_validate` and is kept
only if the :class:`~theano.graph.destroyhandler.DestroyHandler` accepts it: the overwritten
value must be read by nothing that runs later, must not be protected (a non-mutable input of
the function, a constant), and must not be (or share memory with) an output of the graph.
Each rewriter attaches the handler in ``add_requirements``.

Views: ``DimShuffle`` (transpose), ``Reshape`` and basic ``Subtensor`` are views from the
start (``view_map = {0: [0]}``, their ``perform`` returns a NumPy view), where Theano 1.0 had
some copying versions that a rewrite later replaced by aliasing ones; the destroy handler and
``insert_deepcopy`` (theano/compile/function_module.py) make that safe: nothing overwrites
memory that a live view still reads, and an output aliasing an input or another output is
copied before it is returned.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable

from theano.compile.pipeline import register_inplace
from theano.graph.basic import Apply, Constant, Variable
from theano.graph.destroyhandler import DestroyHandler
from theano.graph.fg import FunctionGraph
from theano.graph.rewriting.basic import GraphRewriter, replace_validate
from theano.tensor.elemwise import Elemwise


def attach_destroy_handler(fgraph: FunctionGraph) -> DestroyHandler:
    """The graph's DestroyHandler, attached first if it has none."""
    handler = getattr(fgraph, "destroy_handler", None)
    if handler is None:
        handler = DestroyHandler()
        fgraph.attach_feature(handler)
    return handler


# Proposes, for one node, replacement outputs to try in turn (each a list, one per output).
CandidateFn = Callable[[FunctionGraph, DestroyHandler, Apply], Iterable[list[Variable]]]


class InplaceGraphRewriter(GraphRewriter):
    """Walk the graph once in topological order; for each node whose op is an instance of
    ``op_types``, try the replacements ``candidates(fgraph, handler, node)`` proposes and keep
    the first one the destroy handler validates.

    Parameters
    ----------
    name
        The rewriter's name (also its name in the pipeline database).
    op_types
        The op classes of the nodes to visit (a callable returning them, for classes that
        may not exist yet when this module is imported).
    candidates
        ``fn(fgraph, handler, node)`` yielding lists of new outputs for ``node``.
    """

    def __init__(self, name: str, op_types: Callable[[], tuple[type, ...]], candidates: CandidateFn):
        self.name = name
        self._op_types = op_types
        self.candidates = candidates

    def add_requirements(self, fgraph: FunctionGraph) -> None:
        attach_destroy_handler(fgraph)

    def apply(self, fgraph: FunctionGraph) -> int:
        handler = attach_destroy_handler(fgraph)
        op_types = self._op_types()
        if not op_types:
            return 0
        changes = 0
        for node in fgraph.toposort():
            if node not in fgraph.apply_nodes or not isinstance(node.op, op_types):
                continue
            for new_outputs in self.candidates(fgraph, handler, node):
                if replace_validate(fgraph, list(zip(node.outputs, new_outputs)), reason=self.name):
                    changes += 1
                    break
        return changes


def _with_op(node: Apply, op) -> list[Variable]:
    """The outputs of ``op`` applied to ``node``'s inputs, with the same output types."""
    new_node = Apply(op, list(node.inputs), [out.type() for out in node.outputs])
    return new_node.outputs


def _readers(fgraph: FunctionGraph, handler: DestroyHandler, var: Variable) -> set:
    """The nodes (and ``'output'``) reading the memory of ``var`` or of any view of it."""
    found = set()
    for v in handler.impact(handler.root(var)):
        for client, _ in fgraph.clients.get(v, ()):
            found.add(client)
    return found


def _destroyable(fgraph: FunctionGraph, handler: DestroyHandler, node: Apply, index: int) -> bool:
    """Whether input ``index`` of ``node`` is worth trying to overwrite (cheap checks only)."""
    var = node.inputs[index]
    if isinstance(var, Constant):
        return False
    if sum(1 for inp in node.inputs if inp is var) > 1:
        return False  # the node reads the same buffer through another input
    return handler.can_destroy(var, node)


# ------------------------------------------------------------------------------------------
# Elemwise
# ------------------------------------------------------------------------------------------

def elemwise_inplace_op(op: Elemwise, pattern: dict[int, int]) -> Elemwise:
    """``op`` writing output ``o`` into input ``pattern[o]``'s buffer (printed as
    ``Elemwise{add}[(0, 0)]``)."""
    new_op = copy.copy(op)
    new_op.inplace_pattern = tuple(sorted(pattern.items()))
    new_op.destroy_map = {o: [i] for o, i in new_op.inplace_pattern}
    new_op.name = None
    return new_op


def _elemwise_input_order(fgraph: FunctionGraph, handler: DestroyHandler, node: Apply, output: int,
                          taken: Iterable[int]) -> list[int]:
    """The inputs output ``output`` may overwrite, those nothing else reads first."""
    out_type = node.outputs[output].type
    taken = set(taken)
    alone, shared = [], []
    for i, inp in enumerate(node.inputs):
        if i in taken or inp.type != out_type or not _destroyable(fgraph, handler, node, i):
            continue
        (alone if _readers(fgraph, handler, inp) == {node} else shared).append(i)
    return alone + shared


def _inplace_elemwise(fgraph: FunctionGraph, handler: DestroyHandler, node: Apply) -> int:
    """Make each output of an Elemwise node overwrite an input; return how many did."""
    op = node.op
    pattern = dict(op.inplace_pattern)
    done = 0
    for output in range(len(node.outputs)):
        if output in pattern:
            continue
        for index in _elemwise_input_order(fgraph, handler, node, output, pattern.values()):
            trial = {**pattern, output: index}
            new_outputs = _with_op(node, elemwise_inplace_op(op, trial))
            if replace_validate(fgraph, list(zip(node.outputs, new_outputs)), reason="inplace_elemwise"):
                pattern = trial
                node = new_outputs[0].owner
                op = node.op
                done += 1
                break
    return done


class InplaceElemwiseRewriter(GraphRewriter):
    """Give Elemwise nodes an ``inplace_pattern``, one output at a time (Theano's
    ``inplace_elemwise_optimizer``)."""

    name = "inplace_elemwise"

    def add_requirements(self, fgraph: FunctionGraph) -> None:
        attach_destroy_handler(fgraph)

    def apply(self, fgraph: FunctionGraph) -> int:
        handler = attach_destroy_handler(fgraph)
        changes = 0
        for node in fgraph.toposort():
            # Subclasses of Elemwise may compute differently: only the plain class is rewritten.
            if node in fgraph.apply_nodes and type(node.op) is Elemwise:
                changes += _inplace_elemwise(fgraph, handler, node)
        return changes


# ------------------------------------------------------------------------------------------
# Increment / set subtensor
# ------------------------------------------------------------------------------------------

def _increment_op_types() -> tuple[type, ...]:
    from theano.tensor.advanced_indexing import AdvancedIncSubtensor1
    from theano.tensor.subtensor import BaseIncSubtensor

    return (BaseIncSubtensor, AdvancedIncSubtensor1)


def _inplace_increment_candidates(fgraph: FunctionGraph, handler: DestroyHandler, node: Apply):
    op = node.op
    if op.inplace or not _destroyable(fgraph, handler, node, 0):
        return
    new_op = copy.copy(op)
    new_op.inplace = True
    new_op.destroy_map = {0: [0]}
    yield _with_op(node, new_op)


# ------------------------------------------------------------------------------------------
# BLAS
# ------------------------------------------------------------------------------------------

def _blas_inplace_table() -> dict:
    """The no-inplace BLAS ops and their inplace versions that theano.tensor.blas defines."""
    from theano.tensor import blas

    table = {}
    for plain, inplace in (("gemm_no_inplace", "gemm_inplace"), ("gemv_no_inplace", "gemv_inplace"),
                           ("ger", "ger_destructive")):
        plain_op = getattr(blas, plain, None)
        inplace_op = getattr(blas, inplace, None)
        if plain_op is not None and inplace_op is not None and plain_op != inplace_op:
            table[plain_op] = inplace_op
    return table


def _blas_op_types() -> tuple[type, ...]:
    return tuple({type(op) for op in _blas_inplace_table()})


def _inplace_blas_candidates(fgraph: FunctionGraph, handler: DestroyHandler, node: Apply):
    inplace_op = _blas_inplace_table().get(node.op)
    if inplace_op is None or not _destroyable(fgraph, handler, node, 0):
        return
    yield _with_op(node, inplace_op)


inplace_subtensor = InplaceGraphRewriter("inplace_subtensor", _increment_op_types, _inplace_increment_candidates)
inplace_blas = InplaceGraphRewriter("inplace_blas", _blas_op_types, _inplace_blas_candidates)
inplace_elemwise = InplaceElemwiseRewriter()

# In this order within the stage: increments and BLAS first (their alternative is a copy of a
# whole matrix), then elementwise ops.
register_inplace(inplace_subtensor, name="inplace_subtensor")
register_inplace(inplace_blas, name="inplace_blas")
register_inplace(inplace_elemwise, name="inplace_elemwise")

__all__ = ["InplaceElemwiseRewriter", "InplaceGraphRewriter", "attach_destroy_handler", "elemwise_inplace_op",
           "inplace_blas", "inplace_elemwise", "inplace_subtensor"]
