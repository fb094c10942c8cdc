"""Profiles of compiled functions, printed in Theano 1.0's layout.

A function compiled with ``profile=True`` (or every function, with ``config.profile``) carries a
:class:`ProfileStats` in ``f.profile``. It collects

- the number of calls and the time spent in ``Function.__call__`` and in the VM it runs,
- per node (``Apply``): seconds, number of runs, and whether it ran as a C kernel or in Python,
- the shapes of the values of the last call, from which the memory profile is computed,
- compile-time fields: rewriting (optimizer) time, linker time (code generation and compiling
  the kernels) and the total.

``f.profile.summary()`` prints it at any time. Profiles created with ``atexit_print=True`` (the
default, and what ``profile=True`` and ``config.profile`` create) are printed to stderr when the
process exits, followed by their sum when there are several, as Theano did.
"""

from __future__ import annotations

import atexit
import os
import sys
import time
from collections import defaultdict
from collections.abc import Iterable
from typing import IO, Any

import numpy as np

from theano.configdefaults import config

__all__ = ["ProfileStats", "caller_location"]

_import_time = time.time()
_atexit_print_list: list[ProfileStats] = []

# The C backend runs nodes either as C kernels or as Python thunks.
_IMPL_NAMES = {True: "C", False: "Py"}


def _flag(name: str, default: Any) -> Any:
    """A ``profiling.*`` config flag when it is declared, else Theano's default."""
    try:
        return getattr(config, name)
    except AttributeError:
        return default


def caller_location() -> str:
    """``file:line`` of the innermost stack frame outside the theano package.

    Theano named a profile after the place where ``theano.function`` was called when the function
    itself had no name.
    """
    package_dir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    frame = sys._getframe(1)
    while frame is not None:
        filename = os.path.abspath(frame.f_code.co_filename)
        if not filename.startswith(package_dir + os.sep):
            return f"{frame.f_code.co_filename}:{frame.f_lineno}"
        frame = frame.f_back
    return "<unknown>"


def _class_name(op_class: type) -> str:
    return f"{op_class.__module__}.{op_class.__qualname__}"


def _impl_label(kinds: Iterable[bool]) -> str:
    """'C', 'Py', or 'C+Py' when nodes of one op (or class) ran both ways."""
    kinds = set(kinds)
    if len(kinds) == 2:
        return "C+Py"
    return _IMPL_NAMES[kinds.pop()] if kinds else "  "


def _format_bytes(n_bytes: float) -> str:
    return f"{int(round(n_bytes / 1024.0))}KB"


class _Table:
    """Columns of a profile table: a header line, then one row per entry, each value right-aligned
    under its header; the last column (a name) is left-aligned and cut at the line width."""

    def __init__(self, columns: list[tuple[str, str]], line_width: int, last_header: str):
        self.headers = [header for header, _ in columns]
        self.formats = [fmt for _, fmt in columns]
        used = sum(len(h) for h in self.headers) + len(self.headers)
        self.name_width = max(20, line_width - used)
        self.last_header = last_header

    def header(self) -> str:
        return " ".join(self.headers + [self.last_header])

    def row(self, values: tuple, name: str) -> str:
        cells = [(fmt % value).rjust(len(header)) for header, fmt, value in zip(self.headers, self.formats, values)]
        return " ".join(cells + [name[: self.name_width]])


_TIME_COLUMNS = [
    ("<% time>", "%.1f%% "),
    ("<sum %>", "%.1f%% "),
    ("<apply time>", "%.3fs  "),
    ("<time per call>", "%.2es  "),
]
_GROUP_COLUMNS = _TIME_COLUMNS + [("<type>", "%-4s "), ("<#call>", "%d "), ("<#apply>", "%d  ")]
_APPLY_COLUMNS = _TIME_COLUMNS + [("<#call>", "%d "), ("<id>", "%d ")]


