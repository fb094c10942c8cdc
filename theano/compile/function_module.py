"""FunctionMaker builds a FunctionGraph and a VM; Function is the callable it returns.

The call path is the hottest code of the project: it stores each argument in its input cell
(checked and converted unless ``trust_input``), runs the program, writes updates back, and
returns the outputs. On the C backend a positional call does all of it in C
(``Program.dispatch``, installed as the function's ``__call__``); keywords, defaults, the Python
VM and profiling go through :meth:`Function.__call__`.
"""

from __future__ import annotations

import gc
import time
import warnings
import weakref
from collections.abc import Sequence
from typing import Any

from theano.compile import graph_cache
from theano.compile.io import In, SymbolicInput, SymbolicOutput
from theano.compile.ops import deep_copy_op
from theano.compile.sharedvalue import SharedVariable
from theano.graph.basic import Constant, Variable, ancestors
from theano.graph.destroyhandler import DestroyHandler, Supervisor
from theano.graph.fg import FunctionGraph


class UnusedInputError(ValueError):
    """An input of theano.function is not needed by any output or update."""


class AliasedMemoryError(Exception):
    """Memory is aliased where it should not be."""


def _views_of(fgraph) -> dict[Variable, set[Variable]]:
    """For each variable, the variables owning the memory it may share: graph inputs,
    constants, or outputs of nodes that are neither views nor destroyers (a variable that
    owns its memory maps to itself)."""
    roots: dict[Variable, set[Variable]] = {}
    for var in fgraph.inputs:
        roots[var] = {var}
    for node in fgraph.toposort():
        for inp in node.inputs:
            if inp not in roots:
                roots[inp] = {inp}
        view_map = getattr(node.op, "view_map", {}) or {}
        destroy_map = getattr(node.op, "destroy_map", {}) or {}
        for i, out in enumerate(node.outputs):
            sources = list(view_map.get(i, [])) + list(destroy_map.get(i, []))
            if not sources:
                roots[out] = {out}
                continue
            shared: set[Variable] = set()
            for j in sources:
                shared |= roots[node.inputs[j]]
            roots[out] = shared
    return roots


def insert_deepcopy(fgraph, wrapped_inputs: Sequence[SymbolicInput], wrapped_outputs: Sequence[SymbolicOutput]):
    """Copy outputs that would alias an input, a constant, or another output.

    An output may keep the memory of an input that the graph overwrites (a mutable input,
    or a shared variable with an update): the caller gave that memory away.
    """
    roots = _views_of(fgraph)
    destroyed = _destroyed_inputs(fgraph)
    seen: set[Variable] = set()
    for i, out in enumerate(list(fgraph.outputs)):
        borrow = i < len(wrapped_outputs) and wrapped_outputs[i].borrow
        aliases = roots.get(out, {out})
        outside = {a for a in aliases if (isinstance(a, Constant) or a in fgraph.inputs) and a not in destroyed}
        must_copy = bool(outside) and not (borrow and all(
            not isinstance(a, Constant) and _is_borrowed(fgraph, a, wrapped_inputs) for a in outside))
        if aliases & seen:
            must_copy = True
        if must_copy:
            fgraph.change_input("output", i, deep_copy_op(out), reason="insert_deepcopy")
        else:
            seen |= aliases


def _destroyed_inputs(fgraph) -> set[Variable]:
    """The graph inputs whose memory some node overwrites."""
    handler = getattr(fgraph, "destroy_handler", None)
    if handler is None or not handler.destroyer_nodes:
        return set()
    return {var for var in fgraph.inputs if handler.has_destroyers([var])}


def _is_borrowed(fgraph, var, wrapped_inputs) -> bool:
    index = fgraph.inputs.index(var)
    return index < len(wrapped_inputs) and bool(wrapped_inputs[index].borrow) and not wrapped_inputs[index].shared


def _name_of(inp: SymbolicInput, position: int) -> str:
    return f"'{inp.name}' (position {position})" if inp.name else f"at position {position}"


