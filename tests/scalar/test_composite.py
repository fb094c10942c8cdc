"""Composite: a scalar graph used as one scalar op (identity, name, evaluation, types, pickling)."""

import pickle

import numpy as np
import pytest

import theano
import theano.tensor as T
from tests import unittest_tools as utt
from theano import scalar as ts
from theano.graph.basic import Apply
from theano.scalar.composite import MAX_NAME_CHARS, Composite
from theano.tensor.elemwise import Elemwise
from theano.tensor.rewriting.elemwise import unfold

a, b, c = ts.float64("a"), ts.float64("b"), ts.float64("c")


def paper_composite():
    return Composite([a, b, c], [a * b + c])


def test_importable_under_theano_1_names():
    assert ts.Composite is Composite
    assert ts.basic.Composite is Composite


def test_name_shows_the_expression():
    assert str(paper_composite()) == "Composite{(i0 * i1) + i2}"
    assert str(Composite([a, b, c], [ts.tanh(a * b + c)])) == "Composite{tanh(((i0 * i1) + i2))}"
    assert str(Composite([a], [-a * 2.5])) == "Composite{(-i0) * 2.5}"
    assert str(Composite([a, b], [ts.switch(ts.lt(a, b), a, b)])) == "Composite{switch((i0 < i1), i0, i1)}"


def test_shared_intermediates_are_named_once():
    t = ts.exp(a)
    op = Composite([a], [t * t + t, t])
    assert str(op) == "Composite{t0 = exp(i0); (t0 * t0) + t0, t0}"
    assert op.nout == 2


def test_long_names_are_cut():
    out = a
    for _ in range(400):
        out = ts.exp(out)
    op = Composite([a], [out])
    assert len(str(op)) < MAX_NAME_CHARS + 20 and str(op).endswith(" ...}")
    assert len(op.expression) > MAX_NAME_CHARS


def test_equal_structure_is_equal_op():
    x, y, z = ts.float64("x"), ts.float64("y"), ts.float64("z")
    first, second = paper_composite(), Composite([x, y, z], [x * y + z])
    assert first == second and hash(first) == hash(second)
    assert first != Composite([x, y, z], [x * y - z])
    assert first != Composite([x, y, z], [y * x + z])  # wired differently
    assert first != Composite([x, y, z], [x * y + z + 1.0])
    assert Composite([a], [a + 1.0]) != Composite([a], [a + 2.0])  # constants count
    f32 = [ts.float32(n) for n in "xyz"]
    assert first != Composite(f32, [f32[0] * f32[1] + f32[2]])  # input types count
    assert len({first, second}) == 1


def test_nested_composites_flatten():
    inner = paper_composite()
    outer = Composite([a, b], [ts.exp(inner(a, b, a))])
    assert not any(isinstance(node.op, Composite) for node in outer.nodes)
    assert str(outer) == "Composite{exp(((i0 * i1) + i0))}"
    assert outer == Composite([a, b], [ts.exp(a * b + a)])


def test_flattening_a_deep_chain_does_not_recurse():
    out = a
    for _ in range(3000):
        out = ts.sin(out)
    op = Composite([a], [out])
    twice = Composite([a], [op(op(a))])
    assert len(twice.nodes) == 6000
    assert twice.impl(0.5) == pytest.approx(op.impl(op.impl(0.5)))


def test_impl_on_scalars_and_arrays():
    op = paper_composite()
    assert op.impl(2.0, 3.0, 4.0) == 10.0
    x, y = utt.random(3, 4), utt.random(4, offset=1)
    np.testing.assert_array_equal(op.impl(x, y, 1.5), x * y + 1.5)
    two = Composite([a, b], [a + b, a - b])
    total, diff = two.impl(x, x)
    np.testing.assert_array_equal(total, x + x)
    np.testing.assert_array_equal(diff, np.zeros_like(x))


def test_perform_through_a_scalar_graph():
    op = paper_composite()
    out = op(a, b, c)
    f = theano.function([a, b, c], out)
    assert f(2.0, 3.0, 4.0) == 10.0


def test_output_types_follow_the_inputs():
    op = Composite([a, b], [a * b, ts.lt(a, b)])
    assert [t.dtype for t in op.output_types([a.type, b.type])] == ["float64", "bool"]
    i, j = ts.int8("i"), ts.int8("j")
    # built for float64, applied to int8: the graph is rebuilt for those types, as any scalar op would be
    assert [t.dtype for t in op.output_types([i.type, j.type])] == ["int8", "bool"]
    big, three = np.array([100], dtype="int8"), np.array([3], dtype="int8")
    values = op.impl(big, three)
    assert values[0].dtype == np.int8 and values[0][0] == (big * three)[0]  # wraps around, as int8 does


