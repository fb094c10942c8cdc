"""theano.tensor.signal.pool: pool_2d values against direct loops, shapes, gradients (and the max-pool
gradient's gradient), max_pool_2d_same_size, the deprecated keywords."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import theano
import theano.tensor as T
from tests import unittest_tools as utt
from theano.gradient import verify_grad
from theano.tensor.signal import pool


def reference_pool(x, ws, ignore_border, stride, pad, mode):
    """Theano's pooling, one window at a time (the window bounds of Theano 1.0's perform)."""
    h, w = x.shape[-2:]
    ph, pw = h + 2 * pad[0], w + 2 * pad[1]

    def count(n, k, s):
        if ignore_border:
            return max((n - k) // s + 1, 0)
        return (n - 1) // s + 1 if s >= k else max(0, (n - 1 - k) // s + 1) + 1

    oh, ow = count(ph, ws[0], stride[0]), count(pw, ws[1], stride[1])
    padded = np.zeros(x.shape[:-2] + (ph, pw), dtype=x.dtype)
    padded[..., pad[0]:pad[0] + h, pad[1]:pad[1] + w] = x
    out = np.zeros(x.shape[:-2] + (oh, ow), dtype=x.dtype)
    for r in range(oh):
        for c in range(ow):
            r0, r1 = r * stride[0], min(r * stride[0] + ws[0], ph)
            c0, c1 = c * stride[1], min(c * stride[1] + ws[1], pw)
            if mode != "average_inc_pad":
                r0, r1 = max(r0, pad[0]), min(r1, h + pad[0])
                c0, c1 = max(c0, pad[1]), min(c1, w + pad[1])
            window = padded[..., r0:r1, c0:c1]
            if mode == "max":
                out[..., r, c] = window.max(axis=(-2, -1))
            elif mode == "sum":
                out[..., r, c] = window.sum(axis=(-2, -1))
            else:
                out[..., r, c] = window.mean(axis=(-2, -1))
    return out


def reference_max_grad(x, gz, ws, ignore_border, stride, pad):
    """Each window's gradient to the input elements equal to its maximum."""
    maxout = reference_pool(x, ws, ignore_border, stride, pad, "max")
    h, w = x.shape[-2:]
    gx = np.zeros_like(x)
    for r in range(maxout.shape[-2]):
        for c in range(maxout.shape[-1]):
            for i in range(max(r * stride[0] - pad[0], 0), min(r * stride[0] + ws[0] - pad[0], h)):
                for j in range(max(c * stride[1] - pad[1], 0), min(c * stride[1] + ws[1] - pad[1], w)):
                    hit = x[..., i, j] == maxout[..., r, c]
                    gx[..., i, j] += np.where(hit, gz[..., r, c], 0)
    return gx


# (ws, ignore_border, stride, pad)
SETTINGS = [
    ((2, 2), True, None, (0, 0)),
    ((2, 2), False, None, (0, 0)),
    ((3, 2), False, (1, 2), (0, 0)),
    ((3, 3), True, (2, 1), (1, 2)),
    ((2, 3), True, (3, 3), (1, 0)),
    ((1, 1), False, (2, 2), (0, 0)),
]
MODES = ["max", "sum", "average_inc_pad", "average_exc_pad"]


def settings_id(setting):
    ws, ib, st, pad = setting
    return f"ws{ws}-ib{int(ib)}-st{st}-pad{pad}".replace(" ", "")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("setting", SETTINGS, ids=settings_id)