class ProfileStats:
    """Run-time, compile-time and memory profile of one or more compiled functions.

    Parameters
    ----------
    atexit_print : bool
        Print this profile (``summary``) to stderr when the process exits.
    flag_time_thunks : bool, optional
        Accepted for compatibility with Theano; nodes are always timed.
    gpu_checks : bool
        Accepted for compatibility with Theano (no effect).
    **kwargs
        Initial values of the attributes below (for example ``message``); ``name`` is an alias of
        ``message``.

    Attributes
    ----------
    message : str or None
        What the profile is about (the function's name, or where it was compiled).
    compile_time, optimizer_time, validate_time, linker_time : float
        Seconds compiling in total, rewriting the graph, validating rewrites (not measured
        separately: 0) and linking (building the VM, generating and compiling C).
    nb_nodes : int
        Apply nodes of the compiled graphs.
    fct_callcount : int
        Calls to ``Function.__call__``.
    fct_call_time, vm_call_time : float
        Seconds in ``Function.__call__`` and in the VM it runs (``Function.fn``).
    apply_time, apply_callcount, apply_cimpl : dict
        Per ``Apply`` node: seconds, runs, and whether it ran as a C kernel.
    apply_order : dict
        Per ``Apply`` node: its position in the execution order of its function.
    variable_shape, variable_strides : dict
        Per variable: shape and strides of its value in the last call (arrays only).
    """

    line_width = 140

    def __init__(self, atexit_print: bool = True, flag_time_thunks: bool | None = None, gpu_checks: bool = True,
                 **kwargs: Any):
        self.message: str | None = None
        self.compile_time = 0.0
        self.optimizer_time = 0.0
        self.validate_time = 0.0
        self.linker_time = 0.0
        self.import_time = 0.0
        self.nb_nodes = 0
        self.fct_callcount = 0
        self.fct_call_time = 0.0
        self.vm_call_time = 0.0
        self.apply_time: dict = {}
        self.apply_callcount: dict = {}
        self.apply_cimpl: dict = {}
        self.apply_order: dict = {}
        self.variable_shape: dict = {}
        self.variable_strides: dict = {}
        self.optimizer_profile = None
        self.flag_time_thunks = True if flag_time_thunks is None else bool(flag_time_thunks)
        self.gpu_checks = gpu_checks
        # (execution order, output variables, allow_gc) of each function linked with this profile
        self.linked: list[tuple[list, list, bool]] = []
        if "name" in kwargs:
            kwargs.setdefault("message", kwargs.pop("name"))
        for key, value in kwargs.items():
            if not hasattr(self, key):
                raise TypeError(f"ProfileStats() got an unexpected keyword argument {key!r}")
            setattr(self, key, value)
        if atexit_print:
            _atexit_print_list.append(self)

    # -- recording (called by FunctionMaker, Function and the VMs) --------------------------
    def record_link(self, maker, vm, allow_gc: bool) -> None:
        """Note a function linked with this profile: compile times, its nodes and how they run.

        Parameters
        ----------
        maker : FunctionMaker
            Gives ``fgraph``, ``optimization_time``, ``linker_time`` and ``construction_time``.
        vm : VM or CVM
            The program; a ``CVM`` says per step whether it is a C kernel (``c_nodes``).
        allow_gc : bool
            Whether the function frees intermediate results when not profiled (memory profile).
        """
        linker_time = getattr(maker, "linker_time", 0.0)
        self.optimizer_time += getattr(maker, "optimization_time", 0.0)
        self.linker_time += linker_time
        self.compile_time += getattr(maker, "construction_time", 0.0) + linker_time
        nodes = list(getattr(vm, "nodes", None) or vm.order)
        c_nodes = getattr(vm, "c_nodes", None) or [False] * len(nodes)
        self.nb_nodes += len(nodes)
        for k, (node, in_c) in enumerate(zip(nodes, c_nodes)):
            self.apply_order[node] = k
            self.apply_cimpl[node] = bool(in_c)
            self.apply_time.setdefault(node, 0.0)
            self.apply_callcount.setdefault(node, 0)
        self.linked.append((nodes, list(vm.fgraph.outputs), bool(allow_gc)))

    def record_apply(self, node, seconds: float, output_cells: list) -> None:
        """One run of ``node`` by the Python VM: its time and the shapes of its outputs."""
        self.apply_time[node] = self.apply_time.get(node, 0.0) + seconds
        self.apply_callcount[node] = self.apply_callcount.get(node, 0) + 1
        for var, cell in zip(node.outputs, output_cells):
            self._record_value(var, cell[0])

    def record_call(self, vm, call_seconds: float, vm_seconds: float) -> None:
        """One call of a function: its times, the C program's per-step counters, value shapes.

        Called after the VM ran and before the function drops its output values.
        """
        self.fct_callcount += 1
        self.fct_call_time += call_seconds
        self.vm_call_time += vm_seconds
        program = getattr(vm, "program", None)
        if program is not None:
            # the C runtime accumulates seconds and runs per step over the program's life
            for node, (seconds, calls) in zip(vm.nodes, program.step_profile()):
                self.apply_time[node] = seconds
                self.apply_callcount[node] = calls
        for var, cell in vm.storage_map.items():
            value = cell[0]
            if value is not None:
                self._record_value(var, value)

    def _record_value(self, var, value) -> None:
        if isinstance(value, np.ndarray):
            self.variable_shape[var] = value.shape
            self.variable_strides[var] = value.strides

    # -- aggregates (Theano's accessors) ---------------------------------------------------
    def _group(self, key_of, values: dict) -> dict:
        totals: dict = defaultdict(int)
        for node, value in values.items():
            totals[key_of(node)] += value
        return dict(totals)

    def class_time(self) -> dict:
        """Op class -> seconds in its nodes."""
        return self._group(lambda node: type(node.op), self.apply_time)

    def class_callcount(self) -> dict:
        """Op class -> runs of its nodes."""
        return self._group(lambda node: type(node.op), self.apply_callcount)

    def class_nodes(self) -> dict:
        """Op class -> number of its nodes."""
        return self._group(lambda node: type(node.op), dict.fromkeys(self.apply_time, 1))

    def class_impl(self) -> dict:
        """Op class -> 'C', 'Py' or 'C+Py' (how its nodes ran)."""
        kinds: dict = defaultdict(set)
        for node in self.apply_time:
            kinds[type(node.op)].add(self.apply_cimpl.get(node, False))
        return {cls: _impl_label(k) for cls, k in kinds.items()}

    def op_time(self) -> dict:
        """Op -> seconds in its nodes."""
        return self._group(lambda node: node.op, self.apply_time)

    def op_callcount(self) -> dict:
        """Op -> runs of its nodes."""
        return self._group(lambda node: node.op, self.apply_callcount)

    def op_nodes(self) -> dict:
        """Op -> number of its nodes."""
        return self._group(lambda node: node.op, dict.fromkeys(self.apply_time, 1))

    def op_impl(self) -> dict:
        """Op -> 'C', 'Py' or 'C+Py'."""
        kinds: dict = defaultdict(set)
        for node in self.apply_time:
            kinds[node.op].add(self.apply_cimpl.get(node, False))
        return {op: _impl_label(k) for op, k in kinds.items()}

    # -- printing ----------------------------------------------------------------------------
    def summary_function(self, file: IO[str]) -> None:
        """The header: calls, time in the call, the VM and the nodes; compile times."""
        print("Function profiling", file=file)
        print("==================", file=file)
        print(f"  Message: {self.message}", file=file)
        print(f"  Time in {self.fct_callcount} calls to Function.__call__: {self.fct_call_time:e}s", file=file)
        if self.fct_call_time > 0:
            share = 100 * self.vm_call_time / self.fct_call_time
            print(f"  Time in Function.fn.__call__: {self.vm_call_time:e}s ({share:.3f}%)", file=file)
            local_time = sum(self.apply_time.values())
            if local_time > 0:
                share = 100 * local_time / self.fct_call_time
                print(f"  Time in thunks: {local_time:e}s ({share:.3f}%)", file=file)
        print(f"  Total compile time: {self.compile_time:e}s", file=file)
        print(f"    Number of Apply nodes: {self.nb_nodes}", file=file)
        print(f"    Theano Optimizer time (graph rewriting): {self.optimizer_time:e}s", file=file)
        print(f"    Theano Linker time (includes C code generation/compiling): {self.linker_time:e}s", file=file)
        print("", file=file)

    def _summary_groups(self, file: IO[str], section: str, column: str, noun: str, times: dict, calls: dict,
                        nodes: dict, impl: dict, name_of, n_to_print: int) -> None:
        local_time = sum(self.apply_time.values())
        rows = sorted(((t, key) for key, t in times.items()), key=lambda row: -row[0])
        table = _Table(_GROUP_COLUMNS, self.line_width, f"<{column} name>")
        print(section, file=file)
        print("---", file=file)
        print(table.header(), file=file)
        cumulated = 0.0
        for seconds, key in rows[:n_to_print]:
            n_calls = calls.get(key, 0)
            cumulated += seconds
            values = (100 * seconds / local_time, 100 * cumulated / local_time, seconds,
                      seconds / n_calls if n_calls else 0.0, impl.get(key, "  "), n_calls, nodes.get(key, 0))
            print(table.row(values, name_of(key)), file=file)
        rest = rows[n_to_print:]
        rest_time = sum(t for t, _ in rest)
        print(f"   ... (remaining {len(rest)} {noun} account for {100 * rest_time / local_time:6.2f}%"
              f"({rest_time:.2f}s) of the runtime)", file=file)
        print("", file=file)

    def summary_class(self, file: IO[str] = sys.stderr, N: int | None = None) -> None:
        """Time per Op class, largest first."""
        self._summary_groups(file, "Class", "Class", "Classes", self.class_time(), self.class_callcount(),
                             self.class_nodes(), self.class_impl(), _class_name, N or len(self.apply_time))

    def summary_ops(self, file: IO[str] = sys.stderr, N: int | None = None) -> None:
        """Time per Op (nodes with equal ops together), largest first."""
        self._summary_groups(file, "Ops", "Op", "Ops", self.op_time(), self.op_callcount(), self.op_nodes(),
                             self.op_impl(), str, N or len(self.apply_time))

    def summary_nodes(self, file: IO[str] = sys.stderr, N: int | None = None) -> None:
        """Time per Apply node, largest first, with the shapes of its values in the last call."""
        local_time = sum(self.apply_time.values())
        rows = sorted(self.apply_time.items(), key=lambda item: -item[1])
        N = N or len(rows)
        table = _Table(_APPLY_COLUMNS, self.line_width, "<Apply name>")
        print("Apply", file=file)
        print("------", file=file)
        print(table.header(), file=file)
        cumulated = 0.0
        for node, seconds in rows[:N]:
            n_calls = self.apply_callcount.get(node, 0)
            cumulated += seconds
            values = (100 * seconds / local_time, 100 * cumulated / local_time, seconds,
                      seconds / n_calls if n_calls else 0.0, n_calls, self.apply_order.get(node, -1))
            print(table.row(values, str(node)), file=file)
            for label, variables in (("input", node.inputs), ("output", node.outputs)):
                for i, var in enumerate(variables):
                    description = self._describe_value(var)
                    if description:
                        print(f"    {label} {i}: {description}", file=file)
        rest = rows[N:]
        rest_time = sum(t for _, t in rest)
        print(f"   ... (remaining {len(rest)} Apply instances account for {100 * rest_time / local_time:.2f}%"
              f"({rest_time:.2f}s) of the runtime)", file=file)
        print("", file=file)

    def _describe_value(self, var) -> str:
        shape = self.variable_shape.get(var)
        if shape is None:
            return ""
        dtype = getattr(var.type, "dtype", "?")
        strides = self.variable_strides.get(var)
        if strides is not None and strides == _c_strides(shape, np.dtype(dtype).itemsize if dtype != "?" else 0):
            strides_text = "c"
        else:
            strides_text = str(strides)
        return f"dtype={dtype}, shape={shape}, strides={strides_text}"

    # -- memory ------------------------------------------------------------------------------
    def _nbytes(self, var) -> int | None:
        """Bytes of ``var``'s value in the last call (dense arrays only)."""
        shape = self.variable_shape.get(var)
        dtype = getattr(var.type, "dtype", None)
        if shape is None or dtype is None:
            return None
        return int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize

    def _peak_memory(self, order: list, outputs: list, allow_gc: bool, inplace: bool = True) -> int:
        """Most bytes of intermediate results alive at once while running ``order``.

        A node's output that views or overwrites one of its inputs (``view_map``/``destroy_map``)
        shares that input's memory; with ``inplace=False`` overwritten inputs count as fresh
        memory, as if inplace rewrites were excluded. With ``allow_gc`` a buffer is freed after
        the last node that reads it (function outputs stay until the end).
        """
        root: dict = {}
        created: set = set()
        for node in order:
            aliases = _aliased_outputs(node, inplace)
            for o, out in enumerate(node.outputs):
                if o in aliases:
                    source = node.inputs[aliases[o]]
                    root[out] = root.get(source, source)
                else:
                    created.add(out)
        last_use: dict = {}
        for k, node in enumerate(order):
            for var in node.inputs:
                last_use[root.get(var, var)] = k
            for var in node.outputs:
                last_use.setdefault(root.get(var, var), k)
        for var in outputs:
            last_use[root.get(var, var)] = len(order)
        dying: dict = defaultdict(list)
        for var, k in last_use.items():
            dying[k].append(var)
        live = peak = 0
        for k, node in enumerate(order):
            for out in node.outputs:
                if out in created:
                    live += self._nbytes(out) or 0
            peak = max(peak, live)
            if allow_gc:
                for var in dying[k]:
                    if var in created:
                        live -= self._nbytes(var) or 0
        return peak

    def summary_memory(self, file: IO[str] = sys.stderr, N: int | None = None) -> None:
        """Peak memory of intermediate results and the nodes with the largest outputs."""
        print("Memory Profile", file=file)
        print("(Sparse variables are ignored)", file=file)
        print("---", file=file)
        current = max((self._peak_memory(order, outs, gc) for order, outs, gc in self.linked), default=0)
        no_inplace = max((self._peak_memory(order, outs, gc, inplace=False) for order, outs, gc in self.linked),
                         default=0)
        no_gc = max((self._peak_memory(order, outs, False) for order, outs, _ in self.linked), default=0)
        gc_setting = ", ".join(sorted({f"allow_gc={gc}" for _, _, gc in self.linked})) or "allow_gc=?"
        print(f"    Max peak memory with current setting ({gc_setting})", file=file)
        print(f"        CPU: {_format_bytes(current)}", file=file)
        print("    Max peak memory with current setting and Theano flag optimizer_excluding=inplace", file=file)
        print(f"        CPU: {_format_bytes(no_inplace)}", file=file)
        print("    Max peak memory if allow_gc=False (linker don't make a difference)", file=file)
        print(f"        CPU: {_format_bytes(no_gc)}", file=file)
        print("---", file=file)
        print("", file=file)
        rows = []
        for node in self.apply_time:
            sizes = [self._nbytes(out) for out in node.outputs]
            if any(size is None for size in sizes):
                continue
            shapes = [self.variable_shape[out] for out in node.outputs]
            aliases = _aliased_outputs(node, True)
            destroy_map = getattr(node.op, "destroy_map", None) or {}
            kinds = ["c" if o not in aliases else ("i" if o in destroy_map else "v") for o in range(len(sizes))]
            rows.append((sum(sizes), shapes, " ".join(kinds), node))
        rows.sort(key=lambda row: -row[0])
        min_size = _flag("profiling.min_memory_size", 1024)
        N = N or len(rows)
        shown = [row for row in rows[:N] if row[0] >= min_size]
        print("    <Sum apply outputs (bytes)> <Apply outputs shape> <created/inplace/view> <Apply node>", file=file)
        print("", file=file)
        for size, shapes, kinds, node in shown:
            print(f"     {size:9d}B  {shapes} {kinds} {node}", file=file)
        total = sum(row[0] for row in rows)
        rest = sum(row[0] for row in rows) - sum(row[0] for row in shown)
        share = 100 * rest / total if total else 0.0
        print(f"   ... (remaining {len(rows) - len(shown)} Apply account for {rest:4d}B/{total}B ({share:.2f}%)"
              " of the Apply with dense outputs sizes)", file=file)
        if rows and not shown:
            print(f"    All Apply nodes have output sizes that take less than {min_size}B.", file=file)
        print("", file=file)

    def summary_tips(self, file: IO[str] = sys.stderr) -> None:
        """Hints about what may make the function faster."""
        print("Here are tips to potentially make your code run faster", file=file)
        print("                 (if you think of new ones, suggest them on the mailing list).", file=file)
        print("                 Test them first, as they are not guaranteed to always provide a speedup.", file=file)
        tips = []
        py_classes = sorted({_class_name(type(node.op)) for node in self.apply_time
                             if not self.apply_cimpl.get(node, False)})
        if py_classes and any(self.apply_cimpl.values()):
            tips.append("Nodes of these classes ran in Python (no C kernel for their types): "
                        + ", ".join(py_classes))
        if config.floatX == "float32" and any(getattr(out.type, "dtype", None) == "float64"
                                              for node in self.apply_time for out in node.outputs):
            tips.append("Some nodes compute in float64 although floatX is float32: look for float64 inputs "
                        "or constants upcasting the graph.")
        if not tips:
            print("  Sorry, no tip for today.", file=file)
        for tip in tips:
            print(f"  - {tip}", file=file)
        print("", file=file)

    def summary(self, file: IO[str] = sys.stderr, n_ops_to_print: int = 20, n_apply_to_print: int = 20) -> None:
        """Print the profile: header, Class, Ops and Apply tables, memory profile, tips.

        Parameters
        ----------
        file : file-like
            Where to print (default ``sys.stderr``).
        n_ops_to_print : int
            Rows of the Class and Ops tables.
        n_apply_to_print : int
            Rows of the Apply table and of the memory table.
        """
        self.summary_function(file)
        if sum(self.apply_time.values()) > 0:
            self.summary_class(file, n_ops_to_print)
            self.summary_ops(file, n_ops_to_print)
            self.summary_nodes(file, n_apply_to_print)
        else:
            print("  No execution time accumulated (the function was not called yet)", file=file)
            print("", file=file)
        if self.variable_shape:
            self.summary_memory(file, n_apply_to_print)
        if self.apply_time:
            self.summary_tips(file)

    print_summary = summary

    def merged(self, others: Iterable[ProfileStats], message: str) -> ProfileStats:
        """A new profile (not printed at exit) summing this one and ``others``."""
        total = ProfileStats(atexit_print=False, message=message)
        for profile in (self, *others):
            for attr in ("compile_time", "optimizer_time", "validate_time", "linker_time", "nb_nodes",
                         "fct_callcount", "fct_call_time", "vm_call_time"):
                setattr(total, attr, getattr(total, attr) + getattr(profile, attr))
            for attr in ("apply_time", "apply_callcount", "apply_cimpl", "apply_order", "variable_shape",
                         "variable_strides"):
                getattr(total, attr).update(getattr(profile, attr))
            total.linked.extend(profile.linked)
        return total


