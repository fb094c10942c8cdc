"""The hand-written logistic function is found and rebuilt from sigmoid (values finite where
the unoptimized graph overflows)."""

import numpy as np

import theano
import theano.tensor as T

NO_OPT = theano.Mode(optimizer=None)
# The structure is checked before fusion merges the elementwise ops and inplace renames them.
UNFUSED = theano.compile.mode.get_mode("FAST_RUN").excluding("fusion", "inplace")


def op_names(f):
    return [str(node.op) for node in f.maker.fgraph.toposort()]


def reference_sigmoid(z):
    return np.exp(-np.logaddexp(0.0, -z))


def test_inv_one_plus_exp_becomes_sigmoid():
    x, b = T.dvector("x"), T.dscalar("b")
    f = theano.function([x, b], 1 / (1 + T.exp(-x - b)), mode=UNFUSED)
    assert "sigmoid" in op_names(f) and "exp" not in op_names(f)
    value = np.array([-1000.0, -3.0, 0.0, 2.0, 1000.0])
    np.testing.assert_allclose(f(value, 0.5), reference_sigmoid(value + 0.5), rtol=1e-12)


def test_one_minus_sigmoid_is_sigmoid_of_negation():
    x = T.dvector("x")
    f = theano.function([x], 1 - T.nnet.sigmoid(x), mode=UNFUSED)
    assert op_names(f) == ["neg", "sigmoid"]
    value = np.array([-40.0, 0.0, 40.0])
    out = f(value)
    np.testing.assert_allclose(out, reference_sigmoid(-value), rtol=1e-12)
    assert out[2] > 0  # 1 - sigmoid(40) would round to 0


def test_exp_times_sigmoid_of_negation_in_a_product():
    x, y = T.dvector("x"), T.dvector("y")
    expr = y * T.exp(x) / (1 + T.exp(x))
    f = theano.function([x, y], expr, mode=UNFUSED)
    assert "exp" not in op_names(f)
    value = np.array([-800.0, -1.0, 0.0, 1.0, 800.0])
    np.testing.assert_allclose(f(value, np.full(5, 2.0)), 2 * reference_sigmoid(value), rtol=1e-12)
    # Unoptimized, exp(800) overflows: inf / inf.
    assert np.isnan(theano.function([x, y], expr, mode=NO_OPT)(value, np.full(5, 2.0))[-1])


def test_values_unchanged_in_the_normal_range():
    x = T.dmatrix("x")
    exprs = [1 / (1 + T.exp(-x)), 1 - 1 / (1 + T.exp(x)), x * T.exp(-x) / (1 + T.exp(-x)) ** 2,
             T.exp(x) * (1 / (1 + T.exp(x))) * 3.0]
    value = np.linspace(-5, 5, 12).reshape(3, 4)
    for expr in exprs:
        fast = theano.function([x], expr)(value)
        slow = theano.function([x], expr, mode=NO_OPT)(value)
        np.testing.assert_allclose(fast, slow, rtol=1e-12)


def test_float32_keeps_its_dtype():
    x = T.fvector("x")
    f = theano.function([x], 1 / (1 + T.exp(-x)), mode=UNFUSED)
    out = f(np.array([-100.0, 0.0, 100.0], dtype="float32"))
    assert out.dtype == np.float32 and "sigmoid" in op_names(f)
    np.testing.assert_allclose(out, [0.0, 0.5, 1.0], atol=1e-7)


def test_paper_case_study_trains_from_a_saturated_start():
    """The 2010 paper's logistic regression with random initial weights: the logits reach
    +-100, so 1 - p rounds to 0 and the unstabilized cost and gradient are inf and nan."""
    rng = np.random.default_rng(0)
    n, feats = 100, 200
    data_x = rng.normal(size=(n, feats))
    data_y = rng.integers(0, 2, size=n).astype("int32")
    x, y = T.dmatrix("x"), T.ivector("y")
    w = theano.shared(rng.normal(size=feats) * 3, name="w")
    b = theano.shared(0.0, name="b")
    p_1 = 1 / (1 + T.exp(-T.dot(x, w) - b))
    xent = -y * T.log(p_1) - (1 - y) * T.log(1 - p_1)
    cost = xent.mean() + 0.01 * (w ** 2).sum()
    gw, gb = T.grad(cost, [w, b])
    train = theano.function([x, y], cost, updates=[(w, w - 0.1 * gw), (b, b - 0.1 * gb)])
    predict = theano.function([x], p_1 > 0.5)
    assert np.abs(data_x @ w.get_value()).max() > 60
    assert not np.isfinite(theano.function([x, y], cost, mode=NO_OPT)(data_x, data_y))
    costs = [train(data_x, data_y) for _ in range(300)]
    assert np.all(np.isfinite(costs)) and np.isfinite(w.get_value()).all()
    assert costs[-1] < costs[0] / 5
    assert np.mean(predict(data_x) == data_y) >= 0.9
