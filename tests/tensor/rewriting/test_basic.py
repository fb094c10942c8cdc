"""The first tensor rewrites: their structure, unchanged values, and stability at extreme inputs."""

import numpy as np
import pytest

import theano
import theano.tensor as T


def compiled_ops(f):
    return [str(node.op) for node in f.maker.fgraph.toposort()]


def both(inputs, output):
    return theano.function(inputs, output, mode="FAST_RUN"), theano.function(inputs, output,
                                                                              mode=theano.Mode(optimizer=None))


def test_softplus_stabilization_is_exact_at_1000():
    x = T.dvector("x")
    for expr in (T.log(1 + T.exp(x)), T.log(T.exp(x) + 1)):
        f = theano.function([x], expr)
        assert compiled_ops(f) == ["softplus"]
        out = f(np.array([1000.0, -1000.0, 0.0]))
        assert out[0] == 1000.0 and np.isfinite(out).all()
        np.testing.assert_allclose(out[2], np.log(2.0))


def test_log1p_and_expm1():
    x = T.dvector("x")
    f = theano.function([x], [T.log(1 + x), T.exp(x) - 1])
    assert sorted(compiled_ops(f)) == ["expm1", "log1p"]
    tiny = np.array([1e-20, 1e-10])
    log1p, expm1 = f(tiny)
    np.testing.assert_allclose(log1p, np.log1p(tiny), rtol=1e-15)
    np.testing.assert_allclose(expm1, np.expm1(tiny), rtol=1e-15)


def test_log_sigmoid_forms_are_finite():
    x = T.dvector("x")
    sig = T.nnet.sigmoid(x)
    f = theano.function([x], [T.log(sig), T.log(1 - sig)])
    assert "log" not in compiled_ops(f)
    low, high = f(np.array([-1000.0, 1000.0]))
    np.testing.assert_allclose(low, [-1000.0, 0.0])
    np.testing.assert_allclose(high, [0.0, -1000.0])


def test_canonical_simplifications():
    x = T.dvector("x")
    f = theano.function([x], [T.neg(T.neg(x)) * 1, T.exp(T.log(x)) + 0, T.log(T.exp(x))])
    assert all(op == "DeepCopyOp" for op in compiled_ops(f))
    value = np.array([0.5, 2.0])
    for out in f(value):
        np.testing.assert_allclose(out, value)


def test_dimshuffle_of_dimshuffle_is_one():
    m = T.dmatrix("m")
    f = theano.function([m], m.T.T.dimshuffle(0, "x", 1))
    assert [op for op in compiled_ops(f) if op.startswith("DimShuffle")] == ["DimShuffle{0,x,1}"]


@pytest.mark.parametrize("exponent, expected", [(2, "sqr"), (0.5, "sqrt"), (-1, "inv"), (3, "mul")])
def test_pow_specialization(exponent, expected):
    x = T.dvector("x")
    f, ref = both([x], x ** exponent)
    assert expected in compiled_ops(f) and "pow" not in compiled_ops(f)
    value = np.array([0.5, 2.0, 3.0])
    np.testing.assert_allclose(f(value), ref(value))


def test_broadcasting_operands_are_kept():
    x = T.drow("x")
    ones = T.constant(np.ones((3, 4)))
    f = theano.function([x], x * ones)
    assert f(np.ones((1, 4))).shape == (3, 4)
