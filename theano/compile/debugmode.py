"""DebugMode: run each node and check its outputs' types, shapes and values."""

from __future__ import annotations

from theano.compile.mode import Mode


class DebugModeError(Exception):
    """A check of DebugMode failed."""


class DebugMode(Mode):
    """A mode that checks every node's results against its declared type and inferred shape.

    Checks run in the Python VM: each output must be a valid value of its type.
    """

    def __init__(self, optimizer="fast_run", stability_patience=None, check_c_code=None, check_py_code=None,
                 check_isfinite=None, check_preallocated_output=None, require_matching_strides=None, linker=None):
        super().__init__(linker="py", optimizer=optimizer)
        self.check_isfinite = check_isfinite
