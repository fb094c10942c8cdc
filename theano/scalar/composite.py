"""Composite: a graph of scalar ops used as one scalar op.

Elementwise fusion (:mod:`theano.tensor.rewriting.elemwise`) turns a connected subgraph of
Elemwise nodes into one ``Elemwise(Composite(...))``, the paper's
``map(lambda ai, bi, ci: ai * bi + ci, a, b, c)``. The Composite owns a private copy of
the scalar graph, flattened (a Composite inside a Composite is inlined), and

* compares and hashes by the graph's structure (the ops, how they are wired, the constants
  and the input types), so two Composites of the same expression are equal and merge;
* is named by the expression it computes: ``Composite{(i0 * i1) + i2}``; an intermediate
  used more than once is named once (``t0 = exp(i0); t0 * t0``);
* evaluates the graph on whole arrays, one scalar op after another in topological order,
  through each op's own ``impl_arrays``: every intermediate has the dtype its scalar
  variable declares, so the result is bit-identical to the unfused Elemwise nodes;
* accepts inputs of other dtypes than the ones it was built for, as any scalar op does:
  the graph is then rebuilt for those dtypes (once per dtype combination).

Every walk over the inner graph is iterative; a Composite of thousands of ops is fine.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from theano.graph.basic import Apply, Constant, Variable, io_toposort
from theano.scalar import basic as sb
from theano.scalar.type import ScalarConstant, ScalarType, get_scalar_type

# Names longer than this are cut (the full expression is still available from ``expression``).
MAX_NAME_CHARS = 1000

# Infix spelling of binary (and n-ary) scalar ops in a Composite's name.
_INFIX = {
    sb.Add: "+", sb.Sub: "-", sb.Mul: "*", sb.TrueDiv: "/", sb.IntDiv: "//", sb.Mod: "%", sb.Pow: "**",
    sb.LT: "<", sb.GT: ">", sb.LE: "<=", sb.GE: ">=", sb.EQ: "==", sb.NEQ: "!=",
    sb.AND: "&", sb.OR: "|", sb.XOR: "^",
}
_PREFIX = {sb.Neg: "-", sb.Invert: "~"}


class Composite(sb.ScalarOp):
    """A scalar op computing the scalar graph from ``inputs`` to ``outputs``.

    Parameters
    ----------
    inputs : sequence of ScalarVariable
        The graph's inputs, in the order the op takes its arguments.
    outputs : sequence of ScalarVariable
        The values the op returns (one or several), computed from ``inputs`` and constants.
    name : str, optional
        A name to show instead of the expression.

    Examples
    --------
    >>> from theano import scalar as ts
    >>> a, b, c = ts.float64("a"), ts.float64("b"), ts.float64("c")
    >>> print(Composite([a, b, c], [a * b + c]))
    Composite{(i0 * i1) + i2}
    """

    __props__ = ("graph_key",)

    def __init__(self, inputs: Sequence[Variable], outputs: Sequence[Variable], name: str | None = None):
        inputs = list(inputs)
        outputs = list(outputs)
        _check_interface(inputs, outputs)
        self.inputs, self.outputs, self.nodes = _copy_flattened(inputs, outputs)
        self.nin = len(self.inputs)
        self.nout = len(self.outputs)
        self.graph_key = _graph_key(self.inputs, self.outputs, self.nodes)
        self._hash = hash(self.graph_key)
        self._programs: dict[tuple[str, ...], _Program] = {}
        self.expression = _expression_text(self.inputs, self.outputs, self.nodes)
        if name is None:
            text = self.expression
            if len(text) > MAX_NAME_CHARS:
                text = text[:MAX_NAME_CHARS] + " ..."
            name = f"Composite{{{text}}}"
        super().__init__(name=name)

    # -- identity --------------------------------------------------------------------------
    def __eq__(self, other: Any) -> bool:
        if self is other:
            return True
        return type(other) is type(self) and self._hash == other._hash and self.graph_key == other.graph_key

    def __hash__(self) -> int:
        return self._hash

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state.pop("_hash", None)  # string hashes differ between processes
        state["_programs"] = {}
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._hash = hash(self.graph_key)

    # -- types -----------------------------------------------------------------------------
    def output_types(self, types: Sequence[ScalarType]) -> list[ScalarType]:
        program = self._program(tuple(t.dtype for t in types))
        return [get_scalar_type(d) for d in program.output_dtypes]

    def make_node(self, *inputs: Any) -> Apply:
        if len(inputs) != self.nin:
            raise TypeError(f"{self} takes {self.nin} inputs, got {len(inputs)}")
        converted = []
        for value, inner in zip(inputs, self.inputs):
            if isinstance(value, Variable):
                converted.append(sb.as_scalar(value))
            else:  # a Python or NumPy number takes the dtype the graph was built for
                converted.append(sb.constant(value, dtype=inner.type.dtype))
        outputs = [t() for t in self.output_types([x.type for x in converted])]
        return Apply(self, converted, outputs)

    def graph_for(self, dtypes: tuple[str, ...]) -> tuple[list[Variable], list[Variable], list[Apply]]:
        """The inner graph (inputs, outputs, nodes in topological order) for inputs of ``dtypes``:
        the graph itself for the dtypes it was built for, else a copy whose ops infer their types
        again (raising TypeError where an op refuses a dtype)."""
        if len(dtypes) != self.nin:
            raise TypeError(f"{self} takes {self.nin} inputs, got {len(dtypes)}")
        if dtypes == tuple(x.type.dtype for x in self.inputs):
            return self.inputs, self.outputs, self.nodes
        return _retyped(self.inputs, self.outputs, self.nodes, dtypes)

    def _program(self, dtypes: tuple[str, ...]) -> _Program:
        program = self._programs.get(dtypes)
        if program is None:
            program = self._programs[dtypes] = _Program(*self.graph_for(dtypes))
        return program

    # -- evaluation ------------------------------------------------------------------------
    def impl(self, *inputs: Any):
        arrays = [np.asarray(x) for x in inputs]
        program = self._program(tuple(str(x.dtype) for x in arrays))
        with np.errstate(all="ignore"):
            results = self.impl_arrays(arrays, program.output_dtypes)
        return results[0] if self.nout == 1 else tuple(results)

    def impl_arrays(self, inputs: Sequence[np.ndarray], out_dtypes: Sequence[str]) -> list[np.ndarray]:
        """Run the inner graph on whole arrays; one result per output, of ``out_dtypes``,
        broadcast to the inputs' common shape and sharing no memory with each other."""
        program = self._program(tuple(str(x.dtype) for x in inputs))
        results = program.run(inputs)
        shape = None
        checked: list[np.ndarray] = []
        for value, dtype in zip(results, out_dtypes):
            if str(value.dtype) != dtype:
                value = value.astype(dtype)
            if inputs:
                if shape is None:
                    shape = np.broadcast_shapes(*[np.shape(x) for x in inputs])
                if value.shape != shape:  # an output computed from constants only
                    value = np.broadcast_to(value, shape).copy()
            if any(np.may_share_memory(value, earlier) for earlier in checked):
                value = value.copy()
            checked.append(value)
        return checked

    # -- inner graph -----------------------------------------------------------------------
    def build(self, inputs: Sequence[Variable], apply_op) -> list[Variable]:
        """Rebuild the inner graph on other variables (tensors, for example).

        ``apply_op(scalar_op, args)`` returns the list of outputs of ``scalar_op`` applied to
        ``args``; inner constants are passed as the ScalarConstants themselves. Return the
        variables standing for the Composite's outputs.
        """
        if len(inputs) != self.nin:
            raise TypeError(f"{self} takes {self.nin} inputs, got {len(inputs)}")
        values: dict[Variable, Any] = dict(zip(self.inputs, inputs))
        for node in self.nodes:
            args = [values.get(v, v) for v in node.inputs]
            for out, new in zip(node.outputs, apply_op(node.op, args)):
                values[out] = new
        return [values.get(out, out) for out in self.outputs]

    def connection_pattern(self) -> list[list[bool]]:
        """``pattern[i][j]``: whether output ``j`` depends on input ``i``."""
        reaches: dict[Variable, int] = {x: 1 << k for k, x in enumerate(self.inputs)}
        for node in self.nodes:
            mask = 0
            for var in node.inputs:
                mask |= reaches.get(var, 0)
            for out in node.outputs:
                reaches[out] = mask
        masks = [reaches.get(out, 0) for out in self.outputs]
        return [[bool(mask >> k & 1) for mask in masks] for k in range(self.nin)]

    def __str__(self) -> str:
        return self.name

    def expression_template(self) -> str:
        """The expression with each constant written ``k``: what Composites differing only in
        their constants have in common (they share one compiled kernel)."""
        return _expression_text(self.inputs, self.outputs, self.nodes, constant_text=lambda const: "k")


