"""theano.tensor.nnet.neighbours: images2neibs in every mode against direct loops, neibs2images, gradients."""

from __future__ import annotations

import numpy as np
import pytest

import theano
import theano.tensor as T
from tests import unittest_tools as utt
from theano.gradient import verify_grad
from theano.tensor.nnet.neighbours import Images2Neibs, images2neibs, neibs2images


def reference_neibs(x, shape, step, mode):
    """Theano 1.0's patch extraction, pixel by pixel."""
    (c, d), (sx, sy) = shape, step
    n, s, h, w = x.shape
    if mode == "wrap_centered":
        gc, gd, shift = -(-h // sx), -(-w // sy), (c // 2, d // 2)
    else:
        pad = {"valid": (0, 0), "ignore_borders": (0, 0), "half": (c // 2, d // 2), "full": (c - 1, d - 1)}[mode]
        gc, gd, shift = (h + 2 * pad[0] - c) // sx + 1, (w + 2 * pad[1] - d) // sy + 1, pad
    out = np.zeros((n * s * gc * gd, c * d), dtype=x.dtype)
    for b in range(n):
        for ch in range(s):
            for a in range(gc):
                for e in range(gd):
                    row = e + gd * (a + gc * (ch + s * b))
                    for i in range(c):
                        for j in range(d):
                            r, q = i + a * sx - shift[0], j + e * sy - shift[1]
                            if mode == "wrap_centered":
                                r, q = r % h, q % w
                            if 0 <= r < h and 0 <= q < w:
                                out[row, j + d * i] = x[b, ch, r, q]
    return out


CASES = [
    ("valid", (2, 2), None, (2, 2, 4, 6)),
    ("valid", (3, 2), (1, 2), (1, 2, 5, 6)),
    ("ignore_borders", (2, 3), (2, 2), (1, 2, 5, 6)),
    ("wrap_centered", (3, 3), (2, 1), (1, 1, 5, 4)),
    ("half", (3, 2), (2, 1), (1, 2, 4, 5)),
    ("full", (2, 3), (1, 2), (1, 1, 4, 5)),
]


@pytest.mark.parametrize("mode, shape, step, image", CASES)
def test_images2neibs(mode, shape, step, image):
    x = T.dtensor4("x")
    out = images2neibs(x, shape, step, mode=mode)
    value = utt.random(*image)
    f = theano.function([x], out)
    utt.assert_allclose(f(value), reference_neibs(value, shape, step or shape, mode))
    utt.check_infer_shape([x], [out], [value], op_class=Images2Neibs)
    verify_grad(lambda t: images2neibs(t, shape, step, mode=mode), [value])


def test_valid_mode_must_tile():
    x = T.dtensor4()
    f = theano.function([x], images2neibs(x, (2, 2)))
    with pytest.raises(ValueError):
        f(np.zeros((1, 1, 5, 4)))
    with pytest.raises(TypeError):  # Theano 1.0 raised TypeError; both catch it
        f(np.zeros((1, 1, 5, 4)))


@pytest.mark.parametrize("mode", ["valid", "ignore_borders"])
def test_neibs2images(mode):
    x = T.dtensor4()
    shape = (1, 2, 4, 6) if mode == "valid" else (1, 2, 5, 7)
    value = utt.random(*shape)
    neibs = images2neibs(x, (2, 3), mode=mode)
    back = neibs2images(neibs, (2, 3), x.shape, mode=mode)
    got = theano.function([x], back)(value)
    expected = np.zeros_like(value)
    expected[:, :, :4, :6] = value[:, :, :4, :6]
    utt.assert_allclose(got, expected)
    verify_grad(lambda t: neibs2images(t, (2, 3), shape, mode=mode), [utt.random(2 * 2 * 2, 6)])