class Function:
    """A compiled function: call it with NumPy values (by position or by input name)."""

    def __init__(self, maker: FunctionMaker, input_cells: list, output_cells: list, vm, defaults: list,
                 update_pairs: list, output_keys, unpack_single: bool, return_none: bool, name: str | None,
                 profile=None):
        self.maker = maker
        self.input_storage = [c for c in input_cells]
        self._cells = input_cells
        self._output_cells = output_cells
        self.fn = vm
        self.name = name
        self.profile = profile
        self._trust_input = False
        self.unpack_single = unpack_single
        self.return_none = return_none
        self.output_keys = output_keys
        inputs = maker.inputs
        self._explicit = [i for i, inp in enumerate(inputs) if not inp.implicit]
        self._n_explicit = len(self._explicit)
        self._filters = []
        for i in self._explicit:
            inp = inputs[i]
            self._filters.append((self._cells[i], inp.variable.type.filter, inp.strict, inp.allow_downcast,
                                  _name_of(inp, len(self._filters)), inp.variable.type))
        self._defaults = defaults  # list of (cell index, default value or None, has_update)
        self._required = [i for i in self._explicit if defaults[i] is None]
        self._update_pairs = update_pairs  # (input cell, output cell)
        self._n_returned = len(maker.outputs)
        self._name_to_index = {}
        for position, i in enumerate(self._explicit):
            if inputs[i].name is not None:
                self._name_to_index.setdefault(inputs[i].name, position)
        self.value = _FunctionValues(self)
        self.container = self.value
        # input cells whose memory the graph overwrites (mutable inputs, updated shared variables)
        self._destroyed = list(getattr(maker, "destroyed_input_indices", ()))
        if self._set_c_signature():
            self._use_c_dispatch()

    # -- calling -------------------------------------------------------------------------
    def _set_c_signature(self) -> bool:
        """Describe this function's call to the C runtime (``Program.set_signature``: which cells
        the arguments go to, their types, filters, outputs and updates), when it can take the
        call; whether it did."""
        from theano.link.c.linker import CVM

        vm = self.fn
        if not isinstance(vm, CVM) or self.output_keys is not None or self.return_none or self.profile is not None:
            return False
        import numpy as np

        arg_cells, typenums, ndims, masks, filters = [], [], [], [], []
        for cell, filt, strict, allow_downcast, label, vtype in self._filters:
            arg_cells.append(vm.cell_index(cell))
            dtype = getattr(vtype, "dtype", None)
            ndim = getattr(vtype, "ndim", None)
            is_tensor = type(getattr(vtype, "broadcastable", None)) is tuple and dtype is not None
            typenums.append(np.dtype(dtype).num if is_tensor else -1)
            ndims.append(ndim if is_tensor else -1)
            masks.append(sum(1 << d for d, b in enumerate(vtype.broadcastable) if b) if is_tensor else 0)
            filters.append(_argument_filter(filt, strict, allow_downcast, f"input {label} of {self._label()}"))
        ret_cells = [vm.cell_index(c) for c in self._output_cells[: self._n_returned]]
        updates = []
        for input_cell, output_cell in self._update_pairs:
            updates += [vm.cell_index(input_cell), vm.cell_index(output_cell)]
        destroyed = [vm.cell_index(self._cells[i]) for i in self._destroyed]
        input_cells = [vm.cell_index(c) for c in self._cells]
        vm.program.set_signature(arg_cells, typenums, ndims, masks, tuple(filters), ret_cells, self.unpack_single,
                                 updates, destroyed, input_cells)
        return True

    def _use_c_dispatch(self) -> None:
        """Make the runtime's ``Program.dispatch`` this function's ``__call__``, through a class of
        its own: a call with every argument by position then runs no Python code at all; other
        calls (keywords, defaults) reach :meth:`__call__` below, and errors get their node report
        from :meth:`CVM.reraise`. The program refers back to this function only weakly."""
        program = self.fn.program
        me = weakref.ref(self)

        def python_call(*args, **kwargs):
            return Function.__call__(me(), *args, **kwargs)

        def on_error(exc):
            me().fn.reraise(exc)

        program.set_fallback(python_call, on_error)
        self.__class__ = type("Function", (Function,), {"__call__": program.dispatch,
                                                        "__module__": Function.__module__})

    @property
    def trust_input(self) -> bool:
        """Skip checking and converting the arguments (they must already be right)."""
        return self._trust_input

    @trust_input.setter
    def trust_input(self, value: bool) -> None:
        self._trust_input = bool(value)
        program = getattr(self.fn, "program", None)
        if program is not None:
            program.trust_input = int(bool(value))

    def __call__(self, *args: Any, **kwargs: Any):
        # With the C runtime, a call with every argument by position never gets here: the
        # function's class calls Program.dispatch instead (see _use_c_dispatch).
        call_start = time.perf_counter() if self.profile is not None else 0.0
        output_subset = kwargs.pop("output_subset", None)
        if kwargs:
            args = self._merge_keywords(args, kwargs)
            partial = True
        else:
            partial = len(args) < self._n_explicit
        n_args = len(args)
        if n_args > self._n_explicit:
            raise TypeError(f"{self._label()} takes {self._n_explicit} input(s) "
                            f"({self._input_names()}), got {n_args} arguments")
        filters = self._filters
        if self.trust_input:
            for position in range(n_args):
                filters[position][0][0] = args[position]
        else:
            for position in range(n_args):
                cell, filt, strict, allow_downcast, label, vtype = filters[position]
                value = args[position]
                if value is _MISSING:
                    continue
                try:
                    cell[0] = filt(value, strict, allow_downcast)
                except (TypeError, ValueError) as exc:
                    raise type(exc)(f"input {label} of {self._label()}: {exc}") from None
        if partial:
            self._fill_defaults(args)
        if self._destroyed:
            self._separate_destroyed_inputs()
        start = time.perf_counter() if self.profile is not None else 0.0
        self.fn()
        vm_seconds = time.perf_counter() - start if self.profile is not None else 0.0
        outputs = [cell[0] for cell in self._output_cells]
        for input_cell, output_cell in self._update_pairs:
            input_cell[0] = output_cell[0]
        if self.profile is not None:
            # before the output cells are emptied: the profile reads the shapes of all values
            self.profile.record_call(self.fn, time.perf_counter() - call_start, vm_seconds)
        for cell in self._output_cells:
            cell[0] = None
        if len(outputs) > self._n_returned:
            del outputs[self._n_returned:]
        if output_subset is not None:
            outputs = [outputs[i] for i in output_subset]
        if self.return_none:
            return None
        if self.output_keys is not None:
            return dict(zip(self.output_keys, outputs))
        if self.unpack_single and len(outputs) == 1 and output_subset is None:
            return outputs[0]
        return outputs

    def _separate_destroyed_inputs(self) -> None:
        """An input the graph overwrites must not share memory with another input (the other
        one would change under its readers): give it a private copy."""
        import numpy as np

        cells = self._cells
        for i in self._destroyed:
            value = cells[i][0]
            if not isinstance(value, np.ndarray):
                continue
            for j, cell in enumerate(cells):
                other = cell[0]
                if j != i and isinstance(other, np.ndarray) and np.may_share_memory(value, other):
                    cells[i][0] = value.copy()
                    break

    def _merge_keywords(self, args: tuple, kwargs: dict) -> tuple:
        merged = list(args) + [_MISSING] * (self._n_explicit - len(args))
        for key, value in kwargs.items():
            position = self._name_to_index.get(key)
            if position is None:
                raise TypeError(f"Unknown input or state: {key}. {self._label()} has {len(self._name_to_index)} "
                                f"named inputs ({', '.join(self._name_to_index) or 'none'})")
            if merged[position] is not _MISSING:
                raise TypeError(f"Multiple values for input: {key}")
            merged[position] = value
        while merged and merged[-1] is _MISSING:
            merged.pop()
        return tuple(merged)

    def _fill_defaults(self, args: tuple) -> None:
        """Put default values in the cells of inputs not given in this call."""
        provided = [i < len(args) and args[i] is not _MISSING for i in range(self._n_explicit)]
        for position, cell_index in enumerate(self._explicit):
            if provided[position]:
                continue
            default = self._defaults[cell_index]
            if default is None:
                inp = self.maker.inputs[cell_index]
                raise TypeError(f"Missing required input: {inp.name or inp.variable} "
                                f"(input {position} of {self._label()})")
            value, has_update = default
            if not has_update:
                self._cells[cell_index][0] = value

    def _label(self) -> str:
        return f"function '{self.name}'" if self.name else "theano function"

    def _input_names(self) -> str:
        names = []
        for position, i in enumerate(self._explicit):
            inp = self.maker.inputs[i]
            names.append(inp.name or f"<input {position}>")
        return ", ".join(names)

    # -- introspection -------------------------------------------------------------------
    def __getitem__(self, item):
        return self.value[item]

    def __setitem__(self, item, value):
        self.value[item] = value

    def get_shared(self) -> list[SharedVariable]:
        return [inp.variable for inp in self.maker.inputs if isinstance(inp.variable, SharedVariable)]

    def free(self) -> None:
        """Drop every intermediate value the function holds (inputs and constants stay)."""
        keep = set(map(id, self._cells))
        for var, cell in self.fn.storage_map.items():
            if id(cell) not in keep and not isinstance(var, Constant):
                cell[0] = None

    def copy(self, share_memory: bool = False, swap: dict | None = None, delete_updates: bool = False,
             name: str | None = None, profile=None):
        """A new Function computing the same thing (recompiled; shared variables may be swapped)."""
        from theano.compile.function import pfunc

        maker = self.maker
        updates = [] if delete_updates else maker.original_updates
        givens = list(swap.items()) if swap else None
        fn = pfunc(list(maker.original_inputs), maker.original_outputs, mode=maker.mode, updates=updates,
                   givens=givens, name=name or self.name, profile=profile, on_unused_input="ignore",
                   accept_inplace=True, output_keys=maker.output_keys, unpack_single=maker.unpack_single,
                   return_none=maker.return_none)
        fn.trust_input = self.trust_input
        return fn

    def __reduce__(self):
        """Pickle the symbolic graph and the mode; unpickling compiles the function again (its
        shared variables come back as copies, shared by everything pickled with them)."""
        maker = self.maker
        options = {"accept_inplace": maker.accept_inplace, "name": self.name, "output_keys": maker.output_keys,
                   "unpack_single": maker.unpack_single, "return_none": maker.return_none,
                   "n_updates": len(maker.all_outputs) - len(maker.outputs), "on_unused_input": "ignore"}
        originals = (maker.original_inputs, maker.original_outputs, maker.original_updates)
        return _unpickle_function, (maker.inputs, maker.all_outputs, maker.mode, options, self.trust_input, originals)

    def __str__(self):
        return f"<theano.compile.function_module.Function {self.name or ''}>"

    __repr__ = __str__


