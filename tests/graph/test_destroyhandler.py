"""The destroy handler: its rejections, the orderings it adds, and its incremental state."""

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.compile.ops import view_op
from theano.graph.destroyhandler import AlreadyThere, DestroyHandler, Supervisor
from theano.graph.fg import FunctionGraph, InconsistencyError
from theano.graph.rewriting.basic import replace_validate
from theano.link.vm import build_vm
from theano.tensor.rewriting.inplace import elemwise_inplace_op

exp_inplace = elemwise_inplace_op(T.exp, {0: 0})
tanh_inplace = elemwise_inplace_op(T.tanh, {0: 0})
add_inplace = elemwise_inplace_op(T.add, {0: 0})
mul_inplace = elemwise_inplace_op(T.mul, {0: 0})


def graph(inputs, outputs, protected=()):
    fgraph = FunctionGraph(inputs, outputs, clone=False)
    fgraph.attach_feature(Supervisor(protected))
    handler = DestroyHandler()
    fgraph.attach_feature(handler)
    return fgraph, handler


def test_reachable_under_theano_names():
    assert theano.gof.DestroyHandler is DestroyHandler
    assert theano.graph.destroyhandler.DestroyHandler is DestroyHandler


def test_accepts_a_destroyer_of_a_dead_intermediate():
    x = T.dvector("x")
    z = T.exp(x)
    fgraph, handler = graph([x], [tanh_inplace(z)], protected=[x])
    assert handler.validate(fgraph)
    assert fgraph.destroyers(z) == [fgraph.outputs[0].owner]
    assert fgraph.has_destroyers([z]) and not fgraph.has_destroyers([x])


def test_rejects_two_destroyers_of_one_variable():
    x, y = T.dvectors("x", "y")
    z = T.exp(x)
    fgraph, handler = graph([x, y], [add_inplace(z, y) + mul_inplace(z, y)])
    with pytest.raises(InconsistencyError, match="overwritten twice"):
        handler.validate(fgraph)


def test_rejects_two_destroyers_through_a_view():
    x = T.dmatrix("x")
    z = T.exp(x)
    fgraph, handler = graph([x], [tanh_inplace(z) + tanh_inplace(z.T).T])
    with pytest.raises(InconsistencyError, match="overwritten twice"):
        handler.validate(fgraph)


def test_rejects_a_destroyer_whose_value_is_read_later():
    x = T.dvector("x")
    z = T.exp(x)
    destroyed = tanh_inplace(z)
    # z + destroyed must read z after tanh_inplace has overwritten it: impossible.
    fgraph, handler = graph([x], [destroyed + z])
    with pytest.raises(InconsistencyError, match="cycle"):
        handler.validate(fgraph)


def test_rejects_a_destroyer_of_memory_a_later_node_reads_through_a_view():
    x = T.dmatrix("x")
    z = T.exp(x)
    destroyed = tanh_inplace(z)
    fgraph, handler = graph([x], [destroyed + z.T])
    with pytest.raises(InconsistencyError, match="cycle"):
        handler.validate(fgraph)


def test_rejects_destroying_protected_inputs_and_their_views():
    x, y = T.dmatrices("x", "y")
    fgraph, handler = graph([x, y], [tanh_inplace(x) * 2], protected=[x])
    with pytest.raises(InconsistencyError, match="protected"):
        handler.validate(fgraph)
    fgraph, handler = graph([x, y], [tanh_inplace(x.T) * 2], protected=[x])
    with pytest.raises(InconsistencyError, match="protected"):
        handler.validate(fgraph)
    # Not protected: allowed.
    fgraph, handler = graph([x, y], [tanh_inplace(y) * 2], protected=[x])
    assert handler.validate(fgraph)


def test_rejects_destroying_constants_and_indestructible_variables():
    x = T.dvector("x")
    c = T.constant(np.ones(3))
    fgraph, handler = graph([x], [add_inplace(c, x) * 2])
    with pytest.raises(InconsistencyError, match="protected"):
        handler.validate(fgraph)
    x.tag.indestructible = True
    fgraph, handler = graph([x], [tanh_inplace(x) * 2])
    with pytest.raises(InconsistencyError, match="protected"):
        handler.validate(fgraph)


