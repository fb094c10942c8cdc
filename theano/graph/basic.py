"""The expression-graph IR: variables, constants and applications of ops.

A graph alternates between :class:`Variable` nodes and :class:`Apply` nodes. Each Apply
records one application of an :class:`~theano.graph.op.Op` to input variables and owns its
output variables; a variable with no owner is an input (or a constant).

Every traversal here is iterative, so graphs of any depth can be walked.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import count
from typing import Any

from theano.graph.utils import Scratchpad, ValidatingScratchpad

_variable_ids = count()


class Node:
    """Common base of :class:`Variable` and :class:`Apply`."""

    def get_parents(self) -> list:
        raise NotImplementedError


class Apply(Node):
    """The application of ``op`` to ``inputs``, producing ``outputs``."""

    def __init__(self, op, inputs: Sequence[Variable], outputs: Sequence[Variable]):
        self.op = op
        self.inputs = []
        self.tag = Scratchpad()
        for inp in inputs:
            if not isinstance(inp, Variable):
                raise TypeError(f"The input of an Apply must be a Variable, got {inp!r}")
            self.inputs.append(inp)
        self.outputs = []
        for i, out in enumerate(outputs):
            if not isinstance(out, Variable):
                raise TypeError(f"The output of an Apply must be a Variable, got {out!r}")
            if out.owner is None:
                out.owner = self
                out.index = i
            elif out.owner is not self or out.index != i:
                raise ValueError("All output variables passed to Apply must belong to it.")
            self.outputs.append(out)

    def default_output(self) -> Variable:
        """The output returned when the op is called like a function."""
        do = getattr(self.op, "default_output", None)
        if do is None:
            if len(self.outputs) == 1:
                return self.outputs[0]
            raise ValueError(f"{self.op} has several outputs and no default_output")
        return self.outputs[do]

    out = property(default_output)

    def run_params(self):
        return self.op.get_params(self)

    def get_parents(self) -> list:
        return list(self.inputs)

    def clone(self) -> Apply:
        """A new Apply with the same op and inputs and fresh outputs."""
        cp = self.__class__(self.op, self.inputs, [out.clone() for out in self.outputs])
        cp.tag = self.tag.__class__().__update__(self.tag) if isinstance(self.tag, Scratchpad) else self.tag
        return cp

    def clone_with_new_inputs(self, inputs: Sequence[Variable], strict: bool = True) -> Apply:
        """Apply the same op to ``inputs``.

        With ``strict`` the new inputs must have the old inputs' types (or be convertible to
        them); otherwise the op's ``make_node`` builds the node and may pick new output types.
        """
        if len(inputs) != len(self.inputs):
            raise ValueError("clone_with_new_inputs: wrong number of inputs")
        remake = False
        new_inputs = list(inputs)
        for i, (curr, new) in enumerate(zip(self.inputs, new_inputs)):
            if curr.type != new.type:
                if strict:
                    new_inputs[i] = curr.type.filter_variable(new)
                else:
                    remake = True
        if remake:
            new_node = self.op.make_node(*new_inputs)
            new_node.tag = Scratchpad().__update__(self.tag)
        else:
            new_node = self.clone()
            new_node.inputs = new_inputs
        return new_node

    @property
    def nin(self) -> int:
        return len(self.inputs)

    @property
    def nout(self) -> int:
        return len(self.outputs)

    @property
    def params_type(self):
        return getattr(self.op, "params_type", None)

    def __str__(self) -> str:
        from theano.printing import op_as_string

        return op_as_string(self.inputs, self)

    def __repr__(self) -> str:
        return str(self)


class Variable(Node):
    """A typed value in a graph: an input, a constant, or an output of an :class:`Apply`."""

    __count__ = _variable_ids

    def __init__(self, type, owner: Apply | None = None, index: int | None = None,
                 name: str | None = None):
        super().__init__()
        self.tag = ValidatingScratchpad("test_value", type.filter)
        self.type = type
        self.owner = owner
        self.index = index
        self.name = name
        self.auto_name = f"auto_{next(self.__count__)}"

    def get_test_value(self):
        if not hasattr(self.tag, "test_value"):
            detailed = f" named '{self.name}'" if self.name else ""
            raise AttributeError(f"{self}{detailed} has no test value")
        return self.tag.test_value

    def __str__(self) -> str:
        if self.name is not None:
            return self.name
        if self.owner is not None:
            return f"{self.owner.op}.{self.index}"
        return f"<{self.type}>"

    def __repr__(self) -> str:
        return str(self)

    def clone(self) -> Variable:
        """A new variable of the same type and name, with no owner."""
        cp = self.__class__(self.type, None, None, self.name)
        cp.tag = self.tag.__class__.__new__(self.tag.__class__)
        cp.tag.__dict__.update(self.tag.__dict__)
        return cp

    def get_parents(self) -> list:
        return [self.owner] if self.owner is not None else []

    def eval(self, inputs_to_values: dict | None = None):
        """Compile (and cache) a function of this variable and evaluate it."""
        import theano

        inputs_to_values = inputs_to_values or {}
        inputs = tuple(sorted(inputs_to_values, key=id))
        if not hasattr(self, "_fn_cache"):
            self._fn_cache = {}
        fn = self._fn_cache.get(inputs)
        if fn is None:
            fn = theano.function(list(inputs), self)
            self._fn_cache[inputs] = fn
        return fn(*[inputs_to_values[var] for var in inputs])

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("_fn_cache", None)
        return state


class Constant(Variable):
    """A variable whose value is fixed when the graph is built."""

    def __init__(self, type, data, name: str | None = None):
        super().__init__(type, None, None, name)
        self.data = type.filter(data)

    def get_test_value(self):
        return self.data

    def signature(self):
        """A hashable value; equal signatures mean interchangeable constants."""
        return (self.type, self.data)

    def equals(self, other: Any) -> bool:
        return isinstance(other, Constant) and self.signature() == other.signature()

    def __str__(self) -> str:
        if self.name is not None:
            return self.name
        text = str(self.data)
        if len(text) > 20:
            text = text[:10] + "..." + text[-5:]
        return f"{type(self).__name__}{{{text}}}"

    def clone(self) -> Constant:
        return self.__class__(self.type, self.data, self.name)

    @property
    def value(self):
        return self.data

    def get_parents(self) -> list:
        return []


# ------------------------------------------------------------------------------------------
# Traversals (all iterative)
# ------------------------------------------------------------------------------------------

def walk(nodes: Iterable, expand: Callable[[Any], Iterable | None], bfs: bool = True,
         return_children: bool = False) -> Iterator:
    """Visit ``nodes`` and everything ``expand`` reaches from them, each once."""
    queue = deque(nodes)
    seen: set[int] = set()
    pop = queue.popleft if bfs else queue.pop
    while queue:
        node = pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        children = expand(node)
        if return_children:
            yield node, children
        else:
            yield node
        if children:
            if bfs:
                queue.extend(children)
            else:
                queue.extend(reversed(list(children)))


def ancestors(variables: Iterable[Variable], blockers: Iterable[Variable] | None = None) -> Iterator[Variable]:
    """Every variable that ``variables`` depend on (themselves included), stopping at ``blockers``."""
    blocked = set(blockers) if blockers is not None else ()

    def expand(var: Variable):
        if var.owner is not None and var not in blocked:
            return reversed(var.owner.inputs)
        return None

    return walk(variables, expand, bfs=False)


def graph_inputs(variables: Iterable[Variable], blockers: Iterable[Variable] | None = None) -> list[Variable]:
    """The variables without owner (or in ``blockers``) that ``variables`` depend on."""
    blocked = set(blockers) if blockers is not None else set()
    return [var for var in ancestors(variables, blocked) if var.owner is None or var in blocked]


inputs = graph_inputs


def variables_and_orphans(inputs_: Iterable[Variable], outputs: Iterable[Variable]):
    inputs_set = set(inputs_)
    variables = list(ancestors(outputs, inputs_set))
    orphans = [var for var in variables if var.owner is None and var not in inputs_set]
    return variables, orphans


def vars_between(inputs_: Iterable[Variable], outputs: Iterable[Variable]) -> list[Variable]:
    return variables_and_orphans(inputs_, outputs)[0]


def orphans(inputs_: Iterable[Variable], outputs: Iterable[Variable]) -> list[Variable]:
    return variables_and_orphans(inputs_, outputs)[1]


def applys_between(inputs_: Iterable[Variable], outputs: Iterable[Variable]) -> list[Apply]:
    seen = set()
    nodes = []
    for var in vars_between(inputs_, outputs):
        node = var.owner
        if node is not None and node not in seen and var not in set(inputs_):
            seen.add(node)
            nodes.append(node)
    return nodes


def io_toposort(inputs_: Iterable[Variable], outputs: Iterable[Variable],
                orderings: dict | None = None) -> list[Apply]:
    """The Apply nodes between ``inputs_`` and ``outputs``, each after the nodes it depends on.

    ``orderings`` maps a node to extra nodes that must come before it.
    """
    stop = set(inputs_)
    order: list[Apply] = []
    done: set[Apply] = set()
    open_nodes: set[Apply] = set()  # expanded, waiting for their predecessors
    # Iterative post-order depth-first search over Apply nodes.
    stack: list[tuple[Apply, bool]] = []
    for out in reversed(list(outputs)):
        if out.owner is not None and out not in stop:
            stack.append((out.owner, False))
    while stack:
        node, expanded = stack.pop()
        if node in done:
            continue
        if expanded:
            open_nodes.discard(node)
            done.add(node)
            order.append(node)
            continue
        if node in open_nodes:
            raise ValueError(f"the graph contains a cycle through {node} (its orderings ask for it to run before "
                             "a node it depends on)")
        open_nodes.add(node)
        stack.append((node, True))
        preds = [inp.owner for inp in node.inputs if inp.owner is not None and inp not in stop]
        if orderings:
            preds.extend(orderings.get(node, ()))
        for pred in reversed(preds):
            if pred not in done:
                stack.append((pred, False))
    return order


def toposort(outputs: Iterable[Variable]) -> list[Apply]:
    return io_toposort([], outputs)


def clone_get_equiv(inputs_: Sequence[Variable], outputs: Sequence[Variable], copy_inputs: bool = True,
                    copy_orphans: bool = True, memo: dict | None = None) -> dict:
    """Clone the graph between ``inputs_`` and ``outputs``; return the old-to-new mapping."""
    memo = {} if memo is None else memo
    for inp in inputs_:
        if inp not in memo:
            memo[inp] = inp.clone() if copy_inputs else inp
    for node in io_toposort(inputs_, outputs):
        for inp in node.inputs:
            if inp not in memo:
                memo[inp] = inp.clone() if copy_orphans else inp
        new_node = node.clone_with_new_inputs([memo[i] for i in node.inputs], strict=False)
        memo[node] = new_node
        for old, new in zip(node.outputs, new_node.outputs):
            memo.setdefault(old, new)
    for out in outputs:
        if out not in memo:
            memo[out] = out.clone() if copy_orphans else out
    return memo


def clone(inputs_: Sequence[Variable], outputs: Sequence[Variable], copy_inputs: bool = True,
          copy_orphans: bool = True) -> tuple[list[Variable], list[Variable]]:
    """Copy the graph between ``inputs_`` and ``outputs``; return the new inputs and outputs."""
    equiv = clone_get_equiv(inputs_, outputs, copy_inputs, copy_orphans)
    return [equiv[i] for i in inputs_], [equiv[o] for o in outputs]


def clone_replace(output, replace=None, strict: bool = True, share_inputs: bool = True):
    """Copy the graph of ``output`` with the variables in ``replace`` substituted.

    ``replace`` is a dict or a list of pairs ``(old, new)``; a replacement may use the variable
    it replaces. This is ``theano.clone``.
    """
    from theano.tensor.basic import as_tensor_variable  # late: tensor imports graph

    if replace is None:
        pairs = []
    elif isinstance(replace, dict):
        pairs = list(replace.items())
    else:
        pairs = list(replace)
    single = not isinstance(output, (list, tuple))
    outputs = [output] if single else list(output)
    memo: dict = {}
    for old, new in pairs:
        if not isinstance(new, Variable):
            new = as_tensor_variable(new)
        if strict and old.type != new.type:
            new = old.type.filter_variable(new)
        memo[old] = new
    stops = list(memo)
    for var in graph_inputs(outputs, blockers=stops):
        if var not in memo:
            memo[var] = var if share_inputs or isinstance(var, Constant) else var.clone()
    equiv = clone_get_equiv(list(memo), outputs, copy_inputs=False, copy_orphans=False, memo=memo)
    result = [equiv[o] for o in outputs]
    return result[0] if single else result


def is_in_ancestors(node: Apply, target: Apply) -> bool:
    """Whether ``target`` is ``node`` or one of its ancestors."""
    for var in ancestors(node.outputs):
        if var.owner is target:
            return True
    return False


def equal_computations(xs: Sequence[Variable], ys: Sequence[Variable], in_xs=None, in_ys=None) -> bool:
    """Whether ``xs`` and ``ys`` compute the same thing (same ops on matching inputs)."""
    in_xs = list(in_xs or [])
    in_ys = list(in_ys or [])
    if len(xs) != len(ys) or len(in_xs) != len(in_ys):
        return False
    equiv: dict[Variable, Variable] = dict(zip(in_xs, in_ys))
    nodes_x = io_toposort(in_xs, xs)
    nodes_y = io_toposort(in_ys, ys)
    if len(nodes_x) != len(nodes_y):
        return False

    def same_var(a: Variable, b: Variable) -> bool:
        if a in equiv:
            return equiv[a] is b
        if isinstance(a, Constant) and isinstance(b, Constant):
            return a.equals(b)
        if a.owner is None and b.owner is None:
            return a is b
        return False

    for nx, ny in zip(nodes_x, nodes_y):
        if nx.op != ny.op or len(nx.inputs) != len(ny.inputs):
            return False
        if not all(same_var(a, b) for a, b in zip(nx.inputs, ny.inputs)):
            return False
        for a, b in zip(nx.outputs, ny.outputs):
            if a.type != b.type:
                return False
            equiv[a] = b
    return all(same_var(x, y) if x in equiv or x.owner is None else False for x, y in zip(xs, ys))


def list_of_nodes(inputs_: Sequence[Variable], outputs: Sequence[Variable]) -> list[Apply]:
    return io_toposort(inputs_, outputs)
