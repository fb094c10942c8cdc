"""theano.gradient: reverse and forward mode, special gradients, helpers and verify_grad."""

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.gradient import (
    DisconnectedInputError,
    DisconnectedType,
    GradientError,
    NullTypeGradError,
    disconnected_grad,
    grad_clip,
    grad_scale,
    grad_undefined,
    zero_grad,
)
from theano.graph.basic import Apply
from theano.graph.op import Op
from theano.graph.type import NullType


def value_of(expr, inputs, *values):
    return theano.function(inputs, expr, on_unused_input="ignore")(*values)


def test_grad_of_simple_expression():
    x = T.dvector("x")
    cost = (T.exp(x) * x).sum()
    g = T.grad(cost, x)
    v = np.array([0.1, 0.5, -1.0])
    np.testing.assert_allclose(value_of(g, [x], v), np.exp(v) * (1 + v))


def test_wrt_list_and_single():
    x, y = T.dscalars("x", "y")
    cost = x * y + x ** 2
    gx = T.grad(cost, x)
    gxy = T.grad(cost, [x, y])
    assert isinstance(gxy, list) and len(gxy) == 2
    assert value_of(gx, [x, y], 2.0, 3.0) == 7.0
    assert value_of(gxy[1], [x, y], 2.0, 3.0) == 2.0


def test_gradients_accumulate_over_paths():
    x = T.dscalar("x")
    a = x * 3
    cost = a * a + a + x
    assert value_of(T.grad(cost, x), [x], 2.0) == pytest.approx(2 * 9 * 2 + 3 + 1)


def test_cost_must_be_scalar():
    x = T.dvector("x")
    with pytest.raises(TypeError, match="scalar"):
        T.grad(x * 2, x)


def test_disconnected_inputs_policies():
    x, y = T.dscalars("x", "y")
    cost = x * 2
    with pytest.raises(DisconnectedInputError):
        T.grad(cost, y)
    with pytest.warns(UserWarning):
        g = T.grad(cost, y, disconnected_inputs="warn")
    assert value_of(g, [x, y], 1.0, 1.0) == 0.0
    assert T.grad(cost, y, disconnected_inputs="ignore", return_disconnected="None") is None
    d = T.grad(cost, y, disconnected_inputs="ignore", return_disconnected="Disconnected")
    assert isinstance(d.type, DisconnectedType)


def test_integer_inputs_get_float_zero_gradients():
    x = T.dvector("x")
    i = T.lscalar("i")
    cost = (x * i).sum()
    g = T.grad(cost, i)
    assert g.dtype == theano.config.floatX
    assert value_of(g, [x, i], np.ones(2), 3) == 0.0


def test_consider_constant_and_known_grads():
    x, y = T.dscalars("x", "y")
    z = x * y
    cost = z * x
    gx = T.grad(cost, x, consider_constant=[z])
    assert value_of(gx, [x, y], 2.0, 5.0) == 10.0  # only the direct path: z
    with pytest.raises(DisconnectedInputError):
        T.grad(cost, y, consider_constant=[z])
    g = T.grad(None, x, known_grads={z: T.constant(1.0)})
    assert value_of(g, [x, y], 2.0, 5.0) == 5.0


def test_zero_disconnected_clip_scale():
    x = T.dscalar("x")
    assert value_of(T.grad(zero_grad(x) * x, x), [x], 3.0) == 3.0
    with pytest.raises(DisconnectedInputError):
        T.grad(disconnected_grad(x) * 2, x)
    assert value_of(T.grad(grad_clip(x, -1, 1) * 10, x), [x], 3.0) == 1.0
    assert value_of(T.grad(grad_scale(x, 0.5) * 4, x), [x], 3.0) == 2.0
    assert value_of(zero_grad(x) * 2, [x], 3.0) == 6.0


class _Floor(Op):
    __props__ = ()

    def make_node(self, x):
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage, params=None):
        output_storage[0][0] = np.floor(inputs[0])

    def grad(self, inputs, output_grads):
        return [grad_undefined(self, 0, inputs[0])]


def test_undefined_gradients_raise_or_return():
    x = T.dscalar("x")
    cost = _Floor()(x) * 2
    with pytest.raises(NullTypeGradError, match="undefined"):
        T.grad(cost, x)
    g = T.grad(cost, x, null_gradients="return")
    assert isinstance(g.type, NullType)


def test_add_names():
    x = T.dscalar("x")
    cost = x * 2
    cost.name = "cost"
    assert T.grad(cost, x).name == "(dcost/dx)"


def test_second_derivative():
    x = T.dscalar("x")
    g = T.grad(x ** 3, x)
    gg = T.grad(g, x)
    assert value_of(gg, [x], 2.0) == pytest.approx(12.0)


def test_lop_and_rop_agree_with_jacobian_products():
    x = T.dvector("x")
    v = T.dvector("v")
    y = T.tanh(x) * 3
    value = np.array([0.2, -0.4, 0.9])
    direction = np.array([1.0, 2.0, -1.0])
    jac_diag = 3 * (1 - np.tanh(value) ** 2)
    np.testing.assert_allclose(value_of(T.Rop(y, x, v), [x, v], value, direction), jac_diag * direction)
    np.testing.assert_allclose(value_of(T.Lop(y, x, v), [x, v], value, direction), jac_diag * direction)


def test_deep_chain_gradient_is_iterative():
    x = T.dscalar("x")
    y = x
    for _ in range(3000):
        y = y * 1.0001
    g = T.grad(y, x)
    assert value_of(g, [x], 1.0) == pytest.approx(1.0001 ** 3000)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_verify_grad_accepts_correct_gradients(dtype):
    rng = np.random.default_rng(0)
    T.verify_grad(lambda a: T.tanh(a).prod() * T.max(a), [rng.uniform(0.1, 1, 3).astype(dtype)], rng=rng)
    theano.gradient.verify_grad(lambda a, b: (a * b + T.sqrt(b)).sum(axis=0),
                                [rng.random((1, 3)).astype(dtype), (rng.random((4, 3)) + 0.5).astype(dtype)])


class _WrongGrad(Op):
    __props__ = ()

    def make_node(self, x):
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage, params=None):
        output_storage[0][0] = inputs[0] ** 2

    def grad(self, inputs, output_grads):
        return [output_grads[0] * 3 * inputs[0]]  # should be 2 * x


def test_verify_grad_rejects_wrong_gradients():
    with pytest.raises(GradientError):
        T.verify_grad(_WrongGrad(), [np.array([1.0, 2.0])])


def test_verify_grad_requires_float_inputs():
    with pytest.raises(TypeError, match="floating point"):
        T.verify_grad(lambda a: a * 2, [np.array([1, 2])])
