"""Printing graphs and printing values while a function runs.

- :func:`debugprint` prints a graph one node a line, as an indented tree, naming every node
  with an id so that shared subgraphs are printed once and then referred to.
- :data:`pprint` (also :data:`pp`) prints a variable as a math-like expression; it is extended
  with ``pprint.assign(op_or_predicate, printer)``.
- :class:`Print` is an identity op that prints its value each time the function runs.
- :func:`min_informative_str` and :func:`var_descriptor` give short and position-independent
  descriptions of a graph; :func:`op_as_string` is what ``str(apply_node)`` shows.

Every walk over a graph here is iterative, so graphs of any depth can be printed.
"""

from __future__ import annotations

import hashlib
import importlib
import sys
from collections.abc import Callable, Sequence
from io import StringIO
from operator import itemgetter
from typing import Any

import numpy as np

from theano.graph.basic import Apply, Constant, Variable, io_toposort
from theano.graph.fg import FunctionGraph
from theano.graph.op import Op

__all__ = [
    "debugprint",
    "char_from_number",
    "pprint",
    "pp",
    "PPrinter",
    "PrinterState",
    "LeafPrinter",
    "ConstantPrinter",
    "OperatorPrinter",
    "PatternPrinter",
    "FunctionPrinter",
    "MemberPrinter",
    "IgnorePrinter",
    "DefaultPrinter",
    "DimShufflePrinter",
    "SubtensorPrinter",
    "Print",
    "min_informative_str",
    "var_descriptor",
    "hex_digest",
    "pydotprint",
    "pydot_imported",
    "op_as_string",
]

_VALID_IDS = ("CHAR", "id", "int", "")


# ------------------------------------------------------------------------------------------
# str(apply_node)
# ------------------------------------------------------------------------------------------

def op_as_string(inputs: Sequence[Variable], node: Apply, leaf_formatter: Callable[[Any], str] = str,
                 node_formatter: Callable[[Any, list[str]], str] | None = None) -> str:
    """The text of ``node`` applied to ``inputs``: ``add(x, y)``.

    Parameters
    ----------
    inputs
        The variables to show as the node's arguments (usually ``node.inputs``).
    node
        The Apply node.
    leaf_formatter
        Turns one input into text (default: ``str``).
    node_formatter
        Turns ``(node, argument_strings)`` into text (default: ``op(arg, ...)``).
    """
    args = [leaf_formatter(inp) for inp in inputs]
    if node_formatter is not None:
        return node_formatter(node, args)
    return f"{node.op}({', '.join(args)})"


# ------------------------------------------------------------------------------------------
# debugprint
# ------------------------------------------------------------------------------------------

def char_from_number(number: int) -> str:
    """The letters naming ``number`` in base 26: 0 -> ``A``, 25 -> ``Z``, 26 -> ``BA``."""
    if number == 0:
        return "A"
    letters = []
    while number:
        number, remainder = divmod(number, 26)
        letters.append(chr(ord("A") + remainder))
    return "".join(reversed(letters))


class _IdMaker:
    """Hands out the ``[id X]`` labels of one debugprint call (shared by all its roots)."""

    def __init__(self, mode: str, used_ids: dict, done):
        if mode not in _VALID_IDS:
            raise ValueError(f"debugprint: ids must be one of {_VALID_IDS}, got {mode!r}")
        self.mode = mode
        self.used_ids = used_ids
        self.done = done

    def label(self, obj, mark_printed: bool = True) -> str:
        if obj in self.used_ids:
            text = self.used_ids[obj]
        else:
            if self.mode == "CHAR":
                text = f"[id {char_from_number(len(self.used_ids))}]"
            elif self.mode == "int":
                text = f"[id {len(self.used_ids)}]"
            elif self.mode == "id":
                text = f"[id {id(obj)}]"
            else:
                text = ""
            self.used_ids[obj] = text
        if mark_printed:
            if isinstance(self.done, dict):
                self.done[obj] = text
            else:
                self.done.add(obj)
        return text


class _Target:
    """One root to print and the context it came with (toposort, storage, clients)."""

    def __init__(self, variable: Variable, order: list | None = None, storage_map: dict | None = None,
                 clients: dict | None = None):
        self.variable = variable
        self.position = {node: i for i, node in enumerate(order)} if order else None
        self.storage_map = storage_map
        self.clients = clients