def test_refused_dtypes_raise_type_error():
    op = Composite([a], [ts.exp(a)])
    with pytest.raises(TypeError):
        op.output_types([ts.get_scalar_type("complex64"), ts.get_scalar_type("complex64")])


def test_constant_outputs_and_input_outputs():
    op = Composite([a], [a, ts.constant(2.0)])
    m = T.dmatrix("m")
    f = theano.function([m], Elemwise(op)(m))
    value = utt.random(2, 3)
    same, two = f(value)
    np.testing.assert_array_equal(same, value)
    assert same is not value
    np.testing.assert_array_equal(two, np.full((2, 3), 2.0))


def test_outputs_never_share_memory():
    t = ts.identity(ts.exp(a))
    op = Composite([a], [t, ts.exp(a)])
    first, second = op.impl_arrays([utt.random(4)], ["float64", "float64"])
    assert not np.may_share_memory(first, second)


def test_bad_graphs_are_refused():
    with pytest.raises(ValueError, match="neither an input nor a constant"):
        Composite([a], [a + b])
    with pytest.raises(ValueError, match="twice"):
        Composite([a, a], [a + 1.0])
    with pytest.raises(TypeError, match="scalar variables"):
        Composite([T.dvector()], [a])
    with pytest.raises(TypeError, match="constant"):
        Composite([ts.constant(1.0)], [a])


def test_pickling_keeps_identity_and_values():
    op = Composite([a, b], [ts.exp(a) * b, a - b])
    copy = pickle.loads(pickle.dumps(op))
    assert copy == op and hash(copy) == hash(op) and str(copy) == str(op)
    x = utt.random(5)
    for got, expected in zip(copy.impl(x, x), op.impl(x, x)):
        np.testing.assert_array_equal(got, expected)
    elemwise = pickle.loads(pickle.dumps(Elemwise(op)))
    assert elemwise == Elemwise(op)


def test_make_node_takes_python_numbers_in_the_built_dtype():
    x = ts.float32("x")
    node = Composite([x], [x * 2]).make_node(3)
    assert isinstance(node, Apply) and node.inputs[0].type.dtype == "float32"


def test_elemwise_composite_grad_and_rop():
    t = ts.tanh(a * b + c)
    op = Composite([a, b, c], [t, t * a])
    fused = Elemwise(op)

    def first(x, y, z):
        return fused(x, y, z)[0] + 2 * fused(x, y, z)[1]

    values = [utt.random(3, 4), utt.random(3, 4, offset=1), utt.random(3, 4, offset=2)]
    theano.gradient.verify_grad(first, values)
    utt.check_rop(first, values)


def test_unfold_rebuilds_elemwise_nodes():
    m1, m2 = T.dmatrices("m1", "m2")
    (out,) = unfold(Elemwise(Composite([a, b], [ts.exp(a) + b * 2.0])), [m1, m2])
    ops = {str(node.op) for node in theano.graph.basic.io_toposort([m1, m2], [out])}
    assert {"Elemwise{exp}", "Elemwise{add}", "Elemwise{mul}"} <= ops
    x, y = utt.random(2, 2), utt.random(2, 2, offset=3)
    np.testing.assert_allclose(out.eval({m1: x, m2: y}), np.exp(x) + y * 2)


def test_connection_pattern_follows_the_inner_graph():
    i = ts.int32("i")
    op = Composite([a, b, i], [ts.exp(a) * i, ts.sin(b)])
    assert op.connection_pattern() == [[True, False], [False, True], [True, False]]
    x, y = T.dvectors("x", "y")
    k = T.ivector("k")
    first, second = Elemwise(op)(x, y, k)
    with pytest.raises(theano.gradient.DisconnectedInputError):
        T.grad(T.sum(first), y)
    gx, gy = T.grad(T.sum(first * 2 + second), [x, y])
    f = theano.function([x, y, k], [gx, gy])
    value = utt.random(3)
    got_x, got_y = f(value, value, np.arange(3, dtype="int32"))
    utt.assert_allclose(got_x, 2 * np.exp(value) * np.arange(3))
    utt.assert_allclose(got_y, np.cos(value))
