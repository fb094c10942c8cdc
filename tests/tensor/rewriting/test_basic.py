"""The first tensor rewrites: their structure, unchanged values, and stability at extreme inputs."""

import numpy as np
import pytest

import theano
import theano.tensor as T


def compiled_ops(f):
    return [str(node.op) for node in f.maker.fgraph.toposort()]


# FAST_RUN without fusion and inplace ops, so the tests can read the rewritten ops by name.
NO_OPT = theano.Mode(optimizer=None)
UNFUSED = theano.compile.mode.get_mode("FAST_RUN").excluding("fusion", "inplace")


def both(inputs, output):
    return theano.function(inputs, output, mode=UNFUSED), theano.function(inputs, output,
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


@pytest.mark.parametrize("exponent, expected", [(2, "sqr"), (0.5, "sqrt"), (-1, "inv"), (3, "mul"), (10, "mul"),
                                                (16, "sqr"), (-13, "inv")])
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


def test_paper_fraction_example():
    a, b, c, d = T.dscalars("a", "b", "c", "d")
    f = theano.function([a, b, c, d], a / (((a * b) / c) / d), mode=UNFUSED)
    ops = compiled_ops(f)
    assert ops.count("true_div") == 1 and ops.count("mul") == 1 and len(ops) == 2
    div = f.maker.fgraph.outputs[0].owner
    numerator, denominator = div.inputs
    assert {v.name for v in numerator.owner.inputs} == {"c", "d"} and denominator.name == "b"
    assert f(2.0, 3.0, 5.0, 7.0) == pytest.approx(5 * 7 / 3)


def test_cancellation_keeps_shape_and_values():
    x, y = T.dscalars("x", "y")
    v = T.dvector("v")
    g = theano.function([x, y], x * y / x)
    assert compiled_ops(g) == ["DeepCopyOp"]
    h, ref = both([v, x], [v * x / v, 2 * v * 3 / v / 6, T.neg(v) / T.neg(v), (x * v) / (x * 2)])
    assert len(compiled_ops(h)) < len(compiled_ops(ref))
    value = np.array([1.0, 2.0, 4.0])
    for got, expected in zip(h(value, 3.0), ref(value, 3.0)):
        assert got.shape == expected.shape
        np.testing.assert_allclose(got, expected)


def test_fraction_rewrite_reaches_a_fixed_point():
    x = T.dmatrix("x")
    y = T.dmatrix("y")
    f = theano.function([x, y], (x / y) * (y / x) * x)
    assert compiled_ops(f) == ["DeepCopyOp"]
    value = np.arange(1.0, 5.0).reshape(2, 2)
    np.testing.assert_allclose(f(value, value + 1), value)


def test_log_softmax_and_crossentropy_rewrites():
    m = T.dmatrix("m")
    y = T.ivector("y")
    f = theano.function([m], T.log(T.nnet.softmax(m)))
    assert compiled_ops(f) == ["LogSoftmax"]
    np.testing.assert_allclose(f(np.array([[1000.0, 0.0]])), [[0.0, -1000.0]])
    c = theano.function([m, y], T.nnet.categorical_crossentropy(T.nnet.softmax(m), y))
    assert "CrossentropySoftmaxArgmax1HotWithBias" in compiled_ops(c)
    np.testing.assert_allclose(c(np.array([[1000.0, 0.0]]), np.array([1], dtype="int32")), [1000.0])
    nll = theano.function([m, y], -T.log(T.nnet.softmax(m))[T.arange(y.shape[0]), y])
    np.testing.assert_allclose(nll(np.array([[1000.0, 0.0]]), np.array([1], dtype="int32")), [1000.0])


def test_logistic_forms_become_sigmoid():
    x = T.dvector("x")
    s = theano.function([x], 1 / (1 + T.exp(-x)))
    assert compiled_ops(s) == ["sigmoid"]
    np.testing.assert_allclose(s(np.array([-1000.0, 0.0, 1000.0])), [0.0, 0.5, 1.0])
    g = theano.function([x], T.grad(T.log(1 + T.exp(x)).sum(), x))
    assert "sigmoid" in compiled_ops(g)
    np.testing.assert_allclose(g(np.array([1000.0, 0.0, -1000.0])), [1.0, 0.5, 0.0])


@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_logsumexp_is_stable(axis, keepdims):
    from scipy.special import logsumexp

    x = T.dmatrix("x")
    expr = T.log(T.sum(T.exp(x), axis=axis, keepdims=keepdims))
    f, ref = both([x], expr)
    names = compiled_ops(f)
    assert any(name.startswith("CAReduceMax") for name in names)
    moderate = np.array([[0.5, -1.0, 2.0], [3.0, 0.25, -2.0]])
    np.testing.assert_allclose(f(moderate), ref(moderate))
    for value in (np.array([[1000.0, 1.0, 2.0], [-np.inf, 3.0, 1000.0]]), np.full((2, 3), -np.inf),
                  np.full((2, 3), 1000.0)):
        expected = logsumexp(value, axis=axis, keepdims=keepdims)
        got = f(value)
        assert got.shape == np.shape(expected)
        np.testing.assert_allclose(got, expected)
    assert np.isfinite(f(np.full((2, 3), 1000.0))).all()


def test_logsumexp_float32_and_fixed_point():
    x = T.fmatrix("x")
    f = theano.function([x], T.log(T.exp(x).sum(axis=1)), mode=UNFUSED)
    assert compiled_ops(f).count("log") == 1
    out = f(np.full((2, 3), 100.0, dtype="float32"))
    assert out.dtype == "float32"
    np.testing.assert_allclose(out, 100.0 + np.log(3.0), rtol=1e-6)


@pytest.mark.parametrize("ndim", [1, 2, 3])
def test_log_softmax_any_ndim(ndim):
    x = T.TensorType("float64", (False,) * ndim)("x")
    f, ref = both([x], T.log(T.nnet.softmax(x)))
    assert compiled_ops(f) == ["LogSoftmax"]
    value = np.random.default_rng(0).normal(size=(2, 3, 4)[-ndim:])
    np.testing.assert_allclose(f(value), ref(value))
    value.flat[0] = 1000.0
    assert np.isfinite(f(value)).all()


def test_negative_log_likelihood_of_softmax_is_finite():
    m = T.dmatrix("m")
    y = T.ivector("y")
    p_y_given_x = T.nnet.softmax(m)
    cost = -T.mean(T.log(p_y_given_x)[T.arange(y.shape[0]), y])
    f, ref = both([m, y], [cost, T.grad(cost, m)])
    names = compiled_ops(f)
    # log(softmax) became LogSoftmax; the gradient no longer divides by the probabilities.
    assert "LogSoftmax" in names and "log" not in names and "SoftmaxGrad" not in names
    targets = np.array([1, 0], dtype="int32")
    moderate = np.array([[1.0, 0.0], [0.5, 2.0]])
    for got, expected in zip(f(moderate, targets), ref(moderate, targets)):
        np.testing.assert_allclose(got, expected)
    extreme = np.array([[1000.0, 0.0], [0.0, 0.0]])  # p[0, 1] underflows to 0
    value, grad = f(extreme, targets)
    np.testing.assert_allclose(value, (1000.0 + np.log(2.0)) / 2)
    np.testing.assert_allclose(grad, [[0.5, -0.5], [-0.25, 0.25]])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_log_sigmoid_forms_in_both_float_types(dtype):
    x = T.vector("x", dtype=dtype)
    sig = T.nnet.sigmoid(x)
    f = theano.function([x], [T.log(sig), T.log(1 - sig)], mode=UNFUSED)
    names = compiled_ops(f)
    assert "log" not in names and "sigmoid" not in names
    # No double negation left by chained rewrites.
    for node in f.maker.fgraph.apply_nodes:
        if str(node.op) == "neg":
            assert str(node.inputs[0].owner.op if node.inputs[0].owner else "") != "neg"
    value = np.array([-1000.0, -30.0, 0.0, 30.0, 1000.0], dtype=dtype)
    low, high = f(value)
    assert low.dtype == dtype and np.isfinite(low).all() and np.isfinite(high).all()
    expected_low = -np.logaddexp(0, -value.astype("float64"))
    expected_high = -np.logaddexp(0, value.astype("float64"))
    rtol = 1e-6 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(low, expected_low, rtol=rtol)
    np.testing.assert_allclose(high, expected_high, rtol=rtol)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_softplus_of_1000_is_exactly_1000(dtype):
    x = T.vector("x", dtype=dtype)
    f = theano.function([x], T.nnet.softplus(x))
    out = f(np.array([1000.0, -1000.0], dtype=dtype))
    assert out[0] == 1000.0 and out[1] == 0.0


def test_integer_power_by_squaring_uses_few_operations():
    x = T.dvector("x")
    f, ref = both([x], x ** 10)
    # x**10 = sqr(x) * sqr(sqr(sqr(x))): three squarings and one product.
    assert sorted(compiled_ops(f)) == ["mul", "sqr", "sqr", "sqr"]
    value = np.array([-1.5, 0.5, 2.0, 3.0])
    np.testing.assert_allclose(f(value), value ** 10, rtol=1e-14)
    f17 = theano.function([x], x ** 17, mode=UNFUSED)
    assert compiled_ops(f17) == ["pow"]


@pytest.mark.parametrize("build, dtype", [
    (lambda v: T.sum(v.dimshuffle("x", 0), axis=0), "float64"),
    (lambda v: T.max(v.dimshuffle("x", 0, "x"), axis=(0, 2)), "float64"),
    (lambda v: T.prod(v.dimshuffle("x", 0), axis=None), "float64"),
    (lambda v: T.sum(v.dimshuffle(0, "x"), axis=1), "int8"),
])
def test_reduction_over_length_one_axes_drops_them(build, dtype):
    v = T.vector("v", dtype=dtype)
    expr = build(v)
    f = theano.function([v], expr, mode=UNFUSED)
    ops = compiled_ops(f)
    reduced_all = expr.type.ndim == 0
    assert reduced_all or not any(op.startswith(("Sum", "Max", "CAReduce", "Prod")) for op in ops)
    value = np.array([3, -1, 2], dtype=dtype)
    reference = theano.function([v], expr, mode=NO_OPT)(value)
    out = f(value)
    assert out.dtype == reference.dtype
    np.testing.assert_array_equal(out, reference)


def test_mlp_bias_gradient_has_one_sum():
    x, b = T.dmatrix("x"), T.dvector("b")
    cost = T.tanh(x + b).sum()
    f = theano.function([x, b], T.grad(cost, b), mode=UNFUSED)
    assert sum(op.startswith("Sum") for op in compiled_ops(f)) == 1
