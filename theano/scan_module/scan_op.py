"""The ``Scan`` op: a loop whose body is an inner graph, compiled once and stepped in place.

Inputs of a Scan node (outer inputs), in this order:

- ``n_steps``: an int64 scalar;
- the sequences: one per (sequence, tap) pair, already cut (and reversed for
  ``go_backwards``) by :func:`theano.scan`, at least ``n_steps`` long;
- the recurrent states: for each, its initial entries, shape ``(L,) + state_shape`` where ``L``
  is the largest lag of the state's taps (``L = 1`` for a state with tap -1);
- the shared states: the initial values of shared variables that the loop updates;
- the non-sequences: values the same at every step.

The inner graph has one input per sequence, per state tap, per shared state and per
non-sequence (same order), and one output per state, per output without feedback ("nit-sot"),
per shared state, then the until condition of a do-while loop.

Outputs: each state's buffer of shape ``(L + n_steps,) + state_shape`` (its initial entries
followed by one entry per step), each nit-sot output stacked ``(n_steps,) + shape``, and each
shared state's final value. The "save memory" rewrite may limit a state or nit-sot output to
its last ``m`` entries (``mem_limits``): it then runs in a ring buffer of ``m`` entries.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from theano.graph.basic import Apply, Variable, equal_computations, io_toposort
from theano.graph.fg import FunctionGraph
from theano.graph.op import Op

__all__ = ["Scan", "ScanInfo", "run_loop"]


@dataclasses.dataclass(frozen=True)
class ScanInfo:
    """The layout of a Scan node's inputs and outputs (see the module docstring).

    Attributes
    ----------
    n_seqs : int
        Number of sequence inputs (one per sequence tap).
    state_taps : tuple of tuple of int
        For each recurrent state, its input taps (negative), in the order the inner function
        receives them.
    n_nit_sot : int
        Number of outputs without feedback.
    n_shared : int
        Number of shared states (updated shared variables).
    n_non_seqs : int
        Number of non-sequence inputs.
    as_while : bool
        Whether the last inner output is an until condition.
    truncate_gradient : int
        Steps of backpropagation through time (-1: all).
    mem_limits : tuple of (int or None)
        For each state then each nit-sot output: how many of the last entries to keep (None:
        all).
    aux_nit : tuple of int
        The nit-sot outputs (positions among them) that :func:`theano.scan` added to record
        values computed from shared states (random draws): the gradient reads them instead of
        drawing again. The user does not see them.
    """

    n_seqs: int
    state_taps: tuple
    n_nit_sot: int
    n_shared: int
    n_non_seqs: int
    as_while: bool = False
    truncate_gradient: int = -1
    mem_limits: tuple = ()
    aux_nit: tuple = ()

    def __post_init__(self):
        if not self.mem_limits:
            object.__setattr__(self, "mem_limits", (None,) * (len(self.state_taps) + self.n_nit_sot))

    @property
    def n_states(self) -> int:
        return len(self.state_taps)

    @property
    def lags(self) -> tuple:
        """For each state, the number of initial entries it needs (its largest lag)."""
        return tuple(-min(taps) for taps in self.state_taps)

    @property
    def n_state_inputs(self) -> int:
        return sum(len(taps) for taps in self.state_taps)

    @property
    def n_inner_inputs(self) -> int:
        return self.n_seqs + self.n_state_inputs + self.n_shared + self.n_non_seqs

    @property
    def n_outer_inputs(self) -> int:
        return 1 + self.n_seqs + self.n_states + self.n_shared + self.n_non_seqs

    @property
    def n_outputs(self) -> int:
        return self.n_states + self.n_nit_sot + self.n_shared

    # -- outer input positions ---------------------------------------------------------------
    def outer_seqs(self, inputs: Sequence) -> list:
        return list(inputs[1:1 + self.n_seqs])

    def outer_states(self, inputs: Sequence) -> list:
        start = 1 + self.n_seqs
        return list(inputs[start:start + self.n_states])

    def outer_shared(self, inputs: Sequence) -> list:
        start = 1 + self.n_seqs + self.n_states
        return list(inputs[start:start + self.n_shared])

    def outer_non_seqs(self, inputs: Sequence) -> list:
        return list(inputs[1 + self.n_seqs + self.n_states + self.n_shared:])

    # -- inner input positions ---------------------------------------------------------------
    def inner_seqs(self, inputs: Sequence) -> list:
        return list(inputs[:self.n_seqs])

    def inner_state_taps(self, inputs: Sequence) -> list[list]:
        """The inner tap inputs of each state."""
        groups = []
        pos = self.n_seqs
        for taps in self.state_taps:
            groups.append(list(inputs[pos:pos + len(taps)]))
            pos += len(taps)
        return groups

    def inner_shared(self, inputs: Sequence) -> list:
        start = self.n_seqs + self.n_state_inputs
        return list(inputs[start:start + self.n_shared])

    def inner_non_seqs(self, inputs: Sequence) -> list:
        return list(inputs[self.n_seqs + self.n_state_inputs + self.n_shared:])


class InnerGraph:
    """A Scan's inner graph, compared by structure (so equal loops merge)."""

    def __init__(self, inputs: Sequence[Variable], outputs: Sequence[Variable]):
        self.fgraph = FunctionGraph(list(inputs), list(outputs), clone=True)
        self.inputs = self.fgraph.inputs
        self.outputs = self.fgraph.outputs
        nodes = io_toposort(self.inputs, self.outputs)
        self._hash = hash((tuple(v.type for v in self.inputs), tuple(v.type for v in self.outputs),
                           tuple(type(n.op).__name__ for n in nodes)))

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: Any) -> bool:
        if self is other:
            return True
        if not isinstance(other, InnerGraph) or self._hash != other._hash:
            return False
        if [v.type for v in self.inputs] != [v.type for v in other.inputs]:
            return False
        try:
            return equal_computations(self.outputs, other.outputs, self.inputs, other.inputs)
        except Exception:  # a constant that cannot be compared
            return False

    def __repr__(self) -> str:
        return f"InnerGraph({len(self.inputs)} inputs, {len(self.outputs)} outputs)"


