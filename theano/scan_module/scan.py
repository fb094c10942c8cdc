"""``theano.scan``: loops written as a function applied step by step (Theano 1.0's API).

The user's function is called once, on symbolic variables standing for one step (a slice of
each sequence, the previous values of each recurrent output, the non-sequences); what it
returns becomes the inner graph of a :class:`~theano.scan_module.scan_op.Scan` node.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from theano.compile.sharedvalue import SharedVariable
from theano.graph.basic import Variable, clone_replace, graph_inputs
from theano.scan_module.scan_op import Scan, ScanInfo
from theano.scan_module.scan_utils import (
    free_variables,
    get_updates_and_outputs,
    safe_new,
    shared_state_frontier,
    until,
    wrap_into_list,
)
from theano.updates import OrderedUpdates

__all__ = ["scan", "until"]


def _tap_name(name: str | None, k: int) -> str | None:
    if name is None:
        return None
    if k > 0:
        return f"{name}[t+{k}]"
    if k == 0:
        return f"{name}[t]"
    return f"{name}[t{k}]"


def _entry_type(x: Variable):
    """The type of one entry of ``x`` along its first axis."""
    from theano.tensor.type import TensorType

    return TensorType(x.type.dtype, x.type.broadcastable[1:])


def _transfer_test_value(inner: Variable, outer: Variable, index: int | None) -> None:
    """With ``config.compute_test_value`` on, give an inner variable the test value of the
    entry ``index`` of ``outer`` (or all of it), so the user's function can be traced."""
    import theano

    if theano.config.compute_test_value == "off":
        return
    try:
        value = outer.get_test_value()
    except AttributeError:
        return
    inner.tag.test_value = value if index is None else value[index]


def _normalize_sequences(sequences: Any) -> list[dict]:
    from theano.tensor.basic import as_tensor_variable

    seqs = []
    for seq in wrap_into_list(sequences):
        if isinstance(seq, dict):
            if "input" not in seq:
                raise ValueError(f"a sequence given as a dict needs an 'input' entry, got keys {list(seq)}")
            taps = seq.get("taps")
            taps = [0] if taps is None else [int(k) for k in wrap_into_list(taps)]
            seqs.append({"input": as_tensor_variable(seq["input"]), "taps": taps})
        else:
            seqs.append({"input": as_tensor_variable(seq), "taps": [0]})
    for seq in seqs:
        if seq["input"].ndim < 1:
            raise ValueError(f"a sequence of scan must have at least one dimension to iterate over: {seq['input']}")
    return seqs


def _normalize_outputs_info(outputs_info: Any) -> list[dict]:
    from theano.tensor.basic import as_tensor_variable

    infos = []
    for i, item in enumerate(wrap_into_list(outputs_info)):
        if item is None:
            infos.append({})
            continue
        if isinstance(item, dict):
            if item.get("return_steps") is not None:
                raise ValueError("Using `return_steps` has been deprecated. Simply select the entries you need using "
                                 "a subtensor. Scan will optimize memory consumption, so do not worry about that.")
            initial = item.get("initial")
            taps = item.get("taps")
            if initial is None:
                if taps:
                    raise ValueError(f"If you are using slices of an output you need to provide a initial state for "
                                     f"it (outputs_info entry {i}: {item})")
                infos.append({})
                continue
            taps = [-1] if taps is None else [int(k) for k in wrap_into_list(taps)]
            if not taps:
                infos.append({})
                continue
        else:
            initial, taps = item, [-1]
        if any(k >= 0 for k in taps):
            raise ValueError(f"Can not use future taps of outputs (outputs_info entry {i} has taps {taps}); an "
                             "output's taps must be negative")
        infos.append({"initial": as_tensor_variable(initial), "taps": taps})
    return infos


def _n_steps_variable(n_steps: Any) -> Variable | None:
    from theano.tensor.basic import as_tensor_variable

    if n_steps is None:
        return None
    if isinstance(n_steps, float):
        if np.isnan(n_steps) or np.isinf(n_steps):
            return None
        n_steps = int(n_steps)
    n_steps = as_tensor_variable(n_steps)
    if n_steps.ndim != 0 or n_steps.dtype[0] not in "iu":
        raise ValueError(f"n_steps must be an int. dtype provided is {n_steps.dtype}")
    return n_steps