def _targets_of(obj, print_storage: bool, out) -> list[_Target]:
    """What to print for ``obj``; plain numbers and arrays are written to ``out`` at once."""
    from theano.compile.function_module import Function
    from theano.compile.io import SymbolicInput, SymbolicOutput

    if isinstance(obj, Variable):
        return [_Target(obj)]
    if isinstance(obj, Apply):
        return [_Target(var) for var in obj.outputs]
    if isinstance(obj, Function):
        fgraph = obj.maker.fgraph
        order = fgraph.toposort()
        storage = getattr(obj.fn, "storage_map", None) if print_storage else None
        return [_Target(var, order, storage, fgraph.clients) for var in fgraph.outputs]
    if isinstance(obj, FunctionGraph):
        order = obj.toposort()
        storage = getattr(obj, "storage_map", None)
        return [_Target(var, order, storage, obj.clients) for var in obj.outputs]
    if isinstance(obj, (SymbolicInput, SymbolicOutput)):
        return [_Target(obj.variable)]
    if isinstance(obj, (int, float, np.number, np.ndarray)):
        print(obj, file=out)
        return []
    raise TypeError(f"debugprint cannot print an object of type {type(obj).__name__}: {obj!r}")


def _clients_text(var: Variable, target: _Target, ids: _IdMaker) -> str:
    clients = target.clients.get(var, []) if target.clients is not None else []
    if len(clients) <= 1:
        return ""
    entries = []
    for client, _ in clients:
        if isinstance(client, str):  # the graph's output
            entries.append((client, ""))
            continue
        position = target.position.get(client, "") if target.position else ""
        entries.append((ids.label(client, mark_printed=False), position))
    return f" clients:{entries}"


def _debugprint_target(target: _Target, out, depth: int, ids: _IdMaker, print_type: bool, stop_on_name: bool,
                       print_clients: bool, print_destroy_map: bool = False, print_view_map: bool = False) -> None:
    """Write the tree under one root, depth first, with an explicit stack (no recursion)."""
    storage = target.storage_map
    # Each entry: (variable, prefix of its own line, prefix of its children's lines, depth left).
    stack: list[tuple[Variable, str, str, int]] = [(target.variable, "", "", depth)]
    while stack:
        var, prefix, child_prefix, depth_left = stack.pop()
        if depth_left == 0:
            continue
        type_text = f" <{var.type}>" if print_type else ""
        node = var.owner
        if node is None:
            label = ids.label(var)
            data = f" {storage.get(var, '')}" if storage else ""
            print(f"{prefix}{var} {label}{type_text}{data}", file=out)
            continue
        already_printed = node in ids.done
        label = ids.label(node)
        index = "" if len(node.outputs) == 1 else f".{node.outputs.index(var)}"
        name = var.name if var.name is not None else ""
        destroy = _map_text("d", node.op, "destroy_map") if print_destroy_map else ""
        view = _map_text("v", node.op, "view_map") if print_view_map else ""
        position = str(target.position.get(node, "")) if target.position else ""
        data = f" {storage.get(node.outputs[0], '')}" if storage else ""
        clients = _clients_text(var, target, ids) if print_clients else ""
        print(f"{prefix}{node.op}{index} {label}{type_text} '{name}' {destroy} {view} {position}{data}{clients}",
              file=out)
        if already_printed or (stop_on_name and var.name is not None):
            continue
        last = len(node.inputs) - 1
        for i in range(last, -1, -1):
            grandchild_prefix = child_prefix + ("  " if i == last else " |")
            stack.append((node.inputs[i], child_prefix + " |", grandchild_prefix, depth_left - 1))


def _map_text(tag: str, op, attr: str) -> str:
    mapping = getattr(op, attr, None)
    return f"{tag}={mapping}" if mapping else ""