_MISSING = object()


def _argument_filter(filt, strict: bool, allow_downcast, label: str):
    """The conversion the C call path applies to an argument that is not exactly of its type:
    the type's filter, with errors naming the input; unaligned arrays are copied (kernels
    read aligned elements)."""
    import numpy as np

    def convert(value):
        try:
            value = filt(value, strict, allow_downcast)
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"{label}: {exc}") from None
        if isinstance(value, np.ndarray) and not value.flags.aligned:
            value = value.copy()
        return value

    return convert


def _unpickle_function(inputs, outputs, mode, options: dict, trust_input: bool, originals: tuple) -> Function:
    maker = FunctionMaker(inputs, outputs, mode, **options)
    maker.original_inputs, maker.original_outputs, maker.original_updates = originals
    fn = maker.create()
    fn.trust_input = trust_input
    return fn


class _FunctionValues:
    """``f.value[x]``/``f[x]``: read or set the stored value of an input with a default."""

    def __init__(self, fn: Function):
        self._fn = fn

    def _index(self, item) -> int:
        for i, inp in enumerate(self._fn.maker.inputs):
            if item is inp.variable or item == inp.name or item is inp:
                return i
        if isinstance(item, int):
            return self._fn._explicit[item]
        raise KeyError(f"no input {item}")

    def __getitem__(self, item):
        return self._fn._cells[self._index(item)][0]

    def __setitem__(self, item, value):
        i = self._index(item)
        inp = self._fn.maker.inputs[i]
        self._fn._cells[i][0] = inp.variable.type.filter(value, inp.strict, inp.allow_downcast)
        default = self._fn._defaults[i]
        if default is not None and not default[1]:
            self._fn._defaults[i] = (self._fn._cells[i][0], False)

    def __contains__(self, item):
        try:
            self._index(item)
            return True
        except KeyError:
            return False


