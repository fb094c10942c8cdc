"""theano.scan against explicit NumPy loops, for every argument form, on both backends."""

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.scan_module import scan, until
from theano.scan_module.scan_op import Scan

pytestmark = pytest.mark.usefixtures("backend")


def data(*shape, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, size=shape)


def scan_nodes(fn):
    return [n for n in fn.maker.fgraph.toposort() if isinstance(n.op, Scan)]


def test_recurrence_with_sequence_state_and_non_sequence():
    x, W, h0 = T.matrix("x"), T.matrix("W"), T.vector("h0")
    h, updates = scan(lambda xt, hm1, W: T.tanh(xt + T.dot(hm1, W)), sequences=x, outputs_info=h0,
                      non_sequences=W)
    assert len(updates) == 0
    f = theano.function([x, h0, W], h)
    xv, h0v, Wv = data(6, 3), data(3, seed=1), data(3, 3, seed=2)
    expected, hv = [], h0v
    for t in range(6):
        hv = np.tanh(xv[t] + hv @ Wv)
        expected.append(hv)
    np.testing.assert_allclose(f(xv, h0v, Wv), expected)
    assert len(scan_nodes(f)) == 1


def test_sequence_taps():
    x = T.vector("x")
    out, _ = scan(lambda a, b, c: a + 10 * b + 100 * c, sequences=dict(input=x, taps=[-1, 0, 2]))
    xv = np.arange(8.0)
    expected = [xv[t - 1] + 10 * xv[t] + 100 * xv[t + 2] for t in range(1, 6)]
    np.testing.assert_allclose(theano.function([x], out)(xv), expected)


def test_sequence_only_negative_and_only_positive_taps():
    x = T.vector("x")
    neg, _ = scan(lambda a, b: a - b, sequences=dict(input=x, taps=[-2, -1]))
    pos, _ = scan(lambda a, b: a * b, sequences=dict(input=x, taps=[1, 3]))
    f = theano.function([x], [neg, pos])
    xv = np.arange(1.0, 8.0)
    r_neg, r_pos = f(xv)
    np.testing.assert_allclose(r_neg, [xv[t - 2] - xv[t - 1] for t in range(2, 7)])
    np.testing.assert_allclose(r_pos, [xv[t + 1] * xv[t + 3] for t in range(0, 4)])


def test_multiple_negative_output_taps_fibonacci():
    init = T.vector("init")
    n = T.iscalar("n")
    fib, _ = scan(lambda a, b: a + b, outputs_info=dict(initial=init, taps=[-2, -1]), n_steps=n)
    f = theano.function([init, n], fib)
    expected = [1.0, 1.0]
    for _ in range(8):
        expected.append(expected[-2] + expected[-1])
    np.testing.assert_allclose(f(np.array([1.0, 1.0]), 8), expected[2:])


def test_output_taps_order_and_unused_lag():
    # taps [-3, -1]: the initial value holds 3 entries; -2 is not passed
    init = T.vector("init")
    out, _ = scan(lambda a3, a1: a3 - a1, outputs_info=dict(initial=init, taps=[-3, -1]), n_steps=5)
    values = [1.0, 2.0, 4.0]
    for _ in range(5):
        values.append(values[-3] - values[-1])
    np.testing.assert_allclose(theano.function([init], out)(np.array([1.0, 2.0, 4.0])), values[3:])


def test_none_outputs_and_several_outputs():
    x = T.vector("x")
    a0 = T.scalar("a0")

    def step(xt, acc):
        return xt * 2, acc + xt

    (doubled, sums), _ = scan(step, sequences=x, outputs_info=[None, a0])
    f = theano.function([x, a0], [doubled, sums])
    xv = data(5)
    r_d, r_s = f(xv, 0.5)
    np.testing.assert_allclose(r_d, 2 * xv)
    np.testing.assert_allclose(r_s, 0.5 + np.cumsum(xv))


