"""``OpFromGraph``: a graph packaged as one op.

The op keeps a private copy of the graph (its *inner* graph). Not inlined, a node of it runs
a function compiled once from the inner graph, on the backend of the function that contains
the node (the Python VM or the C backend, as :class:`~theano.scan_module.scan_op.Scan` does).
Inlined (``inline=True``), the ``inline_ofg_expansion`` rewrite of canonicalize replaces each
node by the inner graph, so the optimizer sees through it.

Its gradient is, by default, the gradient of the inner graph, itself packaged as an
``OpFromGraph``; ``grad_overrides`` and ``rop_overrides`` replace it (all of it, or input by
input / output by output). Shared variables read by the graph become hidden inputs of every
node.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from theano.graph.basic import Apply, Constant, Variable, ancestors, clone_replace, graph_inputs
from theano.graph.op import Op
from theano.graph.type import NullType

__all__ = ["OpFromGraph"]

_OVERRIDE_HELP = ("'default', a callable, an OpFromGraph, or a list with one entry per {what} ('default', a "
                  "callable, or a variable of NullType or DisconnectedType)")


def _is_special(var: Any) -> bool:
    """A NullType or DisconnectedType variable: an override meaning "undefined" or "no gradient"."""
    from theano.gradient import DisconnectedType

    return isinstance(var, Variable) and isinstance(var.type, (NullType, DisconnectedType))


class OpFromGraph(Op):
    """An op computing ``outputs`` from ``inputs`` (Theano 1.0's ``theano.OpFromGraph``).

    Parameters
    ----------
    inputs : list of Variable
        The graph's inputs; not constants and not shared variables (shared variables the graph
        reads are picked up by themselves).
    outputs : list of Variable
        The graph's outputs.
    inline : bool
        False: a node runs a compiled inner function. True: the optimizer replaces each node
        by a copy of the graph (no call overhead; rewrites apply across the boundary).
    grad_overrides : 'default', callable, OpFromGraph or list
        'default': the gradient of the graph. A callable ``f(inputs, output_grads)`` returns one
        gradient per input; an OpFromGraph is called on ``inputs + output_grads``. A list has one
        entry per input: 'default', a callable ``f(inputs, output_grads)`` returning that input's
        gradient, or a NullType/DisconnectedType variable (undefined / no gradient).
    rop_overrides : 'default', callable, OpFromGraph or list
        The same for :meth:`R_op`: ``f(inputs, eval_points)`` gives one result per output.
    name : str, optional
        Shown when the graph is printed.
    **kwargs
        Passed to :func:`theano.function` when the inner graph is compiled (``mode``, ...).

    Examples
    --------
    >>> import theano, theano.tensor as T
    >>> x, y, z = T.dscalars('x', 'y', 'z')
    >>> op = theano.OpFromGraph([x, y, z], [x + y * z])
    >>> f = theano.function([x, y, z], op(x, y, z) + op(z, y, x))
    >>> float(f(1.0, 2.0, 3.0))
    12.0
    """

    def __init__(self, inputs: Sequence[Variable], outputs: Sequence[Variable] | Variable, inline: bool = False,
                 grad_overrides: Any = "default", rop_overrides: Any = "default", name: str | None = None,
                 **kwargs: Any):
        from theano.compile.sharedvalue import SharedVariable

        if isinstance(outputs, Variable):
            outputs = [outputs]
        inputs, outputs = list(inputs), list(outputs)
        for inp in inputs:
            if not isinstance(inp, Variable):
                raise TypeError(f"OpFromGraph: inputs must be Variables, got {inp!r}")
            if isinstance(inp, SharedVariable):
                raise TypeError(f"OpFromGraph: the shared variable {inp} cannot be an input (shared variables "
                                "the graph reads are taken as hidden inputs automatically)")
            if isinstance(inp, Constant):
                raise TypeError(f"OpFromGraph: the constant {inp} cannot be an input")
        for out in outputs:
            if not isinstance(out, Variable):
                raise TypeError(f"OpFromGraph: outputs must be Variables, got {out!r}")
        if "updates" in kwargs or "givens" in kwargs:
            raise NotImplementedError("OpFromGraph does not support updates or givens")
        self.inputs = inputs
        self.outputs = outputs
        self.shared_inputs = [v for v in graph_inputs(outputs, blockers=inputs)
                              if isinstance(v, SharedVariable) and v not in inputs]
        originals = inputs + self.shared_inputs
        self.local_inputs = [v.type.make_variable(v.name) for v in originals]
        self.local_outputs = clone_replace(outputs, dict(zip(originals, self.local_inputs)), strict=False)
        self.input_types = [v.type for v in inputs]
        self.output_types = [v.type for v in outputs]
        self.is_inline = bool(inline)
        self.name = name
        self.kwargs = kwargs
        self._grad_overrides = self._check_overrides(grad_overrides, len(inputs), "input")
        self._rop_overrides = self._check_overrides(rop_overrides, len(outputs), "output")
        self._fn: dict | None = None
        self._lop_op: OpFromGraph | None = None
        self._lop_positions: list | None = None
        self._rop_ops: dict = {}

    @staticmethod
    def _check_overrides(overrides: Any, count: int, what: str) -> Any:
        if isinstance(overrides, str):
            if overrides != "default":
                raise ValueError(f"OpFromGraph: unknown override {overrides!r}; expected {_OVERRIDE_HELP}"
                                 .format(what=what))
            return overrides
        if isinstance(overrides, (list, tuple)):
            if len(overrides) != count:
                raise ValueError(f"OpFromGraph: {len(overrides)} overrides given for {count} {what}s")
            for entry in overrides:
                if not (entry == "default" if isinstance(entry, str) else callable(entry) or _is_special(entry)
                        or entry is None):
                    raise TypeError(f"OpFromGraph: bad override {entry!r}; expected {_OVERRIDE_HELP}"
                                    .format(what=what))
            return list(overrides)
        if callable(overrides):
            return overrides
        raise TypeError(f"OpFromGraph: bad overrides {overrides!r}; expected {_OVERRIDE_HELP}".format(what=what))

    def __str__(self) -> str:
        return f"{self.name or 'OpFromGraph'}{{inline={self.is_inline}}}"

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_fn"] = None
        return state

    # -- building --------------------------------------------------------------------------------
    def make_node(self, *inputs: Any) -> Apply:
        if len(inputs) != len(self.input_types):
            raise ValueError(f"{self} takes {len(self.input_types)} inputs, got {len(inputs)}")
        checked = []
        for i, (inp, itype) in enumerate(zip(inputs, self.input_types)):
            try:
                checked.append(itype.filter_variable(inp))
            except TypeError:
                got = getattr(inp, "type", type(inp).__name__)
                raise TypeError(f"{self}: input {i} should be of type {itype}, got {got}") from None
        return Apply(self, checked + list(self.shared_inputs), [t() for t in self.output_types])

    def connection_pattern(self, node: Apply) -> list[list[bool]]:
        """Which outputs each input (shared ones included) reaches in the inner graph."""
        reached = [set(ancestors([out], blockers=self.local_inputs)) for out in self.local_outputs]
        return [[inp in seen for seen in reached] for inp in self.local_inputs]

    # -- running ---------------------------------------------------------------------------------
    def _compiled(self, outer_linker: str | None = None):
        """The inner function, compiled once per kind of outer backend ('py', 'c' or None)."""
        mode_arg = self.kwargs.get("mode")
        key = outer_linker if mode_arg is None else None
        fn = self._fn.get(key) if self._fn is not None else None
        if fn is None:
            import theano
            from theano.compile.mode import get_mode_on_backend

            mode = get_mode_on_backend(mode_arg, key)
            kwargs = dict(self.kwargs, mode=mode)
            kwargs.setdefault("on_unused_input", "ignore")
            kwargs.setdefault("name", self.name or "OpFromGraph")
            fn = theano.function(self.local_inputs, self.local_outputs, **kwargs)
            fn.trust_input = True
            if self._fn is None:
                self._fn = {}
            self._fn[key] = fn
        return fn

    def prepare_node(self, node: Apply, storage_map=None, compute_map=None, impl=None) -> None:
        """Remember which backend runs the node: the inner function is compiled for it."""
        node.tag.ofg_backend = impl

    def perform(self, node: Apply, inputs: Sequence[Any], output_storage: list[list[Any]], params: Any = None) -> None:
        fn = self._compiled(getattr(node.tag, "ofg_backend", None))
        results = fn(*inputs)
        for cell, value in zip(output_storage, results):
            # the inner function may hand back its own buffers next call: keep a private copy
            cell[0] = value.copy() if hasattr(value, "copy") else value

    # -- shapes ------------------------------------------------------------------------------------
    def infer_shape(self, node: Apply, input_shapes: Sequence[tuple]) -> list:
        from theano.scan_module.scan_utils import inner_shapes

        shapes = inner_shapes(self.local_inputs, self.local_outputs, list(input_shapes), set())
        missing = [k for k, s in enumerate(shapes) if s is None and hasattr(self.output_types[k], "ndim")]
        if missing:  # shapes that need inner values: computed from a copy of the graph
            copies = clone_replace([self.local_outputs[k] for k in missing],
                                   dict(zip(self.local_inputs, node.inputs)), strict=False)
            for k, copy in zip(missing, copies):
                shapes[k] = tuple(copy.shape[i] for i in range(copy.ndim))
        return shapes

    # -- gradients ---------------------------------------------------------------------------------
    def _build_lop_op(self) -> None:
        """The op computing the inputs' gradients from ``inputs + output_grads`` (built once)."""
        from theano import gradient

        n_in = len(self.inputs)
        inner_in = [v.type.make_variable(v.name) for v in self.local_inputs]
        out_grads = [t.make_variable(f"g_{k}") for k, t in enumerate(self.output_types)]
        outs = clone_replace(self.local_outputs, dict(zip(self.local_inputs, inner_in)), strict=False)
        user_in = inner_in[:n_in]
        overrides = self._grad_overrides
        if isinstance(overrides, OpFromGraph):
            grads = list(overrides(*user_in, *out_grads, return_list=True))
        elif callable(overrides):
            grads = list(overrides(user_in, out_grads))
        else:
            entries = overrides if isinstance(overrides, list) else ["default"] * n_in
            need_default = [i for i, e in enumerate(entries) if isinstance(e, str)]
            default = {}
            if need_default:
                wrt = [inner_in[i] for i in need_default]
                found = gradient.grad(None, wrt, known_grads=dict(zip(outs, out_grads)),
                                      disconnected_inputs="ignore", return_disconnected="Disconnected",
                                      null_gradients="return")
                default = dict(zip(need_default, found))
            grads = []
            for i, entry in enumerate(entries):
                if isinstance(entry, str):
                    grads.append(default[i])
                elif isinstance(entry, OpFromGraph):
                    grads.append(entry(*user_in, *out_grads))
                elif callable(entry):
                    grads.append(entry(user_in, out_grads))
                else:
                    grads.append(entry)
            if len(self.local_inputs) > n_in:  # shared variables: their gradients are the inner ones
                shared_grads = gradient.grad(None, inner_in[n_in:], known_grads=dict(zip(outs, out_grads)),
                                             disconnected_inputs="ignore", return_disconnected="Disconnected",
                                             null_gradients="return")
                grads.extend(shared_grads)
        if len(grads) == n_in and len(self.local_inputs) > n_in:
            grads.extend([None] * (len(self.local_inputs) - n_in))
        if len(grads) != len(self.local_inputs):
            raise ValueError(f"{self}: the gradient override returned {len(grads)} gradients for {n_in} inputs")
        # special entries (None, disconnected, undefined) stay outside; the rest is computed by one op
        positions = []
        computed = []
        for g in grads:
            if g is None or _is_special(g):
                positions.append(("special", g))
            else:
                positions.append(("computed", len(computed)))
                computed.append(g)
        self._lop_positions = positions
        if computed:
            self._lop_op = OpFromGraph(inner_in + out_grads, computed, inline=self.is_inline,
                                       name=f"grad_of_{self.name or 'OpFromGraph'}", **self.kwargs)

    def L_op(self, inputs: Sequence[Variable], outputs: Sequence[Variable], output_grads: Sequence[Variable]):
        from theano.gradient import DisconnectedType

        if self._lop_positions is None:
            self._build_lop_op()
        values = []
        if self._lop_op is not None:
            values = self._lop_op(*inputs, *output_grads, return_list=True)
        result = []
        for kind, entry in self._lop_positions:
            if kind == "computed":
                result.append(values[entry])
            elif entry is None:
                result.append(DisconnectedType()())
            else:
                result.append(entry)
        return result

    def grad(self, inputs: Sequence[Variable], output_grads: Sequence[Variable]):
        return self.L_op(inputs, None, output_grads)

    def _build_rop_op(self, present: tuple[bool, ...]):
        from theano import gradient

        n_in = len(self.inputs)
        inner_in = [v.type.make_variable(v.name) for v in self.local_inputs]
        points = [v.type.make_variable(f"e_{k}") if p else None for k, (v, p) in enumerate(zip(inner_in, present))]
        outs = clone_replace(self.local_outputs, dict(zip(self.local_inputs, inner_in)), strict=False)
        overrides = self._rop_overrides
        if isinstance(overrides, OpFromGraph):
            results = list(overrides(*inner_in[:n_in], *[p for p in points[:n_in] if p is not None],
                                     return_list=True))
        elif callable(overrides):
            results = list(overrides(inner_in[:n_in], points[:n_in]))
        else:
            entries = overrides if isinstance(overrides, list) else ["default"] * len(outs)
            wrt = [v for v, p in zip(inner_in, points) if p is not None]
            given = [p for p in points if p is not None]
            results = []
            for k, entry in enumerate(entries):
                if isinstance(entry, str):
                    results.append(gradient.Rop(outs[k], wrt, given, disconnected_outputs="ignore"))
                elif callable(entry):
                    results.append(entry(inner_in[:n_in], points[:n_in]))
                else:
                    results.append(entry)
        if len(results) != len(outs):
            raise ValueError(f"{self}: the R_op override returned {len(results)} results for {len(outs)} outputs")
        positions, computed = [], []
        for r in results:
            if r is None or _is_special(r):
                positions.append(("special", r))
            else:
                positions.append(("computed", len(computed)))
                computed.append(r)
        op = None
        if computed:
            op = OpFromGraph(inner_in + [p for p in points if p is not None], computed, inline=self.is_inline,
                             name=f"rop_of_{self.name or 'OpFromGraph'}", **self.kwargs)
        return op, positions

    def R_op(self, inputs: Sequence[Variable], eval_points: Sequence[Variable | None]):
        points = list(eval_points) + [None] * (len(inputs) - len(eval_points))
        present = tuple(p is not None for p in points)
        if present not in self._rop_ops:
            self._rop_ops[present] = self._build_rop_op(present)
        op, positions = self._rop_ops[present]
        values = op(*inputs, *[p for p in points if p is not None], return_list=True) if op is not None else []
        return [values[entry] if kind == "computed" else entry for kind, entry in positions]


def _expand_inline(fgraph, node: Apply):
    """Replace a node of an inline OpFromGraph by a copy of its inner graph."""
    op = node.op
    if not isinstance(op, OpFromGraph) or not op.is_inline:
        return None
    return clone_replace(op.local_outputs, dict(zip(op.local_inputs, node.inputs)), strict=False)


def _register_inline_rewrite() -> Callable:
    from theano.compile.pipeline import node_rewriter, register_canonicalize

    rewriter = node_rewriter([OpFromGraph], name="inline_ofg_expansion")(_expand_inline)
    register_canonicalize(rewriter, name="inline_ofg_expansion")
    return rewriter


inline_ofg_expansion = _register_inline_rewrite()