# ------------------------------------------------------------------------------------------
# Building the private, flattened copy of the graph
# ------------------------------------------------------------------------------------------

def _check_interface(inputs: list[Variable], outputs: list[Variable]) -> None:
    for var in inputs + outputs:
        if not isinstance(var, Variable) or not isinstance(var.type, ScalarType):
            raise TypeError(f"Composite takes scalar variables as inputs and outputs, got {var!r}")
    for var in inputs:
        if isinstance(var, Constant):
            raise TypeError(f"Composite: input {var} is a constant; leave constants inside the graph")
    if len(set(inputs)) != len(inputs):
        raise ValueError("Composite: the same variable appears twice among the inputs")
    if not outputs:
        raise ValueError("Composite needs at least one output")


def _copy_flattened(inputs: list[Variable], outputs: list[Variable]):
    """A copy of the graph with fresh variables, each nested Composite replaced by its graph."""
    new_inputs = [x.type(f"i{k}") for k, x in enumerate(inputs)]
    values: dict[Variable, Variable] = dict(zip(inputs, new_inputs))
    input_set = set(inputs)
    nodes: list[Apply] = []

    def value_of(var: Variable) -> Variable:
        found = values.get(var)
        if found is not None:
            return found
        if isinstance(var, Constant):
            copy = ScalarConstant(var.type, var.data)
            values[var] = copy
            return copy
        raise ValueError(f"Composite: the outputs depend on {var}, which is neither an input nor a constant; "
                         "list it among the inputs")

    for node in io_toposort(inputs, outputs):
        args = [value_of(v) for v in node.inputs]
        if isinstance(node.op, Composite):
            sub_inputs, sub_outputs, sub_nodes = node.op.graph_for(tuple(x.type.dtype for x in args))
            inner = dict(zip(sub_inputs, args))
            for inner_node in sub_nodes:
                new_node = _rebuild(inner_node, [inner.get(v, v) for v in inner_node.inputs])
                nodes.append(new_node)
                inner.update(zip(inner_node.outputs, new_node.outputs))
            new_outputs = [inner.get(v, v) for v in sub_outputs]
        else:
            if not isinstance(node.op, sb.ScalarOp):
                raise TypeError(f"Composite: {node.op} is not a scalar op")
            new_node = _rebuild(node, args)
            nodes.append(new_node)
            new_outputs = new_node.outputs
        values.update(zip(node.outputs, new_outputs))
    new_outputs = []
    for out in outputs:
        if out in input_set or out.owner is not None:
            new_outputs.append(values[out])
        else:
            new_outputs.append(value_of(out))
    return new_inputs, new_outputs, nodes


