"""Loops: :func:`scan` (Theano 1.0's ``theano.scan``) and its helpers ``map``, ``reduce``,
``foldl`` and ``foldr``; the op is :class:`theano.scan_module.scan_op.Scan`."""

from theano.scan_module.scan_utils import until  # noqa: F401
from theano.scan_module.scan import scan  # noqa: F401
from theano.scan_module.scan_views import foldl, foldr, map, reduce, scan_checkpoints  # noqa: F401

__all__ = ["foldl", "foldr", "map", "reduce", "scan", "scan_checkpoints", "until"]
