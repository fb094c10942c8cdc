"""Pictures of graphs with graphviz: :func:`pydotprint` (also ``theano.printing.pydotprint``).

Ops are boxes, coloured by kind; variables are ellipses (inputs green, shared variables blue,
constants grey, outputs in bold blue) labelled with their type and what is known of their shape
(``?`` for a length known only at run time; the real shape for constants and shared
variables). Edges name the input position. A fused ``Composite`` op shows its scalar expression,
and an ``OpFromGraph`` or ``Scan`` node can be drawn into a picture of its own
(``scan_graphs=True``). It needs the optional ``pydot`` package (``pip install theano[graphviz]``)
and, for any format but ``dot``/``raw``, graphviz's ``dot`` program.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from theano.graph.basic import Apply, Constant, Variable, graph_inputs, io_toposort

try:
    import pydot as _pydot

    pydot_imported = True
    pydot_imported_msg = ""
except ImportError:  # an optional extra
    _pydot = None
    pydot_imported = False
    pydot_imported_msg = "pydot is not installed"

__all__ = ["pydotprint", "pydot_imported"]

MISSING_PYDOT = ("pydotprint draws graphs with graphviz through the pydot package, which is not installed ({why}). "
                 "Install it with `pip install pydot` (or `pip install theano[graphviz]`), and graphviz's `dot` "
                 "program with your system's package manager (`apt-get install graphviz`, `brew install graphviz`); "
                 "theano.printing.debugprint prints the same graph as text.")
MISSING_DOT = ("pydotprint could not run graphviz's `dot` program to write a {format} file ({why}). Install graphviz "
               "(`apt-get install graphviz`, `brew install graphviz`), or ask for format='dot' to get the graph's "
               "source without it.")

DEFAULT_COLORS = {
    "GpuFromHost": "red", "HostFromGpu": "red", "Scan": "yellow", "Shape": "brown", "Shape_i": "brown",
    "IfElse": "magenta", "Elemwise": "#FFAABB", "Subtensor": "#FFAAFF", "Alloc": "#FFAA22",
    "OpFromGraph": "#CCCCFF", "Output": "blue",
}
INPUT_COLOR, SHARED_COLOR, CONSTANT_COLOR, OUTPUT_COLOR = "limegreen", "dodgerblue", "lightgrey", "blue"
TRUE_BRANCH_COLOR, FALSE_BRANCH_COLOR, CONDITION_COLOR = "lightblue", "salmon", "gold"


def _require_pydot():
    if _pydot is None or not pydot_imported:
        raise ImportError(MISSING_PYDOT.format(why=pydot_imported_msg or "pydot is not installed"))
    return _pydot


def _graph_of(fct) -> tuple[list[Variable], list[Variable], list[Apply], dict]:
    """Inputs, outputs, nodes in order and updated shared variables of what is drawn."""
    from theano.compile.function_module import Function

    if isinstance(fct, Function):
        maker = fct.maker
        fgraph = maker.fgraph
        # the update expressions are the last outputs, in the order of the inputs they update
        n_updates = len(maker.all_outputs) - len(maker.outputs)
        updated = [i for i, inp in enumerate(maker.inputs) if getattr(inp, "update", None) is not None]
        update_outs = fgraph.outputs[len(fgraph.outputs) - n_updates:] if n_updates else []
        updates = dict(zip(update_outs, [fgraph.inputs[i] for i in updated]))
        return list(fgraph.inputs), list(fgraph.outputs), fgraph.toposort(), updates
    if hasattr(fct, "inputs") and hasattr(fct, "outputs") and hasattr(fct, "toposort"):  # a FunctionGraph
        return list(fct.inputs), list(fct.outputs), fct.toposort(), {}
    if isinstance(fct, Apply):
        outputs = list(fct.outputs)
    elif isinstance(fct, Variable):
        outputs = [fct]
    elif isinstance(fct, (list, tuple)) and all(isinstance(v, Variable) for v in fct):
        outputs = list(fct)
    else:
        raise TypeError(f"pydotprint draws a theano Function, a FunctionGraph, an Apply node or variables; got "
                        f"{type(fct).__name__}")
    inputs = [v for v in graph_inputs(outputs) if not isinstance(v, Constant)]
    return inputs, outputs, io_toposort(inputs, outputs), {}


def _shape_text(var: Variable) -> str:
    value = None
    if isinstance(var, Constant):
        value = var.data
    elif hasattr(var, "get_value"):
        try:
            value = var.get_value(borrow=True)
        except TypeError:
            value = var.get_value()
    shape = getattr(value, "shape", None)
    if shape is not None:
        return str(tuple(shape))
    bcast = getattr(var.type, "broadcastable", None)
    if bcast is None:
        return ""
    return "(" + ", ".join("1" if b else "?" for b in bcast) + ("," if len(bcast) == 1 else "") + ")"


def _type_text(var: Variable) -> str:
    dtype = getattr(var.type, "dtype", None)
    shape = _shape_text(var)
    if dtype is None:
        return str(var.type)
    return f"{dtype} {shape}".strip()


def _clip(text: str, size: int) -> str:
    return text if len(text) <= size else text[:max(size - 3, 1)] + "..."


def _op_kind(op: Any) -> str:
    from theano.compile.builders import OpFromGraph

    if isinstance(op, OpFromGraph):
        return "OpFromGraph"
    return type(op).__name__


def _composite_expression(op: Any) -> str | None:
    """The scalar expression of a fused elementwise op, or None."""
    scalar_op = getattr(op, "scalar_op", None)
    if scalar_op is not None and type(scalar_op).__name__ == "Composite":
        return str(scalar_op)
    return None


def _branch_colors(nodes: Sequence[Apply]) -> dict[Apply, str]:
    """Colours for ``cond_highlight``: nodes feeding only the then / else branch of an IfElse."""
    from theano.graph.basic import ancestors

    colors: dict[Apply, str] = {}
    for node in nodes:
        if type(node.op).__name__ != "IfElse":
            continue
        n_out = len(node.outputs)
        cond, then_vars, else_vars = node.inputs[0], node.inputs[1:1 + n_out], node.inputs[1 + n_out:]
        then_nodes = {v.owner for v in ancestors(then_vars) if v.owner is not None}
        else_nodes = {v.owner for v in ancestors(else_vars) if v.owner is not None}
        cond_nodes = {v.owner for v in ancestors([cond]) if v.owner is not None}
        for n in then_nodes - else_nodes - cond_nodes:
            colors[n] = TRUE_BRANCH_COLOR
        for n in else_nodes - then_nodes - cond_nodes:
            colors[n] = FALSE_BRANCH_COLOR
        for n in cond_nodes:
            colors.setdefault(n, CONDITION_COLOR)
    return colors


def _inner_graph(op: Any) -> tuple[list, list] | None:
    inputs = getattr(op, "local_inputs", None) or getattr(op, "inner_inputs", None)
    outputs = getattr(op, "local_outputs", None) or getattr(op, "inner_outputs", None)
    if inputs is None or outputs is None:
        return None
    return list(inputs), list(outputs)


def pydotprint(fct, outfile: str | None = None, compact: bool = True, format: str = "png", with_ids: bool = False,
               high_contrast: bool = True, cond_highlight=None, colorCodes: dict | None = None,
               max_label_size: int = 70, scan_graphs: bool = False, var_with_name_simple: bool = False,
               print_output_file: bool = True, return_image: bool = False):
    """Draw a graph with graphviz (Theano 1.0's ``theano.printing.pydotprint``).

    Parameters
    ----------
    fct : Function, FunctionGraph, Apply, Variable or list of Variable
        What to draw: a compiled function shows its rewritten graph.
    outfile : str, optional
        Where to write; default ``<compiledir>/theano.pydotprint.cpu.<format>``.
    compact : bool
        Leave out unnamed intermediate variables (their type goes on the edge instead).
    format : str
        A graphviz output format: 'png', 'svg', 'pdf', ...; 'dot' (or 'raw') writes the graph's
        source and needs no graphviz program.
    with_ids : bool
        Prefix each label with a number identifying the node.
    high_contrast : bool
        Fill the boxes with their colour (else colour only their border).
    cond_highlight : bool, optional
        Colour the nodes feeding only the then (light blue) or else (salmon) branch of an IfElse,
        and those computing the condition (gold).
    colorCodes : dict, optional
        Op class name -> colour, replacing the defaults.
    max_label_size : int
        Labels longer than this are cut (a fused op's expression is shown on its own lines).
    scan_graphs : bool
        Also draw the inner graph of each Scan and OpFromGraph node, into ``<outfile>_<name>_<k>.<format>``.
    var_with_name_simple : bool
        Label named variables with their name only.
    print_output_file : bool
        Print where the picture was written.
    return_image : bool
        Return the picture's bytes instead of writing a file.

    Returns
    -------
    bytes or None
        The picture when ``return_image``.

    Raises
    ------
    ImportError
        When pydot is not installed, or graphviz's ``dot`` program is missing for ``format``.
    """
    pydot = _require_pydot()
    import theano

    colors = dict(DEFAULT_COLORS)
    if colorCodes is not None:
        colors = dict(colorCodes)
    inputs, outputs, nodes, updates = _graph_of(fct)
    graph = pydot.Dot("theano_graph", graph_type="digraph", rankdir="TB")
    names: dict[Any, str] = {}
    counter = [0]

    def node_name(obj) -> str:
        key = id(obj)
        if key not in names:
            names[key] = f"n{len(names)}"
        return names[key]

    def ident(text: str) -> str:
        if not with_ids:
            return text
        counter[0] += 1
        return f"{counter[0]} {text}"

    highlight = _branch_colors(nodes) if cond_highlight else {}
    input_set, output_set = set(inputs), set(outputs)
    drawn_vars: set = set()

    def var_label(var: Variable) -> str:
        if var.name and var_with_name_simple:
            return var.name
        text = _type_text(var)
        if isinstance(var, Constant):
            data = str(var.data)
            text = f"val={_clip(data, 20)} {text}"
        if var.name:
            text = f"{var.name} {text}"
        return _clip(text, max_label_size)

    def draw_var(var: Variable) -> None:
        if var in drawn_vars:
            return
        drawn_vars.add(var)
        style, color, fontcolor = "filled", None, "black"
        if hasattr(var, "get_value") and var in input_set:
            color = SHARED_COLOR
        elif isinstance(var, Constant):
            color = CONSTANT_COLOR
        elif var in input_set:
            color = INPUT_COLOR
        elif var in output_set:
            color, fontcolor = OUTPUT_COLOR, "white"
        attrs = {"label": ident(var_label(var)), "shape": "ellipse"}
        if color is not None:
            if high_contrast:
                attrs.update(style=style, fillcolor=color, fontcolor=fontcolor)
            else:
                attrs.update(color=color)
        if var in output_set:
            attrs["penwidth"] = "2"
        graph.add_node(pydot.Node(node_name(var), **attrs))

    def visible(var: Variable) -> bool:
        return (not compact or var.owner is None or var.name is not None or var in output_set
                or isinstance(var, Constant))

    for var in inputs:
        draw_var(var)
    for k, node in enumerate(nodes):
        op_text = str(node.op)
        expression = _composite_expression(node.op)
        label = _clip(op_text, max_label_size)
        if expression is not None:
            label = _clip(f"Elemwise{{{type(node.op.scalar_op).__name__}}}", max_label_size) + "\\n" + \
                "\\n".join(expression[i:i + max_label_size] for i in range(0, len(expression), max_label_size))
        kind = _op_kind(node.op)
        color = highlight.get(node) or colors.get(kind)
        attrs = {"label": ident(label), "shape": "box", "tooltip": op_text}
        if color is not None:
            if high_contrast:
                attrs.update(style="filled", fillcolor=color)
            else:
                attrs.update(color=color, penwidth="2")
        graph.add_node(pydot.Node(node_name(node), **attrs))
        for i, inp in enumerate(node.inputs):
            edge_label = str(i) if len(node.inputs) > 1 else ""
            if visible(inp):
                draw_var(inp)
                source = node_name(inp)
            else:
                source = node_name(inp.owner)
                edge_label = (edge_label + " " + _type_text(inp)).strip()
            edge_attrs = {"label": edge_label} if edge_label else {}
            if inp in updates.values() and hasattr(inp, "get_value"):
                edge_attrs["style"] = "dashed"
            graph.add_edge(pydot.Edge(source, node_name(node), **edge_attrs))
        for out in node.outputs:
            if visible(out) and (not compact or out in output_set or out.name):
                draw_var(out)
                graph.add_edge(pydot.Edge(node_name(node), node_name(out)))
        if scan_graphs and _inner_graph(node.op) is not None and not return_image:
            inner_in, inner_out = _inner_graph(node.op)
            base = outfile or _default_outfile(theano, format)
            stem, ext = os.path.splitext(base)
            pydotprint(list(inner_out), outfile=f"{stem}_{_op_kind(node.op)}_{k}{ext}", compact=compact,
                       format=format, with_ids=with_ids, high_contrast=high_contrast, colorCodes=colorCodes,
                       max_label_size=max_label_size, scan_graphs=True, var_with_name_simple=var_with_name_simple,
                       print_output_file=print_output_file)
    for out, shared in updates.items():  # an update writes a shared variable back
        draw_var(out)
        draw_var(shared)
        graph.add_edge(pydot.Edge(node_name(out), node_name(shared), label="update", style="dashed",
                                  constraint="false"))
    return _emit(graph, outfile, format, return_image, print_output_file, theano)


def _default_outfile(theano, format: str) -> str:
    return os.path.join(theano.config.compiledir, f"theano.pydotprint.cpu.{format}")


def _emit(graph, outfile: str | None, format: str, return_image: bool, print_output_file: bool, theano):
    raw = format in ("dot", "raw")
    if return_image:
        if raw:
            return graph.to_string().encode()
        try:
            return graph.create(format=format)
        except (FileNotFoundError, OSError, AssertionError) as exc:
            raise ImportError(MISSING_DOT.format(format=format, why=exc)) from None
    if outfile is None:
        outfile = _default_outfile(theano, format)
        os.makedirs(os.path.dirname(outfile), exist_ok=True)
    if raw:
        with open(outfile, "w") as handle:
            handle.write(graph.to_string())
    else:
        try:
            graph.write(outfile, format=format)
        except (FileNotFoundError, OSError, AssertionError) as exc:
            raise ImportError(MISSING_DOT.format(format=format, why=exc)) from None
    if print_output_file:
        print("The output file is available at", outfile)
    return None