def test_n_steps_symbolic_without_sequences():
    n = T.iscalar("n")
    a = T.scalar("a")
    powers, _ = scan(lambda p, a: p * a, outputs_info=T.constant(1.0, dtype="float64"), non_sequences=a, n_steps=n)
    f = theano.function([n, a], powers)
    np.testing.assert_allclose(f(5, 2.0), [2.0, 4.0, 8.0, 16.0, 32.0])
    assert f(0, 2.0).shape == (0,)


def test_n_steps_shorter_than_sequence():
    x = T.vector("x")
    out, _ = scan(lambda v: v + 1, sequences=x, n_steps=3)
    np.testing.assert_allclose(theano.function([x], out)(np.arange(6.0)), [1.0, 2.0, 3.0])


def test_go_backwards():
    x = T.vector("x")
    h0 = T.scalar("h0")
    out, _ = scan(lambda xt, h: 0.5 * h + xt, sequences=x, outputs_info=h0, go_backwards=True)
    xv = data(6)
    expected, h = [], 1.0
    for v in xv[::-1]:
        h = 0.5 * h + v
        expected.append(h)
    np.testing.assert_allclose(theano.function([x, h0], out)(xv, 1.0), expected)


def test_until_stops_the_loop():
    x0 = T.scalar("x0")

    def step(v):
        new = v * 2
        return new, until(new > 50)

    out, _ = scan(step, outputs_info=x0, n_steps=100)
    f = theano.function([x0], out)
    np.testing.assert_allclose(f(1.0), [2, 4, 8, 16, 32, 64])
    np.testing.assert_allclose(f(100.0), [200.0])


def test_until_with_sequence_and_map_output():
    x = T.vector("x")
    out, _ = scan(lambda v: (v * v, until(v < 0)), sequences=x)
    np.testing.assert_allclose(theano.function([x], out)(np.array([1.0, 2.0, -3.0, 4.0])), [1.0, 4.0, 9.0])


def test_return_list_and_single_output():
    x = T.vector("x")
    out, _ = scan(lambda v: v + 1, sequences=x, return_list=True)
    assert isinstance(out, list) and len(out) == 1
    single, _ = scan(lambda v: v + 1, sequences=[x])
    assert isinstance(single, T.TensorVariable)


def test_shared_variable_read_inside_is_an_input():
    W = theano.shared(np.eye(2) * 3, name="W")
    x = T.matrix("x")
    out, updates = scan(lambda v: T.dot(v, W), sequences=x)
    assert len(updates) == 0
    xv = data(4, 2)
    np.testing.assert_allclose(theano.function([x], out)(xv), xv @ (np.eye(2) * 3))
    W.set_value(np.eye(2))
    np.testing.assert_allclose(theano.function([x], out)(xv), xv)


def test_updates_of_shared_variables_inside_fn():
    counter = theano.shared(np.float64(0), name="counter")
    total = theano.shared(np.float64(10), name="total")
    x = T.vector("x")

    def step(v):
        return v + counter, {counter: counter + 1, total: total + v}

    out, updates = scan(step, sequences=x)
    assert set(updates) == {counter, total}
    f = theano.function([x], out, updates=updates)
    xv = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(f(xv), [1.0, 3.0, 5.0])
    assert counter.get_value() == 3 and total.get_value() == 16
    np.testing.assert_allclose(f(xv), [4.0, 6.0, 8.0])
    assert counter.get_value() == 6


def test_default_update_of_a_shared_variable_used_inside():
    state = theano.shared(np.float64(1.0), name="state")
    state.default_update = state * 2
    n = T.iscalar("n")
    out, updates = scan(lambda: state + 0, n_steps=n)
    assert list(updates) == [state]
    f = theano.function([n], out, updates=updates)
    np.testing.assert_allclose(f(4), [1, 2, 4, 8])
    assert state.get_value() == 16


def test_outputs_updates_in_either_order():
    s = theano.shared(np.float64(0), name="s")
    x = T.vector("x")
    with pytest.warns(DeprecationWarning):
        out, updates = scan(lambda v: ({s: s + v}, v * 3), sequences=x)
    f = theano.function([x], out, updates=updates)
    np.testing.assert_allclose(f(np.array([1.0, 2.0])), [3.0, 6.0])
    assert s.get_value() == 3.0


