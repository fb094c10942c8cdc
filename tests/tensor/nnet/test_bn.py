"""theano.tensor.nnet.bn: batch_normalization, batch_normalization_train/test against NumPy, gradients."""

from __future__ import annotations

import numpy as np
import pytest

import theano
import theano.tensor as T
from tests import unittest_tools as utt
from theano.gradient import verify_grad
from theano.tensor.nnet import bn


def test_batch_normalization():
    x, g, b, m, s = T.dmatrix(), T.dvector(), T.dvector(), T.dvector(), T.dvector()
    values = [utt.random(3, 4), utt.random(4), utt.random(4, offset=1), utt.random(4, offset=2),
              utt.random(4, low=0.5, high=2, offset=3)]
    expected = (values[0] - values[3]) * values[1] / values[4] + values[2]
    for mode in ("low_mem", "high_mem"):
        out = bn.batch_normalization(x, g, b, m, s, mode=mode)
        utt.assert_allclose(theano.function([x, g, b, m, s], out)(*values), expected)
    verify_grad(lambda *a: bn.batch_normalization(*a), values)
    with pytest.raises(ValueError):
        bn.batch_normalization(x, g, b, m, s, mode="fast")


def reference_train(x, gamma, beta, axes, eps, factor, rmean, rvar):
    mean = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    invstd = 1 / np.sqrt(var + eps)
    out = (x - mean) * invstd * gamma + beta
    m = np.prod([x.shape[a] for a in axes])
    return out, mean, invstd, rmean * (1 - factor) + mean * factor, rvar * (1 - factor) + var * m / (m - 1) * factor


@pytest.mark.parametrize("axes, normalized", [("per-activation", (0,)), ("spatial", (0, 2, 3)), ((1, 3), (1, 3))])
@pytest.mark.parametrize("keep_dims", [True, False])
def test_batch_normalization_train_and_test(axes, normalized, keep_dims):
    shape = (4, 3, 2, 3)
    param_shape = tuple(1 if d in normalized else n for d, n in enumerate(shape))
    small_shape = tuple(n for d, n in enumerate(shape) if d not in normalized)
    x = T.dtensor4("x")
    ptype = T.TensorType("float64", tuple(n == 1 for n in param_shape)) if keep_dims else \
        T.TensorType("float64", (False,) * len(small_shape))
    gamma, beta, rmean, rvar = (ptype(name) for name in ("gamma", "beta", "rmean", "rvar"))
    outs = bn.batch_normalization_train(x, gamma, beta, axes=axes, epsilon=1e-3, running_average_factor=0.3,
                                        running_mean=rmean, running_var=rvar)
    assert len(outs) == 5
    f = theano.function([x, gamma, beta, rmean, rvar], list(outs))
    pshape = param_shape if keep_dims else small_shape
    xv = utt.random(*shape)
    pv = [utt.random(*pshape, offset=k) for k in range(4)]
    pv[3] = np.abs(pv[3]) + 0.5
    got = f(xv, *pv)
    full = [p.reshape(param_shape) for p in pv]
    expected = reference_train(xv, full[0], full[1], normalized, 1e-3, 0.3, full[2], full[3])
    for a, e in zip(got, expected):
        utt.assert_allclose(a, e.reshape(a.shape))
    assert got[1].shape == pshape
    # without running averages: three outputs
    assert len(bn.batch_normalization_train(x, gamma, beta, axes=axes)) == 3

    test_out = bn.batch_normalization_test(x, gamma, beta, rmean, rvar, axes=axes, epsilon=1e-3)
    got = theano.function([x, gamma, beta, rmean, rvar], test_out)(xv, *pv)
    utt.assert_allclose(got, (xv - full[2]) * full[0] / np.sqrt(full[3] + 1e-3) + full[1])


def test_batch_normalization_train_grad():
    xv = utt.random(5, 3)
    gv, bv = utt.random(3, offset=1), utt.random(3, offset=2)

    def out(x, g, b):
        return bn.batch_normalization_train(x, g, b, epsilon=1e-4)[0]

    verify_grad(out, [xv, gv, bv])
    verify_grad(lambda x: bn.batch_normalization_train(x, gv, bv, axes="spatial")[2],
                [utt.random(2, 3, 2, 2)])


def test_errors():
    x = T.dmatrix()
    with pytest.raises(ValueError):
        bn.batch_normalization_train(x, T.dvector(), T.dvector(), epsilon=1e-6)
    with pytest.raises(ValueError):
        bn.batch_normalization_train(x, T.dvector(), T.dvector(), running_mean=T.dvector())
    with pytest.raises(ValueError):
        bn.batch_normalization_train(x, T.dvector(), T.dvector(), axes="channels")
