"""Two-dimensional convolution of images with banks of filters: ``conv2d`` and its ops.

Three ops make up the family, each linear in both of its tensor inputs, so that the gradient of
any of them is built from the other two (second and higher derivatives are again convolutions):

* :class:`AbstractConv2d` ``(input, filters) -> output``, the forward convolution;
* :class:`AbstractConv2d_gradWeights` ``(input, output_grad, filter_rows_cols) -> filters_grad``;
* :class:`AbstractConv2d_gradInputs` ``(filters, output_grad, input_rows_cols) -> input_grad``.

Layouts are Theano's: images ``(batch, channels, rows, columns)``, filters ``(output channels,
input channels / num_groups, rows, columns)``. With ``filter_flip=True`` (the default) the op is a
true convolution (the filters are flipped along both spatial axes); with ``False`` it is a
cross-correlation. The gradient ops also take the spatial shape of what they compute, because a
strided convolution maps several input sizes to one output size.

``perform`` is vectorized NumPy (strided windows and ``tensordot``); the C kernels, im2col plus
BLAS GEMM, live in :mod:`theano.link.c.conv_c`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

from theano.graph.basic import Apply, Variable
from theano.graph.op import Op
from theano.scalar.type import complex_types, discrete_types, upcast, upgrade_to_float_dtype
from theano.tensor.basic import as_tensor_variable, cast, patternbroadcast
from theano.tensor.type import TensorType

__all__ = [
    "AbstractConv2d",
    "AbstractConv2d_gradInputs",
    "AbstractConv2d_gradWeights",
    "conv2d",
    "conv2d_grad_wrt_inputs",
    "conv2d_grad_wrt_weights",
    "conv2d_transpose",
    "get_conv_output_shape",
    "get_conv_shape_1axis",
]

_MODES = ("valid", "full", "half")


# ------------------------------------------------------------------------------------------
# Parameters and shapes
# ------------------------------------------------------------------------------------------

def _int_pair(value: Any, what: str) -> tuple[int, int]:
    try:
        pair = tuple(int(v) for v in value)
    except TypeError:
        raise TypeError(f"conv2d: {what} must be a pair of ints, got {value!r}") from None
    if len(pair) != 2 or any(v < 1 for v in pair):
        raise ValueError(f"conv2d: {what} must be a pair of positive ints, got {value!r}")
    return pair


def _normalize_border_mode(border_mode: Any) -> str | tuple:
    """'valid', 'full', 'half', or ((top, bottom), (left, right)) / (rows, cols) of non-negative ints."""
    if isinstance(border_mode, str):
        if border_mode not in _MODES:
            raise ValueError(f"conv2d: border_mode must be 'valid', 'full', 'half', an int or a pair, got "
                             f"{border_mode!r}")
        return border_mode
    if isinstance(border_mode, (int, np.integer)):
        border_mode = (int(border_mode), int(border_mode))
    try:
        entries = tuple(border_mode)
    except TypeError:
        raise ValueError(f"conv2d: invalid border_mode {border_mode!r}") from None
    if len(entries) != 2:
        raise ValueError(f"conv2d: border_mode must give the padding of 2 axes, got {border_mode!r}")
    pads = []
    for entry in entries:
        pair = (entry, entry) if isinstance(entry, (int, np.integer)) else tuple(entry)
        if len(pair) != 2 or any(not isinstance(p, (int, np.integer)) or p < 0 for p in pair):
            raise ValueError(f"conv2d: invalid border_mode {border_mode!r} (paddings are non-negative ints)")
        pads.append((int(pair[0]), int(pair[1])))
    if all(p == (0, 0) for p in pads):
        return "valid"
    if all(p[0] == p[1] for p in pads):
        return (pads[0][0], pads[1][0])
    return tuple(pads)


def _pads_of(border_mode, dilated_kernel: Sequence) -> tuple[tuple[Any, Any], tuple[Any, Any]]:
    """((top, bottom), (left, right)) padding for kernels of dilated extent ``dilated_kernel``."""
    if border_mode == "valid":
        return ((0, 0), (0, 0))
    if border_mode == "full":
        return tuple((k - 1, k - 1) for k in dilated_kernel)
    if border_mode == "half":
        return tuple((k // 2, k // 2) for k in dilated_kernel)
    return tuple((p, p) if not isinstance(p, tuple) else p for p in border_mode)


def get_conv_shape_1axis(image_shape, kernel_shape, border_mode, subsample: int, dilation: int = 1):
    """Length of one axis of a convolution's output (None when an operand's length is None).

    ``border_mode`` is 'valid', 'full', 'half', an int (symmetric padding) or a pair (before,
    after). Lengths may be ints or symbolic scalars.
    """
    if image_shape is None or kernel_shape is None:
        return None
    dilated = (kernel_shape - 1) * dilation + 1
    if border_mode == "valid":
        before = after = 0
    elif border_mode == "full":
        before = after = dilated - 1
    elif border_mode == "half":
        before = after = dilated // 2
    elif isinstance(border_mode, tuple):
        before, after = border_mode
    else:
        before = after = int(border_mode)
    return (image_shape + before + after - dilated) // subsample + 1


def get_conv_output_shape(image_shape, kernel_shape, border_mode, subsample, filter_dilation=None) -> tuple:
    """The 4-d shape of ``conv2d(image, kernel)`` from the shapes of its operands (entries may be None).

    Parameters
    ----------
    image_shape, kernel_shape : sequence of 4 ints, symbolic scalars or None
    border_mode : str, int or tuple
    subsample, filter_dilation : pair of ints
    """
    mode = _normalize_border_mode(border_mode)
    dilation = (1, 1) if filter_dilation is None else tuple(filter_dilation)
    spatial = []
    for axis in range(2):
        if isinstance(mode, tuple):
            axis_mode = mode[axis] if isinstance(mode[axis], tuple) else (mode[axis], mode[axis])
        else:
            axis_mode = mode
        spatial.append(get_conv_shape_1axis(image_shape[2 + axis], kernel_shape[2 + axis], axis_mode,
                                            subsample[axis], dilation[axis]))
    return (image_shape[0], kernel_shape[0], *spatial)


def _shape_hint(shape: Any, what: str) -> tuple:
    if shape is None:
        return (None,) * 4
    hint = tuple(None if s is None or isinstance(s, Variable) else int(s) for s in shape)
    if len(hint) != 4:
        raise ValueError(f"conv2d: {what} must have 4 entries (or be None), got {shape!r}")
    return hint


# ------------------------------------------------------------------------------------------
# NumPy implementation
# ------------------------------------------------------------------------------------------

def _windows(padded: np.ndarray, kernel: tuple, out: tuple, subsample: tuple, dilation: tuple) -> np.ndarray:
    """A read-only view ``w[n, c, y, x, i, j] = padded[n, c, y*sh + i*dh, x*sw + j*dw]``."""
    s = padded.strides
    shape = padded.shape[:2] + tuple(out) + tuple(kernel)
    strides = (s[0], s[1], s[2] * subsample[0], s[3] * subsample[1], s[2] * dilation[0], s[3] * dilation[1])
    return as_strided(padded, shape, strides, writeable=False)


class BaseAbstractConv(Op):
    """What the three ops share: their parameters, their validation and their geometry."""

    __props__ = ("border_mode", "subsample", "filter_flip", "imshp", "kshp", "filter_dilation", "num_groups",
                 "unshared")

    def __init__(self, imshp=None, kshp=None, border_mode="valid", subsample=(1, 1), filter_flip: bool = True,
                 filter_dilation=(1, 1), num_groups: int = 1, unshared: bool = False):
        self.imshp = _shape_hint(imshp, "imshp")
        self.kshp = _shape_hint(kshp, "kshp")
        self.border_mode = _normalize_border_mode(border_mode)
        self.subsample = _int_pair(subsample, "subsample")
        self.filter_dilation = _int_pair(filter_dilation, "filter_dilation")
        self.filter_flip = bool(filter_flip)
        if int(num_groups) < 1:
            raise ValueError(f"conv2d: num_groups must be a positive int, got {num_groups!r}")
        self.num_groups = int(num_groups)
        if unshared:
            raise NotImplementedError("conv2d: unshared (locally connected) filters are not supported")
        self.unshared = False

    def _kwargs(self) -> dict:
        return {prop: getattr(self, prop) for prop in self.__props__}

    def pads(self, kernel_rows_cols: Sequence[int]) -> tuple[tuple[int, int], tuple[int, int]]:
        """((top, bottom), (left, right)) zero padding for a kernel of ``kernel_rows_cols`` taps."""
        dilated = [(k - 1) * d + 1 for k, d in zip(kernel_rows_cols, self.filter_dilation)]
        return _pads_of(self.border_mode, dilated)

    def output_rows_cols(self, image_rows_cols: Sequence, kernel_rows_cols: Sequence) -> tuple:
        """Spatial shape of the forward convolution's output (ints or symbolic scalars)."""
        pads = self.pads(kernel_rows_cols)
        return tuple((image_rows_cols[a] + pads[a][0] + pads[a][1] - (kernel_rows_cols[a] - 1)
                      * self.filter_dilation[a] - 1) // self.subsample[a] + 1 for a in range(2))

    def _float_inputs(self, name: str, *values) -> list:
        """The 4-d tensors among ``values`` cast to their common float dtype."""
        tensors = [as_tensor_variable(v) for v in values]
        for what, t in zip(name.split(","), tensors):
            if t.type.dtype in complex_types:
                raise TypeError(f"{type(self).__name__}: {what} must be real, got {t.type}")
            if t.type.ndim != 4:
                raise TypeError(f"{type(self).__name__}: {what} must be a 4-d tensor (batch or output channels, "
                                f"channels, rows, columns), got a {t.type.ndim}-d {t.type}")
        dtype = upcast(*[t.type.dtype for t in tensors])
        if dtype in discrete_types:
            dtype = upgrade_to_float_dtype(dtype)
        return [t if t.type.dtype == dtype else cast(t, dtype) for t in tensors]

    def _shape_input(self, shape) -> Variable:
        shape = as_tensor_variable(shape)
        if shape.type.ndim != 1 or shape.type.dtype not in discrete_types:
            raise TypeError(f"{type(self).__name__}: the spatial shape must be a vector of 2 ints, got {shape.type}")
        if shape.type.dtype != "int64":
            shape = cast(shape, "int64")
        return shape

    def _check_groups(self, image_channels: int, kernel_channels: int, n_filters: int) -> None:
        if image_channels != kernel_channels * self.num_groups:
            raise ValueError(f"conv2d: the input has {image_channels} channels, but the filters expect "
                             f"{kernel_channels} x num_groups={self.num_groups} = "
                             f"{kernel_channels * self.num_groups}")
        if n_filters % self.num_groups:
            raise ValueError(f"conv2d: the number of filters ({n_filters}) must be a multiple of num_groups "
                             f"({self.num_groups})")

    def _check_hint(self, hint: tuple, shape: tuple, what: str) -> None:
        for given, actual in zip(hint, shape):
            if given is not None and given != actual:
                raise ValueError(f"conv2d: the {what} has shape {shape}, but the op was told {hint}")

    def _padded(self, image: np.ndarray, pads) -> np.ndarray:
        if pads == ((0, 0), (0, 0)):
            return image
        return np.pad(image, ((0, 0), (0, 0)) + tuple(pads))

    def _check_top(self, out: tuple, top_shape: tuple) -> None:
        if tuple(out) != tuple(top_shape[2:]):
            raise ValueError(f"conv2d: the output gradient has spatial shape {tuple(top_shape[2:])}, but the "
                             f"convolution's output would have {tuple(out)}")

    def _flip(self, kernel: np.ndarray) -> np.ndarray:
        return kernel[:, :, ::-1, ::-1] if self.filter_flip else kernel


class AbstractConv2d(BaseAbstractConv):
    """``conv2d(input, filters)``: the forward convolution (see :func:`conv2d`)."""

    def make_node(self, img, kern):
        img, kern = self._float_inputs("input,filters", img, kern)
        bcast = (img.type.broadcastable[0], kern.type.broadcastable[0], False, False)
        return Apply(self, [img, kern], [TensorType(img.type.dtype, bcast)()])

    def perform(self, node, inputs, output_storage, params=None):
        img, kern = inputs
        self._check_hint(self.imshp, img.shape, "input")
        self._check_hint(self.kshp, kern.shape, "filters")
        self._check_groups(img.shape[1], kern.shape[1], kern.shape[0])
        output_storage[0][0] = forward_values(self, img, kern).astype(node.outputs[0].type.dtype, copy=False)

    def infer_shape(self, node, shapes):
        imshp, kshp = shapes
        return [(imshp[0], kshp[0], *self.output_rows_cols(imshp[2:], kshp[2:]))]

    def grad(self, inputs, output_grads):
        img, kern = inputs
        (top,) = output_grads
        d_img = AbstractConv2d_gradInputs(**self._kwargs())(kern, top, img.shape[2:])
        d_kern = AbstractConv2d_gradWeights(**self._kwargs())(img, top, kern.shape[2:])
        return [patternbroadcast(d_img, img.type.broadcastable), patternbroadcast(d_kern, kern.type.broadcastable)]

    def R_op(self, inputs, eval_points):
        img, kern = inputs
        terms = []
        if eval_points[0] is not None:
            terms.append(self(eval_points[0], kern))
        if eval_points[1] is not None:
            terms.append(self(img, eval_points[1]))
        if not terms:
            return [None]
        return [terms[0] if len(terms) == 1 else terms[0] + terms[1]]


class AbstractConv2d_gradWeights(BaseAbstractConv):
    """The gradient of ``conv2d`` with respect to its filters: ``(input, output_grad, (rows, cols))``."""

    def make_node(self, img, topgrad, shape):
        img, topgrad = self._float_inputs("input,output_grad", img, topgrad)
        shape = self._shape_input(shape)
        bcast = (topgrad.type.broadcastable[1], img.type.broadcastable[1] and self.num_groups == 1, False, False)
        return Apply(self, [img, topgrad, shape], [TensorType(img.type.dtype, bcast)()])

    def perform(self, node, inputs, output_storage, params=None):
        img, top, shape = inputs
        kernel = tuple(int(s) for s in shape)
        self._check_hint(self.imshp, img.shape, "input")
        self._check_groups(img.shape[1], img.shape[1] // self.num_groups, top.shape[1])
        out = self.output_rows_cols(img.shape[2:], kernel)
        self._check_top(out, top.shape)
        output_storage[0][0] = weights_grad_values(self, img, top, kernel).astype(node.outputs[0].type.dtype,
                                                                                  copy=False)

    def infer_shape(self, node, shapes):
        imshp, topshp, _ = shapes
        shape = node.inputs[2]
        return [(topshp[1], imshp[1] // self.num_groups, shape[0], shape[1])]

    def connection_pattern(self, node):
        return [[True], [True], [False]]

    def grad(self, inputs, output_grads):
        from theano.gradient import DisconnectedType

        img, top, _ = inputs
        (d_kern,) = output_grads
        d_img = AbstractConv2d_gradInputs(**self._kwargs())(d_kern, top, img.shape[2:])
        d_top = AbstractConv2d(**self._kwargs())(img, d_kern)
        return [patternbroadcast(d_img, img.type.broadcastable), patternbroadcast(d_top, top.type.broadcastable),
                DisconnectedType()()]


class AbstractConv2d_gradInputs(BaseAbstractConv):
    """The gradient of ``conv2d`` with respect to its input: ``(filters, output_grad, (rows, cols))``."""

    def make_node(self, kern, topgrad, shape):
        kern, topgrad = self._float_inputs("filters,output_grad", kern, topgrad)
        shape = self._shape_input(shape)
        bcast = (topgrad.type.broadcastable[0], kern.type.broadcastable[1] and self.num_groups == 1, False, False)
        return Apply(self, [kern, topgrad, shape], [TensorType(kern.type.dtype, bcast)()])

    def perform(self, node, inputs, output_storage, params=None):
        kern, top, shape = inputs
        image = tuple(int(s) for s in shape)
        self._check_hint(self.kshp, kern.shape, "filters")
        if kern.shape[0] != top.shape[1]:
            raise ValueError(f"conv2d: the output gradient has {top.shape[1]} channels, but there are "
                             f"{kern.shape[0]} filters")
        self._check_groups(kern.shape[1] * self.num_groups, kern.shape[1], kern.shape[0])
        out = self.output_rows_cols(image, kern.shape[2:])
        self._check_top(out, top.shape)
        output_storage[0][0] = inputs_grad_values(self, kern, top, image).astype(node.outputs[0].type.dtype,
                                                                                 copy=False)

    def infer_shape(self, node, shapes):
        kshp, topshp, _ = shapes
        shape = node.inputs[2]
        return [(topshp[0], kshp[1] * self.num_groups, shape[0], shape[1])]

    def connection_pattern(self, node):
        return [[True], [True], [False]]

    def grad(self, inputs, output_grads):
        from theano.gradient import DisconnectedType

        kern, top, _ = inputs
        (d_img,) = output_grads
        d_kern = AbstractConv2d_gradWeights(**self._kwargs())(d_img, top, kern.shape[2:])
        d_top = AbstractConv2d(**self._kwargs())(d_img, kern)
        return [patternbroadcast(d_kern, kern.type.broadcastable), patternbroadcast(d_top, top.type.broadcastable),
                DisconnectedType()()]


def forward_values(op: BaseAbstractConv, img: np.ndarray, kern: np.ndarray) -> np.ndarray:
    """NumPy value of ``op(img, kern)`` (one ``tensordot`` per group over strided windows)."""
    groups = op.num_groups
    kernel = kern.shape[2:]
    out = op.output_rows_cols(img.shape[2:], kernel)
    n, n_filters = img.shape[0], kern.shape[0]
    result = np.zeros((n, n_filters, *out), dtype=np.result_type(img, kern))
    if min(out) <= 0 or result.size == 0:
        return np.zeros((n, n_filters, *(max(o, 0) for o in out)), dtype=result.dtype)
    windows = _windows(op._padded(img, op.pads(kernel)), kernel, out, op.subsample, op.filter_dilation)
    kern = op._flip(kern)
    cg, og = kern.shape[1], n_filters // groups
    for g in range(groups):
        part = np.tensordot(windows[:, g * cg:(g + 1) * cg], kern[g * og:(g + 1) * og], axes=([1, 4, 5], [1, 2, 3]))
        result[:, g * og:(g + 1) * og] = part.transpose(0, 3, 1, 2)
    return result


def weights_grad_values(op: BaseAbstractConv, img: np.ndarray, top: np.ndarray, kernel: tuple) -> np.ndarray:
    """NumPy value of the gradient of ``sum(top * op(img, W))`` with respect to ``W`` of spatial shape ``kernel``."""
    groups = op.num_groups
    cg, n_filters = img.shape[1] // groups, top.shape[1]
    og = n_filters // groups
    result = np.zeros((n_filters, cg, *kernel), dtype=np.result_type(img, top))
    if result.size == 0 or top.size == 0:
        return result
    windows = _windows(op._padded(img, op.pads(kernel)), kernel, top.shape[2:], op.subsample, op.filter_dilation)
    for g in range(groups):
        result[g * og:(g + 1) * og] = np.tensordot(top[:, g * og:(g + 1) * og], windows[:, g * cg:(g + 1) * cg],
                                                   axes=([0, 2, 3], [0, 2, 3]))
    return op._flip(result)


def inputs_grad_values(op: BaseAbstractConv, kern: np.ndarray, top: np.ndarray, image: tuple) -> np.ndarray:
    """NumPy value of the gradient of ``sum(top * op(X, kern))`` with respect to ``X`` of spatial shape ``image``."""
    groups = op.num_groups
    n, cg, n_filters = top.shape[0], kern.shape[1], kern.shape[0]
    og = n_filters // groups
    kernel = kern.shape[2:]
    (top_pad, bottom_pad), (left_pad, right_pad) = op.pads(kernel)
    rows, cols = image[0] + top_pad + bottom_pad, image[1] + left_pad + right_pad
    padded = np.zeros((n, cg * groups, rows, cols), dtype=np.result_type(kern, top))
    out_rows, out_cols = top.shape[2:]
    (sh, sw), (dh, dw) = op.subsample, op.filter_dilation
    kern = op._flip(kern)
    if top.size and kern.size:
        for g in range(groups):
            # columns[n, y, x, c, i, j]: what the window at (y, x) sends back to tap (i, j) of channel c
            columns = np.tensordot(top[:, g * og:(g + 1) * og], kern[g * og:(g + 1) * og], axes=([1], [0]))
            target = padded[:, g * cg:(g + 1) * cg]
            for i in range(kernel[0]):
                for j in range(kernel[1]):
                    rows_slice = slice(i * dh, i * dh + sh * (out_rows - 1) + 1, sh)
                    cols_slice = slice(j * dw, j * dw + sw * (out_cols - 1) + 1, sw)
                    target[:, :, rows_slice, cols_slice] += columns[:, :, :, :, i, j].transpose(0, 3, 1, 2)
    return padded[:, :, top_pad:top_pad + image[0], left_pad:left_pad + image[1]]


# ------------------------------------------------------------------------------------------
# Public functions
# ------------------------------------------------------------------------------------------

def _spatial(shape, what: str) -> list:
    if shape is None or len(shape) != 4:
        raise ValueError(f"conv2d: {what} must have 4 entries, got {shape!r}")
    if any(s is None for s in shape[2:]):
        raise ValueError(f"conv2d: the rows and columns of {what} must be known, got {shape!r}")
    return list(shape[2:])


def conv2d(input, filters, input_shape=None, filter_shape=None, border_mode="valid", subsample=(1, 1),
           filter_flip: bool = True, image_shape=None, filter_dilation=(1, 1), num_groups: int = 1,
           unshared: bool = False, **kwargs):
    """Convolve a minibatch of images with a bank of filters (Theano 1.0's ``theano.tensor.nnet.conv2d``).

    Parameters
    ----------
    input : 4-d tensor
        Images of shape (batch, input channels, rows, columns).
    filters : 4-d tensor
        Filters of shape (output channels, input channels / num_groups, rows, columns).
    input_shape, filter_shape : tuple of 4 ints or None, optional
        Known shapes (entries may be None); checked at run time.
    border_mode : {'valid', 'full', 'half'}, int, or pair
        'valid': no padding; 'full': pad by the dilated filter extent minus one; 'half': pad by
        half the dilated filter extent (rounded down); an int or a pair of ints (rows, cols), or a
        pair of (before, after) pairs: zero padding.
    subsample : pair of ints
        Stride along rows and columns.
    filter_flip : bool
        True: convolution (filters flipped); False: cross-correlation.
    image_shape : tuple, optional
        Deprecated alias of ``input_shape``.
    filter_dilation : pair of ints
        Spacing between filter taps.
    num_groups : int
        Split input channels and filters into this many independent groups.
    unshared : bool
        Not supported (raises NotImplementedError when True).

    Returns
    -------
    4-d tensor
        (batch, output channels, output rows, output columns).
    """
    if "imshp_logical" in kwargs or "kshp_logical" in kwargs:
        raise ValueError("conv2d: the keyword arguments imshp_logical and kshp_logical are no longer supported")
    if kwargs:
        warnings.warn(f"conv2d: the keyword arguments {sorted(kwargs)} are deprecated and ignored", stacklevel=2)
    if image_shape is not None:
        if input_shape is not None:
            raise ValueError("conv2d: give input_shape or its deprecated alias image_shape, not both")
        warnings.warn("conv2d: image_shape is deprecated; use input_shape", DeprecationWarning, stacklevel=2)
        input_shape = image_shape
    op = AbstractConv2d(imshp=input_shape, kshp=filter_shape, border_mode=border_mode, subsample=subsample,
                        filter_flip=filter_flip, filter_dilation=filter_dilation, num_groups=num_groups,
                        unshared=unshared)
    return op(input, filters)


def conv2d_grad_wrt_inputs(output_grad, filters, input_shape, filter_shape=None, border_mode="valid",
                           subsample=(1, 1), filter_flip: bool = True, filter_dilation=(1, 1), num_groups: int = 1,
                           unshared: bool = False):
    """The gradient of ``conv2d`` with respect to its input, given ``output_grad`` (a transposed convolution).

    ``input_shape`` is the 4-d shape of the input; its rows and columns must be given (ints or
    symbolic scalars), the other entries may be None.
    """
    spatial = _spatial(input_shape, "input_shape")
    hint = tuple(s if isinstance(s, (int, np.integer)) else None for s in input_shape)
    op = AbstractConv2d_gradInputs(imshp=hint, kshp=filter_shape, border_mode=border_mode, subsample=subsample,
                                   filter_flip=filter_flip, filter_dilation=filter_dilation, num_groups=num_groups,
                                   unshared=unshared)
    return op(filters, output_grad, as_tensor_variable(spatial))


def conv2d_grad_wrt_weights(input, output_grad, filter_shape, input_shape=None, border_mode="valid",
                            subsample=(1, 1), filter_flip: bool = True, filter_dilation=(1, 1), num_groups: int = 1,
                            unshared: bool = False):
    """The gradient of ``conv2d`` with respect to its filters, given ``output_grad``.

    ``filter_shape`` is the 4-d shape of the filters; its rows and columns must be given.
    """
    spatial = _spatial(filter_shape, "filter_shape")
    hint = tuple(s if isinstance(s, (int, np.integer)) else None for s in filter_shape)
    op = AbstractConv2d_gradWeights(imshp=input_shape, kshp=hint, border_mode=border_mode, subsample=subsample,
                                    filter_flip=filter_flip, filter_dilation=filter_dilation, num_groups=num_groups,
                                    unshared=unshared)
    return op(input, output_grad, as_tensor_variable(spatial))


def conv2d_transpose(input, filters, output_shape, filter_shape=None, border_mode="valid", input_dilation=(1, 1),
                     filter_flip: bool = True, filter_dilation=(1, 1), num_groups: int = 1, unshared: bool = False):
    """The transpose of ``conv2d`` (sometimes called deconvolution): ``input`` maps to ``output_shape``.

    ``input_dilation`` is the stride of the convolution being transposed.
    """
    return conv2d_grad_wrt_inputs(input, filters, output_shape, filter_shape=filter_shape, border_mode=border_mode,
                                  subsample=input_dilation, filter_flip=filter_flip, filter_dilation=filter_dilation,
                                  num_groups=num_groups, unshared=unshared)