def test_nested_scan():
    A = T.matrix("A")

    def row_cumsum(row):
        inner, _ = scan(lambda v, acc: acc + v, sequences=row, outputs_info=T.constant(0.0, dtype="float64"))
        return inner

    out, _ = scan(row_cumsum, sequences=A)
    Av = data(3, 4)
    np.testing.assert_allclose(theano.function([A], out)(Av), np.cumsum(Av, axis=1))


def test_free_variable_and_givens():
    x = T.vector("x")
    scale = T.scalar("scale")
    out, _ = scan(lambda v: v * scale, sequences=x)
    data_shared = theano.shared(np.arange(4.0), name="data")
    f = theano.function([scale], out, givens={x: data_shared})
    np.testing.assert_allclose(f(2.0), np.arange(4.0) * 2)


def test_strict_rejects_implicit_variables():
    x = T.vector("x")
    scale = T.scalar("scale")
    with pytest.raises(ValueError, match="strict"):
        scan(lambda v: v * scale, sequences=x, strict=True)
    out, _ = scan(lambda v, s: v * s, sequences=x, non_sequences=scale, strict=True)
    np.testing.assert_allclose(theano.function([x, scale], out)(np.ones(2), 3.0), [3.0, 3.0])


def test_views_map_reduce_fold():
    x = T.vector("x")
    mapped, _ = theano.map(lambda v: v ** 2, sequences=x)
    total, _ = theano.reduce(lambda v, acc: acc + v, sequences=x, outputs_info=T.constant(0.0, dtype="float64"))
    left, _ = theano.foldl(lambda v, acc: acc * 2 + v, sequences=x, outputs_info=T.constant(0.0, dtype="float64"))
    right, _ = theano.foldr(lambda v, acc: acc * 2 + v, sequences=x, outputs_info=T.constant(0.0, dtype="float64"))
    xv = np.array([1.0, 2.0, 3.0])
    r = theano.function([x], [mapped, total, left, right])(xv)
    np.testing.assert_allclose(r[0], xv ** 2)
    assert r[1] == 6.0 and r[2] == 11.0 and r[3] == 17.0


def test_infer_shape():
    x = T.matrix("x")
    h0 = T.vector("h0")
    (h, y), _ = scan(lambda v, h: (h + v, T.outer(v, v)), sequences=x, outputs_info=[h0, None])
    f = theano.function([x, h0], [h.shape, y.shape])
    xv = data(5, 3)
    s_h, s_y = f(xv, np.zeros(3))
    assert tuple(s_h) == (5, 3) and tuple(s_y) == (5, 3, 3)


def test_errors():
    x = T.vector("x")
    with pytest.raises(ValueError, match="number of steps"):
        scan(lambda: T.constant(1.0), outputs_info=None)
    with pytest.raises(TypeError, match="dtype"):
        scan(lambda h: T.cast(h, "float32"), outputs_info=T.scalar(dtype="float64"), n_steps=2)
    with pytest.raises(ValueError, match="future taps"):
        scan(lambda h: h, outputs_info=dict(initial=x, taps=[1]), n_steps=2)
    with pytest.raises(ValueError, match="n_steps must be an int"):
        scan(lambda v: v, sequences=x, n_steps=T.scalar())
    out, _ = scan(lambda v: v, sequences=x, n_steps=5)
    with pytest.raises(ValueError, match="fewer than"):
        theano.function([x], out)(np.ones(3))