def debugprint(obj, depth: int = -1, print_type: bool = False, file=None, ids: str = "CHAR",
               stop_on_name: bool = False, done: dict | None = None, print_storage: bool = False,
               print_clients: bool = False, used_ids: dict | None = None, print_destroy_map: bool = False,
               print_view_map: bool = False):
    """Print a graph as an indented tree, one node a line.

    Each line shows an op (with ``.i`` for output ``i`` of a multi-output node), its id, the
    output's name in quotes and, for a compiled function, the node's position in the
    execution order; inputs are shown by name (or type), indented under the node with ``|``.
    A node seen before is shown again with its id only, not expanded.

    Parameters
    ----------
    obj
        A Variable, an Apply node, a compiled ``theano.function``, a FunctionGraph, an
        ``In``/``Out``, or a list/tuple of these.
    depth
        Print this many levels (-1: all).
    print_type
        Append each variable's type, e.g. ``<TensorType(float64, matrix)>``.
    file
        Where to write: None (stdout), ``'str'`` (return the text), or a file-like object
        (which is returned).
    ids
        How nodes are labelled: ``'CHAR'`` (``[id A]``), ``'int'`` (``[id 0]``), ``'id'``
        (Python ids) or ``''`` (no labels).
    stop_on_name
        Do not expand variables that have a name.
    done
        Nodes already printed (dict or set); filled in by this call.
    print_storage
        For a compiled function, show the value stored for each variable.
    print_clients
        For a compiled function or FunctionGraph, show the users of variables used more than once.
    used_ids
        The labels given so far (object to label); share it between calls to keep labels stable.
    print_destroy_map
        Show ``d={output: [input]}`` for ops that overwrite an input (inplace ops).
    print_view_map
        Show ``v={output: [input]}`` for ops whose output is a view of an input.

    Returns
    -------
    str or file or None
        The text when ``file='str'``, ``file`` when a file was given, None for stdout.
    """
    if isinstance(depth, bool) or not isinstance(depth, (int, np.integer)):
        raise TypeError(f"debugprint: depth must be an int, got {depth!r}")
    if file == "str":
        out = StringIO()
    elif file is None:
        out = sys.stdout
    else:
        out = file
    done = {} if done is None else done
    used_ids = {} if used_ids is None else used_ids
    labels = _IdMaker(ids, used_ids, done)
    objects = obj if isinstance(obj, (list, tuple, set)) else [obj]
    targets: list[_Target] = []
    for item in objects:
        targets.extend(_targets_of(item, print_storage, out))
    for target in targets:
        _debugprint_target(target, out, int(depth), labels, print_type, stop_on_name, print_clients,
                           print_destroy_map, print_view_map)
    if file == "str":
        return out.getvalue()
    if file is None:
        out.flush()
        return None
    return file


# ------------------------------------------------------------------------------------------
# pprint: math-like expressions
# ------------------------------------------------------------------------------------------

class PrinterState:
    """Attributes a printer passes down to the printers of its inputs (``precedence``, ...).

    Clones share the ``memo`` (variable to its text), so each variable is rendered once.
    """

    def __init__(self, props: PrinterState | dict | None = None, **more_props: Any):
        self.memo: dict[int, tuple[Variable, str]] = {}
        if isinstance(props, PrinterState):
            self.__dict__.update(props.__dict__)
        elif props:
            self.__dict__.update(props)
        self.__dict__.update(more_props)

    def clone(self, props: dict | None = None, **more_props: Any) -> PrinterState:
        return PrinterState(self, **dict(props or {}, **more_props))


class LeafPrinter:
    """A variable's own text: its name, or its ``str`` (type or constant value)."""

    def process(self, output: Variable, pstate: PrinterState) -> str:
        return output.name if output.name is not None else str(output)


class ConstantPrinter:
    """A constant as its bare value (``2.0`` rather than ``TensorConstant{2.0}``)."""

    def process(self, output: Variable, pstate: PrinterState) -> str:
        if not isinstance(output, Constant):
            raise TypeError(f"ConstantPrinter can only print constants, got {output}")
        return str(output.data)


def _owner_or_raise(output: Variable, what: str) -> Apply:
    if output.owner is None:
        raise TypeError(f"{what} cannot print {output}, which is not the result of an operation")
    return output.owner


class OperatorPrinter:
    """Infix (``a + b + c``) or prefix (``-a``) notation, always in parentheses.

    Parameters
    ----------
    operator
        The operator's text.
    precedence
        Its binding strength (higher binds tighter), passed to the inputs' printers.
    assoc
        ``'left'``, ``'right'`` or ``'either'``.
    """

    def __init__(self, operator: str, precedence: float, assoc: str = "left"):
        if assoc not in ("left", "right", "either"):
            raise ValueError(f"OperatorPrinter: assoc must be 'left', 'right' or 'either', got {assoc!r}")
        self.operator = operator
        self.precedence = precedence
        self.assoc = assoc

    def process(self, output: Variable, pstate: PrinterState) -> str:
        node = _owner_or_raise(output, f"operator {self.operator}")
        last = len(node.inputs) - 1
        parts = []
        for i, inp in enumerate(node.inputs):
            tighter = (self.assoc == "left" and i != 0) or (self.assoc == "right" and i != last)
            precedence = self.precedence + (1e-6 if tighter else 0)
            parts.append(pstate.pprinter.process(inp, pstate.clone(precedence=precedence)))
        if len(parts) == 1:
            text = self.operator + parts[0]
        else:
            text = f" {self.operator} ".join(parts)
        # Every operator expression is parenthesized, so the text never depends on its context.
        return f"({text})"


