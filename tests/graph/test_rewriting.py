"""The rewriting machinery: node rewriters, walking/equilibrium rewriters, merge, databases, modes."""

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.compile import pipeline
from theano.graph.basic import equal_computations
from theano.graph.fg import FunctionGraph
from theano.graph.rewriting.basic import (
    EquilibriumGraphRewriter,
    MergeOptimizer,
    PatternNodeRewriter,
    WalkingGraphRewriter,
    node_rewriter,
    replace_validate,
)
from theano.graph.rewriting.db import EquilibriumDB, SequenceDB


def op_names(fgraph):
    return sorted(str(node.op) for node in fgraph.apply_nodes)


def test_node_rewriter_decorator_and_walk():
    @node_rewriter([T.exp])
    def exp_to_sin(fgraph, node):
        return [T.sin(node.inputs[0])]

    x = T.dvector("x")
    fg = FunctionGraph([x], [T.exp(x) + T.exp(x * 2)])
    changes = WalkingGraphRewriter(exp_to_sin).apply(fg)
    assert changes == 2
    assert "exp" not in op_names(fg) and op_names(fg).count("sin") == 2
    assert exp_to_sin.name == "exp_to_sin"


def test_pattern_rewriter():
    x = T.dvector("x")
    fg = FunctionGraph([x], [T.neg(T.neg(x * 2))])
    rewriter = PatternNodeRewriter((T.neg, (T.neg, "x")), "x")
    EquilibriumGraphRewriter([rewriter]).apply(fg)
    assert "neg" not in op_names(fg) and "mul" in op_names(fg)


def test_equilibrium_reaches_a_fixed_point():
    x = T.dscalar("x")
    y = x
    for _ in range(10):
        y = -y
    fg = FunctionGraph([x], [y * 3])
    EquilibriumGraphRewriter([PatternNodeRewriter((T.neg, (T.neg, "x")), "x")]).apply(fg)
    assert op_names(fg) == ["mul"]


def test_merge_identical_computations_and_constants():
    x = T.dvector("x")
    a = T.exp(x) + 1.0
    b = T.exp(x) + 1.0
    fg = FunctionGraph([x], [a * b])
    merged = MergeOptimizer().apply(fg)
    assert merged >= 2
    assert op_names(fg).count("exp") == 1 and op_names(fg).count("add") == 1


def test_merge_chain_is_linear():
    x = T.dvector("x")
    outs = []
    for _ in range(2):
        y = x
        for _ in range(1000):
            y = T.tanh(y)
        outs.append(y)
    fg = FunctionGraph([x], outs)
    MergeOptimizer().apply(fg)
    assert len(fg.apply_nodes) == 1000
    assert fg.outputs[0] is fg.outputs[1]


def test_constant_folding_respects_op_choice():
    x = T.dvector("x")
    folded = theano.function([x], x + T.exp(T.constant(0.0)) * 2)
    nodes = folded.maker.fgraph.toposort()
    assert [str(n.op) for n in nodes] == ["add"]
    shape_of_alloc = theano.function([], T.alloc(np.float64(1), 3) + 2.0)
    assert any(isinstance(n.op, T.Alloc) for n in shape_of_alloc.maker.fgraph.apply_nodes)


def test_databases_select_by_tags():
    @node_rewriter([T.exp])
    def tagged(fgraph, node):
        return None

    db = EquilibriumDB("test")
    db.register("tagged", tagged, "fast_run", "extra")
    assert db.select(["fast_run"]) == [tagged]
    assert db.select(["fast_run"], exclude=["extra"]) == []
    assert db.select(["fast_run"], require=["missing"]) == []
    assert db.select(["tagged"]) == [tagged]
    seq = SequenceDB("seq")
    seq.register("inner", db, "fast_run")
    assert seq.query(["fast_run"]).rewriters
    with pytest.raises(ValueError):
        db.register("tagged", tagged)


def test_pipeline_is_one_ordered_table():
    names = [name for _, name, _, _ in pipeline.PIPELINE]
    assert names.index("merge1") < names.index("canonicalize") < names.index("stabilize") < names.index(
        "specialize") < names.index("fusion") < names.index("inplace") < names.index("merge2")