@pytest.mark.parametrize("streams", ["RandomStreams", "MRG_RandomStreams"])
def test_random_streams_inside_fn(streams):
    if streams == "RandomStreams":
        from theano.tensor.shared_randomstreams import RandomStreams as Streams
    else:
        from theano.sandbox.rng_mrg import MRG_RandomStreams as Streams
    srng = Streams(seed=3)
    n = T.iscalar("n")
    draws, updates = scan(lambda: srng.uniform((2,)), n_steps=n)
    assert len(updates) == 1  # the generator's state, through its default_update
    f = theano.function([n], draws, updates=updates)
    first, second = f(3), f(3)
    assert first.shape == (3, 2)
    assert not np.allclose(first[0], first[1]) and not np.allclose(first, second)
    srng.seed(3)
    np.testing.assert_allclose(f(3), first)


def test_tutorial_jacobian_with_grad_inside_fn():
    x = T.dvector("x")
    y = x ** 2
    J, updates = scan(lambda i, y, x: T.grad(y[i], x), sequences=T.arange(y.shape[0]), non_sequences=[y, x])
    np.testing.assert_allclose(theano.function([x], J, updates=updates)(np.array([4.0, 3.0])), np.diag([8.0, 6.0]))


def test_pickled_function_with_scan():
    import pickle

    X, h0 = T.matrix("X"), T.vector("h0")
    h, _ = scan(lambda xt, h: T.tanh(xt + h), sequences=X, outputs_info=h0)
    f = theano.function([X, h0], h)
    g = pickle.loads(pickle.dumps(f))
    xv = data(3, 2)
    np.testing.assert_allclose(g(xv, np.zeros(2)), f(xv, np.zeros(2)))


def test_test_values_reach_the_inner_function():
    X, h0 = T.matrix("X"), T.vector("h0")
    X.tag.test_value = np.ones((3, 2))
    h0.tag.test_value = np.zeros(2)
    with theano.change_flags(compute_test_value="raise"):
        h, _ = scan(lambda xp, xt, h: T.tanh(xt - xp + h), sequences=dict(input=X, taps=[-1, 0]), outputs_info=h0)
    assert h.tag.test_value.shape == (2, 2)


def test_negative_constant_n_steps_runs_backwards():
    x = T.vector("x")
    out, _ = scan(lambda v: v * 1, sequences=x, n_steps=-3)
    np.testing.assert_allclose(theano.function([x], out)(np.arange(5.0)), [4.0, 3.0, 2.0])


def test_inner_function_follows_the_outer_linker():
    from theano.link.c.linker import CVM, c_backend_available

    x = T.vector("x")
    out, _ = scan(lambda v: v * 2, sequences=x)
    f_py = theano.function([x], out, mode=theano.Mode(linker="py"))
    np.testing.assert_allclose(f_py(np.arange(3.0)), [0.0, 2.0, 4.0])
    (node,) = scan_nodes(f_py)
    assert not isinstance(node.op._fn["py"].fn, CVM)
    if c_backend_available():
        f_c = theano.function([x], out, mode=theano.Mode(linker="cvm"))
        np.testing.assert_allclose(f_c(np.arange(3.0)), [0.0, 2.0, 4.0])
        (node,) = scan_nodes(f_c)
        assert isinstance(node.op._fn["c"].fn, CVM)


def test_scan_checkpoints_gives_scan_values():
    from theano.scan_module import scan_checkpoints

    x = T.vector("x")
    out, _ = scan_checkpoints(lambda v, acc: acc + v, sequences=[x], outputs_info=[T.constant(0.0, dtype="float64")],
                              save_every_N=2)
    np.testing.assert_allclose(theano.function([x], out)(np.arange(4.0)), [0.0, 1.0, 3.0, 6.0])


def test_zero_steps_shapes_and_gradient():
    x, W = T.matrix("x"), T.matrix("W")
    out, _ = scan(lambda v, W: T.tanh(T.dot(v, W)), sequences=x, non_sequences=W)
    f = theano.function([x, W], [out, theano.grad(out.sum(), x), theano.grad(out.sum(), W)])
    r_out, r_gx, r_gW = f(np.zeros((0, 3)), np.ones((3, 4)))
    assert r_out.shape == (0, 4) and r_gx.shape == (0, 3)
    np.testing.assert_allclose(r_gW, np.zeros((3, 4)))