def test_rejects_destroying_a_graph_output():
    x = T.dvector("x")
    z = T.exp(x)
    fgraph, handler = graph([x], [z, tanh_inplace(z)])
    with pytest.raises(InconsistencyError, match="output"):
        handler.validate(fgraph)
    fgraph, handler = graph([x], [view_op(z), tanh_inplace(z)])
    with pytest.raises(InconsistencyError, match="output"):
        handler.validate(fgraph)


def test_rejects_a_destroyer_reading_the_same_memory_through_another_input():
    x = T.dmatrix("x")
    z = T.exp(x)
    fgraph, handler = graph([x], [add_inplace(z, z.T)])
    with pytest.raises(InconsistencyError, match="share memory"):
        handler.validate(fgraph)


def test_orderings_put_readers_before_the_destroyer():
    x = T.dvector("x")
    z = T.exp(x)
    destroyed = tanh_inplace(z)
    reader = z * 2
    # The destroyer's output comes first: a plain depth-first order would run it first.
    fgraph, handler = graph([x], [destroyed, reader])
    handler.validate(fgraph)
    order = fgraph.toposort()
    assert order.index(reader.owner) < order.index(destroyed.owner)
    assert handler.orderings(fgraph) == {destroyed.owner: [reader.owner]}
    # The VM follows that order: the reader sees exp(x), not tanh(exp(x)).
    value = np.array([0.1, 0.2, 0.3])
    vm, outputs = build_vm(fgraph, [[value.copy()]])
    vm()
    np.testing.assert_allclose(outputs[0][0], np.tanh(np.exp(value)))
    np.testing.assert_allclose(outputs[1][0], np.exp(value) * 2)


def test_orderings_cover_readers_of_views():
    x = T.dmatrix("x")
    z = T.exp(x)
    view = z.T
    reader = view * 2
    destroyed = tanh_inplace(z)
    fgraph, handler = graph([x], [destroyed, reader])
    handler.validate(fgraph)
    order = fgraph.toposort()
    assert order.index(reader.owner) < order.index(destroyed.owner)
    assert order.index(view.owner) < order.index(destroyed.owner)


def test_replace_validate_undoes_a_rejected_inplace_replacement():
    x = T.dvector("x")
    z = T.exp(x)
    plain = T.tanh(z)
    fgraph, handler = graph([x], [plain + z], protected=[x])
    before = sorted(str(n.op) for n in fgraph.apply_nodes)
    assert not replace_validate(fgraph, [(plain, tanh_inplace(z))])
    assert sorted(str(n.op) for n in fgraph.apply_nodes) == before
    assert not handler.destroyer_nodes
    # A legal one is kept.
    other = T.neg(x)
    fgraph, handler = graph([x], [T.tanh(T.exp(x)) + other], protected=[x])
    node = next(n for n in fgraph.apply_nodes if n.op == T.tanh)
    assert replace_validate(fgraph, [(node.outputs[0], tanh_inplace(node.inputs[0]))])
    assert len(handler.destroyer_nodes) == 1


def test_supervisor_attached_later_rechecks_destroyers():
    x = T.dvector("x")
    fgraph = FunctionGraph([x], [tanh_inplace(x) * 2], clone=False)
    handler = DestroyHandler()
    fgraph.attach_feature(handler)
    handler.validate(fgraph)
    fgraph.attach_feature(Supervisor([x]))
    with pytest.raises(InconsistencyError, match="protected"):
        handler.validate(fgraph)


def test_attaching_twice_is_refused_and_detach_cleans_up():
    x = T.dvector("x")
    fgraph, handler = graph([x], [T.exp(x)])
    with pytest.raises(AlreadyThere):
        fgraph.attach_feature(DestroyHandler())
    fgraph.remove_feature(handler)
    assert not hasattr(fgraph, "destroyers")
    fgraph.attach_feature(DestroyHandler())