class PatternPrinter:
    """Fill a ``%``-pattern with the inputs' texts: ``PatternPrinter('%(0)s[%(1)s]')``.

    One pattern per output; a pattern may be a ``(pattern, precedence_of_input_0, ...)`` tuple.
    """

    def __init__(self, *patterns: str | tuple):
        self.patterns = []
        for pattern in patterns:
            if isinstance(pattern, str):
                self.patterns.append((pattern, ()))
            else:
                self.patterns.append((pattern[0], tuple(pattern[1:])))

    def process(self, output: Variable, pstate: PrinterState) -> str:
        node = _owner_or_raise(output, "PatternPrinter")
        pattern, precedences = self.patterns[node.outputs.index(output)]
        precedences = precedences + (1000,) * len(node.inputs)
        texts = {str(i): pstate.pprinter.process(inp, pstate.clone(precedence=prec))
                 for i, (inp, prec) in enumerate(zip(node.inputs, precedences))}
        return pattern % texts


class FunctionPrinter:
    """Function-call notation ``name(a, b)``; one name per output of the node."""

    def __init__(self, *names: str):
        self.names = names

    def process(self, output: Variable, pstate: PrinterState) -> str:
        node = _owner_or_raise(output, f"function {self.names}")
        name = self.names[node.outputs.index(output)]
        args = [pstate.pprinter.process(inp, pstate.clone(precedence=-1000)) for inp in node.inputs]
        return f"{name}({', '.join(args)})"


class MemberPrinter:
    """Attribute notation ``input.name`` (e.g. ``x.shape``); one name per output."""

    def __init__(self, *names: str):
        self.names = names

    def process(self, output: Variable, pstate: PrinterState) -> str:
        node = _owner_or_raise(output, f"member {self.names}")
        name = self.names[node.outputs.index(output)]
        inner = pstate.pprinter.process(node.inputs[0], pstate.clone(precedence=1000))
        return f"{inner}.{name}"


class IgnorePrinter:
    """Print a node as its first input (for ops that do not change the value, like copies)."""

    def process(self, output: Variable, pstate: PrinterState) -> str:
        node = _owner_or_raise(output, "IgnorePrinter")
        return pstate.pprinter.process(node.inputs[0], pstate)


class DefaultPrinter:
    """Any variable: a leaf as itself, a node as ``Op(args)`` (``Op.i(args)`` for output i of several)."""

    def process(self, output: Variable, pstate: PrinterState) -> str:
        node = output.owner
        if node is None:
            return LeafPrinter().process(output, pstate)
        args = [pstate.pprinter.process(inp, pstate.clone(precedence=-1000)) for inp in node.inputs]
        index = "" if len(node.outputs) == 1 else f".{node.outputs.index(output)}"
        return f"{node.op}{index}({', '.join(args)})"


class _ElemwiseFunctionPrinter:
    """An elementwise op without an operator, by its scalar op's name: ``exp(x)``."""

    def process(self, output: Variable, pstate: PrinterState) -> str:
        node = _owner_or_raise(output, "elementwise printer")
        scalar_op = getattr(node.op, "scalar_op", node.op)
        name = getattr(scalar_op, "name", None) or str(scalar_op)
        index = "" if len(node.outputs) == 1 else f".{node.outputs.index(output)}"
        args = [pstate.pprinter.process(inp, pstate.clone(precedence=-1000)) for inp in node.inputs]
        return f"{name}{index}({', '.join(args)})"


class DimShufflePrinter:
    """``x`` when only broadcastable axes are added in front, ``x.T`` for a full transpose,
    ``DimShuffle{order}(x)`` otherwise."""

    def process(self, output: Variable, pstate: PrinterState) -> str:
        node = _owner_or_raise(output, "DimShufflePrinter")
        order = list(node.op.new_order)
        inp = node.inputs[0]
        while order and order[0] == "x":
            order.pop(0)
        inner = pstate.pprinter.process(inp, pstate.clone(precedence=1000))
        ndim = inp.type.ndim
        if order == list(range(ndim)):
            return inner
        if order == list(reversed(range(ndim))):
            return f"{inner}.T"
        return f"DimShuffle{{{','.join(map(str, order))}}}({inner})"


