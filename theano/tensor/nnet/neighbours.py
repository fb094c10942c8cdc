"""Image patches as matrix rows (Theano 1.0's ``theano.tensor.nnet.neighbours``).

``images2neibs`` cuts each image of a 4-d tensor ``(batch, channels, rows, columns)`` into
patches of ``neib_shape`` taken every ``neib_step``, and returns one row per patch (patches in
the order batch, channel, patch row, patch column; pixels of a patch in row-major order).
``neibs2images`` puts non-overlapping patches back.
"""

from __future__ import annotations

import numpy as np

import theano.tensor as T
from theano.gradient import grad_undefined
from theano.graph.basic import Apply, Variable
from theano.graph.op import Op
from theano.tensor.basic import as_tensor_variable
from theano.tensor.type import TensorType

__all__ = ["Images2Neibs", "Images2NeibsGrad", "images2neibs", "neibs2images"]

MODES = ("valid", "ignore_borders", "wrap_centered", "half", "full")


class NeibsShapeError(ValueError, TypeError):
    """The image, patch and step shapes do not fit the mode (a TypeError in Theano 1.0, a ValueError here:
    both catch it)."""


def _patch_indices(length: int, patch: int, step: int, mode: str, axis: str) -> np.ndarray:
    """For each patch along one image axis, the image index of each of its pixels (``length`` where the pixel
    is padding): an int array (number of patches, patch)."""
    if patch <= 0 or step <= 0:
        raise ValueError(f"images2neibs: neib_shape and neib_step must be positive, got {patch} and {step} ({axis})")
    offsets = np.arange(patch)
    if mode == "wrap_centered":
        if patch % 2 != 1:
            raise NeibsShapeError(f"images2neibs: mode 'wrap_centered' needs odd patch shapes, got {patch} ({axis})")
        if length < patch:
            raise NeibsShapeError(f"images2neibs: in mode 'wrap_centered' the image ({length} {axis}) must be at "
                                  f"least as large as the patch ({patch})")
        starts = np.arange(-(-length // step)) * step - patch // 2
        return (starts[:, None] + offsets) % length
    if mode == "valid" and (length < patch or (length - patch) % step):
        raise NeibsShapeError(f"images2neibs: in mode 'valid' the patches ({patch}, step {step}) must tile the image "
                              f"exactly ({length} {axis}); use mode 'ignore_borders' to drop the rest")
    pad = {"valid": 0, "ignore_borders": 0, "half": patch // 2, "full": patch - 1}[mode]
    count = max((length + 2 * pad - patch) // step + 1, 0)
    index = np.arange(count)[:, None] * step + offsets - pad
    return np.where((index < 0) | (index >= length), length, index)


def _indices(shape, neib_shape, neib_step, mode: str):
    rows = _patch_indices(shape[2], int(neib_shape[0]), int(neib_step[0]), mode, "rows")
    cols = _patch_indices(shape[3], int(neib_shape[1]), int(neib_step[1]), mode, "columns")
    # (patch row, patch column, pixel row, pixel column) -> image position, in the padded image
    return rows[:, None, :, None], cols[None, :, None, :]


def _padded_zeros(shape, dtype) -> np.ndarray:
    """An image tensor with one extra row and column of zeros, where padding pixels point."""
    return np.zeros(tuple(shape[:2]) + (shape[2] + 1, shape[3] + 1), dtype=dtype)


class Images2Neibs(Op):
    """``Images2Neibs(mode)(ten4, neib_shape, neib_step)``: see :func:`images2neibs`."""

    __props__ = ("mode",)

    def __init__(self, mode: str = "valid"):
        if mode not in MODES:
            raise NotImplementedError(f"images2neibs: mode must be one of {MODES}, got {mode!r}")
        self.mode = mode

    def make_node(self, ten4, neib_shape, neib_step=None):
        ten4 = as_tensor_variable(ten4)
        neib_shape = T.cast(as_tensor_variable(neib_shape), "int64")
        neib_step = neib_shape if neib_step is None else T.cast(as_tensor_variable(neib_step), "int64")
        if ten4.type.ndim != 4:
            raise TypeError(f"images2neibs: ten4 must be a 4-d tensor, got {ten4.type}")
        if neib_shape.type.ndim != 1 or neib_step.type.ndim != 1:
            raise TypeError("images2neibs: neib_shape and neib_step must be pairs of integers")
        out = TensorType(ten4.type.dtype, (False, False))()
        return Apply(self, [ten4, neib_shape, neib_step], [out])

    def perform(self, node, inputs, output_storage, params=None):
        ten4, neib_shape, neib_step = inputs
        rows, cols = _indices(ten4.shape, neib_shape, neib_step, self.mode)
        padded = _padded_zeros(ten4.shape, ten4.dtype)
        padded[:, :, :-1, :-1] = ten4
        patches = padded[:, :, rows, cols]  # (batch, channels, patch rows, patch cols, pixel row, pixel col)
        patch_size = int(neib_shape[0]) * int(neib_shape[1])
        output_storage[0][0] = np.ascontiguousarray(patches.reshape(-1, patch_size))

    def infer_shape(self, node, input_shapes):
        ten4, neib_shape, neib_step = node.inputs
        shape = input_shapes[0]
        c, d = neib_shape[0], neib_shape[1]
        sx, sy = neib_step[0], neib_step[1]
        if self.mode == "wrap_centered":
            grid = [(shape[2] + sx - 1) // sx, (shape[3] + sy - 1) // sy]
        else:
            pads = {"valid": (0, 0), "ignore_borders": (0, 0), "half": (c // 2, d // 2), "full": (c - 1, d - 1)}
            pc, pd = pads[self.mode]
            grid = [T.maximum((shape[2] + 2 * pc - c) // sx + 1, 0), T.maximum((shape[3] + 2 * pd - d) // sy + 1, 0)]
        return [(shape[0] * shape[1] * grid[0] * grid[1], c * d)]

    def L_op(self, inputs, outputs, output_grads):
        ten4, neib_shape, neib_step = inputs
        gx = Images2NeibsGrad(self.mode)(output_grads[0], ten4.shape, neib_shape, neib_step)
        return [gx, grad_undefined(self, 1, neib_shape), grad_undefined(self, 2, neib_step)]


class Images2NeibsGrad(Op):
    """The gradient of :class:`Images2Neibs`: each patch row added back at its pixels (pixels shared by
    several patches sum their gradients; padding pixels are dropped).
    ``Images2NeibsGrad(mode)(gz, image_shape, neib_shape, neib_step)``."""

    __props__ = ("mode",)

    def __init__(self, mode: str = "valid"):
        self.mode = mode

    def make_node(self, gz, image_shape, neib_shape, neib_step):
        gz = as_tensor_variable(gz)
        image_shape, neib_shape, neib_step = (T.cast(as_tensor_variable(v), "int64")
                                              for v in (image_shape, neib_shape, neib_step))
        out = TensorType(gz.type.dtype, (False,) * 4)()
        return Apply(self, [gz, image_shape, neib_shape, neib_step], [out])

    def perform(self, node, inputs, output_storage, params=None):
        gz, image_shape, neib_shape, neib_step = inputs
        shape = tuple(int(n) for n in image_shape)
        rows, cols = _indices(shape, neib_shape, neib_step, self.mode)
        gx = _padded_zeros(shape, gz.dtype)
        patches = gz.reshape(shape[:2] + (rows.shape[0], cols.shape[1], rows.shape[2], cols.shape[3]))
        rows_b, cols_b = np.broadcast_arrays(rows, cols)
        for b in range(shape[0]):
            for c in range(shape[1]):
                np.add.at(gx[b, c], (rows_b, cols_b), patches[b, c])
        output_storage[0][0] = np.ascontiguousarray(gx[:, :, :-1, :-1])

    def infer_shape(self, node, input_shapes):
        shape = node.inputs[1]
        return [tuple(shape[i] for i in range(4))]

    def L_op(self, inputs, outputs, output_grads):
        gz, image_shape, neib_shape, neib_step = inputs
        ggz = Images2Neibs(self.mode)(output_grads[0], neib_shape, neib_step)
        return [ggz] + [grad_undefined(self, i, inputs[i]) for i in (1, 2, 3)]

    def connection_pattern(self, node):
        return [[True], [False], [False], [False]]


def images2neibs(ten4, neib_shape, neib_step=None, mode: str = "valid") -> Variable:
    """The patches of a batch of images, one per row.

    Parameters
    ----------
    ten4 : 4-d tensor
        ``(batch, channels, rows, columns)``.
    neib_shape : pair of ints (or int vector)
        Patch shape ``(rows, columns)``.
    neib_step : pair of ints, optional
        Step between patches; ``neib_shape`` when None (non-overlapping patches).
    mode : {'valid', 'ignore_borders', 'wrap_centered', 'half', 'full'}
        'valid': the patches must tile the image exactly (else an error); 'ignore_borders': the
        pixels left over are dropped; 'wrap_centered': a patch (odd shape) centred every ``neib_step``
        pixels from the top-left corner, wrapping around the borders; 'half': zero padding of
        half the patch on each side; 'full': zero padding of the patch minus one.

    Returns
    -------
    matrix
        ``(batch * channels * patches, neib_shape[0] * neib_shape[1])``.
    """
    return Images2Neibs(mode)(ten4, neib_shape, neib_step)


def neibs2images(neibs, neib_shape, original_shape, mode: str = "valid") -> Variable:
    """The images whose non-overlapping patches are ``neibs`` (the inverse of :func:`images2neibs` with
    ``neib_step = neib_shape``).

    Parameters
    ----------
    neibs : matrix
        One patch per row, as :func:`images2neibs` returns them.
    neib_shape : pair of ints
    original_shape : 4 ints or a symbolic shape
        The shape of the images.
    mode : {'valid', 'ignore_borders'}
        With 'ignore_borders', the pixels no patch covered are zeros.
    """
    if mode not in ("valid", "ignore_borders"):
        raise NotImplementedError(f"neibs2images does not support mode={mode!r}")
    neibs = as_tensor_variable(neibs)
    neib_shape = as_tensor_variable(neib_shape)
    original_shape = as_tensor_variable(original_shape)
    rows, cols = neib_shape[0], neib_shape[1]
    batch, channels, height, width = (original_shape[i] for i in range(4))
    grid_rows, grid_cols = height // rows, width // cols
    blocks = neibs.reshape(T.stack([batch, channels, grid_rows, grid_cols, rows, cols]), ndim=6)
    images = blocks.dimshuffle(0, 1, 2, 4, 3, 5).reshape(
        T.stack([batch, channels, grid_rows * rows, grid_cols * cols]), ndim=4)
    if mode == "ignore_borders":
        below = T.zeros(T.stack([batch, channels, height - grid_rows * rows, grid_cols * cols]), dtype=neibs.dtype)
        images = T.concatenate([images, below], axis=2)
        right = T.zeros(T.stack([batch, channels, height, width - grid_cols * cols]), dtype=neibs.dtype)
        images = T.concatenate([images, right], axis=3)
    return images