class Scan(Op):
    """A loop over an inner graph (see the module docstring for the layout).

    Parameters
    ----------
    inputs, outputs : list of Variable
        The inner graph (it is copied).
    info : ScanInfo
        The layout of inputs and outputs.
    mode : str or Mode, optional
        How to compile the inner graph (default: ``config.mode``).
    name : str, optional
        Shown when printing the node.
    """

    __props__ = ("info", "inner", "mode")

    def __init__(self, inputs: Sequence[Variable], outputs: Sequence[Variable], info: ScanInfo, mode: Any = None,
                 name: str | None = None, profile: Any = False):
        self.info = info
        self.inner = InnerGraph(inputs, outputs)
        self.mode = mode
        self.name = name
        self.profile = profile
        if len(self.inner.inputs) != info.n_inner_inputs:
            raise ValueError(f"Scan: {len(self.inner.inputs)} inner inputs, the layout says {info.n_inner_inputs}")
        n_out = info.n_outputs + int(info.as_while)
        if len(self.inner.outputs) != n_out:
            raise ValueError(f"Scan: {len(self.inner.outputs)} inner outputs, the layout says {n_out}")
        self._fn = None

    @property
    def inner_inputs(self) -> list[Variable]:
        return list(self.inner.inputs)

    @property
    def inner_outputs(self) -> list[Variable]:
        return list(self.inner.outputs)

    @property
    def fn(self):
        """The compiled inner function (compiled on first use)."""
        return self._compiled()

    def __str__(self) -> str:
        kind = "do_while" if self.info.as_while else "for"
        return f"Scan{{{kind}, {self.name or 'scan_fn'}}}"

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_fn"] = None
        return state

    # -- building ------------------------------------------------------------------------------
    def make_node(self, *inputs: Any) -> Apply:
        from theano.tensor.basic import as_tensor_variable, cast
        from theano.tensor.type import TensorType

        info = self.info
        if len(inputs) != info.n_outer_inputs:
            raise ValueError(f"{self} takes {info.n_outer_inputs} inputs, got {len(inputs)}")
        n_steps = as_tensor_variable(inputs[0])
        if n_steps.ndim != 0 or n_steps.dtype[0] not in "iu":
            raise TypeError(f"the number of steps of scan must be an integer scalar, got {n_steps.type}")
        if n_steps.dtype != "int64":
            n_steps = cast(n_steps, "int64")
        inner = self.inner_inputs
        outer = [n_steps] + [x if isinstance(x, Variable) else as_tensor_variable(x) for x in inputs[1:]]
        seqs = info.outer_seqs(outer)
        for k, (x, var) in enumerate(zip(seqs, info.inner_seqs(inner))):
            seqs[k] = _as_stacked(x, var, "sequence")
        states = info.outer_states(outer)
        for k, (x, taps) in enumerate(zip(states, info.inner_state_taps(inner))):
            states[k] = _as_stacked(x, taps[0], "initial state")
        shared = info.outer_shared(outer)
        for k, (x, var) in enumerate(zip(shared, info.inner_shared(inner))):
            shared[k] = _as_same_type(x, var, "shared state")
        non_seqs = info.outer_non_seqs(outer)
        for k, (x, var) in enumerate(zip(non_seqs, info.inner_non_seqs(inner))):
            non_seqs[k] = _as_same_type(x, var, "non-sequence")
        inner_outs = self.inner_outputs
        outputs = []
        for out in inner_outs[:info.n_states + info.n_nit_sot]:
            outputs.append(TensorType(out.type.dtype, (False, *out.type.broadcastable))())
        for out in inner_outs[info.n_states + info.n_nit_sot:info.n_outputs]:
            outputs.append(out.type())
        return Apply(self, [n_steps, *seqs, *states, *shared, *non_seqs], outputs)

    # -- running -------------------------------------------------------------------------------
    def _compiled(self, outer_linker: str | None = None):
        """The inner function, compiled on first use for each kind of outer linker.

        With ``mode`` given to scan, the inner function uses it. Otherwise it uses the default
        mode on the outer function's backend: the Python VM when ``outer_linker == 'py'``, the
        C backend when it is ``'c'``, ``config.linker`` when it is None (unknown).
        """
        key = outer_linker if self.mode is None else None
        fn = self._fn.get(key) if self._fn is not None else None
        if fn is None:
            import theano
            from theano.compile.mode import get_mode_on_backend

            mode = get_mode_on_backend(self.mode, key)
            fn = theano.function(self.inner_inputs, self.inner_outputs, mode=mode, on_unused_input="ignore",
                                 name=self.name or "scan_fn")
            fn.trust_input = True
            if self._fn is None:
                self._fn = {}
            self._fn[key] = fn
        return fn

    def prepare_node(self, node: Apply, storage_map=None, compute_map=None, impl=None) -> None:
        """Remember which backend runs this node ('py' or 'c'): the inner function runs on it."""
        node.tag.scan_backend = impl

    def perform(self, node: Apply, inputs: Sequence[Any], output_storage: list[list[Any]], params: Any = None) -> None:
        info = self.info
        fn = self._compiled(getattr(node.tag, "scan_backend", None))
        in_cells = fn.input_storage
        out_cells = fn._output_cells
        n_steps = int(inputs[0])
        if n_steps < 0:
            raise ValueError(f"{self}: scan was asked to run for a negative number of steps ({n_steps})")
        # sequences: one row per step
        reads, writes, carries = [], [], []
        pos = 0
        for k, seq in enumerate(info.outer_seqs(inputs)):
            if seq.shape[0] < n_steps:
                raise ValueError(f"{self}: sequence {k} has {seq.shape[0]} entries, fewer than the {n_steps} "
                                 "steps asked for")
            reads.append((in_cells[pos], _rows(seq[:n_steps]), 0, max(n_steps, 1)))
            pos += 1
        # recurrent states: a buffer holding the initial entries, then one entry per step
        buffers = []
        n_states = info.n_states
        for k, (init, taps) in enumerate(zip(info.outer_states(inputs), info.state_taps)):
            lag = -min(taps)
            if init.shape[0] < lag:
                raise ValueError(f"{self}: the initial state of output {k} has {init.shape[0]} entries; its taps "
                                 f"{list(taps)} need {lag}")
            size = _buffer_size(lag + n_steps, info.mem_limits[k], lag)
            buf = np.empty((size, *init.shape[1:]), dtype=node.outputs[k].type.dtype)
            buf[:lag] = init[init.shape[0] - lag:] if init.shape[0] > lag else init
            rows = _rows(buf)
            buffers.append((buf, rows, lag, size))
            for tap in taps:
                reads.append((in_cells[pos], rows, lag + tap, size))
                pos += 1
            writes.append((out_cells[k], rows, lag, size))
        # shared states: carried from one step to the next
        shared_in = info.outer_shared(inputs)
        for k, value in enumerate(shared_in):
            in_cells[pos][0] = value
            carries.append((in_cells[pos], out_cells[n_states + info.n_nit_sot + k]))
            pos += 1
        for value in info.outer_non_seqs(inputs):
            in_cells[pos][0] = value
            pos += 1
        cond_cell = out_cells[info.n_outputs] if info.as_while else None
        run, on_error = _runner(fn)
        loop = _loop_function(fn)
        nit_buffers: list = [None] * info.n_nit_sot
        done = 0
        try:
            if n_steps > 0:
                # the first step alone: it gives the shapes of the outputs without feedback
                done = loop(run, 0, 1, reads, writes, carries, cond_cell)
                self._check_first_step(out_cells, buffers)
                for j in range(info.n_nit_sot):
                    value = np.asarray(out_cells[n_states + j][0])
                    size = _buffer_size(n_steps, info.mem_limits[n_states + j], 1)
                    buf = np.empty((size, *value.shape), dtype=node.outputs[n_states + j].type.dtype)
                    rows = _rows(buf)
                    rows[0][...] = value
                    nit_buffers[j] = (buf, rows, 0, size)
                    writes.append((out_cells[n_states + j], rows, 0, size))
                stopped = cond_cell is not None and bool(cond_cell[0])
                if not stopped and n_steps > 1:
                    done = loop(run, 1, n_steps, reads, writes, carries, cond_cell)
        except Exception as exc:
            on_error(exc)
        finally:
            for cell in in_cells:
                cell[0] = None
        # outputs
        for k, (buf, _, lag, size) in enumerate(buffers):
            output_storage[k][0] = _chronological(buf, lag + done, size)
        for j in range(info.n_nit_sot):
            out = node.outputs[n_states + j]
            if nit_buffers[j] is None:
                value = np.zeros((0, *self._entry_shape_without_steps(inputs, j)), dtype=out.type.dtype)
            else:
                buf, _, _, size = nit_buffers[j]
                value = _chronological(buf, done, size)
            output_storage[n_states + j][0] = value
        for k, (_, out_cell) in enumerate(carries):
            # after no step, a copy of the initial value: an output must not alias an input
            value = copy.deepcopy(shared_in[k]) if done == 0 else out_cell[0]
            output_storage[n_states + info.n_nit_sot + k][0] = value
        for cell in out_cells:
            cell[0] = None

    def _entry_shape_without_steps(self, inputs: Sequence[Any], j: int) -> tuple:
        """The shape of one entry of nit-sot output ``j`` when the loop ran no step: from the
        inner graph's shape inference on the inputs' shapes (zeros where it cannot tell)."""
        from theano.scan_module.scan_utils import inner_shapes
        from theano.tensor.basic import NotScalarConstantError, get_scalar_constant_value

        info = self.info
        out = self.inner_outputs[info.n_states + j]
        shapes: list = [tuple(np.shape(x)[1:]) for x in info.outer_seqs(inputs)]
        for init, taps in zip(info.outer_states(inputs), info.state_taps):
            shapes += [tuple(np.shape(init)[1:])] * len(taps)
        for x in info.outer_shared(inputs) + info.outer_non_seqs(inputs):
            shapes.append(tuple(np.shape(x)) if isinstance(x, np.ndarray) else None)
        found = inner_shapes(self.inner_inputs, [out], shapes, set())[0]
        result = []
        for d in range(out.type.ndim):
            try:
                result.append(int(get_scalar_constant_value(found[d])) if found is not None else 0)
            except (NotScalarConstantError, TypeError, ValueError):
                result.append(0)
        return tuple(result)

    def _check_first_step(self, out_cells, buffers) -> None:
        for k, (buf, _, _, _) in enumerate(buffers):
            value = out_cells[k][0]
            if np.shape(value) != buf.shape[1:]:
                raise ValueError(f"{self}: the inner function returned a value of shape {np.shape(value)} for "
                                 f"recurrent output {k}, whose initial state has shape {buf.shape[1:]}; a state "
                                 "must keep its shape from step to step")

    # -- shapes ---------------------------------------------------------------------------------
    def infer_shape(self, node: Apply, input_shapes: Sequence[tuple]) -> list:
        from theano.scan_module.scan_utils import inner_shapes
        from theano.tensor.math import minimum

        info = self.info
        n = node.inputs[0]
        if info.as_while:
            return [None] * len(node.outputs)
        result: list = []
        for k, lag in enumerate(info.lags):
            shape = input_shapes[1 + info.n_seqs + k]
            length = lag + n
            if info.mem_limits[k] is not None:
                length = minimum(info.mem_limits[k], length)
            result.append((length, *shape[1:]))
        inner_in_shapes: list = [tuple(s[1:]) for s in info.outer_seqs(input_shapes)]
        for k, taps in enumerate(info.state_taps):
            inner_in_shapes += [tuple(input_shapes[1 + info.n_seqs + k][1:])] * len(taps)
        inner_in_shapes += list(info.outer_shared(input_shapes)) + list(info.outer_non_seqs(input_shapes))
        nit = self.inner_outputs[info.n_states:info.n_states + info.n_nit_sot]
        shapes = inner_shapes(self.inner_inputs, nit, inner_in_shapes, set())
        for j, shape in enumerate(shapes):
            if shape is None:
                result.append(None)
                continue
            length = n
            limit = info.mem_limits[info.n_states + j]
            if limit is not None:
                length = minimum(limit, n)
            result.append((length, *shape))
        result += [None] * info.n_shared
        return result

    # -- gradients ------------------------------------------------------------------------------
    def connection_pattern(self, node: Apply) -> list[list[bool]]:
        from theano.scan_module.scan_grad import connection_pattern

        return connection_pattern(self, node)

    def L_op(self, inputs, outputs, output_grads):
        from theano.scan_module.scan_grad import scan_l_op

        return scan_l_op(self, inputs, outputs, output_grads)

    def R_op(self, inputs, eval_points):
        from theano.scan_module.scan_grad import scan_r_op

        return scan_r_op(self, inputs, eval_points)


