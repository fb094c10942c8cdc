"""theano.tensor.nnet: softmax ops, cross-entropy losses, rectifiers, h_softmax, confusion_matrix."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special

import theano
import theano.tensor as T
from tests import unittest_tools as utt
from theano.tensor import nnet
from theano.tensor.nnet import crossentropy as ce
from theano.tensor.nnet import softmax_ops as sm_ops

FLOATS = ("float64", "float32")
SHAPES = [(5,), (3, 4), (2, 3, 4), (3, 1)]


def run(inputs, outputs, values):
    return theano.function(inputs, outputs)(*values)


def tensor_of(dtype, ndim, name=None):
    return T.tensor(dtype, (False,) * ndim, name=name)


def np_log_softmax(x):
    return scipy.special.log_softmax(np.asarray(x, dtype="float64"), axis=-1)


def np_softmax(x):
    return scipy.special.softmax(np.asarray(x, dtype="float64"), axis=-1)


def central_difference(fn, x, direction, h=1e-6):
    return (fn(x + h * direction) - fn(x - h * direction)) / (2 * h)


LABELS = np.array([0, 3, 1], dtype="int64")


# ------------------------------------------------------------------------------------------
# softmax, logsoftmax
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("func, reference, op_class", [(nnet.softmax, np_softmax, nnet.Softmax),
                                                       (nnet.logsoftmax, np_log_softmax, nnet.LogSoftmax)])
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape", SHAPES + [(0, 4)])
def test_softmax_values(func, reference, op_class, dtype, shape):
    x = tensor_of(dtype, len(shape))
    out = func(x)
    assert out.dtype == dtype and out.broadcastable == x.broadcastable
    value = utt.random(*shape, dtype=dtype, low=-5, high=5)
    got = run([x], out, [value])
    assert got.dtype == np.dtype(dtype)
    utt.assert_allclose(got, reference(value).astype(dtype))
    utt.check_infer_shape([x], [out], [value], op_class=op_class)


def test_softmax_of_integers_and_aliases():
    x = T.lmatrix()
    assert nnet.softmax(x).dtype == "float64"
    value = np.array([[1, 2, 3], [0, 0, 5]])
    utt.assert_allclose(run([x], nnet.softmax(x), [value]), np_softmax(value))
    assert nnet.log_softmax is nnet.logsoftmax
    assert T.nnet.nnet.softmax is nnet.softmax
    assert nnet.softmax_op == nnet.Softmax() and hash(nnet.softmax_op) == hash(nnet.Softmax())


@pytest.mark.parametrize("dtype", FLOATS)
def test_softmax_stability(dtype):
    x = T.matrix(dtype=dtype)
    value = np.array([[1000, 0, -1000], [-1e4, -1e4 + 1, -1e4 + 2], [88, 89, 90]], dtype=dtype)
    probs, logs, graph = run([x], [nnet.softmax(x), nnet.logsoftmax(x), nnet.softmax_graph(x)], [value])
    assert np.all(np.isfinite(probs)) and np.all(np.isfinite(logs))
    utt.assert_allclose(probs, np_softmax(value).astype(dtype))
    utt.assert_allclose(logs, np_log_softmax(value).astype(dtype))
    # exact where log(softmax) would underflow
    np.testing.assert_array_equal(logs[0], np.array([0, -1000, -2000], dtype=dtype))
    np.testing.assert_array_equal(run([x], nnet.logsoftmax(x), [np.array([[1000, 0]], dtype=dtype)]),
                                  np.array([[0, -1000]], dtype=dtype))
    # the unstabilized graph overflows where the op does not
    assert not np.all(np.isfinite(graph[0]))


@pytest.mark.parametrize("func", [nnet.softmax, nnet.logsoftmax])
def test_softmax_of_no_classes(func):
    x = T.dmatrix()
    got = run([x], func(x), [np.zeros((4, 0))])
    assert got.shape == (4, 0) and got.dtype == np.float64


def test_softmax_graph_matches_op():
    x = T.dmatrix()
    value = utt.random(3, 5)
    utt.assert_allclose(run([x], nnet.softmax_graph(x), [value]), np_softmax(value))


@pytest.mark.parametrize("func", [nnet.softmax, nnet.logsoftmax])
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape", [(4,), (3, 4), (2, 2, 3)])
def test_softmax_verify_grad(func, dtype, shape):
    T.verify_grad(func, [utt.random(*shape, dtype=dtype, low=-2, high=2)], rng=utt.rng(3))


@pytest.mark.parametrize("func", [nnet.softmax, nnet.logsoftmax])
@pytest.mark.parametrize("dtype", FLOATS)
def test_softmax_second_derivative(func, dtype):
    weights = utt.random(3, 4, offset=5)

    def first_derivative(x):
        return T.grad(T.sum(func(x) * weights.astype(dtype)), x)

    T.verify_grad(first_derivative, [utt.random(3, 4, dtype=dtype, low=-2, high=2)], rng=utt.rng(4))


@pytest.mark.parametrize("dtype", FLOATS)
def test_softmax_grad_op(dtype):
    dy, sm = T.matrix(dtype=dtype), T.matrix(dtype=dtype)
    dy_value = utt.random(3, 4, dtype=dtype)
    sm_value = np_softmax(utt.random(3, 4, offset=1)).astype(dtype)
    out = nnet.softmax_grad(dy, sm)
    assert out.dtype == dtype
    expected = (dy_value - np.sum(dy_value * sm_value, axis=-1, keepdims=True)) * sm_value
    utt.assert_allclose(run([dy, sm], out, [dy_value, sm_value]), expected)
    utt.check_infer_shape([dy, sm], [out], [dy_value, sm_value], op_class=nnet.SoftmaxGrad)
    T.verify_grad(nnet.softmax_grad, [dy_value, sm_value], rng=utt.rng(5))
    with pytest.raises(ValueError, match="does not match"):
        run([dy, sm], out, [dy_value, sm_value[:2]])
    with pytest.raises(TypeError, match="same number of dimensions"):
        nnet.softmax_grad(T.dvector(), T.dmatrix())


@pytest.mark.parametrize("func, reference", [(nnet.softmax, np_softmax), (nnet.logsoftmax, np_log_softmax)])
@pytest.mark.parametrize("shape", [(5,), (2, 4)])
def test_softmax_rop(func, reference, shape):
    x, v = T.dmatrix() if len(shape) == 2 else T.dvector(), T.dmatrix() if len(shape) == 2 else T.dvector()
    value, direction = utt.random(*shape, low=-2, high=2), utt.random(*shape, offset=1)
    got = run([x, v], T.Rop(func(x), x, v), [value, direction])
    utt.assert_allclose(got, central_difference(reference, value, direction), rtol=1e-6, atol=1e-9)


def test_softmax_errors():
    with pytest.raises(TypeError, match="at least 1 dimension"):
        nnet.softmax(T.dscalar())
    with pytest.raises(TypeError, match="real tensor"):
        nnet.logsoftmax(T.zmatrix())


# ------------------------------------------------------------------------------------------
# softmax_with_bias
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("x_dtype, b_dtype", [("float64", "float64"), ("float32", "float32"), ("float32", "float64")])
@pytest.mark.parametrize("shape", [(4,), (3, 4), (2, 3, 4)])
def test_softmax_with_bias_values(x_dtype, b_dtype, shape):
    x, b = tensor_of(x_dtype, len(shape)), T.vector(dtype=b_dtype)
    out = nnet.softmax_with_bias(x, b)
    out_dtype = np.result_type(x_dtype, b_dtype)
    assert out.dtype == out_dtype
    x_value = utt.random(*shape, dtype=x_dtype, low=-3, high=3)
    b_value = utt.random(shape[-1], dtype=b_dtype, offset=2)
    got = run([x, b], out, [x_value, b_value])
    assert got.dtype == out_dtype
    utt.assert_allclose(got, np_softmax(x_value + b_value).astype(out_dtype))
    utt.check_infer_shape([x, b], [out], [x_value, b_value], op_class=nnet.SoftmaxWithBias)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape", [(4,), (3, 4), (2, 2, 3)])
def test_softmax_with_bias_grad(dtype, shape):
    T.verify_grad(nnet.softmax_with_bias, [utt.random(*shape, dtype=dtype), utt.random(shape[-1], dtype=dtype,
                                                                                       offset=1)],
                  rng=utt.rng(6))


def test_softmax_with_bias_rop_and_errors():
    x, b, vx, vb = T.dmatrix(), T.dvector(), T.dmatrix(), T.dvector()
    x_value, b_value = utt.random(3, 4), utt.random(4, offset=1)
    vx_value, vb_value = utt.random(3, 4, offset=2), utt.random(4, offset=3)
    out = nnet.softmax_with_bias(x, b)
    got = run([x, b, vx, vb], T.Rop(out, [x, b], [vx, vb]), [x_value, b_value, vx_value, vb_value])
    expected = central_difference(np_softmax, x_value + b_value, vx_value + vb_value)
    utt.assert_allclose(got, expected, rtol=1e-6, atol=1e-9)
    only_b = run([x, b, vb], T.Rop(out, b, vb), [x_value, b_value, vb_value])
    utt.assert_allclose(only_b, central_difference(np_softmax, x_value + b_value, vb_value + 0 * x_value),
                        rtol=1e-6, atol=1e-9)
    with pytest.raises(TypeError, match="1-d"):
        nnet.softmax_with_bias(x, x)
    with pytest.raises(ValueError, match="last axis"):
        run([x, b], out, [x_value, utt.random(5)])


# ------------------------------------------------------------------------------------------
# crossentropy_softmax_1hot and relatives
# ------------------------------------------------------------------------------------------

def xent_reference(x, b, y):
    log_sm = np_log_softmax(np.asarray(x, dtype="float64") + b)
    return -log_sm[np.arange(len(y)), y], np.exp(log_sm)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("y_dtype", ["int64", "int32"])
def test_crossentropy_softmax_argmax_1hot_with_bias(dtype, y_dtype):
    x, b, y = T.matrix(dtype=dtype), T.vector(dtype=dtype), T.vector(dtype=y_dtype)
    nll, sm, am = nnet.crossentropy_softmax_argmax_1hot_with_bias(x, b, y)
    assert (nll.dtype, sm.dtype, am.dtype) == (dtype, dtype, y_dtype)
    x_value, b_value = utt.random(3, 5, dtype=dtype, low=-3, high=3), utt.random(5, dtype=dtype, offset=1)
    y_value = LABELS.astype(y_dtype)
    got_nll, got_sm, got_am = run([x, b, y], [nll, sm, am], [x_value, b_value, y_value])
    ref_nll, ref_sm = xent_reference(x_value, b_value, y_value)
    assert got_nll.dtype == np.dtype(dtype) and got_am.dtype == np.dtype(y_dtype)
    utt.assert_allclose(got_nll, ref_nll.astype(dtype))
    utt.assert_allclose(got_sm, ref_sm.astype(dtype))
    np.testing.assert_array_equal(got_am, np.argmax(x_value + b_value, axis=1))
    utt.check_infer_shape([x, b, y], [nll, sm, am], [x_value, b_value, y_value],
                          op_class=nnet.CrossentropySoftmaxArgmax1HotWithBias)


@pytest.mark.parametrize("dtype", FLOATS)
def test_crossentropy_softmax_1hot_values(dtype):
    x, y = T.matrix(dtype=dtype), T.lvector()
    x_value = utt.random(3, 5, dtype=dtype, low=-3, high=3)
    nll, sm = nnet.crossentropy_softmax_1hot(x, y)
    got_nll, got_sm = run([x, y], [nll, sm], [x_value, LABELS])
    ref_nll, ref_sm = xent_reference(x_value, 0, LABELS)
    utt.assert_allclose(got_nll, ref_nll.astype(dtype))
    utt.assert_allclose(got_sm, ref_sm.astype(dtype))
    # the same as the unfused graph
    unfused = run([x, y], nnet.categorical_crossentropy(nnet.softmax(x), y), [x_value, LABELS])
    utt.assert_allclose(got_nll, unfused)
    nll2, max_pr, argmax = nnet.crossentropy_softmax_max_and_argmax_1hot(x, y)
    got = run([x, y], [nll2, max_pr, argmax], [x_value, LABELS])
    utt.assert_allclose(got[0], ref_nll.astype(dtype))
    utt.assert_allclose(got[1], ref_sm.max(axis=1).astype(dtype))
    np.testing.assert_array_equal(got[2], ref_sm.argmax(axis=1))


@pytest.mark.parametrize("dtype", FLOATS)
def test_crossentropy_softmax_1hot_large_logits(dtype):
    x, y = T.matrix(dtype=dtype), T.lvector()
    x_value = np.array([[1000, 0, -1000], [-500, 500, 0], [1e4, 1e4, 0]], dtype=dtype)
    y_value = np.array([2, 1, 0])
    nll, sm = nnet.crossentropy_softmax_1hot(x, y)
    g = T.grad(T.sum(nll), x)
    got_nll, got_sm, got_g = run([x, y], [nll, sm, g], [x_value, y_value])
    for result in (got_nll, got_sm, got_g):
        assert np.all(np.isfinite(result))
    utt.assert_allclose(got_nll, np.array([2000, 0, np.log(2)], dtype=dtype))
    expected_g = np_softmax(x_value) - np.eye(3)[y_value]
    utt.assert_allclose(got_g, expected_g.astype(dtype))


@pytest.mark.parametrize("dtype", FLOATS)
def test_crossentropy_softmax_1hot_with_bias_grads(dtype):
    x_value = utt.random(3, 4, dtype=dtype, low=-2, high=2)
    b_value = utt.random(4, dtype=dtype, offset=1)
    weights = utt.random(3, 4, offset=2).astype(dtype)

    def nll_only(x, b):
        return nnet.crossentropy_softmax_1hot_with_bias(x, b, LABELS)[0]

    def sm_only(x, b):
        return nnet.crossentropy_softmax_1hot_with_bias(x, b, LABELS)[1]

    def both(x, b):
        nll, sm = nnet.crossentropy_softmax_1hot_with_bias(x, b, LABELS)
        return nll + T.sum(sm * weights, axis=1)

    for func in (nll_only, sm_only, both):
        T.verify_grad(func, [x_value, b_value], rng=utt.rng(7))
    T.verify_grad(lambda x: nnet.crossentropy_softmax_1hot(x, LABELS)[0], [x_value], rng=utt.rng(8))
    T.verify_grad(lambda x: nnet.crossentropy_softmax_max_and_argmax_1hot(x, LABELS)[1], [x_value], rng=utt.rng(8))


@pytest.mark.parametrize("dtype", FLOATS)
def test_crossentropy_softmax_1hot_second_derivative(dtype):
    def first_derivative(x):
        return T.grad(T.sum(nnet.crossentropy_softmax_1hot(x, LABELS)[0] * np.arange(1, 4)), x)

    T.verify_grad(first_derivative, [utt.random(3, 4, dtype=dtype, low=-2, high=2)], rng=utt.rng(9))


@pytest.mark.parametrize("dtype", FLOATS)
def test_crossentropy_softmax_1hot_with_bias_dx(dtype):
    dy, sm, y = T.vector(dtype=dtype), T.matrix(dtype=dtype), T.lvector()
    out = nnet.crossentropy_softmax_1hot_with_bias_dx(dy, sm, y)
    assert out.dtype == dtype
    dy_value = utt.random(3, dtype=dtype)
    sm_value = np_softmax(utt.random(3, 4, offset=1)).astype(dtype)
    expected = dy_value[:, None] * (sm_value - np.eye(4)[LABELS])
    utt.assert_allclose(run([dy, sm, y], out, [dy_value, sm_value, LABELS]), expected.astype(dtype))
    utt.check_infer_shape([dy, sm, y], [out], [dy_value, sm_value, LABELS],
                          op_class=nnet.CrossentropySoftmax1HotWithBiasDx)
    T.verify_grad(lambda d, s: nnet.crossentropy_softmax_1hot_with_bias_dx(d, s, LABELS), [dy_value, sm_value],
                  rng=utt.rng(10))


def test_crossentropy_softmax_1hot_errors():
    x, b, y = T.dmatrix(), T.dvector(), T.lvector()
    with pytest.raises(TypeError, match="integer class indices"):
        nnet.crossentropy_softmax_1hot(x, T.dvector())
    with pytest.raises(TypeError, match="integer class indices"):
        nnet.crossentropy_softmax_1hot(x, T.lmatrix())
    with pytest.raises(TypeError, match="2-d"):
        nnet.crossentropy_softmax_1hot(T.dvector(), y)
    with pytest.raises(TypeError, match="1-d"):
        nnet.crossentropy_softmax_1hot_with_bias(x, x, y)
    nll = nnet.crossentropy_softmax_1hot_with_bias(x, b, y)[0]
    fn = theano.function([x, b, y], nll)
    x_value, b_value = utt.random(3, 4), utt.random(4)
    with pytest.raises(ValueError, match="out of bounds"):
        fn(x_value, b_value, np.array([0, 4, 1]))
    with pytest.raises(ValueError, match="out of bounds"):
        fn(x_value, b_value, np.array([0, -1, 1]))
    with pytest.raises(ValueError, match="2 class indices for 3 rows"):
        fn(x_value, b_value, np.array([0, 1]))
    with pytest.raises(ValueError, match="bias of length 4"):
        fn(x_value, utt.random(3), LABELS)


# ------------------------------------------------------------------------------------------
# crossentropy_categorical_1hot, categorical_crossentropy
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", FLOATS)
def test_crossentropy_categorical_1hot(dtype):
    coding, y = T.matrix(dtype=dtype), T.lvector()
    out = nnet.crossentropy_categorical_1hot(coding, y)
    assert out.dtype == dtype and out.ndim == 1
    coding_value = np_softmax(utt.random(3, 4, low=-2, high=2)).astype(dtype)
    got = run([coding, y], out, [coding_value, LABELS])
    utt.assert_allclose(got, -np.log(coding_value[np.arange(3), LABELS]))
    utt.check_infer_shape([coding, y], [out], [coding_value, LABELS], op_class=nnet.CrossentropyCategorical1Hot)
    T.verify_grad(lambda c: nnet.crossentropy_categorical_1hot(c, LABELS), [coding_value], rng=utt.rng(11))

    def first_derivative(c):
        return T.grad(T.sum(nnet.crossentropy_categorical_1hot(c, LABELS) * np.arange(1, 4)), c)

    T.verify_grad(first_derivative, [coding_value], rng=utt.rng(12))


@pytest.mark.parametrize("dtype", FLOATS)
def test_crossentropy_categorical_1hot_grad_op(dtype):
    g, coding, y = T.vector(dtype=dtype), T.matrix(dtype=dtype), T.lvector()
    out = nnet.crossentropy_categorical_1hot_grad(g, coding, y)
    g_value = utt.random(3, dtype=dtype)
    coding_value = utt.random(3, 4, dtype=dtype, low=0.2, high=1)
    expected = np.zeros((3, 4))
    expected[np.arange(3), LABELS] = -g_value / coding_value[np.arange(3), LABELS]
    got = run([g, coding, y], out, [g_value, coding_value, LABELS])
    assert got.dtype == np.dtype(dtype)
    utt.assert_allclose(got, expected.astype(dtype))
    utt.check_infer_shape([g, coding, y], [out], [g_value, coding_value, LABELS],
                          op_class=nnet.CrossentropyCategorical1HotGrad)
    T.verify_grad(lambda a, c: nnet.crossentropy_categorical_1hot_grad(a, c, LABELS), [g_value, coding_value],
                  rng=utt.rng(13))


@pytest.mark.parametrize("dtype", FLOATS)
def test_categorical_crossentropy_forms_agree(dtype):
    coding, y, onehot = T.matrix(dtype=dtype), T.lvector(), T.matrix(dtype=dtype)
    coding_value = np_softmax(utt.random(3, 4)).astype(dtype)
    onehot_value = np.eye(4, dtype=dtype)[LABELS]
    by_index = nnet.categorical_crossentropy(coding, y)
    by_onehot = nnet.categorical_crossentropy(coding, onehot)
    assert by_index.dtype == by_onehot.dtype == dtype
    got_index, got_onehot = run([coding, y, onehot], [by_index, by_onehot], [coding_value, LABELS, onehot_value])
    expected = -np.log(coding_value.astype("float64")[np.arange(3), LABELS])
    utt.assert_allclose(got_index, expected.astype(dtype))
    utt.assert_allclose(got_onehot, expected.astype(dtype))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 4)])
def test_categorical_crossentropy_probabilities(dtype, shape):
    coding, true = tensor_of(dtype, len(shape)), tensor_of(dtype, len(shape))
    coding_value = np_softmax(utt.random(*shape)).astype(dtype)
    true_value = np_softmax(utt.random(*shape, offset=1)).astype(dtype)
    out = nnet.categorical_crossentropy(coding, true)
    assert out.ndim == len(shape) - 1 and out.dtype == dtype
    got = run([coding, true], out, [coding_value, true_value])
    expected = -np.sum(true_value.astype("float64") * np.log(coding_value.astype("float64")), axis=-1)
    utt.assert_allclose(got, expected.astype(dtype))
    T.verify_grad(nnet.categorical_crossentropy, [coding_value, true_value], rng=utt.rng(14))


def test_categorical_crossentropy_errors():
    with pytest.raises(TypeError, match="rank mismatch"):
        nnet.categorical_crossentropy(T.dmatrix(), T.dtensor3())
    with pytest.raises(TypeError, match="rank mismatch"):
        nnet.categorical_crossentropy(T.dtensor3(), T.lvector())
    with pytest.raises(TypeError, match="integer class indices"):
        nnet.categorical_crossentropy(T.dmatrix(), T.dvector())
    with pytest.raises(TypeError, match="2-d"):
        nnet.categorical_crossentropy(T.dtensor3(), T.lmatrix())
    coding, y = T.dmatrix(), T.lvector()
    fn = theano.function([coding, y], nnet.categorical_crossentropy(coding, y))
    with pytest.raises(ValueError, match="out of bounds"):
        fn(np.full((2, 3), 1 / 3), np.array([0, 3]))


# ------------------------------------------------------------------------------------------
# binary cross-entropies
# ------------------------------------------------------------------------------------------

def np_binary_crossentropy(output, target):
    output, target = np.asarray(output, dtype="float64"), np.asarray(target, dtype="float64")
    return -(target * np.log(output) + (1 - target) * np.log(1 - output))


def np_sigmoid_binary_crossentropy(logits, target):
    logits, target = np.asarray(logits, dtype="float64"), np.asarray(target, dtype="float64")
    return np.logaddexp(0, logits) - logits * target


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape", [(6,), (2, 3)])
def test_binary_crossentropy(dtype, shape):
    output, target = tensor_of(dtype, len(shape)), tensor_of(dtype, len(shape))
    output_value = utt.random(*shape, dtype=dtype, low=0.05, high=0.95)
    target_value = utt.random(*shape, dtype=dtype, low=0, high=1, offset=1)
    out = nnet.binary_crossentropy(output, target)
    assert out.dtype == dtype
    got = run([output, target], out, [output_value, target_value])
    utt.assert_allclose(got, np_binary_crossentropy(output_value, target_value).astype(dtype))
    T.verify_grad(nnet.binary_crossentropy, [output_value, target_value], rng=utt.rng(15))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape", [(6,), (2, 3)])
def test_sigmoid_binary_crossentropy(dtype, shape):
    logits, target = tensor_of(dtype, len(shape)), tensor_of(dtype, len(shape))
    logits_value = utt.random(*shape, dtype=dtype, low=-4, high=4)
    target_value = utt.random(*shape, dtype=dtype, low=0, high=1, offset=1)
    out = nnet.sigmoid_binary_crossentropy(logits, target)
    assert out.dtype == dtype
    got, unstable = run([logits, target], [out, nnet.binary_crossentropy(nnet.sigmoid(logits), target)],
                        [logits_value, target_value])
    utt.assert_allclose(got, np_sigmoid_binary_crossentropy(logits_value, target_value).astype(dtype))
    utt.assert_allclose(got, unstable, rtol=1e-4 if dtype == "float32" else 1e-10)
    T.verify_grad(nnet.sigmoid_binary_crossentropy, [logits_value, target_value], rng=utt.rng(16))


@pytest.mark.parametrize("dtype", FLOATS)
def test_sigmoid_binary_crossentropy_large_logits(dtype):
    logits, target = T.vector(dtype=dtype), T.vector(dtype=dtype)
    logits_value = np.array([-1000, -100, 100, 1000, -1000, 1000], dtype=dtype)
    target_value = np.array([0, 1, 0, 1, 1, 0], dtype=dtype)
    out = nnet.sigmoid_binary_crossentropy(logits, target)
    g_logits, g_target = T.grad(T.sum(out), [logits, target])
    got, got_gl, got_gt = run([logits, target], [out, g_logits, g_target], [logits_value, target_value])
    for result in (got, got_gl, got_gt):
        assert np.all(np.isfinite(result))
    utt.assert_allclose(got, np_sigmoid_binary_crossentropy(logits_value, target_value).astype(dtype))
    utt.assert_allclose(got_gl, (scipy.special.expit(logits_value.astype("float64")) - target_value).astype(dtype))
    utt.assert_allclose(got_gt, -logits_value)


# ------------------------------------------------------------------------------------------
# relu, elu, selu
# ------------------------------------------------------------------------------------------

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
ACTIVATIONS = {
    "relu": (nnet.relu, lambda v: np.maximum(v, 0)),
    "leaky_relu": (lambda x: nnet.relu(x, 0.1), lambda v: np.where(v > 0, v, 0.1 * v)),
    "elu": (nnet.elu, lambda v: np.where(v > 0, v, np.expm1(v))),
    "elu_alpha": (lambda x: nnet.elu(x, 0.5), lambda v: np.where(v > 0, v, 0.5 * np.expm1(v))),
    "selu": (nnet.selu, lambda v: SELU_SCALE * np.where(v > 0, v, SELU_ALPHA * np.expm1(v))),
}
ACTIVATION_POINTS = np.array([[-3.0, -1.2, -0.4, 0.3], [0.9, 2.5, -0.05, 4.0]])


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@pytest.mark.parametrize("dtype", FLOATS)
def test_activation_values_and_grads(name, dtype):
    func, reference = ACTIVATIONS[name]
    x = T.matrix(dtype=dtype)
    out = func(x)
    assert out.dtype == dtype
    value = utt.random(4, 5, dtype=dtype, low=-5, high=5)
    got = run([x], out, [value])
    assert got.dtype == np.dtype(dtype)
    utt.assert_allclose(got, reference(value.astype("float64")).astype(dtype))
    utt.check_infer_shape([x], [out], [value])
    T.verify_grad(func, [ACTIVATION_POINTS.astype(dtype)], rng=utt.rng(17))


@pytest.mark.parametrize("dtype", FLOATS)
def test_relu_with_tensor_alpha(dtype):
    x, alpha = T.matrix(dtype=dtype), T.row(dtype=dtype)
    out = nnet.relu(x, alpha)
    assert out.dtype == dtype
    x_value = ACTIVATION_POINTS.astype(dtype)
    alpha_value = np.array([[0.1, 0.2, 0.3, 0.4]], dtype=dtype)
    got = run([x, alpha], out, [x_value, alpha_value])
    utt.assert_allclose(got, np.where(x_value > 0, x_value, alpha_value * x_value))
    T.verify_grad(lambda a, b: nnet.relu(a, T.addbroadcast(b, 0)), [x_value, alpha_value], rng=utt.rng(18))


def test_rectifier_gradients_stay_finite():
    x = T.dvector()
    value = np.array([-1e4, -800.0, 800.0, 1e4])
    grads = [T.grad(T.sum(f(x)), x) for f in (nnet.relu, nnet.elu, nnet.selu)]
    g_relu, g_elu, g_selu = run([x], grads, [value])
    np.testing.assert_array_equal(g_relu, [0, 0, 1, 1])
    np.testing.assert_array_equal(g_elu, [0, 0, 1, 1])
    utt.assert_allclose(g_selu, [0, 0, SELU_SCALE, SELU_SCALE])


def test_relu_keeps_float32_with_python_alpha():
    x = T.fvector()
    assert nnet.relu(x, 0.01).dtype == "float32"
    assert nnet.relu(x, np.float32(0.01)).dtype == "float32"
    assert nnet.elu(x, 0.3).dtype == "float32"
    assert nnet.selu(x).dtype == "float32"


# ------------------------------------------------------------------------------------------
# h_softmax, confusion_matrix
# ------------------------------------------------------------------------------------------

def test_h_softmax():
    batch, n_in, n_classes, per_class, n_outputs = 4, 3, 3, 4, 10
    gen = utt.rng(19)
    x_value = gen.normal(size=(batch, n_in))
    w1, b1 = gen.normal(size=(n_in, n_classes)), gen.normal(size=n_classes)
    w2, b2 = gen.normal(size=(n_classes, n_in, per_class)), gen.normal(size=(n_classes, per_class))
    target_value = np.array([0, 9, 5, 3])
    x, target = T.dmatrix(), T.lvector()
    W1, B1, W2, B2 = T.dmatrix(), T.dvector(), T.dtensor3(), T.dmatrix()
    full = nnet.h_softmax(x, batch, n_outputs, n_classes, per_class, W1, B1, W2, B2)
    picked = nnet.h_softmax(x, batch, n_outputs, n_classes, per_class, W1, B1, W2, B2, target)
    got_full, got_picked = run([x, W1, B1, W2, B2, target], [full, picked], [x_value, w1, b1, w2, b2, target_value])
    class_probs = np_softmax(x_value @ w1 + b1)
    inner = np_softmax(np.einsum("bi,cio->bco", x_value, w2) + b2)
    expected = (class_probs[:, :, None] * inner).reshape(batch, -1)[:, :n_outputs]
    utt.assert_allclose(got_full, expected)
    utt.assert_allclose(got_picked, expected[np.arange(batch), target_value])
    # with all the outputs, the probabilities of each example sum to 1
    utt.assert_allclose(np.sum((class_probs[:, :, None] * inner).reshape(batch, -1), axis=1), np.ones(batch))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("with_target", [False, True])
def test_h_softmax_verify_grad(dtype, with_target):
    batch, n_in, n_classes, per_class, n_outputs = 3, 2, 2, 3, 5
    gen = utt.rng(20)
    values = [gen.normal(size=shape).astype(dtype) for shape in
              [(batch, n_in), (n_in, n_classes), (n_classes,), (n_classes, n_in, per_class), (n_classes, per_class)]]
    target = np.array([0, 4, 2]) if with_target else None

    def probabilities(x, w1, b1, w2, b2):
        out = nnet.h_softmax(x, batch, n_outputs, n_classes, per_class, w1, b1, w2, b2, target)
        assert out.dtype == dtype
        return out

    T.verify_grad(probabilities, values, rng=utt.rng(21))


@pytest.mark.parametrize("dtype", ["int64", "int32"])
def test_confusion_matrix(dtype):
    actual, pred = T.vector(dtype=dtype), T.vector(dtype=dtype)
    conf, order = nnet.confusion_matrix(actual, pred)
    actual_value = np.array([0, 1, 2, 2, 5, 1], dtype=dtype)
    pred_value = np.array([0, 2, 2, 1, 5, 7], dtype=dtype)
    got_conf, got_order = run([actual, pred], [conf, order], [actual_value, pred_value])
    expected_order = np.unique(np.concatenate([actual_value, pred_value]))
    np.testing.assert_array_equal(got_order, expected_order)
    expected = np.zeros((len(expected_order),) * 2, dtype="int64")
    for a, p in zip(actual_value, pred_value):
        expected[np.searchsorted(expected_order, a), np.searchsorted(expected_order, p)] += 1
    np.testing.assert_array_equal(got_conf, expected)
    assert got_conf.dtype == np.int64
    with pytest.raises(TypeError, match="actual must be a 1-d"):
        nnet.confusion_matrix(T.lmatrix(), pred)
    with pytest.raises(TypeError, match="pred must be a 1-d"):
        nnet.confusion_matrix(actual, T.lmatrix())


# ------------------------------------------------------------------------------------------
# Theano 1.0 import paths
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["sigmoid", "softplus", "ultra_fast_sigmoid", "hard_sigmoid", "softsign", "relu",
                                  "elu", "selu", "softmax", "logsoftmax", "softmax_with_bias",
                                  "categorical_crossentropy", "binary_crossentropy", "sigmoid_binary_crossentropy",
                                  "crossentropy_softmax_1hot", "crossentropy_softmax_1hot_with_bias",
                                  "crossentropy_softmax_argmax_1hot_with_bias", "crossentropy_categorical_1hot",
                                  "CrossentropyCategorical1Hot", "Softmax", "SoftmaxGrad", "LogSoftmax", "h_softmax",
                                  "confusion_matrix"])
def test_import_paths(name):
    assert getattr(T.nnet, name) is getattr(T.nnet.nnet, name)
    assert name in nnet.__all__


def test_op_modules():
    assert sm_ops.Softmax is nnet.Softmax
    assert ce.CrossentropyCategorical1Hot is nnet.CrossentropyCategorical1Hot
    ops = [nnet.Softmax(), nnet.LogSoftmax(), nnet.SoftmaxGrad(), nnet.SoftmaxWithBias(),
           nnet.CrossentropySoftmaxArgmax1HotWithBias(), nnet.CrossentropySoftmax1HotWithBiasDx(),
           nnet.CrossentropyCategorical1Hot(), nnet.CrossentropyCategorical1HotGrad()]
    assert len(set(ops)) == len(ops)
    assert ops[0] == nnet.softmax_op and ops[1] == nnet.logsoftmax_op
