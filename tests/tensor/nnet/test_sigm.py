"""theano.tensor.nnet.sigm: sigmoid, softplus, ultra_fast_sigmoid, hard_sigmoid, softsign."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special

import theano
import theano.tensor as T
from tests import unittest_tools as utt
from theano.tensor import nnet
from theano.tensor.elemwise import Elemwise
from theano.tensor.nnet import sigm

FLOATS = ("float64", "float32")


def ultra_fast_sigmoid_reference(x):
    """Theano's piecewise approximation, one Python float at a time."""
    def one(v):
        a = abs(v) / 2
        if a < 1.7:
            z = 1.5 * a / (1 + a)
        elif a < 3:
            z = 0.935409070603099 + 0.0458812946797165 * (a - 1.7)
        else:
            z = 0.99505475368673
        return 0.5 * (1 + (z if v >= 0 else -z))
    return np.vectorize(one, otypes=["float64"])(np.asarray(x, dtype="float64"))


REFERENCES = {
    "sigmoid": (nnet.sigmoid, scipy.special.expit),
    "softplus": (nnet.softplus, lambda v: np.logaddexp(0, v.astype("float64"))),
    "ultra_fast_sigmoid": (nnet.ultra_fast_sigmoid, ultra_fast_sigmoid_reference),
    "hard_sigmoid": (nnet.hard_sigmoid, lambda v: np.clip(0.2 * v.astype("float64") + 0.5, 0, 1)),
    "softsign": (nnet.softsign, lambda v: v / (1 + np.abs(v.astype("float64")))),
}

# Points away from the kinks of the piecewise functions (|x| = 2.5, 3.4 and 6).
SMOOTH_POINTS = np.array([[-7.0, -4.5, -2.0, -0.5], [0.3, 1.1, 5.0, 8.0]])


def run(inputs, outputs, values):
    return theano.function(inputs, outputs)(*values)


@pytest.mark.parametrize("name", sorted(REFERENCES))
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape", [(), (7,), (3, 4), (2, 0, 3)])
def test_values_and_dtype(name, dtype, shape):
    func, reference = REFERENCES[name]
    x = T.tensor(dtype, (False,) * len(shape))
    out = func(x)
    assert out.dtype == dtype
    value = utt.random(*shape, dtype=dtype, low=-8, high=8)
    got = run([x], out, [value])
    assert got.dtype == np.dtype(dtype) and got.shape == value.shape
    utt.assert_allclose(got, reference(value).astype(dtype))
    utt.check_infer_shape([x], [out], [value])


@pytest.mark.parametrize("name", sorted(REFERENCES))
@pytest.mark.parametrize("int_dtype, float_dtype", [("int8", "float32"), ("int64", "float64")])
def test_integer_inputs_give_floats(name, int_dtype, float_dtype):
    func, reference = REFERENCES[name]
    x = T.vector(dtype=int_dtype)
    out = func(x)
    assert out.dtype == float_dtype
    value = np.arange(-5, 6, dtype=int_dtype)
    utt.assert_allclose(run([x], out, [value]), reference(value).astype(float_dtype))


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_complex_input_is_rejected(name):
    func, _ = REFERENCES[name]
    with pytest.raises(TypeError, match="complex"):
        func(T.zvector())


@pytest.mark.parametrize("dtype", FLOATS)
def test_extreme_inputs_are_exact(dtype):
    x = T.vector(dtype=dtype)
    value = np.array([-1e4, -800, -50, 0, 50, 800, 1e4], dtype=dtype)
    sig, soft, fast, hard = run([x], [nnet.sigmoid(x), nnet.softplus(x), nnet.ultra_fast_sigmoid(x),
                                      nnet.hard_sigmoid(x)], [value])
    for result in (sig, soft, fast, hard):
        assert np.all(np.isfinite(result))
    np.testing.assert_array_equal(sig[[0, -1]], [0, 1])
    np.testing.assert_array_equal(hard[[0, -1]], [0, 1])
    # softplus(x) == x for large x, and underflows to 0 (never negative) for very negative x
    np.testing.assert_array_equal(soft[-3:], value[-3:])
    assert soft[0] == 0 and np.all(soft >= 0)
    utt.assert_allclose(soft[2], np.float64(np.logaddexp(0, -50)).astype(dtype))
    # the ultra-fast approximation never reaches 0 or 1
    utt.assert_allclose(fast[[0, -1]], np.array([0.00247262315663, 0.997527376843], dtype=dtype))


def test_ultra_fast_sigmoid_approximates_sigmoid():
    value = np.linspace(-12, 12, 241)
    x = T.dvector()
    got = run([x], nnet.ultra_fast_sigmoid(x), [value])
    assert np.max(np.abs(got - scipy.special.expit(value))) < 0.03


