"""A user's own rewrite, registered into the optimizer's databases, applied, and excluded per mode."""

import numpy as np

import theano
import theano.tensor as T
from theano.compile.pipeline import canonicalize_db, register_canonicalize, register_specialize
from theano.graph.basic import Apply
from theano.graph.op import Op
from theano.graph.rewriting.basic import node_rewriter


class SlowSquare(Op):
    """``x * x`` computed in Python: a rewrite replaces it by the elementwise product."""

    __props__ = ()

    def make_node(self, x):
        x = T.as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = inputs[0] * inputs[0]


slow_square = SlowSquare()


@register_canonicalize("user_demo")
@node_rewriter([SlowSquare], name="user_slow_square_to_mul")
def user_slow_square_to_mul(fgraph, node):
    (x,) = node.inputs
    return [x * x]


class Halve(Op):
    """``x / 2`` in Python; a specialize rewrite turns it into a multiplication by 0.5."""

    __props__ = ()

    def make_node(self, x):
        x = T.as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = inputs[0] / 2


@register_specialize
@node_rewriter([Halve], name="user_halve_to_mul")
def user_halve_to_mul(fgraph, node):
    return [node.inputs[0] * np.float64(0.5)]


def op_types(f):
    return [type(n.op).__name__ for n in f.maker.fgraph.toposort()]


def test_registered_rewrite_is_applied_and_shows_in_the_graph():
    assert "user_slow_square_to_mul" in canonicalize_db
    x = T.dvector("x")
    f = theano.function([x], slow_square(x) + 1, mode=theano.Mode(linker="py"))
    assert "SlowSquare" not in op_types(f)
    np.testing.assert_allclose(f(np.array([2.0, 3.0])), [5.0, 10.0])
    # fast_compile runs canonicalize too
    g = theano.function([x], slow_square(x), mode=theano.Mode(linker="py", optimizer="fast_compile"))
    assert "SlowSquare" not in op_types(g)


def test_rewrite_excluded_by_name_by_tag_and_by_flag():
    x = T.dvector("x")
    value = np.array([2.0, 3.0])
    for mode in (theano.Mode(linker="py").excluding("user_slow_square_to_mul"),
                 theano.Mode(linker="py").excluding("user_demo"),
                 theano.Mode(linker="py", optimizer=None)):
        f = theano.function([x], slow_square(x), mode=mode)
        assert "SlowSquare" in op_types(f)
        np.testing.assert_allclose(f(value), value**2)
    with theano.change_flags(optimizer_excluding="user_slow_square_to_mul"):
        f = theano.function([x], slow_square(x), mode=theano.Mode(linker="py"))
    assert "SlowSquare" in op_types(f)


def test_specialize_rewrite_runs_in_fast_run_only():
    x = T.dvector("x")
    fast_run = theano.function([x], Halve()(x), mode=theano.Mode(linker="py"))
    fast_compile = theano.function([x], Halve()(x), mode=theano.Mode(linker="py", optimizer="fast_compile"))
    assert "Halve" not in op_types(fast_run) and "Halve" in op_types(fast_compile)
    np.testing.assert_allclose(fast_run(np.array([3.0])), [1.5])
    np.testing.assert_allclose(fast_compile(np.array([3.0])), [1.5])


class Triple(Op):
    __props__ = ()

    def make_node(self, x):
        x = T.as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = inputs[0] * 3


def test_rewrite_registered_after_a_compilation_applies_to_the_same_graph():
    x = T.dvector("x")
    before = theano.function([x], Triple()(x), mode=theano.Mode(linker="py"))
    assert "Triple" in op_types(before)

    @register_canonicalize
    @node_rewriter([Triple], name="user_triple_to_mul")
    def user_triple_to_mul(fgraph, node):
        return [node.inputs[0] * np.float64(3.0)]

    after = theano.function([x], Triple()(x), mode=theano.Mode(linker="py"))  # not the cached graph
    assert "Triple" not in op_types(after)
    np.testing.assert_allclose(after(np.array([1.0, 2.0])), [3.0, 6.0])
