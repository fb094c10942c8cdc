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


class BadThunkOutput(DebugModeError):
    """A node's C kernel and its Python ``perform`` disagree.

    Attributes
    ----------
    node : Apply
        The node.
    inputs : list
        The input values both implementations were given.
    py_outputs, c_outputs : list
        What each implementation returned.
    """

    def __init__(self, message: str, node=None, inputs=None, py_outputs=None, c_outputs=None):
        super().__init__(message)
        self.node = node
        self.inputs = inputs
        self.py_outputs = py_outputs
        self.c_outputs = c_outputs


class DebugMode(Mode):
    """A mode that checks every node as it runs:

    - each output is a valid value of its type (dtype, number of dimensions, broadcastable
      dimensions of length 1), and finite when ``check_isfinite``;
    - inputs not listed in the op's ``destroy_map`` are left unchanged;
    - outputs share memory with inputs only as ``view_map``/``destroy_map`` declare;
    - where the node has a C kernel (and a compiler is present), the kernel run on the same
      inputs gives the same outputs as the Python ``perform`` (``check_c_code``), and leaves
      alone the inputs it does not declare destroyed.
    """

    def __init__(self, optimizer="fast_run", stability_patience=None, check_c_code=None, check_py_code=None,
                 check_isfinite=None, check_preallocated_output=None, require_matching_strides=None, linker=None):
        super().__init__(linker="py", optimizer=optimizer)
        if check_isfinite is None:  # Theano 1.0's default: config.DebugMode.check_finite (True)
            from theano.configdefaults import config

            check_isfinite = config.DebugMode.check_finite
        self.check_isfinite = bool(check_isfinite)
        self.check_c_code = True if check_c_code is None else bool(check_c_code)

    def node_checker(self) -> _DebugChecks:
        return _DebugChecks(self.check_isfinite, self.check_c_code)


class _DebugChecks:
    def __init__(self, check_isfinite: bool, check_c_code: bool = True):
        self.check_isfinite = check_isfinite
        self.check_c_code = check_c_code
        self._programs: dict = {}

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
        if self.check_c_code:
            self._compare_with_c(node, copies, inputs, outputs, destroyed)

    def _program(self, node):
        """A program running ``node`` alone through its kernel, or None (no kernel or compiler)."""
        if node in self._programs:
            return self._programs[node]
        program = None
        from theano.link.c.kernels import kernel_for
        from theano.link.c.linker import c_backend_available

        if c_backend_available() and kernel_for(node) is not None:
            from theano.graph.fg import FunctionGraph
            from theano.link.c.linker import build_cvm

            fgraph = FunctionGraph(list(node.inputs), list(node.outputs), clone=True)
            cells = [[None] for _ in node.inputs]
            cvm, out_cells = build_cvm(fgraph, cells, allow_gc=False)
            if cvm.c_nodes and all(cvm.c_nodes[k] for k, n in enumerate(cvm.nodes) if n.op == node.op):
                program = (cvm, cells, out_cells)
        self._programs[node] = program
        return program

    def _compare_with_c(self, node, copies, inputs, py_outputs, destroyed) -> None:
        program = self._program(node)
        if program is None:
            return
        cvm, cells, out_cells = program
        given = [saved if saved is not None else value for saved, value in zip(copies, inputs)]
        fed = [x.copy() if isinstance(x, np.ndarray) else x for x in given]
        for cell, value in zip(cells, fed):
            cell[0] = value
        for cell in out_cells:
            cell[0] = None
        cvm()
        c_outputs = [cell[0] for cell in out_cells]
        for i, (value, original) in enumerate(zip(fed, given)):
            if i in destroyed or not isinstance(value, np.ndarray):
                continue
            if not np.array_equal(value, original, equal_nan=value.dtype.kind in "fc"):
                raise BadDestroyMap(f"the C kernel of {node.op} modified its input {i} without declaring it in "
                                    "destroy_map")
        for k, (py_value, c_value) in enumerate(zip(py_outputs, c_outputs)):
            if not _same_values(py_value, c_value):
                raise BadThunkOutput(
                    f"the C kernel and the Python perform of {node} disagree on output {k}:\n"
                    f"  inputs: {[_brief(x) for x in given]}\n  Python: {_brief(py_value)}\n  C: {_brief(c_value)}",
                    node=node, inputs=given, py_outputs=list(py_outputs), c_outputs=c_outputs)


def _brief(value) -> str:
    if isinstance(value, np.ndarray):
        text = np.array2string(value, threshold=20, edgeitems=3)
        return f"{value.dtype}{list(value.shape)} {text}"
    return repr(value)


def _same_values(a, b) -> bool:
    """Equal for integers and booleans; equal within a few rounding errors for floats."""
    a = np.asarray(a)
    b = np.asarray(b)
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype.kind in "fc":
        tolerance = 1e-4 if a.dtype in (np.float16, np.float32, np.complex64) else 1e-10
        return bool(np.allclose(a, b, rtol=tolerance, atol=tolerance, equal_nan=True))
    return bool(np.array_equal(a, b))
