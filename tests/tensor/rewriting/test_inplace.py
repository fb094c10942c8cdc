"""The inplace stage: which ops become inplace, and that no user-visible memory is overwritten."""

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.compile.debugmode import DebugMode
from theano.tensor.rewriting.inplace import elemwise_inplace_op, inplace_elemwise

NO_REWRITES = theano.Mode(optimizer=None)
# Without fusion an expression keeps one Elemwise per operation: the inplace pattern of each
# intermediate can be checked.
UNFUSED = theano.Mode(optimizer="fast_run").excluding("fusion")


def destroyers(fn):
    return [node for node in fn.maker.fgraph.toposort() if getattr(node.op, "destroy_map", None)]


def random(*shape, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, size=shape)


def check_against_unoptimized(inputs, outputs, values, mode=None, calls=3):
    """Compile with ``mode`` and without rewrites; compare values over several calls and check
    that no argument is changed by a call."""
    fn = theano.function(inputs, outputs, mode=mode)
    reference = theano.function(inputs, outputs, mode=NO_REWRITES)
    expected = reference(*values)
    for _ in range(calls):
        copies = [v.copy() for v in values]
        got = fn(*values)
        for value, copy in zip(values, copies):
            np.testing.assert_array_equal(value, copy)
        got_list = got if isinstance(got, list) else [got]
        expected_list = expected if isinstance(expected, list) else [expected]
        for g, e in zip(got_list, expected_list):
            np.testing.assert_allclose(g, e, rtol=1e-12)
    return fn


def test_intermediates_become_inplace_and_show_in_debugprint():
    x, y = T.dmatrices("x", "y")
    fn = check_against_unoptimized([x, y], T.tanh(T.exp(x) + y) * 2, [random(3, 4), random(3, 4, seed=1)],
                                   mode=UNFUSED)
    ops = {str(node.op) for node in destroyers(fn)}
    assert "Elemwise{add}[(0, 0)]" in ops and "Elemwise{tanh}[(0, 0)]" in ops
    assert any(str(node.op).startswith("Elemwise{mul}[") for node in destroyers(fn))
    # exp reads the input x: it is never overwritten.
    exp_node = next(n for n in fn.maker.fgraph.apply_nodes if "exp" in str(n.op))
    assert not getattr(exp_node.op, "destroy_map", None)
    text = theano.printing.debugprint(fn, file="str", print_destroy_map=True, print_view_map=True)
    assert "Elemwise{add}[(0, 0)]" in text and "d={0: [0]}" in text


def test_fused_elemwise_overwrites_a_dead_intermediate():
    x, w = T.dmatrices("x", "w")
    b = T.dvector("b")
    out = T.tanh(T.dot(x, w) + b)
    fn = check_against_unoptimized([x, w, b], out, [random(4, 3), random(3, 5, seed=1), random(5, seed=2)])
    # The elementwise part (fused or not) writes into the product's buffer.
    assert any("tanh" in str(node.op) or "Composite" in str(node.op) for node in destroyers(fn))


def test_inputs_are_never_overwritten_even_when_outputs_are_views():
    x, y = T.dmatrices("x", "y")
    outputs = [x.T, x[1:], T.exp(x).T, T.reshape(y, (12,)), (x + y)[::2], y.T * 2]
    values = [random(3, 4), random(3, 4, seed=1)]
    fn = check_against_unoptimized([x, y], outputs, values)
    results = fn(*values)
    for result in results:
        assert not any(np.shares_memory(result, v) for v in values)
    for i, a in enumerate(results):
        for b in results[i + 1:]:
            assert not np.shares_memory(a, b)


def test_mutable_input_may_be_overwritten():
    x, y = T.dmatrices("x", "y")
    fn = theano.function([theano.In(x, mutable=True), y], T.exp(x) + y, mode=UNFUSED)
    text = theano.printing.debugprint(fn, file="str")
    assert "[(0, 0)]" in text
    a, b = random(2, 3), random(2, 3, seed=1)
    expected = np.exp(a) + b
    kept_b = b.copy()
    result = fn(a, b)
    np.testing.assert_allclose(result, expected)
    np.testing.assert_array_equal(b, kept_b)
    # The same function without mutable leaves x alone.
    plain = theano.function([x, y], T.exp(x) + y, mode=UNFUSED)
    a = random(2, 3)
    kept_a = a.copy()
    plain(a, b)
    np.testing.assert_array_equal(a, kept_a)


