"""Gradients through scan: backpropagation through time checked by finite differences."""

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.gradient import verify_grad
from theano.scan_module import scan, until
from theano.scan_module.scan_op import Scan


def rng(seed=0):
    return np.random.default_rng(seed)


def elman(x, h0, W, U):
    h, _ = scan(lambda xt, hm1, W, U: T.tanh(T.dot(xt, W) + T.dot(hm1, U)), sequences=x, outputs_info=h0,
                non_sequences=[W, U])
    return h


@pytest.mark.usefixtures("backend")
def test_grad_sequences_initial_state_non_sequences():
    r = rng()
    verify_grad(lambda x, h0, W, U: (elman(x, h0, W, U) ** 2).sum(),
                [r.uniform(-1, 1, (4, 2)), r.uniform(-1, 1, 3), r.uniform(-1, 1, (2, 3)), r.uniform(-1, 1, (3, 3))],
                rng=r)


def test_grad_sequence_taps_and_multiple_output_taps():
    def cost(x, init):
        out, _ = scan(lambda a, b, c, p2, p1: T.tanh(a * p2 + b * p1 + c), sequences=dict(input=x, taps=[-1, 0, 1]),
                      outputs_info=dict(initial=init, taps=[-2, -1]))
        return out.sum() + out[-1] ** 2

    r = rng(1)
    verify_grad(cost, [r.uniform(-1, 1, 7), r.uniform(-1, 1, 2)], rng=r)


def test_grad_map_outputs_and_go_backwards():
    def cost(x, h0):
        (h, y), _ = scan(lambda v, h: (h * v + 1, T.sin(v) * h), sequences=x, outputs_info=[h0, None],
                         go_backwards=True)
        return (h * T.arange(5)).sum() + y.sum()

    r = rng(2)
    verify_grad(cost, [r.uniform(0.5, 1, 5), np.array(0.3)], rng=r)