@pytest.mark.parametrize("name", sorted(REFERENCES))
@pytest.mark.parametrize("dtype", FLOATS)
def test_verify_grad(name, dtype):
    func, _ = REFERENCES[name]
    T.verify_grad(func, [SMOOTH_POINTS.astype(dtype)], rng=utt.rng(1))


@pytest.mark.parametrize("name", ["sigmoid", "softplus", "softsign", "ultra_fast_sigmoid"])
@pytest.mark.parametrize("dtype", FLOATS)
def test_second_derivative(name, dtype):
    func, _ = REFERENCES[name]

    def first_derivative(x):
        return T.grad(T.sum(func(x)), x)

    T.verify_grad(first_derivative, [SMOOTH_POINTS.astype(dtype)], rng=utt.rng(2))


@pytest.mark.parametrize("dtype", FLOATS)
def test_gradient_values(dtype):
    x = T.vector(dtype=dtype)
    value = np.array([-30, -3, -0.5, 0, 0.5, 3, 30, 700], dtype=dtype)
    grads = [T.grad(T.sum(f(x)), x) for f in (nnet.sigmoid, nnet.softplus, nnet.softsign, nnet.hard_sigmoid)]
    for g in grads:
        assert g.dtype == dtype
    g_sig, g_soft, g_sign, g_hard = run([x], grads, [value])
    v = value.astype("float64")
    s = scipy.special.expit(v)
    utt.assert_allclose(g_sig, (s * (1 - s)).astype(dtype))
    utt.assert_allclose(g_soft, s.astype(dtype))
    utt.assert_allclose(g_sign, (1 / (1 + np.abs(v)) ** 2).astype(dtype))
    utt.assert_allclose(g_hard, np.where(np.abs(v) <= 2.5, 0.2, 0).astype(dtype))
    for g in (g_sig, g_soft, g_sign, g_hard):
        assert np.all(np.isfinite(g))


def test_ultra_fast_sigmoid_gradient_matches_slopes():
    x = T.dvector()
    value = np.array([-9.0, -5.0, -1.0, 0.0, 2.0, 4.0, 7.0])
    got = run([x], T.grad(T.sum(nnet.ultra_fast_sigmoid(x)), x), [value])
    a = np.abs(value) / 2
    expected = 0.25 * np.where(a < 1.7, 1.5 / (1 + a) ** 2, np.where(a < 3, 0.0458812946797165, 0.0))
    utt.assert_allclose(got, expected)


def test_softplus_gradient_is_nnet_sigmoid():
    from theano.tensor import elemwise_grad

    assert elemwise_grad._SIGMOID == nnet.sigmoid and hash(elemwise_grad._SIGMOID) == hash(nnet.sigmoid)
    x = T.dvector()
    g = T.grad(T.sum(nnet.softplus(x)), x)
    fn = theano.function([x], g)
    assert any(node.op == nnet.sigmoid for node in fn.maker.fgraph.apply_nodes)


def test_sigmoid_rop():
    x, v = T.dvectors("x", "v")
    value, direction = utt.random(5), utt.random(5, offset=1)
    got = run([x, v], T.Rop(nnet.sigmoid(x), x, v), [value, direction])
    s = scipy.special.expit(value)
    utt.assert_allclose(got, s * (1 - s) * direction)


def test_theano_paths_and_ops():
    assert T.nnet.sigmoid is sigm.sigmoid is nnet.nnet.sigmoid
    assert T.nnet.sigm.hard_sigmoid is nnet.hard_sigmoid
    for op in (nnet.sigmoid, nnet.softplus, nnet.ultra_fast_sigmoid, nnet.softsign):
        assert isinstance(op, Elemwise)
    assert nnet.sigmoid.scalar_op == sigm.scalar_sigmoid and isinstance(sigm.scalar_sigmoid, sigm.ScalarSigmoid)
    assert isinstance(sigm.scalar_softplus, sigm.ScalarSoftplus)
    assert sigm.UltraFastScalarSigmoid() == sigm.ultra_fast_scalar_sigmoid
    assert str(nnet.sigmoid(T.dvector()).owner.op) == "sigmoid"


def test_scalar_ops_on_scalars():
    a = theano.scalar.float64("a")
    fn = theano.function([a], [sigm.ultra_fast_scalar_sigmoid(a), sigm.scalar_softsign(a)])
    fast, sign = fn(1.0)
    utt.assert_allclose(np.float64(fast), ultra_fast_sigmoid_reference(1.0))
    utt.assert_allclose(np.float64(sign), 0.5)