def test_pool_2d_values_and_gradient(mode, setting):
    ws, ignore_border, stride, pad = setting
    x = T.dtensor4("x")
    gz = T.dtensor4("gz")
    y = pool.pool_2d(x, ws=ws, ignore_border=ignore_border, stride=stride, pad=pad, mode=mode)
    gx = T.grad(None, x, known_grads={y: gz})
    f = theano.function([x, gz], [y, gx])
    value = utt.random(2, 1, 5, 7)
    expected = reference_pool(value, ws, ignore_border, stride or ws, pad, mode)
    g = utt.random(*expected.shape, offset=1)
    got, got_gx = f(value, g)
    utt.assert_allclose(got, expected)
    if mode == "max":
        utt.assert_allclose(got_gx, reference_max_grad(value, g, ws, ignore_border, stride or ws, pad))
    else:
        # the gradient of a linear map is its adjoint: <gx, v> == <g, pool(v)> for every v
        v = utt.random(*value.shape, offset=2)
        pooled_v = reference_pool(v, ws, ignore_border, stride or ws, pad, mode)
        np.testing.assert_allclose(np.sum(got_gx * v), np.sum(g * pooled_v), rtol=1e-10)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_pool_leading_axes_and_dtypes(dtype):
    for ndim in (2, 3, 5):
        x = T.tensor(dtype, (False,) * ndim)
        y = pool.pool_2d(x, (2, 3), ignore_border=False, mode="max")
        z = pool.pool_2d(x, (2, 2), ignore_border=True, stride=(1, 1), mode="average_exc_pad")
        shape = (2, 3, 4, 5, 7)[-ndim:]
        value = utt.random(*shape, dtype=dtype)
        got_y, got_z = theano.function([x], [y, z])(value)
        assert got_y.dtype == dtype and got_z.dtype == dtype
        utt.assert_allclose(got_y, reference_pool(value, (2, 3), False, (2, 3), (0, 0), "max"))
        utt.assert_allclose(got_z, reference_pool(value, (2, 2), True, (1, 1), (0, 0), "average_exc_pad"))


@pytest.mark.parametrize("ignore_border, pad", [(True, (1, 1)), (False, (0, 0))])
def test_infer_shape(ignore_border, pad):
    x = T.dtensor4()
    y = pool.pool_2d(x, (3, 2), ignore_border=ignore_border, stride=(2, 1), pad=pad)
    g = T.grad(y.sum(), x)
    value = utt.random(1, 2, 6, 5)
    utt.check_infer_shape([x], [y], [value], op_class=pool.Pool)
    utt.check_infer_shape([x], [g], [value], op_class=pool.MaxPoolGrad)


@pytest.mark.parametrize("mode", MODES)
def test_verify_grad(mode):
    value = utt.random(1, 2, 5, 4)

    def fn(x):
        return pool.pool_2d(x, (3, 2), ignore_border=True, stride=(2, 1), pad=(1, 1), mode=mode)

    verify_grad(fn, [value])


def test_max_pool_grad_grad():
    """The gradient of the max-pool gradient (DownsampleFactorMaxGradGrad), and its own gradient."""
    value = utt.random(1, 1, 5, 6)
    ws, stride, pad = (2, 3), (2, 2), (1, 1)

    def grad_of_pool(x):
        y = pool.pool_2d(x, ws, ignore_border=True, stride=stride, pad=pad)
        return T.grad(T.sum(y * y), x)

    verify_grad(grad_of_pool, [value])
    x, ggx = T.dtensor4(), T.dtensor4()
    maxout = pool.Pool(True)(x, ws, stride, pad)
    ggz = pool.DownsampleFactorMaxGradGrad(True)(x, maxout, ggx, ws, stride, pad)
    expected_out = reference_pool(value, ws, True, stride, pad, "max")
    g2 = utt.random(*value.shape, offset=3)
    got = theano.function([x, ggx], ggz)(value, g2)
    # adjoint of MaxPoolGrad in gz: <ggz, u> == <g2, MaxPoolGrad(u)>
    u = utt.random(*expected_out.shape, offset=4)
    np.testing.assert_allclose(np.sum(got * u), np.sum(g2 * reference_max_grad(value, u, ws, True, stride, pad)))
    verify_grad(lambda g: pool.MaxPoolGrad(True)(T.constant(value), T.constant(expected_out), g, ws, stride, pad),
                [u])


def test_max_pool_2d_same_size():
    x = T.dtensor4()
    value = utt.random(2, 1, 4, 6)
    got = theano.function([x], pool.max_pool_2d_same_size(x, (2, 3)))(value)
    blocks = value.reshape(2, 1, 2, 2, 2, 3)
    keep = blocks == blocks.max(axis=(3, 5), keepdims=True)
    utt.assert_allclose(got, np.where(keep, blocks, 0).reshape(value.shape))


