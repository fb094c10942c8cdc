"""The base class of operations."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from theano.graph.basic import Apply, Variable
from theano.graph.utils import MethodNotDefined, add_tag_trace


class Op:
    """An operation: builds Apply nodes (:meth:`make_node`) and computes them (:meth:`perform`).

    Ops that declare ``__props__`` (a tuple of attribute names) compare and hash by those
    attributes, so two instances with equal parameters are interchangeable in a graph; ops
    without ``__props__`` compare by identity.

    Optional hooks, with Theano 1.0's signatures: ``infer_shape(node, input_shapes)``,
    ``grad(inputs, output_grads)``, ``L_op(inputs, outputs, output_grads)``,
    ``R_op(inputs, eval_points)``, ``connection_pattern(node)``,
    ``do_constant_folding(node)``, ``view_map`` and ``destroy_map``; and the C hooks of
    Theano's "Extending Theano with a C Op" (``c_code``, ``c_support_code``, ``c_headers``, ...),
    which the C backend compiles (:mod:`theano.link.c.user_ops`).
    """

    default_output: int | None = None
    view_map: dict[int, list[int]] = {}
    destroy_map: dict[int, list[int]] = {}

    # -- identity --------------------------------------------------------------------------
    def _props(self) -> tuple:
        return tuple(getattr(self, name) for name in self.__props__)

    def _props_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__props__}

    def __eq__(self, other: Any) -> bool:
        props = getattr(type(self), "__props__", None)
        if props is None:
            return self is other
        return type(self) is type(other) and self._props() == other._props()

    def __hash__(self) -> int:
        props = getattr(type(self), "__props__", None)
        if props is None:
            return id(self)
        return hash((type(self), self._props()))

    def __str__(self) -> str:
        props = getattr(type(self), "__props__", None)
        if props:
            body = ", ".join(f"{name}={getattr(self, name)!r}" for name in props)
            return f"{type(self).__name__}{{{body}}}"
        return type(self).__name__

    def __repr__(self) -> str:
        return str(self)

    # -- building --------------------------------------------------------------------------
    def make_node(self, *inputs: Any) -> Apply:
        """Build the node. The default serves ops declaring ``itypes`` and ``otypes`` (Theano 1.0's
        shortcut): it checks (and safely converts) the inputs and makes one output per ``otypes``."""
        itypes = getattr(self, "itypes", None)
        otypes = getattr(self, "otypes", None)
        if itypes is None or otypes is None:
            raise MethodNotDefined("make_node", type(self), type(self).__name__)
        if len(inputs) != len(itypes):
            raise ValueError(f"{self} takes {len(itypes)} inputs, got {len(inputs)}")
        checked = []
        for i, (inp, itype) in enumerate(zip(inputs, itypes)):
            try:
                checked.append(itype.filter_variable(inp))
            except TypeError as exc:
                got = getattr(inp, "type", type(inp).__name__)
                raise TypeError(f"{self}: input {i} should be of type {itype}, got {got}: {exc}") from None
        return Apply(self, checked, [otype() for otype in otypes])

    def __call__(self, *inputs: Any, **kwargs: Any):
        """Apply the op; return its default output, or the list of outputs."""
        return_list = kwargs.pop("return_list", False)
        node = self.make_node(*inputs, **kwargs)
        for out in node.outputs:
            add_tag_trace(out)
        _compute_test_values(node)
        if self.default_output is not None:
            rval = node.outputs[self.default_output]
            return [rval] if return_list else rval
        if len(node.outputs) == 1 and not return_list:
            return node.outputs[0]
        return list(node.outputs)

    # -- running ---------------------------------------------------------------------------
    def perform(self, node: Apply, inputs: Sequence[Any], output_storage: list[list[Any]],
                params: Any = None) -> None:
        """Compute the outputs of ``node`` from ``inputs``; write each into ``output_storage[i][0]``."""
        raise MethodNotDefined("perform", type(self), type(self).__name__)

    def get_params(self, node: Apply) -> Any:
        return None

    def do_constant_folding(self, node: Apply) -> bool:
        return True

    def prepare_node(self, node: Apply, storage_map=None, compute_map=None, impl=None) -> None:
        """Called once before a node is run; may cache anything the run needs."""

    # -- gradients (implemented in later layers; see theano.gradient) ------------------------
    def L_op(self, inputs, outputs, output_grads):
        return self.grad(inputs, output_grads)

    def grad(self, inputs, output_grads):
        raise MethodNotDefined(f"{self} has no gradient: {type(self).__name__} defines neither grad nor L_op, so "
                               "theano.grad cannot differentiate through it")

    def R_op(self, inputs, eval_points):
        raise MethodNotDefined("R_op", type(self), type(self).__name__)

    # -- C code: Theano 1.0's hooks for user ops (compiled by theano.link.c.user_ops) --------
    def c_code(self, node: Apply, name: str, inputs: Sequence[str], outputs: Sequence[str], sub: dict) -> str:
        """C statements computing ``node``'s outputs into the C variables named ``outputs``; run
        ``sub['fail']`` after setting a Python exception. Ops without C code run ``perform``."""
        raise MethodNotDefined("c_code", type(self), type(self).__name__)

    def c_code_cleanup(self, node: Apply, name: str, inputs: Sequence[str], outputs: Sequence[str],
                       sub: dict) -> str:
        """C statements run after :meth:`c_code`, whether it failed or not."""
        return ""

    def c_support_code(self) -> str:
        """C at file scope (helper functions, structs), shared by every node of this op."""
        return ""

    def c_support_code_apply(self, node: Apply, name: str) -> str:
        """C at file scope specific to ``node`` (name its symbols with ``name``)."""
        return ""

    def c_init_code(self) -> list[str]:
        """C statements run once, before the op's code first runs."""
        return []

    def c_init_code_apply(self, node: Apply, name: str) -> str:
        """C statements specific to ``node``, run once before its code first runs."""
        return ""

    def c_headers(self) -> list[str]:
        """Headers to include (``"<vector>"``, ``"myheader.h"``; a bare name is included with <>)."""
        return []

    def c_header_dirs(self) -> list[str]:
        return []

    def c_libraries(self) -> list[str]:
        return []

    def c_lib_dirs(self) -> list[str]:
        return []

    def c_compile_args(self) -> list[str]:
        return []

    def c_no_compile_args(self) -> list[str]:
        return []

    def c_code_cache_version(self) -> tuple:
        """Theano's version of the op's C code. Compiled code is cached by its source here, so the
        version only matters when the code depends on files outside it (headers, libraries)."""
        return ()

    def c_code_cache_version_apply(self, node: Apply) -> tuple:
        return self.c_code_cache_version()


def _compute_test_values(node: Apply) -> None:
    """With ``config.compute_test_value`` on, compute the new node's outputs' test values."""
    import theano

    mode = theano.config.compute_test_value
    if mode == "off":
        return
    values = []
    for inp in node.inputs:
        try:
            values.append(inp.get_test_value())
        except AttributeError:
            if mode == "ignore":
                return
            msg = f"Cannot compute test value: input {inp} of {node.op} has no test value"
            if mode == "warn":
                import warnings

                warnings.warn(msg, stacklevel=3)
                return
            raise ValueError(msg) from None
    storage = [[None] for _ in node.outputs]
    node.op.perform(node, values, storage)
    for out, cell in zip(node.outputs, storage):
        out.tag.test_value = cell[0]


class PureOp(Op):
    """Theano 1.0 name kept for old code."""


def get_test_value(var: Variable):
    return var.get_test_value()
