"""Hand-written NumPy forward and backward passes of the ConvLarge layers (the conv workload's reference).

Convolutions are "valid" and true convolutions (the kernel is flipped), as Theano's ``conv2d``
computes them. They loop over the kernel's offsets and do one matrix product per offset on the
channels-last view of the input, which needs no im2col buffer (at minibatch 60 the first layer's
would hold 60 x 250 x 250 x 49 values). Max-pooling is non-overlapping with the image size a
multiple of the pool size; its gradient goes to every input equal to the maximum, as in Theano.
"""

from __future__ import annotations

import numpy as np


def conv2d_valid(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """True 2-D convolution, valid mode: x (B, C, H, W), w (O, C, kh, kw) -> (B, O, H-kh+1, W-kw+1)."""
    batch, _, height, width = x.shape
    n_out, _, kh, kw = w.shape
    oh, ow = height - kh + 1, width - kw + 1
    flipped = w[:, :, ::-1, ::-1]
    x_last = x.transpose(0, 2, 3, 1)  # channels last: each offset is one (pixels x C) @ (C x O) product
    out = np.zeros((batch, oh, ow, n_out), dtype=x.dtype)
    for u in range(kh):
        for v in range(kw):
            out += x_last[:, u:u + oh, v:v + ow, :] @ flipped[:, :, u, v].T
    return out.transpose(0, 3, 1, 2)


def conv2d_valid_grads(x: np.ndarray, w: np.ndarray, g_out: np.ndarray,
                       need_input_grad: bool = True) -> tuple[np.ndarray | None, np.ndarray]:
    """Gradients of ``sum(g_out * conv2d_valid(x, w))`` with respect to x (optional) and w."""
    n_out, n_in, kh, kw = w.shape
    oh, ow = g_out.shape[2], g_out.shape[3]
    flipped = w[:, :, ::-1, ::-1]
    x_last = x.transpose(0, 2, 3, 1)
    g_last = np.ascontiguousarray(g_out.transpose(0, 2, 3, 1))
    g_flipped = np.empty((n_out, n_in, kh, kw), dtype=w.dtype)
    g_x_last = np.zeros(x_last.shape, dtype=x.dtype) if need_input_grad else None
    for u in range(kh):
        for v in range(kw):
            patch = x_last[:, u:u + oh, v:v + ow, :]
            g_flipped[:, :, u, v] = np.tensordot(g_last, patch, axes=([0, 1, 2], [0, 1, 2]))
            if need_input_grad:
                g_x_last[:, u:u + oh, v:v + ow, :] += g_last @ flipped[:, :, u, v]
    g_x = None if g_x_last is None else g_x_last.transpose(0, 3, 1, 2)
    return g_x, g_flipped[:, :, ::-1, ::-1]


def max_pool(x: np.ndarray, size: int) -> np.ndarray:
    """Non-overlapping ``size`` x ``size`` max-pooling of (B, C, H, W); H and W must be multiples of size."""
    batch, channels, height, width = x.shape
    if height % size or width % size:
        raise ValueError(f"max_pool: {height}x{width} is not a multiple of {size}")
    blocks = x.reshape(batch, channels, height // size, size, width // size, size)
    return blocks.max(axis=(3, 5))


def max_pool_grad(x: np.ndarray, pooled: np.ndarray, g_pooled: np.ndarray, size: int) -> np.ndarray:
    """Gradient of ``sum(g_pooled * max_pool(x, size))`` with respect to x."""
    batch, channels, height, width = x.shape
    blocks = x.reshape(batch, channels, height // size, size, width // size, size)
    is_max = blocks == pooled[:, :, :, None, :, None]
    return (is_max * g_pooled[:, :, :, None, :, None]).reshape(x.shape)


def convlarge_step(params: list[np.ndarray], x: np.ndarray, y: np.ndarray, lr) -> float:
    """One SGD step of ConvLarge on a minibatch, updating the 8 ``params`` in place; returns the cost.

    ``params`` is ``[w1, b1, w2, b2, v1, d1, v2, d2]`` (see :mod:`benchmarks.conv`).
    """
    w1, b1, w2, b2, v1, d1, v2, d2 = params
    batch = x.shape[0]
    # forward
    c1 = np.tanh(conv2d_valid(x, w1) + b1[:, None, None])
    m1 = max_pool(c1, 5)
    s1 = np.tanh(m1)
    c2 = np.tanh(conv2d_valid(s1, w2) + b2[:, None, None])
    m2 = max_pool(c2, 4)
    s2 = np.tanh(m2)
    flat = s2.reshape(batch, -1)
    hidden = np.tanh(flat @ v1 + d1)
    logits = hidden @ v2 + d2
    logits -= logits.max(axis=1, keepdims=True)
    exp = np.exp(logits)
    probabilities = exp / exp.sum(axis=1, keepdims=True)
    rows = np.arange(batch)
    cost = -np.mean(np.log(probabilities[rows, y]))
    # backward
    g_logits = probabilities
    g_logits[rows, y] -= 1
    g_logits /= batch
    g_hidden = (g_logits @ v2.T) * (1 - hidden * hidden)
    g_flat = g_hidden @ v1.T
    g_m2 = g_flat.reshape(s2.shape) * (1 - s2 * s2)
    g_c2 = max_pool_grad(c2, m2, g_m2, 4) * (1 - c2 * c2)
    g_s1, g_w2 = conv2d_valid_grads(s1, w2, g_c2)
    g_m1 = g_s1 * (1 - s1 * s1)
    g_c1 = max_pool_grad(c1, m1, g_m1, 5) * (1 - c1 * c1)
    _, g_w1 = conv2d_valid_grads(x, w1, g_c1, need_input_grad=False)
    grads = [g_w1, g_c1.sum(axis=(0, 2, 3)), g_w2, g_c2.sum(axis=(0, 2, 3)),
             flat.T @ g_hidden, g_hidden.sum(axis=0), hidden.T @ g_logits, g_logits.sum(axis=0)]
    for param, grad in zip(params, grads):
        param -= lr * grad
    return cost