class SubtensorPrinter:
    """NumPy indexing notation: ``x[1:3, 0]``, symbolic entries by their expressions."""

    def process(self, output: Variable, pstate: PrinterState) -> str:
        from theano.scalar.type import ScalarType

        node = _owner_or_raise(output, "SubtensorPrinter")
        symbolic = iter(node.inputs[1:])

        def text(entry) -> str:
            if isinstance(entry, ScalarType):
                return pstate.pprinter.process(next(symbolic), pstate.clone(precedence=-1000))
            return str(entry)

        parts = []
        for entry in node.op.idx_list:
            if not isinstance(entry, slice):
                parts.append(text(entry))
                continue
            start = "" if entry.start is None or (isinstance(entry.start, int) and entry.start == 0) \
                else text(entry.start)
            stop = "" if entry.stop is None or entry.stop == sys.maxsize else text(entry.stop)
            step = "" if entry.step is None else ":" + text(entry.step)
            parts.append(f"{start}:{stop}{step}")
        inner = pstate.pprinter.process(node.inputs[0], pstate.clone(precedence=1000))
        return f"{inner}[{', '.join(parts)}]"


def _resolve(module: str, name: str):
    """``module.name``, imported when first needed (tensor modules import after this one)."""
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None


def _elemwise_class():
    return _resolve("theano.tensor.elemwise", "Elemwise")


def _condition_for_op(condition) -> Callable[[PrinterState, Variable], bool]:
    """A predicate ``(pstate, r) -> bool`` for an Op instance, an Op class or a callable.

    A scalar op (instance or class) also matches elementwise ops built on it.
    """
    if isinstance(condition, Op):
        scalar_base = _resolve("theano.scalar.basic", "ScalarOp")
        is_scalar = scalar_base is not None and isinstance(condition, scalar_base)

        def matches_instance(pstate, r) -> bool:
            node = r.owner
            if node is None:
                return False
            if node.op == condition:
                return True
            return is_scalar and isinstance(node.op, _elemwise_class()) and node.op.scalar_op == condition

        return matches_instance
    if isinstance(condition, type):
        scalar_base = _resolve("theano.scalar.basic", "ScalarOp")
        is_scalar = scalar_base is not None and issubclass(condition, scalar_base)

        def matches_class(pstate, r) -> bool:
            node = r.owner
            if node is None:
                return False
            if isinstance(node.op, condition):
                return True
            return is_scalar and isinstance(node.op, _elemwise_class()) and isinstance(node.op.scalar_op, condition)

        return matches_class
    if callable(condition):
        return condition
    raise TypeError(f"pprint.assign expects an Op, an Op class or a predicate (pstate, r) -> bool, got {condition!r}")


class _LazyCondition:
    """Matches outputs of ``module.class_name`` (or elementwise ops on it), resolved on first use,
    so that this module can name tensor classes without importing theano.tensor."""

    def __init__(self, module: str, class_name: str):
        self.module = module
        self.class_name = class_name
        self._predicate = None

    def __call__(self, pstate, r) -> bool:
        if r.owner is None:
            return False
        if self._predicate is None:
            cls = _resolve(self.module, self.class_name)
            if cls is None:
                return False
            self._predicate = _condition_for_op(cls)
        return self._predicate(pstate, r)


def _postorder(root: Variable, memo: dict) -> list[Variable]:
    """The not-yet-printed ancestors of ``root``, each after its inputs (iterative)."""
    order: list[Variable] = []
    seen: set[int] = set()
    stack: list[tuple[Variable, bool]] = [(root, False)]
    while stack:
        var, expanded = stack.pop()
        if expanded:
            order.append(var)
            continue
        if id(var) in seen or id(var) in memo:
            continue
        seen.add(id(var))
        stack.append((var, True))
        if var.owner is not None:
            for inp in reversed(var.owner.inputs):
                if id(inp) not in seen and id(inp) not in memo:
                    stack.append((inp, False))
    return order


