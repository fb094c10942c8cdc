"""Helpers for tests of kernels: run one node through its C kernel."""

from __future__ import annotations

from collections.abc import Sequence

from theano.graph.basic import Apply
from theano.graph.fg import FunctionGraph
from theano.link.c.kernels import compile_kernels, kernel_for
from theano.link.c.linker import build_cvm


def run_node(node: Apply, inputs: Sequence, check_kernel: bool = True) -> list:
    """The outputs of ``node`` computed by its C kernel on ``inputs`` (NumPy values).

    Raises
    ------
    ValueError
        When the node has no kernel (``check_kernel``), so a test cannot silently run Python.
    """
    kernel = kernel_for(node)
    if kernel is None and check_kernel:
        raise ValueError(f"{node.op} has no C kernel for types {[str(v.type) for v in node.inputs]}")
    if kernel is not None:
        compile_kernels([kernel])
    fgraph = FunctionGraph(list(node.inputs), list(node.outputs), clone=True)
    cells = [[value] for value in inputs]
    cvm, output_cells = build_cvm(fgraph, cells, allow_gc=False)
    if check_kernel and not all(cvm.c_nodes):
        raise ValueError(f"{node.op} did not run as a kernel")
    cvm()
    return [cell[0] for cell in output_cells]