def test_modes_choose_rewrites():
    x = T.dvector("x")
    expr = T.log(1 + T.exp(x))
    fast_run = theano.function([x], expr, mode="FAST_RUN")
    fast_compile = theano.function([x], expr, mode="FAST_COMPILE")
    no_rewrites = theano.function([x], expr, mode=theano.Mode(optimizer=None))
    excluded = theano.function([x], expr, mode=theano.compile.mode.get_mode("FAST_RUN").excluding(
        "local_log1p_softplus"))
    assert "softplus" in op_names(fast_run.maker.fgraph)
    assert "softplus" not in op_names(fast_compile.maker.fgraph)
    assert "softplus" not in op_names(no_rewrites.maker.fgraph)
    assert "softplus" not in op_names(excluded.maker.fgraph)
    with theano.change_flags(optimizer_excluding="stabilize"):
        assert "softplus" not in op_names(theano.function([x], expr).maker.fgraph)
    value = np.array([-3.0, 0.0, 3.0])
    for f in (fast_run, fast_compile, no_rewrites, excluded):
        np.testing.assert_allclose(f(value), np.log1p(np.exp(value)))


def test_failing_rewrite_is_reported_not_fatal():
    @node_rewriter([T.exp])
    def broken(fgraph, node):
        raise RuntimeError("boom")

    x = T.dvector("x")
    fg = FunctionGraph([x], [T.exp(x)])
    with pytest.warns(UserWarning, match="boom"):
        WalkingGraphRewriter(broken).apply(fg)
    with theano.change_flags(on_opt_error="raise"):
        with pytest.raises(RuntimeError):
            WalkingGraphRewriter(broken).apply(fg)


def test_rewritten_graph_keeps_user_trace_for_errors():
    x = T.dvector("x")
    y = T.dvector("y")
    z = T.neg(T.neg(x + y))  # the failing expression
    f = theano.function([x, y], z)
    with pytest.raises(ValueError, match="the failing expression"):
        f(np.ones(2), np.ones(3))


def test_fused_graph_keeps_user_trace_for_errors():
    x, y = T.dmatrices("x", "y")
    z = T.exp(x) * 2 + y  # the fused failing expression
    f = theano.function([x, y], z)
    assert any("Composite" in str(node.op) for node in f.maker.fgraph.toposort())
    with pytest.raises(ValueError, match="the fused failing expression"):
        f(np.ones((2, 3)), np.ones((3, 2)))


def test_equal_computations_after_rewrite():
    x = T.dvector("x")
    fg = FunctionGraph([x], [T.neg(T.neg(T.exp(x)))], clone=False)
    EquilibriumGraphRewriter([PatternNodeRewriter((T.neg, (T.neg, "x")), "x")]).apply(fg)
    assert equal_computations(fg.outputs, [T.exp(x)], [x], [x])


class _RejectEverything:
    """A feature whose validate refuses every change."""

    def validate(self, fgraph):
        from theano.graph.fg import InconsistencyError

        raise InconsistencyError("no")


def test_rejected_replacement_moves_back_only_the_uses_it_moved():
    x = T.dvector("x")
    a, b = T.exp(x), T.exp(x)
    fg = FunctionGraph([x], [a * 2, b + 1], clone=False)
    fg.attach_feature(_RejectEverything())
    first, second = fg.outputs
    assert not replace_validate(fg, [(b, a)], reason="test")
    # ``a`` keeps its own use; only ``b``'s use went back to ``b``.
    assert first.owner.inputs[0] is a and second.owner.inputs[0] is b
    assert a.owner in fg.apply_nodes and b.owner in fg.apply_nodes


def test_toposort_reports_a_cycle_instead_of_looping():
    from theano.graph.basic import io_toposort

    x = T.dvector("x")
    a = T.exp(x)
    b = T.log(a)
    with pytest.raises(ValueError, match="cycle"):
        io_toposort([x], [b], orderings={a.owner: [b.owner]})
