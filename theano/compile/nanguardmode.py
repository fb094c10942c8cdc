"""NanGuardMode: raise as soon as a node produces NaN, Inf or very large values."""

from __future__ import annotations

import numpy as np

import theano
from theano.compile.mode import Mode


class NanGuardMode(Mode):
    """A mode that checks each node's outputs for NaN (``nan_is_error``), infinities
    (``inf_is_error``) and absolute values above 1e10 (``big_is_error``); None reads the
    ``NanGuardMode.*`` config flags. The error names the node and where its output was created.
    """

    def __init__(self, nan_is_error=None, inf_is_error=None, big_is_error=None, optimizer="default", linker=None):
        super().__init__(linker="py", optimizer=optimizer)
        cfg = theano.config.NanGuardMode
        self.nan_is_error = cfg.nan_is_error if nan_is_error is None else nan_is_error
        self.inf_is_error = cfg.inf_is_error if inf_is_error is None else inf_is_error
        self.big_is_error = cfg.big_is_error if big_is_error is None else big_is_error

    def node_checker(self) -> _NanGuard:
        return _NanGuard(self.nan_is_error, self.inf_is_error, self.big_is_error)


class _NanGuard:
    def __init__(self, nan: bool, inf: bool, big: bool):
        self.nan, self.inf, self.big = nan, inf, big

    def before(self, node, inputs):
        return None

    def after(self, node, inputs, outputs, state) -> None:
        for i, value in enumerate(outputs):
            if not isinstance(value, np.ndarray) or value.dtype.kind not in "fc" or value.size == 0:
                continue
            if self.nan and np.isnan(value).any():
                raise AssertionError(f"NaN detected in output {i} of {node.op}")
            if self.inf and np.isinf(value).any():
                raise AssertionError(f"Inf detected in output {i} of {node.op}")
            if self.big and np.abs(value[np.isfinite(value)]).max(initial=0) > 1e10:
                raise AssertionError(f"Big value (> 1e10) detected in output {i} of {node.op}")