def test_mutable_input_aliasing_another_input_is_copied_first():
    x, y = T.dvectors("x", "y")
    fn = theano.function([theano.In(x, mutable=True), y], T.exp(x) + y, mode=UNFUSED)
    assert destroyers(fn)
    a = random(4)
    expected = np.exp(a) + a
    np.testing.assert_allclose(fn(a, a), expected)


def test_default_value_of_a_mutable_input_is_not_overwritten():
    x = T.dvector("x")
    default = np.array([0.5, 1.0])
    fn = theano.function([theano.In(x, value=default, mutable=True)], T.exp(x) * 2, mode=UNFUSED)
    first = fn()
    np.testing.assert_allclose(fn(), first)
    np.testing.assert_array_equal(default, [0.5, 1.0])


def test_shared_variable_read_only_is_unchanged():
    value = random(3, 3)
    w = theano.shared(value.copy(), name="w")
    x = T.dmatrix("x")
    fn = theano.function([x], T.tanh(w) * x + w, mode=UNFUSED)
    for _ in range(3):
        fn(random(3, 3))
        np.testing.assert_array_equal(w.get_value(), value)


def test_shared_variable_update_computed_in_place_over_several_calls():
    w0 = random(4, 3)
    w = theano.shared(w0.copy(), name="w")
    x = T.dmatrix("x")
    cost = T.sum(T.dot(x, w) ** 2)
    grad = T.grad(cost, w)
    fn = theano.function([x], cost, updates=[(w, w - 0.01 * grad)], mode=UNFUSED)
    # The update overwrites w's old buffer (after the gradient, which reads it, has run).
    assert any(node.inputs[index] in fn.maker.fgraph.inputs
               for node in destroyers(fn) for index in _destroyed(node))
    data = random(5, 4, seed=3)
    kept = data.copy()
    expected_w = w0.copy()
    for _ in range(4):
        expected_cost = np.sum((data @ expected_w) ** 2)
        np.testing.assert_allclose(fn(data), expected_cost)
        expected_w = expected_w - 0.01 * 2 * data.T @ (data @ expected_w)
        np.testing.assert_allclose(w.get_value(), expected_w)
    np.testing.assert_array_equal(data, kept)


def _destroyed(node):
    return [i for inputs in node.op.destroy_map.values() for i in inputs]


def test_returned_old_value_of_an_updated_shared_variable_is_not_changed_later():
    w = theano.shared(np.arange(4.0), name="w")
    fn = theano.function([], [w * 1.0, w.T], updates=[(w, w * 2)], mode=UNFUSED)
    first = fn()
    kept = [a.copy() for a in first]
    fn()
    fn()
    for a, k in zip(first, kept):
        np.testing.assert_array_equal(a, k)
    np.testing.assert_array_equal(w.get_value(), np.arange(4.0) * 8)


def test_output_and_update_of_the_same_value_do_not_alias():
    w = theano.shared(np.ones(3), name="w")
    new = T.exp(w) + 1
    fn = theano.function([], [new, new.T], updates=[(w, new)])
    out, out_t = fn()
    kept = out.copy()
    fn()
    np.testing.assert_array_equal(out, kept)
    assert not np.shares_memory(out, w.get_value(borrow=True))
    assert not np.shares_memory(out, out_t)


def test_repeated_calls_give_equal_results():
    x = T.dmatrix("x")
    z = T.exp(x)
    outputs = [T.tanh(z) * 2, z + 1, (z * 3).T]
    fn = theano.function([x], outputs, mode=UNFUSED)
    assert destroyers(fn)
    a = random(3, 3)
    first = [r.copy() for r in fn(a)]
    for _ in range(3):
        for got, want in zip(fn(a), first):
            np.testing.assert_array_equal(got, want)


def test_views_are_real_views_in_the_python_backend():
    x = T.dmatrix("x")
    a = random(4, 6)
    for expression in (x.T, x.dimshuffle(1, "x", 0), T.reshape(x, (6, 4)), x[1:3, ::2], x[2]):
        fn = theano.function([theano.In(x, borrow=True)], theano.Out(expression, borrow=True), mode=NO_REWRITES)
        assert np.shares_memory(fn(a), a), expression
        # Without borrow the output is copied: the caller's array stays private.
        safe = theano.function([x], expression, mode=NO_REWRITES)
        assert not np.shares_memory(safe(a), a)


