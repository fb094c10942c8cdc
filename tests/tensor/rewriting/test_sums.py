"""Sums in canonical form: cancellation, one constant term, kept shapes, a fixed point."""

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.graph.fg import FunctionGraph
from theano.graph.rewriting.basic import EquilibriumGraphRewriter
from theano.tensor.rewriting.sums import local_sum_canonizer


def compiled_ops(f):
    return [str(node.op) for node in f.maker.fgraph.toposort()]


def reference(inputs, outputs):
    return theano.function(inputs, outputs, mode=theano.Mode(optimizer=None))


x, y, z = T.dvectors("x", "y", "z")
m = T.dmatrix("m")
X = np.array([1.5, -2.0, 3.0])
Y = np.array([0.25, 4.0, -1.0])
Z = np.array([7.0, 0.5, 2.0])
M = np.arange(6.0).reshape(2, 3)


@pytest.mark.parametrize("expr, expected", [
    (x + y - x, "y"),
    ((x - y) + y, "x"),
    (-(y - x) + y, "x"),
    (x + y + z - y - z, "x"),
    (T.neg(-x), "x"),
    (x + 0, "x"),
])
def test_cancellation_leaves_one_variable(expr, expected):
    f = theano.function([x, y, z], expr, on_unused_input="ignore")
    assert compiled_ops(f) == ["DeepCopyOp"]
    assert f.maker.fgraph.outputs[0].owner.inputs[0].name == expected
    ref = theano.function([x, y, z], expr, mode=theano.Mode(optimizer=None), on_unused_input="ignore")
    np.testing.assert_allclose(f(X, Y, Z), ref(X, Y, Z))


def test_x_minus_x_is_zeros_of_x_shape():
    f = theano.function([x], T.exp(x) - T.exp(x))
    # Zeros built from x's shape: exp is not computed.
    assert "exp" not in compiled_ops(f) and "sub" not in compiled_ops(f)
    out = f(X)
    assert out.shape == X.shape and not out.any()
    g = theano.function([m], m - m)
    assert g.maker.fgraph.outputs[0].type == (m - m).type
    assert g(M).shape == M.shape and not g(M).any()


def test_constants_are_summed_into_one_term():
    expr = (x + 1) + 2 - (3 - y) + 0.5
    f = theano.function([x, y], expr)
    out = f.maker.fgraph.outputs[0]
    assert compiled_ops(f) == ["add"]
    constants = [i for i in out.owner.inputs if isinstance(i, T.TensorConstant)]
    assert len(constants) == 1 and float(constants[0].data.item()) == 0.5
    np.testing.assert_allclose(f(X, Y), X + Y + 0.5)


def test_negative_constant_is_subtracted():
    f = theano.function([x], x + (-1.0) + 0)
    assert compiled_ops(f) == ["sub"]
    np.testing.assert_allclose(f(X), X - 1)
    g = theano.function([x], T.exp(x) - 1 + 0)
    assert compiled_ops(g) == ["expm1"]


def test_cancelled_term_keeps_the_shape_it_decided():
    # m decides the output's shape; once it cancels, the result still has m's shape.
    expr = x + m - m
    f = theano.function([x, m], expr)
    ref = reference([x, m], expr)
    assert f.maker.fgraph.outputs[0].type == expr.type
    np.testing.assert_allclose(f(X, M), ref(X, M))
    assert f(X, M).shape == (2, 3)
    # A broadcastable row plus a column minus the column: still a matrix.
    row, col = T.drow("row"), T.dcol("col")
    expr = row + col - col
    g = theano.function([row, col], expr)
    got = g(np.ones((1, 3)), np.ones((4, 1)))
    assert got.shape == (4, 3)
    assert "add" not in compiled_ops(g) and "sub" not in compiled_ops(g)


def test_constant_with_a_shape_is_kept():
    ones = T.constant(np.ones((3, 3)))
    row = T.drow("row")
    f = theano.function([row], row + ones - 1.0)
    assert f(np.ones((1, 3))).shape == (3, 3)
    np.testing.assert_allclose(f(np.full((1, 3), 2.0)), np.full((3, 3), 2.0))


def test_shared_subterm_is_not_expanded():
    s = x + y
    f = theano.function([x, y], [s - y, s * 2])
    ref = reference([x, y], [s - y, s * 2])
    for got, expected in zip(f(X, Y), ref(X, Y)):
        np.testing.assert_allclose(got, expected)


def test_integer_sums():
    i, j = T.lvectors("i", "j")
    f = theano.function([i, j], i + j - i + 3 - 1)
    assert compiled_ops(f) == ["add"]
    np.testing.assert_array_equal(f(np.array([1, 2]), np.array([5, 6])), [7, 8])


def test_rewrite_returns_none_on_canonical_tree():
    for expr in (x + y, x - y, -(x + y), (x + y + 2) - (z + 1.5), 1 - x, x - 1, x + x):
        fg = FunctionGraph([x, y, z], [expr])
        before = list(fg.toposort())
        EquilibriumGraphRewriter([local_sum_canonizer]).apply(fg)
        once = list(fg.toposort())
        assert local_sum_canonizer.transform(fg, fg.outputs[0].owner) is None
        changes = EquilibriumGraphRewriter([local_sum_canonizer]).apply(fg)
        assert changes == 0 and fg.toposort() == once
        assert len(once) <= len(before)


def test_long_alternating_chain_reaches_fixed_point():
    out = x
    for k in range(200):
        out = out + y if k % 2 == 0 else out - y
    f = theano.function([x, y], out)
    assert compiled_ops(f) == ["DeepCopyOp"]
    np.testing.assert_allclose(f(X, Y), X)


def test_float32_stays_float32():
    a, b = T.fvectors("a", "b")
    f = theano.function([a, b], a + b - a + np.float32(1))
    assert f.maker.fgraph.outputs[0].type.dtype == "float32"
    np.testing.assert_allclose(f(np.ones(2, "float32"), np.ones(2, "float32")), [2.0, 2.0])