def _c_strides(shape: tuple, itemsize: int) -> tuple:
    strides = []
    step = itemsize
    for size in reversed(shape):
        strides.append(step)
        step *= max(size, 1)
    return tuple(reversed(strides))


def _aliased_outputs(node, inplace: bool) -> dict[int, int]:
    """Output index -> index of the input whose memory it views (or overwrites, when ``inplace``)."""
    aliases = {o: inputs[0] for o, inputs in (getattr(node.op, "view_map", None) or {}).items() if inputs}
    if inplace:
        for o, inputs in (getattr(node.op, "destroy_map", None) or {}).items():
            if inputs:
                aliases[o] = inputs[0]
    return aliases


def _destination() -> IO[str]:
    destination = _flag("profiling.destination", "stderr")
    if destination == "stdout":
        return sys.stdout
    if destination == "stderr":
        return sys.stderr
    return open(destination, "w")  # noqa: SIM115 (closed by the caller)


def _atexit_print_fn() -> None:
    """Print the profiles registered for printing at exit, then their sum when there are several."""
    printed = [p for p in _atexit_print_list if p.fct_callcount or p.compile_time > 0]
    if not printed:
        return
    n_ops = _flag("profiling.n_ops", 20)
    n_apply = _flag("profiling.n_apply", 20)
    file = _destination()
    try:
        for profile in printed:
            profile.summary(file=file, n_ops_to_print=n_ops, n_apply_to_print=n_apply)
        if len(printed) > 1:
            total = printed[0].merged(printed[1:], f"Sum of all({len(printed)}) printed profiles at exit")
            total.summary(file=file, n_ops_to_print=n_ops, n_apply_to_print=n_apply)
        print(f"Time since theano import {time.time() - _import_time:.3f}s", file=file)
        file.flush()
    finally:
        if file is not sys.stdout and file is not sys.stderr:
            file.close()


atexit.register(_atexit_print_fn)
