"""DebugMode: run each node and check what it did against what it declared."""

from __future__ import annotations

import numpy as np

from theano.compile.mode import Mode


class DebugModeError(Exception):
    """A check of DebugMode failed."""


class BadDestroyMap(DebugModeError):
    """An op overwrote an input it did not declare in ``destroy_map``."""


class InvalidValueError(DebugModeError):
    """An op returned a value that is not valid for its output type."""


class BadViewMap(DebugModeError):
    """An op returned a view of an input without declaring it in ``view_map``."""


class DebugMode(Mode):
    """A mode that checks every node as it runs:

    - each output is a valid value of its type (dtype, number of dimensions, broadcastable
      dimensions of length 1), and finite when ``check_isfinite``;
    - inputs not listed in the op's ``destroy_map`` are left unchanged;
    - outputs share memory with inputs only as ``view_map``/``destroy_map`` declare.
    """

    def __init__(self, optimizer="fast_run", stability_patience=None, check_c_code=None, check_py_code=None,
                 check_isfinite=None, check_preallocated_output=None, require_matching_strides=None, linker=None):
        super().__init__(linker="py", optimizer=optimizer)
        self.check_isfinite = bool(check_isfinite) if check_isfinite is not None else False

    def node_checker(self) -> _DebugChecks:
        return _DebugChecks(self.check_isfinite)


class _DebugChecks:
    def __init__(self, check_isfinite: bool):
        self.check_isfinite = check_isfinite

    def before(self, node, inputs):
        return [x.copy() if isinstance(x, np.ndarray) else None for x in inputs]

    def after(self, node, inputs, outputs, copies) -> None:
        destroyed = {i for targets in (getattr(node.op, "destroy_map", {}) or {}).values() for i in targets}
        for i, (value, saved) in enumerate(zip(inputs, copies)):
            if saved is None or i in destroyed:
                continue
            if value.shape != saved.shape or not np.array_equal(value, saved, equal_nan=value.dtype.kind in "fc"):
                raise BadDestroyMap(f"{node.op} modified its input {i} without declaring it in destroy_map")
        allowed = {}
        for mapping in (getattr(node.op, "view_map", {}) or {}, getattr(node.op, "destroy_map", {}) or {}):
            for out_index, targets in mapping.items():
                allowed.setdefault(out_index, set()).update(targets)
        for out_index, (var, value) in enumerate(zip(node.outputs, outputs)):
            if not var.type.is_valid_value(value):
                raise InvalidValueError(
                    f"{node.op} returned an invalid value for output {out_index} of type {var.type}: "
                    f"{getattr(value, 'dtype', type(value).__name__)} with shape {getattr(value, 'shape', None)}")
            if self.check_isfinite and isinstance(value, np.ndarray) and value.dtype.kind in "fc":
                if not np.all(np.isfinite(value)):
                    raise InvalidValueError(f"{node.op} returned non-finite values in output {out_index}")
            for in_index, inp in enumerate(inputs):
                if in_index in allowed.get(out_index, ()) or not isinstance(inp, np.ndarray):
                    continue
                if isinstance(value, np.ndarray) and value.size and np.may_share_memory(value, inp):
                    raise BadViewMap(f"{node.op}'s output {out_index} shares memory with its input {in_index} "
                                     "without declaring it in view_map")
