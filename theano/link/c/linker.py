"""The C linker: turns a rewritten FunctionGraph into a runtime :class:`Program`.

Every node whose op has a kernel (:func:`theano.link.c.kernels.kernel_for`) runs as generated C;
the others run their Python ``perform`` as a thunk called by the runtime between the kernels.
Kernels not yet compiled are compiled in parallel, one gcc per kernel, through the
content-addressed cache, so the same op on the same types compiles once per machine.

Storage is the same as the Python VM's: one cell (a list of one element) per variable, shared
with the :class:`~theano.compile.function_module.Function`. Values left in the cells of
intermediate results (``allow_gc=False``) and of outputs the caller dropped are reused as the
next call's buffers when nothing else holds them and the shapes agree.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence

from theano.configdefaults import config
from theano.graph.basic import Apply
from theano.link.c import compiler
from theano.link.c.kernels import compile_kernels, kernel_for
from theano.link.c.runtime import loaded_runtime_module, prefetch_runtime_module
from theano.link.c.types import TYPENUMS
from theano.link.lazy import has_lazy_nodes, skip_conditions
from theano.link.utils import gc_plan, map_storage, raise_with_op
from theano.link.vm import VM
from theano.link.vm import Step as PyStep
from theano.tensor.type import TensorType

__all__ = ["CVM", "build_cvm", "c_backend_available", "warn_no_compiler"]

C_LINKERS = frozenset({"cvm", "c", "c|py", "cvm_nogc", "c|py_nogc"})
_warned_no_compiler = False


def warn_no_compiler() -> None:
    """Say once per process that functions run on the Python backend for want of a compiler."""
    global _warned_no_compiler
    if not _warned_no_compiler:
        _warned_no_compiler = True
        warnings.warn(f"theano: no C compiler (config.cxx={config.cxx!r}); compiled functions run on the "
                      "slower Python backend. Install gcc or set THEANO_FLAGS=cxx=<compiler> to use the "
                      "C backend.", RuntimeWarning, stacklevel=4)


def openmp_threads() -> int:
    """Threads an OpenMP loop may use: ``OMP_NUM_THREADS`` if set, else the CPUs available."""
    value = os.environ.get("OMP_NUM_THREADS", "")
    try:
        return max(1, int(value.split(",")[0]))
    except ValueError:
        return compiler.parallel_jobs()


def c_backend_available() -> bool:
    """Whether a C compiler is configured and found (else everything runs on the Python VM)."""
    return compiler.have_compiler()


class _Thunk:
    """A node run by its Python ``perform``, called by the runtime between kernels."""

    __slots__ = ("vm", "step")

    def __init__(self, vm: VM, step: PyStep):
        self.vm = vm
        self.step = step

    def __call__(self) -> None:
        self.vm._run_step(self.step)


class CVM:
    """A compiled function's program: callable with no arguments (runs on the storage cells).

    Attributes
    ----------
    program : theano_runtime.Program
        The C object; ``program.call(*args)`` is the whole call path.
    nodes : list of Apply
        The node of each step, in order.
    c_nodes : list of bool
        Whether each step is a kernel (True) or a Python thunk.
    """

    def __init__(self, fgraph, order: Sequence[Apply], storage_map: dict, cells: list, program, c_nodes: list[bool]):
        self.fgraph = fgraph
        self.order = list(order)
        self.nodes = self.order
        self.storage_map = storage_map
        self.cells = cells
        self.program = program
        self.c_nodes = c_nodes
        self._cell_index = {id(cell): k for k, cell in enumerate(cells)}

    def __call__(self) -> None:
        try:
            self.program.run()
        except Exception as exc:
            self.reraise(exc)

    def reraise(self, exc: BaseException):
        """Re-raise an exception from the program with the failing node's report (kernels only:
        Python thunks report their node themselves)."""
        k = self.program.failed_step
        if k < 0 or not self.c_nodes[k]:
            raise exc
        node = self.order[k]
        values = [self.storage_map[v][0] for v in node.inputs]
        raise_with_op(node, exc, values, self.fgraph)

    def cell_index(self, cell: list) -> int:
        return self._cell_index[id(cell)]

    def step_times(self) -> dict:
        """Seconds spent in each node since the last reset (when ``program.profiling`` is on)."""
        return {node: seconds for node, (seconds, _) in zip(self.order, self.program.step_profile())}


def _typenum(var) -> int:
    if isinstance(var.type, TensorType) and var.type.dtype in TYPENUMS:
        return TYPENUMS[var.type.dtype]
    return -1


def build_cvm(fgraph, input_storage: list, allow_gc: bool = True) -> tuple[CVM, list]:
    """A CVM for ``fgraph`` reading its inputs from ``input_storage``; also its output cells.

    Raises
    ------
    MissingCompilerError
        When no C compiler is configured (callers fall back to the Python VM).
    """
    compiler.compiler_path()
    # the first function of a process loads the runtime module (and on a new machine compiles
    # it, ~0.7 s of gcc): FunctionMaker started that before its rewrites; it goes on while the
    # kernels compile
    prefetch_runtime_module()
    order = fgraph.toposort()
    _, output_storage, storage_map = map_storage(fgraph, order, input_storage)
    # Python steps share the VM's machinery (perform, output coercion, error reports); ops learn
    # from prepare_node(..., impl="c") that the C runtime runs them (scan picks its inner backend)
    guards = skip_conditions(fgraph, order) if has_lazy_nodes(order) else [()] * len(order)
    py_vm = VM(fgraph, order, storage_map, allow_gc=False, impl="c", guards=guards)
    kernels = [kernel_for(node) for node in order]
    # a kernel that fails to build gets the address 0 (and a warning): its node runs in Python
    addresses = iter(compile_kernels([k for k in kernels if k is not None]))
    runtime = loaded_runtime_module()
    cells: list = []
    index: dict[int, int] = {}

    def cell_of(var) -> int:
        cell = storage_map[var]
        found = index.get(id(cell))
        if found is None:
            found = index[id(cell)] = len(cells)
            cells.append(cell)
        return found

    for var in fgraph.inputs:
        cell_of(var)
    plan = gc_plan(fgraph, order, storage_map) if allow_gc else [[] for _ in order]
    outputs = {id(storage_map[v]) for v in fgraph.outputs}
    steps = []
    c_nodes = []
    for node, kernel, py_step, dead, guard in zip(order, kernels, py_vm.steps, plan, guards):
        address = next(addresses) if kernel is not None else 0
        ins = tuple(cell_of(v) for v in node.inputs)
        outs = tuple(cell_of(v) for v in node.outputs)
        destroy_map = getattr(node.op, "destroy_map", None) or {}
        destroy = tuple(destroy_map[o][0] if o in destroy_map else -1 for o in range(len(node.outputs)))
        typenums = tuple(_typenum(v) for v in node.outputs)
        dead_cells = tuple(index[id(c)] for c in dead if id(c) in index and id(c) not in outputs)
        thunk = None if address else _Thunk(py_vm, py_step)
        pyapi = bool(kernel is not None and kernel.pyapi)
        params = kernel.params if kernel is not None and address else b""
        in_nd = tuple(v.type.ndim if isinstance(v.type, TensorType) else -1 for v in node.inputs)
        flat_guard = tuple(x for cond, value in guard for x in (cell_of(cond), int(value)))
        steps.append((address, thunk, ins, outs, destroy, typenums, dead_cells, pyapi, params or None, in_nd,
                      flat_guard or None))
        c_nodes.append(bool(address))
    for var in fgraph.outputs:
        cell_of(var)
    n_threads = openmp_threads() if config.openmp else 1
    program = runtime.Program(cells, steps, n_threads, int(config.openmp_elemwise_minsize))
    cvm = CVM(fgraph, order, storage_map, cells, program, c_nodes)
    return cvm, output_storage
