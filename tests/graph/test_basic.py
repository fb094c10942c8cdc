"""The graph IR: variables, applies, traversals, cloning and FunctionGraph edits."""

import sys

import numpy as np
import pytest

import theano
from theano.graph.basic import (
    Apply,
    Constant,
    Variable,
    ancestors,
    clone,
    clone_replace,
    equal_computations,
    graph_inputs,
    io_toposort,
)
from theano.graph.fg import Feature, FunctionGraph, MissingInputError
from theano.graph.op import Op
from theano.graph.type import Type


class NumberType(Type):
    """A toy type: Python floats."""

    def filter(self, data, strict=False, allow_downcast=None):
        return float(data)

    def __eq__(self, other):
        return type(self) is type(other)

    def __hash__(self):
        return hash(type(self))


number = NumberType()


class AddOne(Op):
    __props__ = ()

    def make_node(self, x):
        return Apply(self, [x], [number()])

    def perform(self, node, inputs, output_storage, params=None):
        output_storage[0][0] = inputs[0] + 1.0


class Plus(Op):
    __props__ = ("scale",)

    def __init__(self, scale=1.0):
        self.scale = scale

    def make_node(self, x, y):
        return Apply(self, [x, y], [number()])

    def perform(self, node, inputs, output_storage, params=None):
        output_storage[0][0] = self.scale * (inputs[0] + inputs[1])


def test_props_define_equality_and_hash():
    assert Plus(2.0) == Plus(2.0)
    assert hash(Plus(2.0)) == hash(Plus(2.0))
    assert Plus(2.0) != Plus(3.0)
    assert AddOne() == AddOne()
    assert str(Plus(2.0)) == "Plus{scale=2.0}"


def test_op_without_props_compares_by_identity():
    class Plain(Op):
        def make_node(self, x):
            return Apply(self, [x], [number()])

    a, b = Plain(), Plain()
    assert a == a and a != b


def test_apply_links_outputs_to_owner():
    x = number("x")
    node = AddOne().make_node(x)
    out = node.outputs[0]
    assert out.owner is node and out.index == 0
    assert node.inputs == [x]
    with pytest.raises(TypeError):
        Apply(AddOne(), [1.0], [number()])


def test_traversals():
    x, y = number("x"), number("y")
    a = AddOne()(x)
    b = Plus()(a, y)
    c = Plus()(b, a)
    assert set(graph_inputs([c])) == {x, y}
    assert {v for v in ancestors([c])} >= {x, y, a, b, c}
    order = io_toposort([x, y], [c])
    assert order == [a.owner, b.owner, c.owner]
    assert set(graph_inputs([c], blockers=[b])) == {b, x}


def test_toposort_respects_dependencies_random_dag():
    rng = np.random.default_rng(0)
    inputs = [number(f"i{k}") for k in range(4)]
    pool = list(inputs)
    for _ in range(200):
        a, b = (pool[i] for i in rng.integers(0, len(pool), size=2))
        pool.append(Plus()(a, b))
    order = io_toposort(inputs, [pool[-1]])
    position = {node: k for k, node in enumerate(order)}
    for node in order:
        for inp in node.inputs:
            if inp.owner is not None:
                assert position[inp.owner] < position[node]


def test_clone_copies_structure_not_identity():
    x = number("x")
    out = Plus()(AddOne()(x), x)
    (new_x,), (new_out,) = clone([x], [out])
    assert new_x is not x and new_out is not out
    assert new_out.owner.op == out.owner.op
    assert graph_inputs([new_out]) == [new_x]
    assert equal_computations([out], [new_out], [x], [new_x])


def test_clone_replace_substitutes_and_keeps_original():
    x, y = number("x"), number("y")
    a = AddOne()(x)
    out = Plus()(a, a)
    new = clone_replace(out, {a: y})
    assert set(graph_inputs([new])) == {y}
    assert set(graph_inputs([out])) == {x}


def test_fgraph_replace_and_clients():
    x, y = number("x"), number("y")
    a = AddOne()(x)
    b = Plus()(a, y)
    fg = FunctionGraph([x, y], [b], clone=False)
    assert fg.clients[a] == [(b.owner, 0)]
    c = AddOne()(y)
    fg.replace(a, c)
    assert b.owner.inputs[0] is c
    assert a.owner not in fg.apply_nodes
    assert c.owner in fg.apply_nodes
    fg.check_integrity()


def test_fgraph_features_get_callbacks():
    events = []

    class Recorder(Feature):
        def on_import(self, fgraph, node, reason):
            events.append(("import", node.op))

        def on_prune(self, fgraph, node, reason):
            events.append(("prune", node.op))

        def on_change_input(self, fgraph, node, i, old, new, reason):
            events.append(("change", reason))

    x = number("x")
    a = AddOne()(x)
    fg = FunctionGraph([x], [a], clone=False)
    fg.attach_feature(Recorder())
    fg.replace(a, Plus()(x, x), reason="test")
    kinds = [e[0] for e in events]
    assert "import" in kinds and "prune" in kinds and ("change", "test") in events


def test_fgraph_missing_input():
    x, y = number("x"), number("y")
    with pytest.raises(MissingInputError, match="y"):
        FunctionGraph([x], [Plus()(x, y)], clone=False)


def test_fgraph_clone_is_independent():
    x = number("x")
    fg = FunctionGraph([x], [AddOne()(x)])
    fg2 = fg.clone()
    assert fg2.outputs[0] is not fg.outputs[0]
    fg2.check_integrity()


def test_constant_signature():
    assert Constant(number, 1.0).equals(Constant(number, 1.0))
    assert not Constant(number, 1.0).equals(Constant(number, 2.0))


CHAIN = 100_000


def test_hundred_thousand_node_chain_without_recursion():
    """Build, clone, sort, wrap and compile a 100,000-node chain under the default recursion limit."""
    assert sys.getrecursionlimit() <= 10_000
    x = number("x")
    y = x
    op = AddOne()
    for _ in range(CHAIN):
        y = op.make_node(y).outputs[0]
    (new_x,), (new_y,) = clone([x], [y])
    order = io_toposort([new_x], [new_y])
    assert len(order) == CHAIN
    fg = FunctionGraph([x], [y])
    assert len(fg.apply_nodes) == CHAIN
    assert len(list(ancestors([y]))) == CHAIN + 1
    f = theano.function([x], y, mode=theano.Mode(optimizer=None))
    assert f(0.0) == float(CHAIN)


@pytest.mark.slow
def test_hundred_thousand_tensor_ops():
    import theano.tensor as T

    x = T.dvector("x")
    y = x
    for _ in range(CHAIN):
        y = -y
    f = theano.function([x], y)
    np.testing.assert_allclose(f(np.ones(2)), np.ones(2))


def test_variable_str_and_eval():
    import theano.tensor as T

    x = T.dscalar("x")
    assert str(x) == "x"
    y = x * 2
    assert y.eval({x: 3.0}) == 6.0
    assert isinstance(y, Variable)
