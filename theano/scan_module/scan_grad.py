"""Differentiating a Scan node: which outputs depend on which inputs, backpropagation through
time (``L_op``), and forward-mode derivatives (``R_op``).

Backpropagation through time is another scan, over the forward steps in reverse order. For a
recurrent state with taps ``k`` (negative, largest lag ``L``) it carries an array ``c`` of ``L``
pending gradients: before reverse step ``t``, ``c[j]`` is the part of the gradient of the cost
with respect to the state's value of step ``t - j`` that later steps contributed. The step adds
the gradient arriving from outside (the user's use of the output) to ``c[0]``, backpropagates
it through one step of the inner graph, and shifts ``c`` by one, adding the gradient of each
tap input ``k`` into the entry of step ``t + k``. After the first step, ``c`` holds the
gradient of the initial entries. Non-sequences accumulate their gradient in a running sum;
sequences get one gradient per step.
"""

from __future__ import annotations

from collections.abc import Sequence

from theano.graph.basic import Variable, ancestors, clone_replace

__all__ = ["connection_pattern", "scan_l_op", "scan_r_op"]


def _is_float(var: Variable) -> bool:
    dtype = getattr(var.type, "dtype", None)
    return dtype is not None and hasattr(var.type, "ndim") and dtype.startswith(("float", "complex"))


def _outer_input_of_inner(info) -> list[int]:
    """For each inner input, the position of the outer input that feeds it."""
    positions = [1 + j for j in range(info.n_seqs)]
    for s, taps in enumerate(info.state_taps):
        positions += [1 + info.n_seqs + s] * len(taps)
    base = 1 + info.n_seqs + info.n_states
    positions += [base + k for k in range(info.n_shared)]
    base += info.n_shared
    positions += [base + k for k in range(info.n_non_seqs)]
    return positions


def _feedback_output_of_inner(info) -> list[int | None]:
    """For each inner input, the outer output whose previous values it reads (None: none)."""
    feedback: list[int | None] = [None] * info.n_seqs
    for s, taps in enumerate(info.state_taps):
        feedback += [s] * len(taps)
    feedback += [info.n_states + info.n_nit_sot + k for k in range(info.n_shared)]
    feedback += [None] * info.n_non_seqs
    return feedback


def connection_pattern(op, node) -> list[list[bool]]:
    """``pattern[i][j]``: whether outer output ``j`` depends on outer input ``i`` (through any
    number of steps)."""
    info = op.info
    inner_in = op.inner_inputs
    inner_out = op.inner_outputs[:info.n_outputs]
    index = {var: i for i, var in enumerate(inner_in)}
    outer_of = _outer_input_of_inner(info)
    feedback = _feedback_output_of_inner(info)
    direct: list[set[int]] = []
    through: list[set[int]] = []
    for out in inner_out:
        used = {index[v] for v in ancestors([out]) if v in index}
        direct.append({outer_of[i] for i in used})
        through.append({feedback[i] for i in used if feedback[i] is not None})
    deps = [set(d) for d in direct]
    for k in range(info.n_states):
        deps[k].add(1 + info.n_seqs + k)  # the buffer starts with the initial entries
    for k in range(info.n_shared):
        deps[info.n_states + info.n_nit_sot + k].add(1 + info.n_seqs + info.n_states + k)
    changed = True
    while changed:
        changed = False
        for j, sources in enumerate(through):
            for p in sources:
                if not deps[p] <= deps[j]:
                    deps[j] |= deps[p]
                    changed = True
    pattern = [[False] * len(node.outputs) for _ in node.inputs]
    for j, found in enumerate(deps):
        pattern[0][j] = True
        for i in found:
            pattern[i][j] = True
    return pattern


def _not_differentiable(op, inputs, why: str) -> list:
    from theano.gradient import grad_not_implemented

    return [grad_not_implemented(op, i, x, why) for i, x in enumerate(inputs)]


def _full_buffer(user_output: Variable) -> Variable:
    """The whole buffer (initial entries included) behind a recurrent output of :func:`scan`."""
    return user_output.owner.inputs[0]


