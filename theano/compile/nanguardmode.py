"""NanGuardMode: raise as soon as a node produces NaN, Inf or very large values."""

from __future__ import annotations

from theano.compile.mode import Mode


class NanGuardMode(Mode):
    """A mode that checks each node's outputs for NaN (``nan_is_error``), infinities
    (``inf_is_error``) and absolute values above 1e10 (``big_is_error``)."""

    def __init__(self, nan_is_error=None, inf_is_error=None, big_is_error=None, optimizer="default", linker=None):
        super().__init__(linker="py", optimizer=optimizer)
        self.nan_is_error = nan_is_error
        self.inf_is_error = inf_is_error
        self.big_is_error = big_is_error