class PPrinter:
    """The pretty printer: a list of ``(condition, printer)``; the first match prints a variable.

    ``assign`` puts a new pair in front, so later assignments win.
    """

    def __init__(self):
        self.printers: list[tuple[Callable, Any]] = []

    def assign(self, condition, printer) -> None:
        """Print the variables that ``condition`` matches with ``printer``.

        ``condition`` is an Op (matching nodes of an equal op; a scalar op also matches the
        elementwise ops built on it), an Op class (matching its instances), or a predicate
        ``(pstate, variable) -> bool``. ``printer`` has a method ``process(variable, pstate)``.
        """
        self.printers.insert(0, (_condition_for_op(condition), printer))

    def clone(self) -> PPrinter:
        copy = PPrinter()
        copy.printers = list(self.printers)
        return copy

    def clone_assign(self, condition, printer) -> PPrinter:
        copy = self.clone()
        copy.assign(condition, printer)
        return copy

    def _state(self, pstate) -> PrinterState:
        if pstate is None:
            return PrinterState(pprinter=self)
        if isinstance(pstate, dict):
            return PrinterState(pstate, pprinter=self)
        if getattr(pstate, "pprinter", None) is None:
            pstate.pprinter = self
        return pstate

    def _dispatch(self, r: Variable, pstate: PrinterState) -> str:
        for condition, printer in self.printers:
            if condition(pstate, r):
                return printer.process(r, pstate)
        raise TypeError(f"pprint: no printer for {r}")

    def process(self, r: Variable, pstate: PrinterState | dict | None = None) -> str:
        """The text of ``r``.

        The ancestors of ``r`` are rendered first, inputs before users, so a printer asking
        for an input's text finds it memoized: deep graphs never recurse deeply.
        """
        if not isinstance(r, Variable):
            raise TypeError(f"pprint expects a Variable, got {type(r).__name__}: {r!r}")
        pstate = self._state(pstate)
        memo = pstate.memo
        if id(r) in memo:
            return memo[id(r)][1]
        for var in _postorder(r, memo):
            if id(var) in memo:
                continue
            if var is r:
                memo[id(var)] = (var, self._dispatch(var, pstate))
                continue
            try:
                memo[id(var)] = (var, self._dispatch(var, pstate))
            except Exception:
                # An ancestor the result may not need (a printer may not descend into it):
                # left to be rendered on demand, where its error, if any, will surface.
                continue
        return memo[id(r)][1]

    def process_graph(self, inputs: Sequence[Variable], outputs: Sequence[Variable], updates: dict | None = None,
                      display_inputs: bool = False) -> str:
        """A small program: one line per named intermediate, update and output.

        Named variables other than the one being defined are shown by name. A graph with a single
        output ends with ``return expr``; several give ``name = expr`` (``out[i]`` when unnamed).
        """
        if not isinstance(inputs, (list, tuple)):
            inputs = [inputs]
        if not isinstance(outputs, (list, tuple)):
            outputs = [outputs]
        updates = dict(updates or {})
        printer = self.clone_assign(_named_and_not_target, LeafPrinter())
        lines: list[tuple[float, str]] = []
        if display_inputs:
            names = ", ".join(str(v) for v in list(inputs) + list(updates))
            lines.append((0, f"inputs: {names}"))
        inverse_updates = {id(new): old for old, new in updates.items()}
        output_index = {id(out): i for i, out in enumerate(outputs)}
        count = 1
        for node in io_toposort(list(inputs) + list(updates), list(outputs) + list(updates.values())):
            for var in node.outputs:
                if id(var) in inverse_updates:
                    text = printer.process(var, PrinterState(pprinter=printer, target=var))
                    lines.append((count + 1000, f"{inverse_updates[id(var)]} <- {text}"))
                    count += 1
                if var.name is None and id(var) not in output_index:
                    continue
                text = printer.process(var, PrinterState(pprinter=printer, target=var))
                if id(var) in output_index:
                    key = 2000 + output_index[id(var)]
                else:
                    key = count
                if len(outputs) == 1 and outputs[0] is var:
                    lines.append((key, f"return {text}"))
                else:
                    name = var.name if var.name is not None else f"out[{output_index[id(var)]}]"
                    lines.append((key, f"{name} = {text}"))
                count += 1
        for i, out in enumerate(outputs):  # outputs that are inputs or constants
            if out.owner is None:
                text = LeafPrinter().process(out, PrinterState())
                lines.append((2000 + i, f"return {text}" if len(outputs) == 1 else f"out[{i}] = {text}"))
        lines.sort(key=itemgetter(0))
        return "\n".join(text for _, text in lines)

    def __call__(self, *args):
        """``pprint(var)``, ``pprint(var, pstate)`` or ``pprint(inputs, outputs[, updates])``."""
        if len(args) == 1:
            return self.process(args[0])
        if len(args) == 2 and isinstance(args[1], (PrinterState, dict)):
            return self.process(args[0], args[1])
        if len(args) >= 2:
            return self.process_graph(*args)
        raise TypeError("pprint needs a variable, or inputs and outputs")


def _named_and_not_target(pstate: PrinterState, r: Variable) -> bool:
    target = getattr(pstate, "target", None)
    return target is not None and target is not r and r.name is not None


def _leaf(pstate: PrinterState, r: Variable) -> bool:
    return r.owner is None


def _any_variable(pstate: PrinterState, r: Variable) -> bool:
    return True


