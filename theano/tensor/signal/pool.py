"""Pooling over the trailing axes of a tensor (Theano 1.0's ``theano.tensor.signal.pool``).

``pool_2d`` (and ``pool_3d``) slide a window of shape ``ws`` with step ``stride`` over the last
two (three) axes of the input, after zero padding of ``pad`` on each side, and reduce each window
by its maximum, its sum, or its average. ``average_inc_pad`` divides by the number of window
positions inside the padded image (padding counted); ``average_exc_pad`` by the number of real
input elements in the window; ``max`` and ``sum`` never see the padding. With
``ignore_border=False`` the windows that run past the end of the input are kept, truncated (no
padding is then allowed).

The window shape, stride and padding are symbolic integer vectors (inputs of the ops), so one
compiled kernel serves every pool size. Gradients are ops too (``MaxPoolGrad``,
``AveragePoolGrad`` and ``DownsampleFactorMaxGradGrad``), each differentiable again.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Sequence

import numpy as np

import theano.tensor as T
from theano.gradient import disconnected_type
from theano.graph.basic import Apply, Constant, Variable
from theano.graph.op import Op
from theano.tensor.basic import as_tensor_variable
from theano.tensor.type import TensorType

__all__ = [
    "AveragePoolGrad",
    "DownsampleFactorMaxGradGrad",
    "MaxPoolGrad",
    "Pool",
    "PoolGrad",
    "max_pool_2d_same_size",
    "pool_2d",
    "pool_3d",
]

MODES = ("max", "sum", "average_inc_pad", "average_exc_pad")


# ------------------------------------------------------------------------------------------
# Public functions
# ------------------------------------------------------------------------------------------

def _renamed(new, old, new_name: str, old_name: str, function: str):
    """The value of a keyword Theano renamed (``ds`` -> ``ws``, ...), warning when the old name is used."""
    if old is None:
        return new
    if new is not None:
        raise ValueError(f"{function}: give only one of '{new_name}' and '{old_name}' (its deprecated name)")
    warnings.warn(f"{function}: the '{old_name}' parameter is deprecated; use '{new_name}' instead",
                  DeprecationWarning, stacklevel=3)
    return old


def _pool_nd(input, ws, ignore_border, stride, pad, mode, ds, st, padding, nd: int, function: str) -> Variable:
    ws = _renamed(ws, ds, "ws", "ds", function)
    stride = _renamed(stride, st, "stride", "st", function)
    if padding is not None:
        if pad not in (None, (0,) * nd):
            raise ValueError(f"{function}: give only one of 'pad' and 'padding' (its deprecated name)")
        pad = _renamed(None, padding, "pad", "padding", function)
    if ws is None:
        raise ValueError(f"{function}: the window shape 'ws' is required")
    input = as_tensor_variable(input)
    if input.type.ndim < nd:
        raise NotImplementedError(f"{function} requires an input with at least {nd} dimensions, got {input.type}")
    if ignore_border is None:
        warnings.warn(f"{function}: ignore_border was not given; it is False (Theano's default), which keeps the "
                      "partial windows at the borders. Pass ignore_border=True (faster, and cuDNN's behaviour) or "
                      "False explicitly to silence this warning.", stacklevel=3)
        ignore_border = False
    return Pool(ignore_border=ignore_border, mode=mode, ndim=nd)(input, ws, stride, pad)


def pool_2d(input, ws=None, ignore_border=None, stride=None, pad=(0, 0), mode: str = "max", ds=None, st=None,
            padding=None) -> Variable:
    """Pool the last two axes of ``input`` (a tensor with at least 2 dimensions).

    Parameters
    ----------
    input : tensor
        Images; the pooling runs over its last two axes, every leading axis is a batch axis.
    ws : pair of ints
        Window shape (rows, columns). ``(2, 2)`` halves each image dimension.
    ignore_border : bool
        True: windows that do not fit entirely are dropped ((5, 5) with ``ws=(2, 2)`` gives (2, 2)).
        False: they are kept, truncated ((3, 3) there). None warns and means False, as in Theano.
    stride : pair of ints, optional
        Step between windows; ``ws`` when None (non-overlapping windows).
    pad : pair of ints
        Zeros added on both sides of each image axis; needs ``ignore_border=True``, and each must be
        smaller than the window.
    mode : {'max', 'sum', 'average_inc_pad', 'average_exc_pad'}
        The reduction of each window (averages including or excluding the padding).
    ds, st, padding
        Deprecated names of ``ws``, ``stride`` and ``pad`` (accepted with a DeprecationWarning).

    Returns
    -------
    tensor
        The pooled images, with the input's leading axes.
    """
    return _pool_nd(input, ws, ignore_border, stride, pad, mode, ds, st, padding, 2, "pool_2d")


def pool_3d(input, ws=None, ignore_border=None, stride=None, pad=(0, 0, 0), mode: str = "max", ds=None, st=None,
            padding=None) -> Variable:
    """Pool the last three axes of ``input``; the parameters are those of :func:`pool_2d` with triples."""
    return _pool_nd(input, ws, ignore_border, stride, pad, mode, ds, st, padding, 3, "pool_3d")


def max_pool_2d_same_size(input, patch_size) -> Variable:
    """Keep the maximum of each non-overlapping ``patch_size`` patch of the last two axes, zero the rest.

    Parameters
    ----------
    input : tensor with at least 2 dimensions
    patch_size : pair of ints
        Patch shape; ``(2, 2)`` keeps one value in four.

    Returns
    -------
    tensor
        Of the input's shape.
    """
    input = as_tensor_variable(input)
    pooled = Pool(ignore_border=True)(input, patch_size)
    return MaxPoolGrad(ignore_border=True)(input, pooled, pooled, patch_size)


# ------------------------------------------------------------------------------------------
# Shapes and parameters
# ------------------------------------------------------------------------------------------

def _int_vector(value, nd: int, what: str) -> Variable:
    """``value`` (a tuple of ints or a symbolic integer vector) as an int64 vector of length ``nd``."""
    if isinstance(value, Variable):
        if value.type.dtype not in ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32"):
            raise TypeError(f"pool: {what} must be integers, got {value.type}")
        if value.type.ndim != 1:
            raise TypeError(f"pool: {what} must be a vector, got {value.type}")
        return T.cast(value, "int64") if value.type.dtype != "int64" else value
    values = tuple(np.atleast_1d(np.asarray(value)).tolist())
    if len(values) != nd or not all(isinstance(v, (int, np.integer)) for v in values):
        raise ValueError(f"pool: {what} must be {nd} integers, got {value!r}")
    return T.constant(np.asarray(values, dtype="int64"))


def _constant_ints(var: Variable) -> tuple[int, ...] | None:
    if isinstance(var, Constant):
        return tuple(int(v) for v in np.asarray(var.data).ravel())
    return None


def _output_length(length, window, step, pad, ignore_border: bool):
    """The number of windows along one axis (ints, or symbolic scalars)."""
    symbolic = any(isinstance(v, Variable) for v in (length, window, step, pad))
    padded = length + 2 * pad
    if ignore_border:
        count = (padded - window) // step + 1
        return T.maximum(count, 0) if symbolic else max(count, 0)
    if symbolic:
        return T.switch(T.ge(step, window), (padded - 1) // step + 1,
                        T.maximum(0, (padded - 1 - window) // step + 1) + 1)
    if step >= window:
        return (padded - 1) // step + 1
    return max(0, (padded - 1 - window) // step + 1) + 1


def pool_out_shape(imgshape: Sequence, ws: Sequence, ignore_border: bool, stride: Sequence, pad: Sequence,
                   ndim: int = 2) -> list:
    """The shape of the pooled tensor for an input of shape ``imgshape`` (ints or symbolic scalars)."""
    lead = list(imgshape[:-ndim])
    tail = [_output_length(imgshape[len(lead) + i], ws[i], stride[i], pad[i], ignore_border) for i in range(ndim)]
    return lead + tail


def _check_params(ws, stride, pad, ignore_border: bool) -> None:
    if any(w < 1 for w in ws) or any(s < 1 for s in stride) or any(p < 0 for p in pad):
        raise ValueError(f"pool: window {ws} and stride {stride} must be positive and padding {pad} non-negative")
    if any(pad) and not ignore_border:
        raise NotImplementedError("pool: padding works only with ignore_border=True")
    if any(p >= w for p, w in zip(pad, ws)):
        raise NotImplementedError(f"pool: padding {pad} must be smaller than the window {ws}")


# ------------------------------------------------------------------------------------------
# NumPy implementation (shared by the ops' perform)
# ------------------------------------------------------------------------------------------

class _Layout:
    """Where the windows of one pooling fall: the padded frame holding every window, the input's
    place in it, and the strided slice of each window offset."""

    def __init__(self, shape, ws, stride, pad, ignore_border: bool, nd: int):
        self.nd = nd
        self.lead = tuple(shape[:-nd])
        self.image = tuple(shape[-nd:])
        self.out = tuple(pool_out_shape(shape, ws, ignore_border, stride, pad, nd)[-nd:])
        self.ws, self.stride, self.pad = tuple(ws), tuple(stride), tuple(pad)
        # the frame must hold the padded image and every window (possibly running past its end)
        self.frame = tuple(max(n + 2 * p, (o - 1) * s + w if o else 0)
                           for n, p, o, s, w in zip(self.image, pad, self.out, stride, ws))
        self.inner = (Ellipsis,) + tuple(slice(p, p + n) for p, n in zip(pad, self.image))

    def offsets(self):
        return itertools.product(*(range(w) for w in self.ws))

    def window_slice(self, offset) -> tuple:
        """The frame elements at ``offset`` inside every window (an array of the output's shape)."""
        return (Ellipsis,) + tuple(slice(k, k + (o - 1) * s + 1, s) if o else slice(0, 0)
                                   for k, o, s in zip(offset, self.out, self.stride))

    def framed(self, x: np.ndarray, fill) -> np.ndarray:
        y = np.full(self.lead + self.frame, fill, dtype=x.dtype)
        y[self.inner] = x
        return y

    def counts(self, include_padding: bool) -> np.ndarray:
        """The number of elements of each window that are inputs (or, with ``include_padding``, inside the
        padded image), as an array of the output's trailing shape."""
        total = np.ones(self.out, dtype="int64")
        for axis in range(self.nd):
            start = np.arange(self.out[axis]) * self.stride[axis]
            end = np.minimum(start + self.ws[axis], self.image[axis] + 2 * self.pad[axis])
            if not include_padding:
                start = np.maximum(start, self.pad[axis])
                end = np.minimum(end, self.image[axis] + self.pad[axis])
            length = np.maximum(end - start, 0)
            total = total * length.reshape([-1 if d == axis else 1 for d in range(self.nd)])
        return total

    def real_mask(self) -> np.ndarray:
        """Frame positions that hold input elements (not padding, not past the end)."""
        mask = np.zeros(self.frame, dtype=bool)
        mask[self.inner[1:]] = True
        return mask


def _lowest(dtype) -> float | int:
    dtype = np.dtype(dtype)
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


def pool_values(x: np.ndarray, ws, stride, pad, ignore_border: bool, mode: str, nd: int) -> np.ndarray:
    """The NumPy pooling of ``x`` (see :func:`pool_2d`)."""
    layout = _Layout(x.shape, ws, stride, pad, ignore_border, nd)
    out_shape = layout.lead + layout.out
    if 0 in out_shape:
        return np.zeros(out_shape, dtype=x.dtype)
    if mode == "max":
        y = layout.framed(x, _lowest(x.dtype))
        out = np.full(out_shape, _lowest(x.dtype), dtype=x.dtype)
        for offset in layout.offsets():
            np.maximum(out, y[layout.window_slice(offset)], out=out)
        return out
    y = layout.framed(x, 0)
    acc_dtype = x.dtype if x.dtype.kind == "f" else np.float64
    total = np.zeros(out_shape, dtype=acc_dtype)
    for offset in layout.offsets():
        total += y[layout.window_slice(offset)]
    if mode == "sum":
        return total.astype(x.dtype, copy=False)
    counts = layout.counts(include_padding=mode == "average_inc_pad")
    return (total / np.maximum(counts, 1)).astype(x.dtype, copy=False)


def max_pool_grad_values(x, maxout, gz, ws, stride, pad, ignore_border: bool, nd: int) -> np.ndarray:
    """``gz`` routed to the elements of each window equal to its maximum (every one of them, on ties)."""
    layout = _Layout(x.shape, ws, stride, pad, ignore_border, nd)
    gx = np.zeros(layout.lead + layout.frame, dtype=gz.dtype)
    if 0 not in maxout.shape:
        y = layout.framed(x, _lowest(x.dtype))
        real = layout.real_mask()
        for offset in layout.offsets():
            where = layout.window_slice(offset)
            hit = (y[where] == maxout) & real[where[1:]]
            gx[where] += np.where(hit, gz, 0)
    return np.ascontiguousarray(gx[layout.inner])


def average_pool_grad_values(x_shape, gz, ws, stride, pad, ignore_border: bool, mode: str, nd: int) -> np.ndarray:
    """``gz`` of each window spread over its elements (divided by the window's count when averaging)."""
    layout = _Layout(x_shape, ws, stride, pad, ignore_border, nd)
    gx = np.zeros(layout.lead + layout.frame, dtype=gz.dtype)
    if 0 not in gz.shape:
        share = gz if mode == "sum" else gz / np.maximum(layout.counts(mode == "average_inc_pad"), 1)
        share = share.astype(gz.dtype, copy=False)
        for offset in layout.offsets():
            gx[layout.window_slice(offset)] += share
    return np.ascontiguousarray(gx[layout.inner])


def max_pool_grad_grad_values(x, maxout, ggx, ws, stride, pad, ignore_border: bool, nd: int) -> np.ndarray:
    """For each window, the sum of ``ggx`` over its elements equal to the window's maximum."""
    layout = _Layout(x.shape, ws, stride, pad, ignore_border, nd)
    ggz = np.zeros(maxout.shape, dtype=ggx.dtype)
    if 0 not in maxout.shape:
        y = layout.framed(x, _lowest(x.dtype))
        g = layout.framed(ggx, 0)
        for offset in layout.offsets():
            where = layout.window_slice(offset)
            ggz += np.where(y[where] == maxout, g[where], 0)
    return ggz


# ------------------------------------------------------------------------------------------
# Ops
# ------------------------------------------------------------------------------------------

class _PoolBase(Op):
    """What the pooling ops share: the props, the parameter inputs and their checks."""

    __props__ = ("ignore_border", "mode", "ndim")

    def __init__(self, ignore_border: bool = False, mode: str = "max", ndim: int = 2):
        if mode == "max_deterministic":
            mode = "max"
        if mode not in MODES:
            raise ValueError(f"pool: mode must be one of {MODES}, got {mode!r}")
        if ndim < 1:
            raise ValueError(f"pool: ndim must be positive, got {ndim}")
        self.ignore_border = bool(ignore_border)
        self.mode = mode
        self.ndim = int(ndim)

    def _params(self, ws, stride, pad) -> list[Variable]:
        nd = self.ndim
        ws = _int_vector(ws, nd, "ws")
        stride = ws if stride is None else _int_vector(stride, nd, "stride")
        pad = _int_vector((0,) * nd if pad is None else pad, nd, "pad")
        known = [_constant_ints(v) for v in (ws, stride, pad)]
        if all(k is not None for k in known):
            _check_params(*known, self.ignore_border)
        elif not self.ignore_border and (known[2] is None or any(known[2])):
            raise NotImplementedError("pool: padding works only with ignore_border=True")
        return [ws, stride, pad]

    def _tensor(self, value, what: str) -> Variable:
        value = as_tensor_variable(value)
        if value.type.ndim < self.ndim:
            raise TypeError(f"pool: {what} must have at least {self.ndim} dimensions, got {value.type}")
        return value

    def _numbers(self, inputs):
        ws, stride, pad = (tuple(int(v) for v in p) for p in inputs[-3:])
        _check_params(ws, stride, pad, self.ignore_border)
        return ws, stride, pad

    def connection_pattern(self, node):
        n_tensors = len(node.inputs) - 3
        return [[True]] * n_tensors + [[False]] * 3


class Pool(_PoolBase):
    """Pooling of the last ``ndim`` axes: ``Pool(ignore_border, mode, ndim)(x, ws, stride, pad)``."""

    def make_node(self, x, ws, stride=None, pad=None):
        x = self._tensor(x, "x")
        params = self._params(ws, stride, pad)
        broadcastable = x.type.broadcastable[:-self.ndim] + (False,) * self.ndim
        return Apply(self, [x, *params], [TensorType(x.type.dtype, broadcastable)()])

    @staticmethod
    def out_shape(imgshape, ws=None, ignore_border=False, stride=None, pad=None, ndim=2, ds=None, st=None,
                  padding=None):
        """The output shape for an input of shape ``imgshape`` (Theano's static helper)."""
        ws = ws if ws is not None else ds
        stride = stride if stride is not None else (st if st is not None else ws)
        pad = pad if pad is not None else (padding if padding is not None else (0,) * ndim)
        return pool_out_shape(imgshape, ws, ignore_border, stride, pad, ndim)

    def perform(self, node, inputs, output_storage, params=None):
        ws, stride, pad = self._numbers(inputs)
        output_storage[0][0] = pool_values(inputs[0], ws, stride, pad, self.ignore_border, self.mode, self.ndim)

    def infer_shape(self, node, input_shapes):
        ws, stride, pad = (_shape_params(v, self.ndim) for v in node.inputs[1:])
        return [pool_out_shape(input_shapes[0], ws, self.ignore_border, stride, pad, self.ndim)]

    def L_op(self, inputs, outputs, output_grads):
        x, ws, stride, pad = inputs
        (gz,) = output_grads
        if self.mode == "max":
            gx = MaxPoolGrad(self.ignore_border, self.ndim)(x, outputs[0], gz, ws, stride, pad)
        else:
            gx = AveragePoolGrad(self.ignore_border, self.mode, self.ndim)(x, gz, ws, stride, pad)
        return [gx, disconnected_type(), disconnected_type(), disconnected_type()]


def _shape_params(var: Variable, nd: int) -> list:
    """A parameter vector's entries as ints when constant, else as symbolic scalars."""
    known = _constant_ints(var)
    if known is not None:
        return list(known)
    return [var[i] for i in range(nd)]


class PoolGrad(_PoolBase):
    """Base class of the gradients of :class:`Pool`."""

    out_shape = staticmethod(Pool.out_shape)

    def infer_shape(self, node, input_shapes):
        return [input_shapes[0]]


class MaxPoolGrad(PoolGrad):
    """The gradient of max pooling: ``MaxPoolGrad(ignore_border, ndim)(x, maxout, gz, ws, stride, pad)``."""

    def __init__(self, ignore_border: bool = False, ndim: int = 2, mode: str = "max"):
        if mode != "max":
            raise ValueError(f"MaxPoolGrad: mode must be 'max', got {mode!r}")
        super().__init__(ignore_border, "max", ndim)

    def make_node(self, x, maxout, gz, ws, stride=None, pad=None):
        x, maxout, gz = self._tensor(x, "x"), self._tensor(maxout, "maxout"), self._tensor(gz, "gz")
        params = self._params(ws, stride, pad)
        return Apply(self, [x, maxout, gz, *params], [TensorType(gz.type.dtype, x.type.broadcastable)()])

    def perform(self, node, inputs, output_storage, params=None):
        ws, stride, pad = self._numbers(inputs)
        x, maxout, gz = inputs[:3]
        gx = max_pool_grad_values(x, maxout, gz, ws, stride, pad, self.ignore_border, self.ndim)
        output_storage[0][0] = gx.astype(node.outputs[0].type.dtype, copy=False)

    def L_op(self, inputs, outputs, output_grads):
        x, maxout, gz, ws, stride, pad = inputs
        (ggx,) = output_grads
        ggz = DownsampleFactorMaxGradGrad(self.ignore_border, "max", self.ndim)(x, maxout, ggx, ws, stride, pad)
        return [T.zeros_like(x), T.zeros_like(maxout), ggz] + [disconnected_type()] * 3


class AveragePoolGrad(PoolGrad):
    """The gradient of sum and average pooling: ``AveragePoolGrad(ignore_border, mode, ndim)(x, gz, ws, stride,
    pad)``."""

    def __init__(self, ignore_border: bool = False, mode: str = "average_inc_pad", ndim: int = 2):
        if mode == "max":
            raise ValueError("AveragePoolGrad: mode must be 'sum', 'average_inc_pad' or 'average_exc_pad'")
        super().__init__(ignore_border, mode, ndim)

    def make_node(self, x, gz, ws, stride=None, pad=None):
        x, gz = self._tensor(x, "x"), self._tensor(gz, "gz")
        params = self._params(ws, stride, pad)
        return Apply(self, [x, gz, *params], [TensorType(gz.type.dtype, x.type.broadcastable)()])

    def perform(self, node, inputs, output_storage, params=None):
        ws, stride, pad = self._numbers(inputs)
        x, gz = inputs[:2]
        gx = average_pool_grad_values(x.shape, gz, ws, stride, pad, self.ignore_border, self.mode, self.ndim)
        output_storage[0][0] = gx.astype(node.outputs[0].type.dtype, copy=False)

    def L_op(self, inputs, outputs, output_grads):
        x, gz, ws, stride, pad = inputs
        (ggx,) = output_grads
        # spreading each window's gradient is the adjoint of pooling: its own adjoint is the pooling
        ggz = Pool(self.ignore_border, self.mode, self.ndim)(ggx, ws, stride, pad)
        return [T.zeros_like(x), ggz] + [disconnected_type()] * 3


class DownsampleFactorMaxGradGrad(_PoolBase):
    """The gradient of :class:`MaxPoolGrad` with respect to its ``gz``:
    ``DownsampleFactorMaxGradGrad(ignore_border, mode, ndim)(x, maxout, ggx, ws, stride, pad)`` has the shape of
    ``maxout``; each window gets the sum of ``ggx`` over its elements equal to its maximum."""

    def __init__(self, ignore_border: bool = False, mode: str = "max", ndim: int = 2):
        if mode != "max":
            raise ValueError(f"DownsampleFactorMaxGradGrad: mode must be 'max', got {mode!r}")
        super().__init__(ignore_border, mode, ndim)

    def make_node(self, x, maxout, gz, ws, stride=None, pad=None):
        x, maxout, gz = self._tensor(x, "x"), self._tensor(maxout, "maxout"), self._tensor(gz, "gz")
        params = self._params(ws, stride, pad)
        return Apply(self, [x, maxout, gz, *params], [TensorType(gz.type.dtype, maxout.type.broadcastable)()])

    def perform(self, node, inputs, output_storage, params=None):
        ws, stride, pad = self._numbers(inputs)
        x, maxout, ggx = inputs[:3]
        ggz = max_pool_grad_grad_values(x, maxout, ggx, ws, stride, pad, self.ignore_border, self.ndim)
        output_storage[0][0] = ggz.astype(node.outputs[0].type.dtype, copy=False)

    def infer_shape(self, node, input_shapes):
        return [input_shapes[1]]

    def L_op(self, inputs, outputs, output_grads):
        x, maxout, ggx, ws, stride, pad = inputs
        (gggz,) = output_grads
        gggx = MaxPoolGrad(self.ignore_border, self.ndim)(x, maxout, gggz, ws, stride, pad)
        return [T.zeros_like(x), T.zeros_like(maxout), gggx] + [disconnected_type()] * 3