def _as_stacked(x: Variable, inner: Variable, what: str) -> Variable:
    """Check that outer ``x`` stacks values of ``inner``'s type along a new first axis."""
    itype = inner.type
    if getattr(x.type, "ndim", None) != itype.ndim + 1 or x.type.dtype != itype.dtype:
        raise TypeError(f"Scan: the {what} {x} ({x.type}) must be a stack of values of type {itype} (one more "
                        "dimension, same dtype)")
    return x


def _as_same_type(x: Variable, inner: Variable, what: str) -> Variable:
    if x.type == inner.type:
        return x
    converted = inner.type.convert_variable(x) if hasattr(inner.type, "convert_variable") else None
    if converted is None:
        raise TypeError(f"Scan: the {what} {x} has type {x.type}, the inner graph expects {inner.type}")
    return converted


def _rows(array: np.ndarray) -> list:
    """Views of each entry of ``array`` along its first axis (0-d arrays for a vector)."""
    if array.ndim > 1:
        return list(array)
    return [array[i, ...] for i in range(array.shape[0])]


def _buffer_size(full: int, limit: int | None, lag: int) -> int:
    if limit is None or full <= limit:
        return full
    return max(limit, lag)


def _chronological(buf: np.ndarray, end: int, size: int) -> np.ndarray:
    """The entries of a (ring) buffer in the order they were written, the last at the end;
    ``end`` is the number of positions written (initial entries included)."""
    if end <= size:
        return buf[:end] if end < buf.shape[0] else buf
    shift = end % size
    if shift == 0:
        return buf
    return np.concatenate([buf[shift:], buf[:shift]])