def test_keywords_and_errors():
    x = T.dmatrix()
    value = utt.random(4, 6)
    with pytest.warns(DeprecationWarning):
        old = pool.pool_2d(x, ds=(2, 2), st=(1, 1), padding=(1, 1), ignore_border=True)
    new = pool.pool_2d(x, ws=(2, 2), stride=(1, 1), pad=(1, 1), ignore_border=True)
    f = theano.function([x], [old, new])
    a, b = f(value)
    utt.assert_allclose(a, b)
    utt.assert_allclose(b, reference_pool(value, (2, 2), True, (1, 1), (1, 1), "max"))
    with pytest.warns(UserWarning, match="ignore_border"):
        pool.pool_2d(x, (2, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pool.pool_2d(x, (2, 2), ignore_border=True)
    with pytest.raises(NotImplementedError):
        pool.pool_2d(x, (2, 2), ignore_border=False, pad=(1, 1))
    with pytest.raises(NotImplementedError):
        pool.pool_2d(x, (2, 2), ignore_border=True, pad=(2, 0))
    with pytest.raises(NotImplementedError):
        pool.pool_2d(T.dvector(), (2, 2), ignore_border=True)
    with pytest.raises(ValueError):
        pool.pool_2d(x, (2, 2), ignore_border=True, mode="median")
    with pytest.raises(ValueError):
        pool.pool_2d(x, ws=(2, 2), ds=(2, 2), ignore_border=True)


def test_pool_3d():
    x = T.dtensor3()
    value = utt.random(3, 4, 5)
    got = theano.function([x], pool.pool_3d(x, (2, 2, 2), ignore_border=True, mode="sum"))(value)
    utt.assert_allclose(got, value[:2, :4, :4].reshape(1, 2, 2, 2, 2, 2).sum(axis=(1, 3, 5)).reshape(1, 2, 2))


# (dtype, ignore_border, ws, stride, pad)
KERNEL_SETTINGS = [("float64", True, (3, 2), (2, 1), (1, 1)), ("float32", False, (2, 3), (1, 2), (0, 0))]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("setting", KERNEL_SETTINGS, ids=lambda s: f"{s[0]}-ib{int(s[1])}")
def test_c_kernels_match_perform(mode, setting, backend):
    """Each pooling op's C kernel against its Python perform (a non-contiguous input included)."""
    if backend != "c":
        pytest.skip("kernel test: once")
    from theano.link.c.testing import run_node

    dtype, ignore_border, ws, stride, pad = setting
    x = T.tensor(dtype, (False,) * 3)
    value = utt.random(2, 7, 5, dtype=dtype).transpose(0, 2, 1)  # (2, 5, 7), not contiguous
    pooled = pool.Pool(ignore_border, mode)(x, ws, stride, pad)
    maxout = pool.pool_values(value, ws, stride, pad, ignore_border, mode, 2)
    gz = utt.random(*maxout.shape, dtype=dtype, offset=1)
    ggx = utt.random(*value.shape, dtype=dtype, offset=2)
    cases = [(pooled.owner, [value])]
    if mode == "max":
        m, g, gg = T.tensor(dtype, (False,) * 3), T.tensor(dtype, (False,) * 3), T.tensor(dtype, (False,) * 3)
        cases.append((pool.MaxPoolGrad(ignore_border)(x, m, g, ws, stride, pad).owner, [value, maxout, gz]))
        cases.append((pool.DownsampleFactorMaxGradGrad(ignore_border)(x, m, gg, ws, stride, pad).owner,
                      [value, maxout, ggx]))
    else:
        g = T.tensor(dtype, (False,) * 3)
        cases.append((pool.AveragePoolGrad(ignore_border, mode)(x, g, ws, stride, pad).owner, [value, gz]))
    for node, values in cases:
        tensor_inputs = [v for v in node.inputs[:-3]]
        params = [np.asarray(v.data) for v in node.inputs[-3:]]
        expected = [[None]]
        node.op.perform(node, values + params, expected)
        (got,) = run_node(node, values + params)
        assert got.dtype == np.dtype(dtype) and len(tensor_inputs) == len(values)
        utt.assert_allclose(got, expected[0][0])