def _check_from_scratch(fgraph, protected_positions):
    """Validate a copy of ``fgraph`` with a fresh handler (no incremental state)."""
    copy, equiv = fgraph.clone_get_equiv(check_integrity=False, attach_feature=False)
    copy.attach_feature(Supervisor([copy.inputs[i] for i in protected_positions]))
    handler = DestroyHandler()
    copy.attach_feature(handler)
    handler.validate(copy)
    return copy, handler


@pytest.mark.parametrize("seed", range(6))
def test_incremental_verdicts_match_a_fresh_handler_on_random_graphs(seed):
    rng = np.random.default_rng(seed)
    inputs = [T.dvector(f"x{i}") for i in range(4)]
    pool = list(inputs)
    unary = [T.exp, T.tanh, T.neg, view_op]
    binary = [T.add, T.mul, T.sub]
    for _ in range(40):
        if rng.random() < 0.5:
            pool.append(unary[rng.integers(len(unary))](pool[rng.integers(len(pool))]))
        else:
            a, b = rng.integers(len(pool), size=2)
            pool.append(binary[rng.integers(len(binary))](pool[a], pool[b]))
    outputs = [pool[-1], pool[-2], pool[int(rng.integers(4, len(pool)))]]
    protected = [0, 1]
    reference = theano.function(inputs, outputs, mode=theano.Mode(optimizer=None), on_unused_input="ignore")
    fgraph, handler = graph(inputs, [T.add(o, 0.0) for o in outputs], protected=[inputs[i] for i in protected])
    candidates = [n for n in fgraph.toposort() if n.op in (T.exp, T.tanh, T.neg, T.add, T.mul, T.sub)]
    rng.shuffle(candidates)
    kept = 0
    for node in candidates:
        if node not in fgraph.apply_nodes:
            continue
        index = int(rng.integers(len(node.inputs)))
        new_op = elemwise_inplace_op(node.op, {0: index})
        if node.inputs[index].type != node.outputs[0].type:
            continue
        new_out = new_op(*node.inputs)
        # What would a fresh handler say about the graph with this change?
        trial, equiv = fgraph.clone_get_equiv(check_integrity=False, attach_feature=False)
        trial_node = equiv[node]
        trial.replace(trial_node.outputs[0], new_op(*trial_node.inputs))
        try:
            _check_from_scratch(trial, protected)
            expected = True
        except InconsistencyError:
            expected = False
        assert replace_validate(fgraph, [(node.outputs[0], new_out)]) == expected
        kept += expected
        _check_from_scratch(fgraph, protected)  # the kept graph is always consistent
    values = [rng.random(5) for _ in inputs]
    cells = [[v.copy()] for v in values]
    vm, out_cells = build_vm(fgraph, cells)
    vm()
    for got, want in zip([c[0] for c in out_cells], reference(*values)):
        np.testing.assert_allclose(got, want)
    for i in protected:
        np.testing.assert_array_equal(cells[i][0], values[i])
    order = fgraph.toposort()
    position = {node: i for i, node in enumerate(order)}
    for destroyer, readers in handler.orderings(fgraph).items():
        assert all(position[r] < position[destroyer] for r in readers)


def test_long_chain_validates_locally(monkeypatch):
    """2,000 inplace replacements on a chain: no recursion, and the whole-graph level
    computation runs once (when the first destroyer appears), not once per replacement."""
    x = T.dvector("x")
    y = x
    for i in range(2000):
        y = T.exp(y) if i % 2 else T.tanh(y)
    fgraph, handler = graph([x], [y * 1.0], protected=[x])
    full_passes = []
    original = DestroyHandler._recompute_levels

    def counting(self, fg):
        full_passes.append(1)
        return original(self, fg)

    monkeypatch.setattr(DestroyHandler, "_recompute_levels", counting)
    for node in fgraph.toposort():
        if node.op in (T.exp, T.tanh) and node.inputs[0] is not x:
            replace_validate(fgraph, [(node.outputs[0], elemwise_inplace_op(node.op, {0: 0})(node.inputs[0]))])
    assert len(handler.destroyer_nodes) == 1999
    assert len(full_passes) == 1
    _check_from_scratch(fgraph, [0])