def _runner(fn) -> tuple[Callable[[], Any], Callable[[BaseException], None]]:
    """The callable that runs the inner function's program once on its cells, and the
    handler that re-raises its errors with the failing node's report."""
    from theano.link.c.linker import CVM

    vm = fn.fn
    if isinstance(vm, CVM):
        def on_error(exc: BaseException) -> None:
            vm.reraise(exc)

        return vm.program.run, on_error

    def reraise(exc: BaseException) -> None:
        raise exc

    return vm, reraise


def _loop_function(fn) -> Callable[..., int]:
    """:func:`run_loop`, or its C version (``Program.loop``: no Python call per step) when the
    inner function runs on the C backend; both take the same arguments."""
    from theano.link.c.linker import CVM

    vm = fn.fn
    if not isinstance(vm, CVM):
        return run_loop
    program, index = vm.program, vm.cell_index

    def c_loop(run, start: int, stop: int, reads: list, writes: list, carries: list, cond_cell) -> int:
        try:
            read_slots = [(index(cell), rows, offset, size) for cell, rows, offset, size in reads]
            write_slots = [(index(cell), rows, offset, size) for cell, rows, offset, size in writes]
            carry_cells = [index(cell) for pair in carries for cell in pair]
            cond = -1 if cond_cell is None else index(cond_cell)
        except KeyError:  # a cell the program does not hold: step from Python
            return run_loop(run, start, stop, reads, writes, carries, cond_cell)
        return program.loop(start, stop, read_slots, write_slots, carry_cells, cond)

    return c_loop