special = {"middle_dot": "\u00b7", "big_sigma": "\u03a3"}

# Operators by scalar op class: (class name, operator text, precedence, associativity).
_OPERATORS = (
    ("Add", "+", -2, "either"),
    ("Sub", "-", -2, "left"),
    ("Mul", "*", -1, "either"),
    ("TrueDiv", "/", -1, "left"),
    ("IntDiv", "//", -1, "left"),
    ("Mod", "%", -1, "left"),
    ("Pow", "**", 1, "right"),
    ("Neg", "-", 0, "either"),
    ("LT", "<", -3, "left"),
    ("GT", ">", -3, "left"),
    ("LE", "<=", -3, "left"),
    ("GE", ">=", -3, "left"),
    ("EQ", "==", -3, "left"),
    ("NEQ", "!=", -3, "left"),
    ("AND", "&", -4, "either"),
    ("XOR", "^", -5, "either"),
    ("OR", "|", -6, "either"),
    ("Invert", "~", 0, "either"),
)


def _default_pprinter() -> PPrinter:
    printer = PPrinter()
    # Lowest priority first: assign puts each new pair in front.
    printer.assign(_any_variable, DefaultPrinter())
    printer.assign(_leaf, LeafPrinter())
    printer.assign(_LazyCondition("theano.tensor.elemwise", "Elemwise"), _ElemwiseFunctionPrinter())
    printer.assign(_LazyCondition("theano.scalar.basic", "ScalarOp"), _ElemwiseFunctionPrinter())
    for class_name, operator, precedence, assoc in _OPERATORS:
        printer.assign(_LazyCondition("theano.scalar.basic", class_name), OperatorPrinter(operator, precedence, assoc))
    printer.assign(_LazyCondition("theano.tensor.elemwise", "DimShuffle"), DimShufflePrinter())
    printer.assign(_LazyCondition("theano.tensor.subtensor", "Subtensor"), SubtensorPrinter())
    printer.assign(_LazyCondition("theano.tensor.shape", "Shape"), MemberPrinter("shape"))
    printer.assign(_LazyCondition("theano.tensor.products", "Dot"), OperatorPrinter(special["middle_dot"], -1, "left"))
    # Copies and scalar/tensor conversions do not change the value shown.
    for module, class_name in (("theano.compile.ops", "DeepCopyOp"), ("theano.tensor.basic", "ScalarFromTensor"),
                               ("theano.tensor.basic", "TensorFromScalar")):
        printer.assign(_LazyCondition(module, class_name), IgnorePrinter())
    return printer


pprint = _default_pprinter()
pp = pprint


# ------------------------------------------------------------------------------------------
# The Print op
# ------------------------------------------------------------------------------------------

def _print_fn(op: Print, xin) -> None:
    """What Print does by default: ``print(message, attr, '=', value)`` for each attribute."""
    for attr in op.attrs:
        value = getattr(xin, attr)
        if callable(value):
            value = value()
        print(op.message, attr, "=", value)


class Print(Op):
    """An identity op that prints its input's value each time it is computed.

    ``Print('x')(x)`` returns a variable equal to ``x``; computing it prints
    ``x __str__ = [1. 2.]``. ``attrs`` names the attributes (or methods) of the value to
    print, e.g. ``('shape', 'min')``; ``global_fn(op, value)`` does the printing.

    Parameters
    ----------
    message
        The text printed first.
    attrs
        Attribute or method names of the value to print.
    global_fn
        Called as ``global_fn(op, value)``; the default prints each attribute on a line.
    """

    __props__ = ("message", "attrs", "global_fn")
    view_map = {0: [0]}

    def __init__(self, message: str = "", attrs: Sequence[str] = ("__str__",),
                 global_fn: Callable[[Print, Any], None] = _print_fn):
        if isinstance(attrs, str):
            attrs = (attrs,)
        self.message = message
        self.attrs = tuple(attrs)
        self.global_fn = global_fn

    def make_node(self, xin) -> Apply:
        if not isinstance(xin, Variable):
            from theano.tensor.basic import as_tensor_variable

            xin = as_tensor_variable(xin)
        return Apply(self, [xin], [xin.type()])

    def perform(self, node, inputs, output_storage, params=None) -> None:
        (xin,) = inputs
        output_storage[0][0] = xin
        self.global_fn(self, xin)

    def infer_shape(self, node, input_shapes):
        return [input_shapes[0]]

    def do_constant_folding(self, node) -> bool:
        return False

    def __setstate__(self, state: dict) -> None:
        state.setdefault("global_fn", _print_fn)
        self.__dict__.update(state)

    def __str__(self) -> str:
        extra = "" if self.global_fn is _print_fn else f", global_fn={getattr(self.global_fn, '__name__', '?')}"
        return f"Print{{message={self.message!r}, attrs={self.attrs!r}{extra}}}"