def test_grad_shared_weights_and_implicit_inputs():
    r = rng(3)
    W = theano.shared(r.uniform(-1, 1, (2, 2)), name="W")
    x = T.matrix("x")
    scale = T.scalar("scale")
    h, _ = scan(lambda v, h: T.tanh(T.dot(h, W) * scale + v), sequences=x, outputs_info=T.zeros(2, dtype="float64"))
    gW, gscale = theano.grad(h[-1].sum(), [W, scale])
    f = theano.function([x, scale], [gW, gscale])
    xv = r.uniform(-1, 1, (3, 2))

    def value(Wv, s):
        hv = np.zeros(2)
        for t in range(3):
            hv = np.tanh(hv @ Wv * s + xv[t])
        return hv.sum()

    gWv, gsv = f(xv, 0.7)
    eps = 1e-6
    num = np.zeros((2, 2))
    for i in range(2):
        for j in range(2):
            d = np.zeros((2, 2))
            d[i, j] = eps
            num[i, j] = (value(W.get_value() + d, 0.7) - value(W.get_value() - d, 0.7)) / (2 * eps)
    np.testing.assert_allclose(gWv, num, rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(gsv, (value(W.get_value(), 0.7 + eps) - value(W.get_value(), 0.7 - eps)) / (2 * eps),
                               rtol=1e-5)


def test_truncate_gradient():
    x = T.vector("x")
    h0 = T.scalar("h0")
    h, _ = scan(lambda v, h: h * 0.5 + v, sequences=x, outputs_info=h0, truncate_gradient=2)
    gx, gh0 = theano.grad(h[-1], [x, h0])
    rx, rh = theano.function([x, h0], [gx, gh0])(np.ones(5), 1.0)
    np.testing.assert_allclose(rx, [0, 0, 0, 0.5, 1])
    assert rh == 0
    h_full, _ = scan(lambda v, h: h * 0.5 + v, sequences=x, outputs_info=h0, truncate_gradient=10)
    rx, rh = theano.function([x, h0], theano.grad(h_full[-1], [x, h0]))(np.ones(3), 1.0)
    np.testing.assert_allclose(rx, [0.25, 0.5, 1])
    assert rh == 0.125


def test_gradient_is_a_reverse_scan():
    x = T.vector("x")
    h, _ = scan(lambda v, h: h * v, sequences=x, outputs_info=T.constant(1.0, dtype="float64"))
    g = theano.grad(h[-1], x)
    scans = [v.owner for v in theano.graph.basic.ancestors([g]) if v.owner is not None and isinstance(v.owner.op,
                                                                                                       Scan)]
    assert len({id(n) for n in scans}) == 2
    np.testing.assert_allclose(theano.function([x], g)(np.array([2.0, 3.0, 4.0])), [12.0, 8.0, 6.0])


def test_grad_of_grad_and_nested_scan():
    r = rng(4)

    def second_order(W):
        h, _ = scan(lambda hm1, W: T.tanh(T.dot(hm1, W)), outputs_info=T.ones(2, dtype="float64") * 0.5,
                    non_sequences=W, n_steps=3)
        return (theano.grad(h.sum(), W) ** 2).sum()

    verify_grad(second_order, [r.uniform(-1, 1, (2, 2))], rng=r)

    def nested(x):
        def row_product(row):
            out, _ = scan(lambda v, acc: acc * v + v, sequences=row, outputs_info=T.constant(1.0, dtype="float64"))
            return out[-1]

        out, _ = scan(row_product, sequences=x)
        return out.sum()

    verify_grad(nested, [r.uniform(0.5, 1, (3, 4))], rng=r)


def test_rop_matches_finite_differences():
    r = rng(5)
    W, V, h0 = T.matrix("W"), T.matrix("V"), T.vector("h0")
    hs, _ = scan(lambda hm1, W: T.tanh(T.dot(hm1, W)), outputs_info=h0, non_sequences=W, n_steps=3)
    jvp = theano.function([h0, W, V], theano.gradient.Rop(hs, W, V))
    forward = theano.function([h0, W], hs)
    Wv, Vv, h0v = r.uniform(-1, 1, (2, 2)), r.uniform(-1, 1, (2, 2)), r.uniform(-1, 1, 2)
    eps = 1e-6
    numeric = (forward(h0v, Wv + eps * Vv) - forward(h0v, Wv - eps * Vv)) / (2 * eps)
    np.testing.assert_allclose(jvp(h0v, Wv, Vv), numeric, rtol=1e-5, atol=1e-8)


def test_until_is_not_differentiable():
    x = T.vector("x")
    out, _ = scan(lambda v: (v * 2, until(v > 1)), sequences=x)
    with pytest.raises(Exception, match="until"):
        theano.grad(out.sum(), x)


def test_hessian_through_jacobian():
    x = T.vector("x")
    hess = theano.gradient.hessian((x ** 3).sum(), x)
    np.testing.assert_allclose(theano.function([x], hess)(np.array([1.0, 2.0])), np.diag([6.0, 12.0]))


@pytest.mark.parametrize("streams", ["RandomStreams", "MRG_RandomStreams"])
def test_gradient_replays_the_forward_random_draws(streams):
    """Dropout inside the loop: backpropagation uses the masks drawn by the forward pass
    (recorded by scan), so the gradient is that of the function with those masks fixed."""
    if streams == "RandomStreams":
        from theano.tensor.shared_randomstreams import RandomStreams as Streams
    else:
        from theano.sandbox.rng_mrg import MRG_RandomStreams as Streams
    srng = Streams(seed=5)
    W = theano.shared(rng(6).normal(0, 0.5, (3, 3)), name="W")
    x = T.matrix("x")
    masks = []

    def step(xt, h):
        mask = srng.binomial(size=(3,), n=1, p=0.5, dtype="float64")
        masks.append(mask)
        return T.tanh(xt + T.dot(h, W)) * mask

    h, updates = scan(step, sequences=x, outputs_info=T.zeros(3, dtype="float64"))
    node = h.owner.inputs[0].owner
    assert len(node.op.info.aux_nit) == 1
    recorded = node.outputs[1]  # the aux output: one mask per step
    f = theano.function([x], [theano.grad((h ** 2).sum(), W), recorded], updates=updates)
    xv = rng(7).normal(size=(4, 3))
    g, mask_values = f(xv)

    def cost(Wv):
        hv, total = np.zeros(3), 0.0
        for t in range(4):
            hv = np.tanh(xv[t] + hv @ Wv) * mask_values[t]
            total += (hv ** 2).sum()
        return total

    eps, numeric = 1e-6, np.zeros((3, 3))
    for i in range(3):
        for j in range(3):
            d = np.zeros((3, 3))
            d[i, j] = eps
            numeric[i, j] = (cost(W.get_value() + d) - cost(W.get_value() - d)) / (2 * eps)
    np.testing.assert_allclose(g, numeric, rtol=1e-5, atol=1e-8)