def test_set_and_inc_subtensor_become_inplace():
    x = T.dmatrix("x")
    y = T.dvector("y")
    i = T.lvector("i")
    outputs = [T.set_subtensor(T.exp(x)[1], y), T.inc_subtensor(T.tanh(x)[:, 2], y[:3]),
               T.inc_subtensor(T.exp(x * 2)[i], y)]
    values = [random(3, 4), random(4, seed=1), np.array([0, 2, 0])]
    fn = check_against_unoptimized([x, y, i], outputs, values)
    ops = [str(node.op) for node in destroyers(fn)]
    assert any("IncSubtensor{inplace,set" in op for op in ops)
    assert any("IncSubtensor{inplace,inc" in op for op in ops)
    assert any("AdvancedIncSubtensor1{inplace,inc" in op for op in ops)


def test_inc_subtensor_of_an_input_is_not_inplace():
    x, y = T.dvectors("x", "y")
    fn = check_against_unoptimized([x, y], T.set_subtensor(x[1:], y[1:]), [random(4), random(4, seed=1)])
    assert not destroyers(fn)


def test_blas_ops_become_inplace():
    from theano.tensor import blas

    x, y = T.dmatrices("x", "y")
    z = T.dmatrix("z")
    out = T.exp(z) + T.dot(x, y) * 2
    fn = check_against_unoptimized([x, y, z], out, [random(3, 4), random(4, 5, seed=1), random(3, 5, seed=2)])
    ops = [node.op for node in fn.maker.fgraph.apply_nodes]
    if not any(isinstance(op, blas.Gemm) for op in ops):
        pytest.skip("the BLAS rewrites do not build a Gemm for this graph")
    assert blas.gemm_inplace in ops


def test_gemv_and_ger_become_inplace_on_intermediates_only():
    from theano.tensor import blas

    A = T.dmatrix("A")
    x, z = T.dvectors("x", "z")
    outputs = [T.exp(z) + T.dot(A, x) * 2, T.exp(A) + 0.5 * T.outer(z, x), z + T.dot(A, x)]
    values = [random(3, 4), random(4, seed=1), random(3, seed=3)]
    fn = check_against_unoptimized([A, x, z], outputs, values)
    ops = [node.op for node in fn.maker.fgraph.apply_nodes]
    if not any(isinstance(op, blas.Gemv) for op in ops) or not any(isinstance(op, blas.Ger) for op in ops):
        pytest.skip("the BLAS rewrites do not build Gemv and Ger for these graphs")
    assert blas.gemv_inplace in ops and blas.ger_destructive in ops
    # z + dot(A, x) would overwrite the input z: that Gemv stays out of place.
    for node in destroyers(fn):
        assert not any(node.inputs[i] in fn.maker.fgraph.inputs for i in _destroyed(node))


def test_user_inplace_graph_with_accept_inplace():
    x = T.dvector("x")
    z = T.exp(x)
    destroyed = elemwise_inplace_op(T.tanh, {0: 0})(z)
    reader = z * 2
    fn = theano.function([x], [destroyed, reader], accept_inplace=True, mode=NO_REWRITES)
    order = [str(node.op) for node in fn.maker.fgraph.toposort()]
    assert order.index("mul") < order.index("Elemwise{tanh}[(0, 0)]")
    a = random(3)
    got_destroyed, got_reader = fn(a)
    np.testing.assert_allclose(got_destroyed, np.tanh(np.exp(a)))
    np.testing.assert_allclose(got_reader, np.exp(a) * 2)
    with pytest.raises(TypeError, match="inplace"):
        theano.function([x], [destroyed, reader])
    # Reading the overwritten value after its destroyer cannot be ordered: refused at compile time.
    from theano.graph.fg import InconsistencyError

    with pytest.raises(InconsistencyError):
        theano.function([x], destroyed + z, accept_inplace=True, mode=NO_REWRITES)