# ------------------------------------------------------------------------------------------
# Short and position-independent descriptions
# ------------------------------------------------------------------------------------------

class _TagGenerator:
    """Hands out ``A``, ``B``, ..., ``Z``, ``BA``, ... in order."""

    def __init__(self):
        self.count = 0

    def get_tag(self) -> str:
        tag = char_from_number(self.count)
        self.count += 1
        return tag


def min_informative_str(obj, indent_level: int = 0, _prev_obs: dict | None = None,
                        _tag_generator: _TagGenerator | None = None) -> str:
    """A compact multi-line description of a graph.

    Each object gets a letter tag (``A. ...``); named variables are shown by name and not
    expanded; an object seen before is shown as ``<tag>``.
    """
    prev = {} if _prev_obs is None else _prev_obs
    tags = _TagGenerator() if _tag_generator is None else _tag_generator
    lines = []
    stack = [(obj, indent_level)]
    while stack:
        item, level = stack.pop()
        indent = " " * level
        if id(item) in prev:
            lines.append(f"{indent}<{prev[id(item)]}>")
            continue
        tag = tags.get_tag()
        prev[id(item)] = tag
        if isinstance(item, np.ndarray):
            text = "<ndarray>"
        elif getattr(item, "name", None) is not None:
            text = item.name
        elif getattr(item, "owner", None) is not None:
            text = str(item.owner.op)
            for inp in reversed(item.owner.inputs):
                stack.append((inp, level + 1))
        else:
            text = str(item)
        lines.append(f"{indent}{tag}. {text}")
    return "\n".join(lines)


def hex_digest(x: np.ndarray) -> str:
    """An md5 hex digest of an array's dtype, shape, strides and contents."""
    x = np.asarray(x)
    digest = hashlib.md5(np.ascontiguousarray(x).tobytes())
    digest.update(f"{x.dtype.str}{x.shape}{x.strides}".encode())
    return digest.hexdigest()


def _leaf_descriptor(item) -> str:
    if isinstance(item, np.ndarray):
        strides = ",".join(str(s) for s in item.strides)
        return f"<ndarray:strides=[{strides}],digest={hex_digest(item)}>"
    if isinstance(item, Constant):
        data = np.asarray(item.data)
        return f"{item.type}{{digest={hex_digest(data)}}}"
    if getattr(item, "name", None) is not None:
        return item.name
    text = str(item)
    if " at 0x" in text:
        text = type(item).__name__
    return text


def var_descriptor(obj, _prev_obs: dict | None = None, _tag_generator: _TagGenerator | None = None) -> str:
    """A one-line description of how ``obj`` is computed that does not depend on object ids.

    Two graphs computing the same thing from equally named inputs get the same text:
    ``A=add(B=x,C=y)``; an object seen before is written ``<tag>``. Names of intermediate
    variables are ignored; constants are described by their type and a digest of their data.
    """
    prev = {} if _prev_obs is None else _prev_obs
    tags = _TagGenerator() if _tag_generator is None else _tag_generator
    results: list[list[str]] = [[]]  # texts of finished children, one list per open node
    # Entries: ("enter", obj) or ("exit", obj, tag).
    stack: list[tuple] = [("enter", obj)]
    while stack:
        entry = stack.pop()
        if entry[0] == "exit":
            _, item, tag = entry
            args = results.pop()
            results[-1].append(f"{tag}={item.owner.op}({','.join(args)})")
            continue
        item = entry[1]
        if id(item) in prev:
            results[-1].append(f"<{prev[id(item)]}>")
            continue
        tag = tags.get_tag()
        prev[id(item)] = tag
        if getattr(item, "owner", None) is not None and not isinstance(item, np.ndarray):
            results.append([])
            stack.append(("exit", item, tag))
            for inp in reversed(item.owner.inputs):
                stack.append(("enter", inp))
        else:
            results[-1].append(f"{tag}={_leaf_descriptor(item)}")
    return results[0][0]


# ------------------------------------------------------------------------------------------
# Pictures of graphs
# ------------------------------------------------------------------------------------------

# pydotprint lives in theano.graph_pictures (pydot is an optional extra: theano[graphviz])
from theano.graph_pictures import pydot_imported, pydot_imported_msg, pydotprint  # noqa: E402,F401
