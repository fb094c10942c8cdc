"""theano.tensor.nnet.conv2d and its gradient ops, against direct NumPy loops written here."""

from __future__ import annotations

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.gradient import verify_grad
from theano.graph.basic import applys_between
from theano.tensor.nnet import abstract_conv, conv
from theano.tensor.nnet.abstract_conv import (
    AbstractConv2d,
    AbstractConv2d_gradInputs,
    AbstractConv2d_gradWeights,
)

# ------------------------------------------------------------------------------------------
# Reference: loops over output pixels
# ------------------------------------------------------------------------------------------


def reference_pads(border_mode, kernel, dilation):
    dilated = [(k - 1) * d + 1 for k, d in zip(kernel, dilation)]
    if border_mode == "valid":
        return [(0, 0), (0, 0)]
    if border_mode == "full":
        return [(k - 1, k - 1) for k in dilated]
    if border_mode == "half":
        return [(k // 2, k // 2) for k in dilated]
    if isinstance(border_mode, int):
        return [(border_mode, border_mode)] * 2
    return [p if isinstance(p, tuple) else (p, p) for p in border_mode]


def reference_windows(x, kernel, border_mode, subsample, dilation):
    """Yield (y, x, sl_rows, sl_cols) of every output pixel over the padded image, and the padded image."""
    pads = reference_pads(border_mode, kernel, dilation)
    padded = np.pad(x, [(0, 0), (0, 0)] + pads)
    extent = [(k - 1) * d + 1 for k, d in zip(kernel, dilation)]
    out = [(padded.shape[2 + a] - extent[a]) // subsample[a] + 1 for a in range(2)]
    return padded, pads, out


def reference_all(x, w, top, border_mode, subsample, dilation, flip, groups):
    """Forward output, gradient of sum(top * out) wrt x and wrt w, by loops over output pixels."""
    kern = w[:, :, ::-1, ::-1] if flip else w
    kernel = w.shape[2:]
    padded, pads, out = reference_windows(x, kernel, border_mode, subsample, dilation)
    n_filters, cg = w.shape[:2]
    og = n_filters // groups
    result = np.zeros((x.shape[0], n_filters, *out))
    d_padded = np.zeros_like(padded)
    d_kern = np.zeros_like(kern)
    for n in range(x.shape[0]):
        for o in range(n_filters):
            g = o // og
            channels = slice(g * cg, (g + 1) * cg)
            for y in range(out[0]):
                for c in range(out[1]):
                    rows = slice(y * subsample[0], y * subsample[0] + dilation[0] * (kernel[0] - 1) + 1, dilation[0])
                    cols = slice(c * subsample[1], c * subsample[1] + dilation[1] * (kernel[1] - 1) + 1, dilation[1])
                    patch = padded[n, channels, rows, cols]
                    result[n, o, y, c] = np.sum(patch * kern[o])
                    if top is not None:
                        d_padded[n, channels, rows, cols] += top[n, o, y, c] * kern[o]
                        d_kern[o] += top[n, o, y, c] * patch
    d_x = d_padded[:, :, pads[0][0]:pads[0][0] + x.shape[2], pads[1][0]:pads[1][0] + x.shape[3]]
    d_w = d_kern[:, :, ::-1, ::-1] if flip else d_kern
    return result, d_x, d_w


# border_mode, subsample, filter_dilation, filter_flip, num_groups
SETTINGS = [
    ("valid", (1, 1), (1, 1), True, 1),
    ("valid", (1, 1), (1, 1), False, 1),
    ("full", (1, 1), (1, 1), True, 1),
    ("half", (1, 1), (1, 1), True, 1),
    ("half", (1, 1), (2, 1), False, 1),
    (1, (1, 1), (1, 1), True, 1),
    ((2, 1), (2, 1), (1, 1), True, 1),
    (((1, 0), (0, 2)), (1, 2), (1, 1), False, 1),
    ("valid", (2, 2), (1, 1), True, 1),
    ("full", (2, 3), (2, 2), True, 1),
    ("valid", (1, 1), (2, 2), False, 1),
    ("valid", (1, 1), (1, 1), True, 2),
    ("full", (2, 1), (1, 2), False, 2),
    ("half", (1, 2), (1, 1), True, 3),
]


def random_operands(rng, groups, dtype="float64", batch=2, channels_per_group=1, n_filters_per_group=2,
                    image=(5, 6), kernel=(3, 2)):
    x = rng.standard_normal((batch, channels_per_group * groups, *image)).astype(dtype)
    w = rng.standard_normal((n_filters_per_group * groups, channels_per_group, *kernel)).astype(dtype)
    return x, w


@pytest.mark.parametrize("border_mode,subsample,dilation,flip,groups", SETTINGS)
def test_forward_and_gradients_match_reference(border_mode, subsample, dilation, flip, groups):
    rng = np.random.default_rng(42)
    channels = 2 if groups == 1 else 1
    x_value, w_value = random_operands(rng, groups, channels_per_group=channels)
    x, w = T.tensor4("x"), T.tensor4("w")
    out = T.nnet.conv2d(x, w, border_mode=border_mode, subsample=subsample, filter_flip=flip,
                        filter_dilation=dilation, num_groups=groups)
    top = T.tensor4("top")
    d_x, d_w = T.grad(T.sum(out * top), [x, w])
    expected, _, _ = reference_all(x_value, w_value, None, border_mode, subsample, dilation, flip, groups)
    top_value = rng.standard_normal(expected.shape)
    expected, expected_dx, expected_dw = reference_all(x_value, w_value, top_value, border_mode, subsample, dilation,
                                                       flip, groups)
    f = theano.function([x, w, top], [out, d_x, d_w, out.shape])
    got, got_dx, got_dw, got_shape = f(x_value, w_value, top_value)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(got_dx, expected_dx, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(got_dw, expected_dw, rtol=1e-10, atol=1e-12)
    assert tuple(got_shape) == expected.shape


def test_float32_and_old_spelling():
    rng = np.random.default_rng(0)
    x_value, w_value = random_operands(rng, 1, dtype="float32", channels_per_group=3)
    x, w = T.tensor4("x", dtype="float32"), T.tensor4("w", dtype="float32")
    new = T.nnet.conv2d(x, w, border_mode="full", subsample=(2, 1), filter_shape=w_value.shape)
    old = conv.conv2d(x, w, image_shape=x_value.shape, filter_shape=w_value.shape, border_mode="full",
                      subsample=(2, 1), unroll_batch=2)
    assert new.dtype == old.dtype == "float32"
    assert isinstance(old.owner.op, AbstractConv2d)
    got_new, got_old = theano.function([x, w], [new, old])(x_value, w_value)
    expected, _, _ = reference_all(x_value.astype("float64"), w_value.astype("float64"), None, "full", (2, 1),
                                   (1, 1), True, 1)
    np.testing.assert_allclose(got_new, expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(got_new, got_old)


@pytest.mark.parametrize("border_mode,subsample,dilation,flip,groups", [SETTINGS[0], SETTINGS[9], SETTINGS[12]])
def test_verify_grad(border_mode, subsample, dilation, flip, groups):
    rng = np.random.default_rng(1)
    x_value, w_value = random_operands(rng, groups, image=(5, 5), kernel=(2, 3), batch=1)

    def fn(x, w):
        return T.nnet.conv2d(x, w, border_mode=border_mode, subsample=subsample, filter_flip=flip,
                             filter_dilation=dilation, num_groups=groups)
    verify_grad(fn, [x_value, w_value], rng=rng)


def test_second_derivative():
    """The gradient ops are differentiable: verify_grad of a gradient, and the graph holds conv ops only."""
    rng = np.random.default_rng(2)
    x_value, w_value = random_operands(rng, 1, batch=1, image=(4, 5), kernel=(2, 2))

    def grad_of_weights(x, w):
        out = T.nnet.conv2d(x, w, border_mode="half", subsample=(2, 1))
        return T.grad(T.sum(T.tanh(out)), w)
    verify_grad(grad_of_weights, [x_value, w_value], rng=rng)

    x, w = T.tensor4("x"), T.tensor4("w")
    g_w = T.grad(T.sum(T.nnet.conv2d(x, w) ** 2), w)
    second = T.grad(T.sum(g_w), x)
    ops = {type(node.op) for node in applys_between([x, w], [second])}
    assert AbstractConv2d_gradInputs in ops and AbstractConv2d_gradWeights in ops


def test_infer_shape_does_not_compute():
    x, w = T.tensor4("x"), T.tensor4("w")
    out = T.nnet.conv2d(x, w, border_mode=(1, 2), subsample=(2, 3), filter_dilation=(1, 2))
    f = theano.function([x, w], out.shape)
    assert not any(isinstance(n.op, AbstractConv2d) for n in f.maker.fgraph.apply_nodes)
    shape = f(np.zeros((2, 3, 7, 9)), np.zeros((4, 3, 3, 2)))
    assert tuple(shape) == (2, 4, (7 + 2 - 3) // 2 + 1, (9 + 4 - 3) // 3 + 1)
    assert abstract_conv.get_conv_output_shape((2, 3, 7, 9), (4, 3, 3, 2), (1, 2), (2, 3), (1, 2)) == tuple(shape)


def test_transpose_is_gradient_of_forward():
    rng = np.random.default_rng(3)
    w_value = rng.standard_normal((3, 2, 3, 3))
    top_value = rng.standard_normal((2, 3, 3, 3))
    top, w = T.tensor4("top"), T.tensor4("w")
    out = T.nnet.conv2d_transpose(top, w, output_shape=(2, 2, 7, 8), input_dilation=(2, 2))
    got = theano.function([top, w], out)(top_value, w_value)
    _, expected, _ = reference_all(np.zeros((2, 2, 7, 8)), w_value, top_value, "valid", (2, 2), (1, 1), True, 1)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


def test_errors():
    x, w = T.tensor4("x"), T.tensor4("w")
    with pytest.raises(TypeError, match="4-d"):
        T.nnet.conv2d(T.matrix("m"), w)
    with pytest.raises(TypeError, match="4-d"):
        T.nnet.conv2d(x, T.tensor3("k"))
    with pytest.raises(ValueError, match="border_mode"):
        T.nnet.conv2d(x, w, border_mode="same")
    with pytest.raises(ValueError, match="subsample"):
        T.nnet.conv2d(x, w, subsample=(0, 1))
    with pytest.raises(ValueError, match="border_mode"):
        conv.conv2d(x, w, border_mode="half")
    f = theano.function([x, w], T.nnet.conv2d(x, w, num_groups=2))
    with pytest.raises(ValueError, match="channels"):
        f(np.zeros((1, 3, 4, 4)), np.zeros((2, 2, 2, 2)))
    with pytest.raises(ValueError, match="multiple of num_groups"):
        f(np.zeros((1, 4, 4, 4)), np.zeros((3, 2, 2, 2)))
    g = theano.function([x, w], T.nnet.conv2d(x, w, input_shape=(1, 2, 4, 4)))
    with pytest.raises(ValueError, match="was told"):
        g(np.zeros((1, 2, 5, 4)), np.zeros((2, 2, 2, 2)))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_c_kernels_match_perform(backend, dtype):
    """Each op through its C kernel (theano.link.c.testing.run_node), on strided operands too."""
    if backend != "c":
        pytest.skip("a test of the C kernels")
    from theano.link.c.testing import run_node

    rng = np.random.default_rng(4)
    x, w, top, shape = (T.tensor4("x", dtype=dtype), T.tensor4("w", dtype=dtype), T.tensor4("top", dtype=dtype),
                        T.lvector("shape"))
    x_value = rng.standard_normal((3, 4, 6, 14)).astype(dtype)[:, :, :, ::2]  # not contiguous
    w_value = rng.standard_normal((4, 2, 3, 2)).astype(dtype)[:, :, ::-1]
    tolerance = 1e-5 if dtype == "float32" else 1e-12
    for settings in [dict(border_mode=((1, 0), (2, 1)), subsample=(1, 3), filter_dilation=(2, 1), num_groups=2),
                     dict(border_mode="full", subsample=(2, 1), filter_flip=False, num_groups=2)]:
        op = AbstractConv2d(**settings)
        node = op(x, w).owner
        (out,) = run_node(node, [x_value, w_value])
        np.testing.assert_allclose(out, abstract_conv.forward_values(op, x_value, w_value), atol=tolerance)
        top_value = rng.standard_normal(out.shape).astype(dtype)
        weights_node = AbstractConv2d_gradWeights(**settings)(x, top, shape).owner
        (d_w,) = run_node(weights_node, [x_value, top_value, np.array(w_value.shape[2:])])
        np.testing.assert_allclose(d_w, abstract_conv.weights_grad_values(op, x_value, top_value, w_value.shape[2:]),
                                   atol=tolerance * 10)
        inputs_node = AbstractConv2d_gradInputs(**settings)(w, top, shape).owner
        (d_x,) = run_node(inputs_node, [w_value, top_value, np.array(x_value.shape[2:])])
        np.testing.assert_allclose(d_x, abstract_conv.inputs_grad_values(op, w_value, top_value, x_value.shape[2:]),
                                   atol=tolerance * 10)