class FunctionMaker:
    """Builds the FunctionGraph of a function, rewrites it, and links it into a VM."""

    def __init__(self, inputs: Sequence[SymbolicInput], outputs: Sequence[SymbolicOutput], mode,
                 accept_inplace: bool = False, profile=None, on_unused_input: str | None = None,
                 name: str | None = None, output_keys=None, unpack_single: bool = True, return_none: bool = False,
                 n_updates: int = 0):
        import theano
        from theano.compile.mode import get_mode

        construct_start = time.perf_counter()
        self.mode = get_mode(mode)
        self._prefetch_runtime()
        self.inputs = list(inputs)
        self.outputs = list(outputs[: len(outputs) - n_updates])
        self.all_outputs = list(outputs)
        self.accept_inplace = accept_inplace
        self.profile = profile
        self.name = name
        self.output_keys = output_keys
        self.unpack_single = unpack_single
        self.return_none = return_none
        self.on_unused_input = on_unused_input or theano.config.on_unused_input
        self.original_inputs: list = []
        self.original_outputs: Any = None
        self.original_updates: list = []

        in_vars = [inp.variable for inp in self.inputs]
        out_vars = [out.variable for out in self.all_outputs]
        self._check_unused_inputs(in_vars, out_vars)
        cache_key = graph_cache.signature(in_vars, out_vars, self._rewrite_settings())
        cached = graph_cache.lookup(cache_key, in_vars, out_vars)
        if cached is not None:
            self.fgraph, self.destroyed_input_indices = cached
            self.optimization_time = 0.0
        else:
            self._rewrite(in_vars, out_vars, accept_inplace)
            graph_cache.store(cache_key, self.fgraph, self.destroyed_input_indices, in_vars, out_vars)
        self.linker = self.mode.linker
        self.linker_time = 0.0  # measured by create()
        self.construction_time = time.perf_counter() - construct_start

    def _prefetch_runtime(self) -> None:
        """On the C backend, start loading (on a new machine: compiling) the C runtime module in a
        thread now, so that it overlaps the rewrites."""
        from theano.link.c import compiler
        from theano.link.c.linker import C_LINKERS

        if self.mode.linker in C_LINKERS and compiler.have_compiler():
            from theano.link.c.runtime import prefetch_runtime_module

            prefetch_runtime_module()

    def _rewrite_settings(self) -> tuple:
        """Everything besides the graph that decides what the rewrites produce (part of the key
        of :mod:`theano.compile.graph_cache`)."""
        import theano

        mode = self.mode
        config = theano.config
        inputs = tuple((inp.mutable, bool(inp.borrow), inp.shared, inp.implicit,
                        isinstance(inp, In) and inp.has_default, inp.update is not None) for inp in self.inputs)
        outputs = tuple(bool(out.borrow) for out in self.all_outputs)
        from theano.graph.rewriting.db import registrations
        from theano.link.c.linker import C_LINKERS

        if mode.linker in C_LINKERS:
            # linking loads the kernel generators, whose imports may register rewrites: load them
            # now, or the next compilation of this graph would miss the cache
            from theano.link.c.kernels import load_generators

            load_generators()

        return (type(mode), mode.optimizer, mode.included, mode.excluded, mode.required, config.optimizer_including,
                config.optimizer_excluding, config.optimizer_requiring, self.accept_inplace, inputs, outputs,
                registrations[0])

    def _rewrite(self, in_vars, out_vars, accept_inplace: bool) -> None:
        """Clone the graph into a FunctionGraph, rewrite it, and protect what must not alias."""
        fgraph = FunctionGraph(in_vars, out_vars, clone=True)
        has_inplace = any(getattr(node.op, "destroy_map", None) for node in fgraph.apply_nodes)
        if has_inplace and not accept_inplace:
            for node in fgraph.apply_nodes:
                if getattr(node.op, "destroy_map", None):
                    raise TypeError(f"Graph must not contain inplace operations: {node}. Pass accept_inplace=True "
                                    "to theano.function if you know what you are doing.")
        self._protect_inputs(fgraph, has_inplace)
        rewriter = self.mode.rewriter()
        start = time.perf_counter()
        if rewriter is not None:
            # Rewriting allocates many small objects that live until the end of the pass; the
            # cyclic collector would walk them again and again (a third of rewrite time).
            gc_was_enabled = gc.isenabled()
            gc.disable()
            try:
                rewriter(fgraph)
            finally:
                if gc_was_enabled:
                    gc.enable()
        self.optimization_time = time.perf_counter() - start
        insert_deepcopy(fgraph, self.inputs, self.all_outputs)
        self.destroyed_input_indices = [fgraph.inputs.index(var) for var in _destroyed_inputs(fgraph)]
        self.fgraph = fgraph

    def _protect_inputs(self, fgraph, has_inplace: bool) -> None:
        """Tell the destroy handler which inputs no rewrite may overwrite.

        Protected: inputs not declared mutable, and inputs with a default value that no update
        replaces (the default is reused by the next call). Shared variables are mutable only
        when they have an update: their old value may then be overwritten once every other
        reader of it in the function has run. Inputs that the user's own inplace ops
        (``accept_inplace``) overwrite are not protected.
        """
        handler = None
        if has_inplace:
            handler = DestroyHandler()
            fgraph.attach_feature(handler)
        protected = []
        for inp, var in zip(self.inputs, fgraph.inputs):
            reused_default = isinstance(inp, In) and inp.has_default and inp.update is None and not inp.shared
            if (inp.mutable and not reused_default) or (handler is not None and handler.has_destroyers([var])):
                continue
            protected.append(var)
        fgraph.attach_feature(Supervisor(protected))
        if handler is not None:
            handler.validate(fgraph)

    def _check_unused_inputs(self, in_vars, out_vars) -> None:
        if self.on_unused_input == "ignore":
            return
        used = set(ancestors(out_vars + [inp.update for inp in self.inputs if inp.update is not None]))
        for position, inp in enumerate(self.inputs):
            if inp.variable in used or inp.implicit:
                continue
            msg = (f"theano.function was asked to create a function computing outputs given certain inputs, but "
                   f"the provided input variable at index {position} is not part of the computational graph "
                   f"needed to compute the outputs: {inp.variable}.\nTo make this error into a warning, you can "
                   "pass the parameter on_unused_input='warn' to theano.function. To disable it completely, use "
                   "on_unused_input='ignore'.")
            if self.on_unused_input == "warn":
                warnings.warn(msg, stacklevel=6)
            elif self.on_unused_input == "raise":
                raise UnusedInputError(msg)
            else:
                raise ValueError(f"Invalid value for on_unused_input: {self.on_unused_input!r}")

    def create(self, input_storage: Sequence[Any] | None = None, trustme: bool = False) -> Function:
        """Make the callable: input cells (shared variables use their containers), the VM, updates."""
        import theano
        from theano.link.c.linker import C_LINKERS, build_cvm, c_backend_available, warn_no_compiler
        from theano.link.vm import build_vm

        fgraph = self.fgraph
        cells = []
        defaults = []
        for inp in self.inputs:
            if isinstance(inp.variable, SharedVariable) and inp.shared:
                cell = inp.variable.container.storage
                defaults.append((None, True))
            elif isinstance(inp, In) and inp.has_default:
                value = inp.value
                if isinstance(value, SharedVariable):
                    cell = value.container.storage
                    defaults.append((None, True))
                else:
                    filtered = inp.variable.type.filter(value, inp.strict, inp.allow_downcast)
                    cell = [filtered]
                    defaults.append((filtered, inp.update is not None))
            else:
                cell = [None]
                defaults.append(None)
            cells.append(cell)
        profile = self.profile
        if profile is True or (profile is None and theano.config.profile):
            from theano.compile.profiling import ProfileStats, caller_location

            profile = ProfileStats(message=self.name or caller_location())
        elif profile is False:
            profile = None
        checker = getattr(self.mode, "node_checker", None)
        vm = None
        allow_gc = theano.config.allow_gc
        link_start = time.perf_counter()
        if checker is None and self.mode.linker in C_LINKERS:
            if c_backend_available():
                allow_gc = allow_gc and not str(self.mode.linker).endswith("_nogc")
                # a profiled program keeps its intermediate results: the profile reads their shapes
                vm, output_cells = build_cvm(fgraph, cells, allow_gc=allow_gc and profile is None)
                if profile is not None:
                    vm.program.profiling = 1
            else:
                warn_no_compiler()
        if vm is None:
            vm, output_cells = build_vm(fgraph, cells, allow_gc=allow_gc, profile=profile,
                                        node_checker=checker() if checker is not None else None)
        self.linker_time = time.perf_counter() - link_start
        if profile is not None:
            profile.record_link(self, vm, allow_gc)
        update_pairs = []
        n_out = len(self.outputs)
        update_inputs = [i for i, inp in enumerate(self.inputs) if inp.update is not None]
        for k, i in enumerate(update_inputs):
            update_pairs.append((cells[i], output_cells[n_out + k]))
        fn = Function(self, cells, output_cells, vm, defaults, update_pairs, self.output_keys, self.unpack_single,
                      self.return_none, self.name, profile=profile)
        return fn