def scan_l_op(op, inputs: Sequence[Variable], outputs: Sequence[Variable], output_grads: Sequence[Variable]) -> list:
    """Backpropagation through time: the gradient of each outer input, as another scan."""
    import theano.tensor as T
    from theano.gradient import DisconnectedType, grad
    from theano.scan_module.scan import scan

    info = op.info
    if info.as_while:
        return _not_differentiable(op, inputs, "the gradient of a scan with an until condition is not implemented")
    if any(m is not None for m in info.mem_limits):
        return _not_differentiable(op, inputs, "differentiate scan before the save-memory rewrite")
    n = inputs[0]
    seqs = info.outer_seqs(inputs)
    inits = info.outer_states(inputs)
    shared_inits = info.outer_shared(inputs)
    non_seqs = info.outer_non_seqs(inputs)
    n_states, n_nit = info.n_states, info.n_nit_sot
    inner_in = op.inner_inputs
    inner_seqs = info.inner_seqs(inner_in)
    inner_taps = info.inner_state_taps(inner_in)
    inner_shared = info.inner_shared(inner_in)
    inner_non_seqs = info.inner_non_seqs(inner_in)
    inner_out = op.inner_outputs[:n_states + n_nit]
    lags = info.lags

    truncate = info.truncate_gradient
    steps = n if truncate == -1 else T.minimum(n, truncate)
    start = n - steps

    float_states = [s for s in range(n_states) if _is_float(outputs[s])]
    float_nits = [j for j in range(n_nit) if _is_float(outputs[n_states + j]) and j not in info.aux_nit]
    aux_inner = [inner_out[n_states + j] for j in info.aux_nit]
    float_seqs = [j for j in range(info.n_seqs) if _is_float(seqs[j])]
    float_non_seqs = [k for k in range(info.n_non_seqs) if _is_float(non_seqs[k])]

    # sequences of the reverse loop, each reversed: forward inputs and outputs, output gradients
    rev_seqs = [seqs[j][start:n][::-1] for j in range(info.n_seqs)]
    for s, taps in enumerate(info.state_taps):
        buf = outputs[s]
        for k in taps:
            rev_seqs.append(buf[lags[s] + k + start:lags[s] + k + n][::-1])
    for s in float_states:
        rev_seqs.append(output_grads[s][lags[s] + start:lags[s] + n][::-1])
    for j in float_nits:
        rev_seqs.append(output_grads[n_states + j][start:n][::-1])
    for j in info.aux_nit:
        rev_seqs.append(outputs[n_states + j][start:n][::-1])
    n_rev_seqs = len(rev_seqs)
    carry_inits = [T.zeros_like(inits[s]) for s in float_states] + [T.zeros_like(non_seqs[k]) for k in float_non_seqs]
    outputs_info = carry_inits + [None] * len(float_seqs)
    rev_non_seqs = list(non_seqs) + list(shared_inits)

    def backward_step(*args):
        args = list(args)
        seq_args = args[:n_rev_seqs]
        carries = args[n_rev_seqs:n_rev_seqs + len(carry_inits)]
        outer_args = args[n_rev_seqs + len(carry_inits):]
        x_args = seq_args[:info.n_seqs]
        pos = info.n_seqs
        tap_args = []
        for taps in info.state_taps:
            tap_args.append(seq_args[pos:pos + len(taps)])
            pos += len(taps)
        gy_args = seq_args[pos:pos + len(float_states)]
        pos += len(float_states)
        gnit_args = seq_args[pos:pos + len(float_nits)]
        aux_args = seq_args[pos + len(float_nits):]
        ns_args = outer_args[:info.n_non_seqs]
        shared_args = outer_args[info.n_non_seqs:]
        replace = dict(zip(inner_seqs, x_args))
        for inner_group, arg_group in zip(inner_taps, tap_args):
            replace.update(zip(inner_group, arg_group))
        replace.update(zip(inner_shared, shared_args))
        replace.update(zip(inner_non_seqs, ns_args))
        replace.update(zip(aux_inner, aux_args))  # recorded draws, not new ones
        outs = clone_replace(inner_out, replace=replace, strict=False)
        state_carries = carries[:len(float_states)]
        acc_carries = carries[len(float_states):]
        known: dict = {}

        def add_known(var, g):
            known[var] = known[var] + g if var in known else g

        for s, gy, c in zip(float_states, gy_args, state_carries):
            add_known(outs[s], gy + c[0])
        for j, g in zip(float_nits, gnit_args):
            add_known(outs[n_states + j], g)
        wrt = [x_args[j] for j in float_seqs]
        tap_wrt = []
        for s in float_states:
            tap_wrt += list(tap_args[s])
        ns_wrt = [ns_args[k] for k in float_non_seqs]
        grads = grad(None, wrt + tap_wrt + ns_wrt, known_grads=known, disconnected_inputs="ignore",
                     return_disconnected="zero") if known else [T.zeros_like(v) for v in wrt + tap_wrt + ns_wrt]
        seq_grads = grads[:len(wrt)]
        tap_grads = grads[len(wrt):len(wrt) + len(tap_wrt)]
        ns_grads = grads[len(wrt) + len(tap_wrt):]
        new_carries = []
        pos = 0
        for s, c in zip(float_states, state_carries):
            lag = lags[s]
            shifted = T.zeros_like(c) if lag == 1 else T.concatenate([c[1:], T.zeros_like(c[:1])])
            for k in info.state_taps[s]:
                shifted = T.inc_subtensor(shifted[-1 - k], tap_grads[pos])
                pos += 1
            new_carries.append(shifted)
        for acc, g in zip(acc_carries, ns_grads):
            new_carries.append(acc + g)
        return new_carries + list(seq_grads)

    name = f"grad_of_{op.name}" if op.name else "grad_of_scan"
    rev_outputs, rev_updates = scan(backward_step, sequences=rev_seqs, outputs_info=outputs_info,
                                    non_sequences=rev_non_seqs, n_steps=steps, mode=op.mode, name=name,
                                    return_list=True)
    finals = [_full_buffer(out)[-1] for out in rev_outputs[:len(carry_inits)]]
    seq_grad_steps = rev_outputs[len(carry_inits):]

    result: list = [DisconnectedType()()]
    for j, seq in enumerate(seqs):
        if j in float_seqs:
            g = seq_grad_steps[float_seqs.index(j)][::-1]
            result.append(T.set_subtensor(T.zeros_like(seq)[start:n], g))
        else:
            result.append(DisconnectedType()())
    for s in range(len(inits)):
        if s not in float_states:
            result.append(DisconnectedType()())
            continue
        from_steps = finals[float_states.index(s)][::-1]
        if truncate != -1:
            from_steps = from_steps * T.cast(T.eq(start, 0), from_steps.dtype)
        result.append(output_grads[s][:lags[s]] + from_steps)
    for _ in shared_inits:
        result.append(DisconnectedType()())
    for k, _ns in enumerate(non_seqs):
        if k in float_non_seqs:
            result.append(finals[len(float_states) + float_non_seqs.index(k)])
        else:
            result.append(DisconnectedType()())
    return result


