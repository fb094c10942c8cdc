"""Multinomial sampling from given uniform numbers: the ops under
``MRG_RandomStreams.multinomial`` and ``MRG_RandomStreams.choice``.

Both take a matrix of probabilities (one distribution per row), a vector of uniform numbers in
``(0, 1)`` and a number of samples ``n``; sample ``c`` of row ``r`` uses ``unis[c * n_rows + r]``,
so that the rows of one sample take consecutive uniforms. Comparisons use float64 cumulative sums
whatever the dtype of the probabilities.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from theano.gradient import grad_undefined
from theano.graph.basic import Apply, Variable
from theano.graph.op import Op
from theano.tensor.basic import as_tensor_variable, cast
from theano.tensor.type import TensorType

__all__ = ["ChoiceFromUniform", "MultinomialFromUniform", "MultinomialWOReplacementFromUniform"]


def _check_inputs(op: Op, pvals: np.ndarray, unis: np.ndarray, n_samples: int) -> None:
    if unis.shape[0] != pvals.shape[0] * n_samples:
        raise ValueError(f"{op}: {unis.shape[0]} uniform numbers given, {pvals.shape[0] * n_samples} needed "
                         f"({pvals.shape[0]} rows of probabilities times {n_samples} samples)")


def _first_above(cumulative: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """For each row, the first index whose cumulative sum exceeds the row's target."""
    return (cumulative <= targets[..., None]).sum(axis=-1)


class MultinomialFromUniform(Op):
    """``(pvals, unis, n=1) -> counts``: for each row of ``pvals``, the counts of ``n`` draws.

    A draw picks the first outcome whose cumulative probability exceeds its uniform number (the
    last one when rounding leaves the uniform above the total).
    """

    __props__ = ("odtype",)

    def __init__(self, odtype: str = "int64"):
        self.odtype = odtype

    def make_node(self, pvals: Any, unis: Any, n: Any = 1) -> Apply:
        pvals = as_tensor_variable(pvals)
        unis = as_tensor_variable(unis)
        n = cast(as_tensor_variable(n), "int64")
        if pvals.type.ndim != 2:
            raise NotImplementedError(f"pvals must be a matrix (one distribution per row), got {pvals.type}")
        if unis.type.ndim != 1:
            raise NotImplementedError(f"unis must be a vector, got {unis.type}")
        if n.type.ndim != 0:
            raise TypeError(f"n must be a scalar, got {n.type}")
        odtype = pvals.type.dtype if self.odtype == "auto" else self.odtype
        return Apply(self, [pvals, unis, n], [TensorType(odtype, pvals.type.broadcastable)()])

    def perform(self, node: Apply, inputs: Sequence[Any], output_storage: list, params: Any = None) -> None:
        pvals, unis, n = inputs
        n = int(n)
        _check_inputs(self, pvals, unis, n)
        n_rows, n_outcomes = pvals.shape
        counts = np.zeros((n_rows, n_outcomes), dtype="int64")
        if n_rows and n_outcomes and n:
            cumulative = np.cumsum(pvals, axis=1, dtype="float64")
            picks = _first_above(cumulative[None], unis.reshape(n, n_rows).astype("float64"))
            picks = np.minimum(picks, n_outcomes - 1)
            rows = np.broadcast_to(np.arange(n_rows), picks.shape)
            np.add.at(counts, (rows.ravel(), picks.ravel()), 1)
        output_storage[0][0] = counts.astype(node.outputs[0].type.dtype)

    def infer_shape(self, node: Apply, shapes: list) -> list:
        return [shapes[0]]

    def grad(self, inputs: Sequence[Variable], output_grads: Sequence[Variable]) -> list:
        return [grad_undefined(self, k, x, "sampling is not differentiable") for k, x in enumerate(inputs)]

    def do_constant_folding(self, node: Apply) -> bool:
        return False


class ChoiceFromUniform(MultinomialFromUniform):
    """``(pvals, unis, n) -> indices``: for each row of ``pvals``, ``n`` outcomes drawn without
    replacement (an ``(n_rows, n)`` matrix).

    Each draw picks among the outcomes not drawn yet, with their probabilities renormalised: the
    first outcome whose cumulative probability exceeds the uniform number times the probability
    left. A row needs at least ``n`` outcomes of nonzero probability.
    """

    __props__ = ("odtype", "replace")

    def __init__(self, odtype: str = "int64", replace: bool = False):
        super().__init__(odtype)
        if replace:
            raise NotImplementedError("ChoiceFromUniform draws without replacement only")
        self.replace = False

    def make_node(self, pvals: Any, unis: Any, n: Any = 1) -> Apply:
        node = super().make_node(pvals, unis, n)
        odtype = node.inputs[0].type.dtype if self.odtype == "auto" else self.odtype
        return Apply(self, node.inputs, [TensorType(odtype, (node.inputs[0].type.broadcastable[0], False))()])

    def perform(self, node: Apply, inputs: Sequence[Any], output_storage: list, params: Any = None) -> None:
        pvals, unis, n = inputs
        n = int(n)
        _check_inputs(self, pvals, unis, n)
        n_rows, n_outcomes = pvals.shape
        if n > n_outcomes:
            raise ValueError(f"{self}: cannot draw {n} samples without replacement from {n_outcomes} outcomes")
        left = np.array(pvals, dtype="float64")
        unis = unis.reshape(n, n_rows).astype("float64")
        out = np.empty((n_rows, n), dtype="int64")
        rows = np.arange(n_rows)
        for c in range(n):
            cumulative = np.cumsum(left, axis=1)
            total = cumulative[:, -1] if n_outcomes else np.zeros(n_rows)
            picks = _first_above(cumulative, unis[c] * total)
            overshot = picks >= n_outcomes  # rounding: take the last outcome still available
            if overshot.any():
                available = left[overshot] > 0
                if not available.any(axis=1).all():
                    raise ValueError(f"{self}: a row of pvals has fewer than {n} outcomes of nonzero probability")
                picks[overshot] = n_outcomes - 1 - np.argmax(available[:, ::-1], axis=1)
            out[:, c] = picks
            left[rows, picks] = 0.0
        output_storage[0][0] = out.astype(node.outputs[0].type.dtype)

    def infer_shape(self, node: Apply, shapes: list) -> list:
        return [(shapes[0][0], node.inputs[2])]


MultinomialWOReplacementFromUniform = ChoiceFromUniform  # Theano 1.0's name