def _state_output(out: Variable, tap_var: Variable, index: int) -> Variable:
    """The inner output of recurrent output ``index`` as the type of its tap inputs."""
    from theano.tensor.basic import as_tensor_variable, patternbroadcast

    out = as_tensor_variable(out)
    want = tap_var.type
    if out.type == want:
        return out
    if out.type.dtype != want.dtype:
        raise TypeError(f"scan: the initial state (outputs_info) of output {index} has dtype {want.dtype}, while the "
                        f"result of the inner function (fn) for it has dtype {out.type.dtype}. Cast one of them "
                        "(e.g. T.cast(result, initial.dtype)).")
    if out.type.ndim != want.ndim:
        raise ValueError(f"scan: the initial state (outputs_info) of output {index} has {want.ndim} dimensions, "
                         f"while the result of the inner function (fn) for it has {out.type.ndim}")
    return patternbroadcast(out, want.broadcastable)


def scan(fn: Callable, sequences=None, outputs_info=None, non_sequences=None, n_steps=None,
         truncate_gradient: int = -1, go_backwards: bool = False, mode=None, name: str | None = None,
         profile=False, allow_gc=None, strict: bool = False, return_list: bool = False):
    """Apply ``fn`` step by step over sequences, feeding back its outputs (Theano 1.0's scan).

    Parameters
    ----------
    fn : callable
        Builds one step. It receives, in order: for each sequence, one slice per tap; for each
        output with an initial state, one previous value per tap; then the non-sequences. It
        returns the step's outputs, and optionally a dict of shared-variable updates and an
        :class:`until` condition: ``outputs``, ``(outputs, updates)``, ``(outputs, until(c))``
        or ``(outputs, updates, until(c))``.
    sequences : variable, dict or list of them
        Iterated along their first axis. A dict ``{'input': x, 'taps': [-1, 0, 2]}`` passes
        several slices per step (``x[t-1]``, ``x[t]``, ``x[t+2]``).
    outputs_info : variable, dict, None or list of them
        For each output of ``fn``: its initial state (a variable: tap -1), a dict
        ``{'initial': x0, 'taps': [-2, -1]}`` (``x0`` holds the first ``max(-taps)`` values),
        or None for an output that is not fed back.
    non_sequences : list
        Passed unchanged to every step.
    n_steps : int or integer scalar variable, optional
        The number of steps (required when there are no sequences); a negative constant runs
        backwards in time.
    truncate_gradient : int
        Steps of backpropagation through time (-1: all of them).
    go_backwards : bool
        Iterate the sequences from the end.
    mode : str or Mode, optional
        How to compile the inner function (default: the default mode).
    name : str, optional
        A name for the loop (shown by printing and profiling).
    profile, allow_gc
        Accepted for compatibility.
    strict : bool
        Raise if ``fn`` uses a variable (shared or not) that is not passed explicitly.
    return_list : bool
        Always return a list of outputs.

    Returns
    -------
    outputs : variable or list of variables
        Each output stacked over the steps (without the initial values of recurrent outputs).
    updates : OrderedUpdates
        The final values of the shared variables the loop updates; pass them to
        ``theano.function(..., updates=updates)``.
    """
    seqs = _normalize_sequences(sequences)
    outs_info = _normalize_outputs_info(outputs_info)
    non_seqs = []
    for elem in wrap_into_list(non_sequences):
        if isinstance(elem, Variable):
            non_seqs.append(elem)
        else:
            from theano.tensor.basic import as_tensor_variable

            non_seqs.append(as_tensor_variable(elem))
    n_steps_var = _n_steps_variable(n_steps)
    if n_steps_var is not None:
        from theano.tensor.basic import NotScalarConstantError, get_scalar_constant_value

        try:
            fixed = int(get_scalar_constant_value(n_steps_var))
        except NotScalarConstantError:
            fixed = None
        if fixed is not None and fixed < 0:
            # Theano 1.0: a negative number of steps runs backwards in time
            n_steps_var, go_backwards = _n_steps_variable(-fixed), not go_backwards
    truncate_gradient = int(truncate_gradient)
    if truncate_gradient == 0 or truncate_gradient < -1:
        raise ValueError(f"truncate_gradient must be -1 (no truncation) or a positive number of steps, got "
                         f"{truncate_gradient}")

    # -- sequences: one inner slice and one cut outer sequence per tap ------------------------
    inner_seqs, outer_seqs = [], []
    for seq in seqs:
        x = seq["input"]
        taps = seq["taps"]
        low, high = min(min(taps), 0), max(max(taps), 0)
        for k in taps:
            inner = _entry_type(x)()
            inner.name = _tap_name(x.name, k)
            _transfer_test_value(inner, x, k - low)
            start = k - low
            cut = x[start:] if k == high else x[start:-(high - k)]
            if go_backwards:
                cut = cut[::-1]
            inner_seqs.append(inner)
            outer_seqs.append(cut)
    if n_steps_var is None:
        if not outer_seqs:
            raise ValueError("No information about the number of steps provided. Either provide a value for n_steps "
                             "argument of scan or provide an input sequence")
        from theano.tensor.math import minimum

        actual_n_steps = outer_seqs[0].shape[0]
        for cut in outer_seqs[1:]:
            actual_n_steps = minimum(actual_n_steps, cut.shape[0])
    else:
        actual_n_steps = n_steps_var
    outer_seqs = [cut[:actual_n_steps] for cut in outer_seqs]

    # -- recurrent outputs: one inner variable per tap ----------------------------------------
    state_args: list[list[Variable]] = []
    for info in outs_info:
        if "initial" not in info:
            state_args.append([])
            continue
        init = info["initial"]
        taps = info["taps"]
        lag = -min(taps)
        args = []
        for k in taps:
            if taps == [-1]:
                arg = init.type()
                _transfer_test_value(arg, init, None)
            else:
                arg = _entry_type(init)()
                _transfer_test_value(arg, init, k + lag)
            arg.name = _tap_name(init.name, k)
            args.append(arg)
        state_args.append(args)

    # -- call the user's function -----------------------------------------------------------
    fn_args = list(inner_seqs) + [a for args in state_args for a in args] + list(non_seqs)
    condition, outputs, updates = get_updates_and_outputs(fn(*fn_args))
    from theano.tensor.basic import as_tensor_variable

    outputs = [as_tensor_variable(o) for o in outputs]
    if not outs_info:
        outs_info = [{} for _ in outputs]
        state_args = [[] for _ in outputs]
    if len(outputs) != len(outs_info):
        raise ValueError(f"Please provide None as outputs_info for any output that does not feed back into scan (i.e. "
                         f"it behaves like a map): the inner function returned {len(outputs)} outputs and "
                         f"outputs_info has {len(outs_info)} entries")
    state_ids = [i for i, info in enumerate(outs_info) if "initial" in info]
    nit_ids = [i for i, info in enumerate(outs_info) if "initial" not in info]
    state_outs = [_state_output(outputs[i], state_args[i][0], i) for i in state_ids]
    nit_outs = [outputs[i] for i in nit_ids]

    # -- shared variables: updated ones become shared states ----------------------------------
    explicit_inner = fn_args
    update_pairs: list[tuple[SharedVariable, Variable]] = []
    for var, value in updates.items():
        if not isinstance(var, SharedVariable):
            raise TypeError(f"scan: the updates returned by the inner function must have shared variables as keys, "
                            f"got {var}")
        from theano.compile.function import _check_update

        update_pairs.append((var, _check_update(var, value)))
    updated = {var for var, _ in update_pairs}
    roots = state_outs + nit_outs + [v for _, v in update_pairs] + ([condition] if condition is not None else [])
    pending = [v for v in graph_inputs(roots, blockers=explicit_inner) if isinstance(v, SharedVariable)]
    while pending:
        var = pending.pop()
        default = getattr(var, "default_update", None)
        if default is None or var in updated:
            continue
        from theano.compile.function import _check_update

        default = _check_update(var, default)
        update_pairs.append((var, default))
        updated.add(var)
        pending += [v for v in graph_inputs([default], blockers=explicit_inner) if isinstance(v, SharedVariable)]
    shared_states = [var for var, _ in update_pairs]
    shared_new = [value for _, value in update_pairs]
    # values drawn from shared states (random streams) are recorded for the gradient
    aux_outs = shared_state_frontier(state_outs + nit_outs, shared_states) if shared_states else []
    roots = state_outs + nit_outs + aux_outs + shared_new + ([condition] if condition is not None else [])

    # -- everything else the inner graph reads becomes a non-sequence --------------------------
    free = free_variables(roots, explicit_inner, set(shared_states))
    if strict:
        implicit = [v for v in free if v not in non_seqs]
        implicit += [v for v in shared_states if v not in non_seqs]
        if implicit:
            raise ValueError(f"scan with strict=True: the inner function uses {', '.join(map(str, implicit))}, "
                             "which is not passed to it (give it in non_sequences)")
    implicit_free = [v for v in free if v not in set(non_seqs) and v not in set(shared_states)]
    outer_non_seqs = [v for v in non_seqs if v not in set(shared_states)] + implicit_free
    replace: dict[Variable, Variable] = {}
    inner_shared = []
    for var in shared_states:
        new = safe_new(var)
        replace[var] = new
        inner_shared.append(new)
    inner_non_seqs = []
    for var in outer_non_seqs:
        new = replace.get(var)
        if new is None:
            new = replace[var] = safe_new(var)
        inner_non_seqs.append(new)
    inner_outputs = clone_replace(roots, replace=replace, strict=False) if roots else []
    # an inner output that is an input itself (or a constant) works: the compiled function copies it

    state_taps = tuple(tuple(outs_info[i]["taps"]) for i in state_ids)
    inner_inputs = list(inner_seqs) + [a for i in state_ids for a in state_args[i]] + inner_shared + inner_non_seqs
    n_nit = len(nit_ids) + len(aux_outs)
    info = ScanInfo(n_seqs=len(inner_seqs), state_taps=state_taps, n_nit_sot=n_nit,
                    n_shared=len(shared_states), n_non_seqs=len(inner_non_seqs), as_while=condition is not None,
                    truncate_gradient=truncate_gradient, aux_nit=tuple(range(len(nit_ids), n_nit)))
    op = Scan(inner_inputs, inner_outputs, info, mode=mode, name=name, profile=profile)
    outer_states = []
    for i in state_ids:
        init = outs_info[i]["initial"]
        taps = outs_info[i]["taps"]
        if taps == [-1]:
            from theano.tensor.basic import shape_padleft, unbroadcast

            outer_states.append(unbroadcast(shape_padleft(init), 0))
        else:
            outer_states.append(init[:-min(taps)])
    if not inner_outputs:
        raise ValueError("scan: the inner function returned no outputs and no updates")
    results = op(actual_n_steps, *outer_seqs, *outer_states, *shared_states, *outer_non_seqs, return_list=True)

    # -- what the user gets ---------------------------------------------------------------------
    user_outputs: list[Variable | None] = [None] * len(outputs)
    for k, i in enumerate(state_ids):
        lag = -min(outs_info[i]["taps"])
        user_outputs[i] = results[k][lag:]
    for j, i in enumerate(nit_ids):
        user_outputs[i] = results[len(state_ids) + j]
    update_results = OrderedUpdates()
    for k, var in enumerate(shared_states):
        update_results[var] = results[len(state_ids) + n_nit + k]
    if name is not None:
        for k, out in enumerate(user_outputs):
            if out is not None and out.name is None:
                out.name = f"{name}[{k}]" if len(user_outputs) > 1 else name
    if return_list:
        return user_outputs, update_results
    if len(user_outputs) == 1:
        return user_outputs[0], update_results
    if not user_outputs:
        return None, update_results
    return user_outputs, update_results