def scan_r_op(op, inputs: Sequence[Variable], eval_points: Sequence[Variable | None]) -> list:
    """Forward-mode derivatives: a scan computing the outputs and their tangents together."""
    import theano.tensor as T
    from theano.gradient import Rop
    from theano.scan_module.scan import scan

    info = op.info
    if info.as_while or any(m is not None for m in info.mem_limits):
        raise NotImplementedError("R_op of a scan with an until condition or limited memory")
    n = inputs[0]
    seqs = info.outer_seqs(inputs)
    inits = info.outer_states(inputs)
    shared_inits = info.outer_shared(inputs)
    non_seqs = info.outer_non_seqs(inputs)
    n_states, n_nit = info.n_states, info.n_nit_sot
    inner_in = op.inner_inputs
    inner_out = op.inner_outputs[:n_states + n_nit]

    def point(i: int, var: Variable) -> Variable:
        ev = eval_points[i]
        if ev is None or not _is_float(var):
            return T.zeros_like(var, dtype=var.dtype) if _is_float(var) else None
        return ev

    seq_points = [point(1 + j, x) for j, x in enumerate(seqs)]
    init_points = [point(1 + info.n_seqs + s, x) for s, x in enumerate(inits)]
    ns_points = [point(1 + info.n_seqs + n_states + info.n_shared + k, x) for k, x in enumerate(non_seqs)]
    float_seqs = [j for j, p in enumerate(seq_points) if p is not None]
    float_states = [s for s, p in enumerate(init_points) if p is not None]
    float_ns = [k for k, p in enumerate(ns_points) if p is not None]
    sequences = list(seqs) + [seq_points[j] for j in float_seqs]
    def initial(buffer: Variable, taps: tuple) -> dict:
        # scan() takes a single value for a state with tap -1, the first entries otherwise
        return dict(initial=buffer[0] if list(taps) == [-1] else buffer, taps=list(taps))

    outputs_info = [initial(init, taps) for init, taps in zip(inits, info.state_taps)]
    outputs_info += [initial(init_points[s], info.state_taps[s]) for s in float_states]
    outputs_info += [None] * (2 * n_nit)
    non_sequences = list(non_seqs) + [ns_points[k] for k in float_ns] + list(shared_inits)

    def forward_step(*args):
        args = list(args)
        x_args = args[:info.n_seqs]
        dx_args = args[info.n_seqs:info.n_seqs + len(float_seqs)]
        pos = info.n_seqs + len(float_seqs)
        tap_args, dtap_args = [], []
        for taps in info.state_taps:
            tap_args += args[pos:pos + len(taps)]
            pos += len(taps)
        for s in float_states:
            dtap_args.append(args[pos:pos + len(info.state_taps[s])])
            pos += len(info.state_taps[s])
        ns_args = args[pos:pos + info.n_non_seqs]
        pos += info.n_non_seqs
        dns_args = args[pos:pos + len(float_ns)]
        shared_args = args[pos + len(float_ns):]
        replace = dict(zip(info.inner_seqs(inner_in), x_args))
        replace.update(zip([v for group in info.inner_state_taps(inner_in) for v in group], tap_args))
        replace.update(zip(info.inner_shared(inner_in), shared_args))
        replace.update(zip(info.inner_non_seqs(inner_in), ns_args))
        outs = clone_replace(inner_out, replace=replace, strict=False)
        wrt = [x_args[j] for j in float_seqs]
        points = list(dx_args)
        groups = info.inner_state_taps(inner_in)
        offset = 0
        for s, group in enumerate(groups):
            if s in float_states:
                wrt += tap_args[offset:offset + len(group)]
                points += list(dtap_args[float_states.index(s)])
            offset += len(group)
        wrt += [ns_args[k] for k in float_ns]
        points += list(dns_args)
        float_outs = [o for o in outs if _is_float(o)]
        tangents = Rop(float_outs, wrt, points, disconnected_outputs="ignore") if wrt and float_outs else []
        tangent_of = dict(zip(map(id, float_outs), tangents))
        state_tangents = [tangent_of.get(id(outs[s]), T.zeros_like(outs[s])) for s in float_states]
        nit = outs[n_states:]
        nit_tangents = [tangent_of.get(id(o), T.zeros_like(o)) for o in nit]
        return list(outs[:n_states]) + state_tangents + nit + nit_tangents

    results, _ = scan(forward_step, sequences=sequences, outputs_info=outputs_info, non_sequences=non_sequences,
                      n_steps=n, mode=op.mode, name=f"rop_of_{op.name or 'scan'}", return_list=True)
    tangents_out: list = []
    for s in range(n_states):
        if s in float_states:
            tangents_out.append(_full_buffer(results[n_states + float_states.index(s)]))
        else:
            tangents_out.append(None)
    base = n_states + len(float_states) + n_nit
    tangents_out += list(results[base:base + n_nit])
    tangents_out += [None] * info.n_shared
    return tangents_out