def run_loop(run: Callable[[], Any], start: int, stop: int, reads: list, writes: list, carries: list,
             cond_cell: list | None) -> int:
    """Run steps ``start`` to ``stop - 1`` of a loop; return the number of steps done in all.

    The inner function's storage cells (one-element lists) are set directly and its program
    is run with no argument handling:

    - ``reads``: ``(cell, rows, offset, size)``: before step ``t``, ``cell[0] = rows[(t +
      offset) % size]`` (``rows`` are views of a buffer's entries along its first axis);
    - ``run()`` executes the inner program on the cells (``Program.run`` of the C backend, the
      Python VM otherwise);
    - ``writes``: ``(cell, rows, offset, size)``: after step ``t``, the value in ``cell`` is
      copied into ``rows[(t + offset) % size]``;
    - ``carries``: ``(in_cell, out_cell)``: after step ``t``, ``in_cell[0] = out_cell[0]`` (a
      shared state's value passes to the next step, not copied);
    - ``cond_cell``: a do-while loop's condition; the loop ends after the first step where it
      holds a true value.
    """
    # Entries that never wrap around in [start, stop) are read without the modulo: their rows
    # are shifted once so that step t reads entry t.
    straight_reads = [(cell, rows[offset:]) for cell, rows, offset, size in reads if offset + stop <= size]
    ring_reads = [r for r in reads if r[2] + stop > r[3]]
    straight_writes = [(cell, rows[offset:]) for cell, rows, offset, size in writes if offset + stop <= size]
    ring_writes = [w for w in writes if w[2] + stop > w[3]]
    for t in range(start, stop):
        for cell, rows in straight_reads:
            cell[0] = rows[t]
        for cell, rows, offset, size in ring_reads:
            cell[0] = rows[(t + offset) % size]
        run()
        for cell, rows in straight_writes:
            rows[t][...] = cell[0]
        for cell, rows, offset, size in ring_writes:
            rows[(t + offset) % size][...] = cell[0]
        for in_cell, out_cell in carries:
            in_cell[0] = out_cell[0]
        if cond_cell is not None and cond_cell[0]:
            return t + 1
    return stop