def _rebuild(node: Apply, args: list[Variable]) -> Apply:
    """``node``'s op applied to ``args`` with outputs of the same types (no type inference)."""
    return Apply(node.op, args, [out.type() for out in node.outputs])


def _retyped(inputs, outputs, nodes, dtypes: tuple[str, ...]):
    """The graph rebuilt for inputs of ``dtypes``: each op infers its outputs' types again."""
    new_inputs = [get_scalar_type(d)(x.name) for x, d in zip(inputs, dtypes)]
    values: dict[Variable, Variable] = dict(zip(inputs, new_inputs))
    new_nodes = []
    for node in nodes:
        new_node = node.op.make_node(*[values.get(v, v) for v in node.inputs])
        new_nodes.append(new_node)
        values.update(zip(node.outputs, new_node.outputs))
    return new_inputs, [values.get(v, v) for v in outputs], new_nodes


def _constant_key(const: Constant) -> tuple:
    data = np.asarray(const.data)
    return ("constant", str(data.dtype), data.tobytes())


def _graph_key(inputs, outputs, nodes) -> tuple:
    """A hashable description of the graph's structure: equal keys, equal computations."""
    refs: dict[Variable, tuple] = {x: ("input", k) for k, x in enumerate(inputs)}

    def ref(var: Variable) -> tuple:
        found = refs.get(var)
        return found if found is not None else _constant_key(var)

    entries = []
    for position, node in enumerate(nodes):
        entries.append((node.op, tuple(ref(v) for v in node.inputs)))
        for k, out in enumerate(node.outputs):
            refs[out] = ("node", position, k)
    input_types = tuple(x.type.dtype for x in inputs)
    return input_types, tuple(entries), tuple(ref(v) for v in outputs)


# ------------------------------------------------------------------------------------------
# The name: the expression, with shared intermediates named once
# ------------------------------------------------------------------------------------------

