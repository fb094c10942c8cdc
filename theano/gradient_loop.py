"""A minimal loop for ``jacobian``/``hessian``: evaluate a graph for each index in ``range(n)``.

``theano.scan`` is the general loop; this op exists so that the gradient module does not
depend on it. Its inner graph is compiled once, on first use, with the outer mode's rules.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from theano.graph.basic import Apply, Constant, Variable, graph_inputs
from theano.graph.op import Op


class MapOverRange(Op):
    """Stack ``inner_outputs`` evaluated with ``index`` = 0, 1, ..., n - 1.

    Inputs: ``n`` and the free variables of the inner graph (in ``inner_inputs`` order).
    Each instance owns its inner graph, so instances compare by identity.
    """

    def __init__(self, index: Variable, inner_inputs: Sequence[Variable], inner_outputs: Sequence[Variable]):
        self.index = index
        self.inner_inputs = list(inner_inputs)
        self.inner_outputs = list(inner_outputs)
        self._fn = None

    def make_node(self, n, *outer_inputs):
        from theano.tensor.basic import as_tensor_variable, cast
        from theano.tensor.type import TensorType

        n = cast(as_tensor_variable(n), "int64")
        outer_inputs = [as_tensor_variable(x) for x in outer_inputs]
        for inner, outer in zip(self.inner_inputs, outer_inputs):
            if inner.type != outer.type:
                raise TypeError(f"MapOverRange: input {outer} has type {outer.type}, expected {inner.type}")
        outputs = [TensorType(o.type.dtype, (False, *o.type.broadcastable))() for o in self.inner_outputs]
        return Apply(self, [n, *outer_inputs], outputs)

    def _compiled(self):
        if self._fn is None:
            import theano

            self._fn = theano.function([self.index, *self.inner_inputs], self.inner_outputs,
                                       on_unused_input="ignore")
        return self._fn

    def perform(self, node, inputs, output_storage, params=None):
        n, *values = inputs
        fn = self._compiled()
        rows = [fn(i, *values) for i in range(int(n))]
        for k, out in enumerate(node.outputs):
            if rows:
                output_storage[k][0] = np.stack([np.asarray(r[k]) for r in rows]).astype(out.type.dtype, copy=False)
            else:
                output_storage[k][0] = np.zeros((0,) * out.type.ndim, dtype=out.type.dtype)

    def L_op(self, inputs, outputs, output_grads):
        from theano.gradient import grad_not_implemented

        return [grad_not_implemented(self, i, x, "differentiate through theano.scan instead")
                for i, x in enumerate(inputs)]

    def __str__(self):
        return f"MapOverRange{{{len(self.inner_outputs)} outputs}}"


def map_over_range(index: Variable, outputs: Sequence[Variable], n: Variable) -> list[Variable]:
    """``[stack([out(index=i) for i in range(n)]) for out in outputs]`` as graph variables."""
    from theano.compile.sharedvalue import SharedVariable

    free = [v for v in graph_inputs(outputs)
            if v is not index and not isinstance(v, (Constant, SharedVariable))]
    op = MapOverRange(index, free, outputs)
    result = op(n, *free)
    return result if isinstance(result, list) else [result]