def test_debugmode_accepts_inplace_graphs():
    x, y = T.dmatrices("x", "y")
    z = T.exp(x)
    outputs = [T.tanh(z) * 2 + y, z + 1, T.set_subtensor(T.exp(y)[0], x[1])]
    fn = theano.function([x, y], outputs, mode=DebugMode(optimizer="fast_run"))
    assert destroyers(fn)
    values = [random(3, 3), random(3, 3, seed=1)]
    expected = theano.function([x, y], outputs, mode=NO_REWRITES)(*values)
    for got, want in zip(fn(*values), expected):
        np.testing.assert_allclose(got, want)


def test_debugmode_catches_an_undeclared_overwrite():
    from theano.compile.debugmode import BadDestroyMap
    from theano.graph.basic import Apply
    from theano.graph.op import Op

    class SneakyNeg(Op):
        __props__ = ()

        def make_node(self, x):
            return Apply(self, [x], [x.type()])

        def perform(self, node, inputs, output_storage, params=None):
            np.negative(inputs[0], out=inputs[0])
            output_storage[0][0] = inputs[0].copy()

    x = T.dvector("x")
    fn = theano.function([x], SneakyNeg()(T.exp(x)), mode=DebugMode(optimizer=None))
    with pytest.raises(BadDestroyMap):
        fn(random(3))


def test_inplace_stage_on_a_long_elementwise_chain():
    x = T.dvector("x")
    y = x
    for i in range(2000):
        y = T.exp(y) if i % 2 else T.tanh(y)
    fn = theano.function([x], y, mode=UNFUSED)
    nodes = fn.maker.fgraph.toposort()
    inplace_nodes = [n for n in nodes if getattr(n.op, "destroy_map", None)]
    assert len(inplace_nodes) == len(nodes) - 1  # all but the one reading x
    a = np.full(3, 0.1)
    expected = a.copy()
    for i in range(2000):
        expected = np.exp(expected) if i % 2 else np.tanh(expected)
    np.testing.assert_allclose(fn(a), expected)
    np.testing.assert_array_equal(a, np.full(3, 0.1))


def test_inplace_elemwise_rewriter_alone_on_a_function_graph():
    from theano.graph.destroyhandler import Supervisor
    from theano.graph.fg import FunctionGraph

    x, y = T.dvectors("x", "y")
    fgraph = FunctionGraph([x, y], [T.exp(x) * y + T.neg(y)], clone=False)
    fgraph.attach_feature(Supervisor([x]))
    changes = inplace_elemwise(fgraph)
    assert hasattr(fgraph, "destroy_handler") and changes >= 2
    destroyed = {node.inputs[i] for node in fgraph.apply_nodes for i in _destroyed(node)
                 if getattr(node.op, "destroy_map", None)}
    assert x not in destroyed


def _composite_op():
    from theano import scalar

    a, b = scalar.float64("a"), scalar.float64("b")
    return theano.tensor.elemwise.Elemwise(scalar.Composite([a, b], [scalar.exp(a) * b + a]))


@pytest.mark.parametrize("make_op, n_inputs, destroyed", [
    (lambda: T.exp, 1, 0), (lambda: T.sub, 2, 1), (lambda: T.add, 3, 0), (lambda: T.add, 3, 1),
    (lambda: T.add, 3, 2), (lambda: T.mul, 2, 1), (_composite_op, 2, 0), (_composite_op, 2, 1),
])
def test_inplace_elemwise_perform_writes_into_the_input_buffer(make_op, n_inputs, destroyed):
    op = make_op()
    inputs = [T.dmatrix(f"x{i}") for i in range(n_inputs)]
    plain_node = op(*inputs).owner
    inplace_node = elemwise_inplace_op(op, {0: destroyed})(*inputs).owner
    values = [random(3, 4, seed=i) + 2 for i in range(n_inputs)]
    expected = [[None]]
    plain_node.op.perform(plain_node, [v.copy() for v in values], expected)
    buffers = [v.copy() for v in values]
    storage = [[None]]
    inplace_node.op.perform(inplace_node, buffers, storage)
    assert storage[0][0] is buffers[destroyed]
    np.testing.assert_array_equal(storage[0][0], expected[0][0])
    for i, (buffer, value) in enumerate(zip(buffers, values)):
        if i != destroyed:
            np.testing.assert_array_equal(buffer, value)