def _constant_text(const: Constant) -> str:
    data = np.asarray(const.data)
    if data.dtype.kind == "b":
        return str(bool(data))
    return str(data.item())


def _node_text(node: Apply, args: list[str]) -> tuple[str, bool]:
    """The text of ``node`` applied to ``args``, and whether it is a parenthesized operator form."""
    op = node.op
    infix = _INFIX.get(type(op))
    if infix is not None and len(args) >= 2:
        return "(" + f" {infix} ".join(args) + ")", True
    prefix = _PREFIX.get(type(op))
    if prefix is not None and len(args) == 1:
        return f"({prefix}{args[0]})", True
    return f"{op}({', '.join(args)})", False


def _expression_text(inputs, outputs, nodes, constant_text=None) -> str:
    uses: dict[Variable, int] = {}
    for node in nodes:
        for var in node.inputs:
            uses[var] = uses.get(var, 0) + 1
    for var in outputs:
        uses[var] = uses.get(var, 0) + 1
    texts: dict[Variable, tuple[str, bool]] = {x: (f"i{k}", False) for k, x in enumerate(inputs)}

    def text_of(var: Variable) -> tuple[str, bool]:
        found = texts.get(var)
        return found if found is not None else ((constant_text or _constant_text)(var), False)

    definitions = []
    for node in nodes:
        text, wrapped = _node_text(node, [text_of(v)[0] for v in node.inputs])
        for k, out in enumerate(node.outputs):
            out_text = text if len(node.outputs) == 1 else f"{text}[{k}]"
            if uses.get(out, 0) > 1:
                alias = f"t{len(definitions)}"
                definitions.append(f"{alias} = {_strip_parens(out_text, wrapped)}")
                texts[out] = (alias, False)
            else:
                texts[out] = (out_text, wrapped and len(node.outputs) == 1)
    shown = [_strip_parens(*text_of(out)) for out in outputs]
    return "; ".join(definitions + [", ".join(shown)])


def _strip_parens(text: str, wrapped: bool) -> str:
    return text[1:-1] if wrapped else text


# ------------------------------------------------------------------------------------------
# Evaluation on arrays
# ------------------------------------------------------------------------------------------

class _Program:
    """The inner graph as a list of steps over numbered slots, run on whole arrays.

    Slots ``0 .. nin-1`` hold the inputs, then constants, then each step's outputs; a slot
    is released after its last use, so a long chain keeps only a few arrays alive.
    """

    def __init__(self, inputs, outputs, nodes):
        slots: dict[Variable, int] = {x: k for k, x in enumerate(inputs)}
        self.constants: list[tuple[int, np.ndarray]] = []

        def slot_of(var: Variable) -> int:
            found = slots.get(var)
            if found is None:
                found = slots[var] = len(slots)
                self.constants.append((found, np.asarray(var.data, dtype=var.type.dtype)))
            return found

        steps = []
        for node in nodes:
            args = [slot_of(v) for v in node.inputs]
            out_slots = []
            for out in node.outputs:
                slots[out] = len(slots)
                out_slots.append(slots[out])
            steps.append((node.op, args, [o.type.dtype for o in node.outputs], out_slots))
        self.output_slots = [slot_of(v) for v in outputs]
        self.output_dtypes = [v.type.dtype for v in outputs]
        self.n_slots = len(slots)
        last_use: dict[int, int] = {}
        for position, (_, args, _, _) in enumerate(steps):
            for slot in args:
                last_use[slot] = position
        kept = set(self.output_slots) | set(range(len(inputs)))
        released: list[list[int]] = [[] for _ in steps]
        for slot, position in last_use.items():
            if slot not in kept:
                released[position].append(slot)
        self.steps = [(op, args, dtypes, outs, free) for (op, args, dtypes, outs), free in zip(steps, released)]

    def run(self, inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
        slots: list[Any] = [None] * self.n_slots
        slots[: len(inputs)] = inputs
        for slot, value in self.constants:
            slots[slot] = value
        for op, args, dtypes, outs, free in self.steps:
            results = op.impl_arrays([slots[a] for a in args], dtypes)
            for slot, value, dtype in zip(outs, results, dtypes):
                slots[slot] = value if isinstance(value, np.ndarray) else np.asarray(value, dtype=dtype)
            for slot in free:
                slots[slot] = None
        return [slots[s] for s in self.output_slots]


__all__ = ["Composite"]
