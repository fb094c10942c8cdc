"""Theano 1.0's module path for ``xlogx`` and ``xlogy0`` (defined in theano.tensor.math)."""

from theano.tensor.math import xlogx, xlogy0

__all__ = ["xlogx", "xlogy0"]
