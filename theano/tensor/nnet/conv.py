"""Theano's original convolution module: ``theano.tensor.nnet.conv.conv2d``.

Programs written for the old ``ConvOp`` interface (``image_shape``, ``filter_shape``, border
modes 'valid' and 'full') keep working: the function builds the same
:class:`~theano.tensor.nnet.abstract_conv.AbstractConv2d` node as ``theano.tensor.nnet.conv2d``
(a true convolution, filters flipped).
"""

from __future__ import annotations

import warnings

from theano.tensor.nnet.abstract_conv import AbstractConv2d

__all__ = ["conv2d"]

# keywords of the old ConvOp that only tuned its C code
_TUNING_KEYWORDS = ("unroll_batch", "unroll_kern", "unroll_patch", "openmp", "verbose", "version", "direction_hint")


def conv2d(input, filters, image_shape=None, filter_shape=None, border_mode: str = "valid", subsample=(1, 1),
           **kargs):
    """Convolve images with filters (the old ``conv.conv2d`` spelling of :func:`theano.tensor.nnet.conv2d`).

    Parameters
    ----------
    input : 4-d tensor
        (batch, input channels, rows, columns).
    filters : 4-d tensor
        (output channels, input channels, rows, columns).
    image_shape, filter_shape : tuple of 4 ints, optional
        Known shapes (entries may be None); checked at run time.
    border_mode : {'valid', 'full'}
        No padding, or padding by the filter size minus one.
    subsample : pair of ints
        Stride along rows and columns.
    **kargs
        The old op's tuning keywords (``unroll_batch``, ``openmp``, ...) are accepted and ignored.
    """
    if border_mode not in ("valid", "full"):
        raise ValueError(f"conv.conv2d: border_mode must be 'valid' or 'full', got {border_mode!r}")
    unknown = sorted(k for k in kargs if k not in _TUNING_KEYWORDS)
    if unknown:
        warnings.warn(f"conv.conv2d: the keyword arguments {unknown} are not supported and ignored", stacklevel=2)
    op = AbstractConv2d(imshp=image_shape, kshp=filter_shape, border_mode=border_mode, subsample=subsample,
                        filter_flip=True)
    return op(input, filters)
