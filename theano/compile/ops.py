"""Small ops used by the compiler itself: copies and views of function outputs."""

from __future__ import annotations

import copy

import numpy as np

from theano.graph.basic import Apply
from theano.graph.op import Op


class DeepCopyOp(Op):
    """A copy of its input: inserted where an output would otherwise alias an input."""

    __props__ = ()

    def make_node(self, x):
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage, params=None):
        value = inputs[0]
        output_storage[0][0] = value.copy() if isinstance(value, np.ndarray) else copy.deepcopy(value)

    def infer_shape(self, node, shapes):
        return shapes


deep_copy_op = DeepCopyOp()


class ViewOp(Op):
    """Its input, unchanged (a view): marks a place in a graph."""

    __props__ = ()
    view_map = {0: [0]}

    def make_node(self, x):
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage, params=None):
        output_storage[0][0] = inputs[0]

    def infer_shape(self, node, shapes):
        return shapes

    def grad(self, inputs, output_grads):
        return list(output_grads)


view_op = ViewOp()


class OutputGuard(ViewOp):
    """Theano 1.0 name kept for old code."""


_output_guard = OutputGuard()
