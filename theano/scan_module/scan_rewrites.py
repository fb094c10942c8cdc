"""Rewrites of Scan nodes (registered in the pipeline with the tag ``scan``).

- :func:`scan_push_out_invariants` (canonicalize): inner computations that read only
  non-sequences and constants are the same at every step; they move out of the loop and
  their results become new non-sequences.
- :class:`ScanMerge` (canonicalize): scans with the same number of steps, neither reading the
  other's outputs, become one scan (their common sequences and non-sequences shared).
- :func:`scan_save_memory` (specialize): an output of which only the last entries are used
  (``outputs[-1]``, ``outputs[-3:]``) keeps only those in a ring buffer instead of one entry
  per step.
"""

from __future__ import annotations

import dataclasses

from theano.graph.basic import Constant, Variable, ancestors, clone_get_equiv, clone_replace, io_toposort
from theano.graph.rewriting.basic import GraphRewriter, node_rewriter, replace_validate
from theano.scan_module.scan_op import Scan
from theano.tensor.subtensor import Subtensor

__all__ = ["ScanMerge", "scan_push_out_invariants", "scan_save_memory"]


def _remake(op: Scan, inner_inputs, inner_outputs, info) -> Scan:
    return Scan(inner_inputs, inner_outputs, info, mode=op.mode, name=op.name, profile=op.profile)


# ------------------------------------------------------------------------------------------
# Loop invariants
# ------------------------------------------------------------------------------------------

@node_rewriter([Scan])
def scan_push_out_invariants(fgraph, node):
    """Compute outside the loop what reads only non-sequences and constants."""
    op = node.op
    info = op.info
    inner_in = op.inner_inputs
    inner_out = op.inner_outputs
    ns_inner = info.inner_non_seqs(inner_in)
    ns_outer = info.outer_non_seqs(node.inputs)
    invariant: set[Variable] = set(ns_inner)
    order = io_toposort(inner_in, inner_out)
    for inner_node in order:
        if getattr(inner_node.op, "destroy_map", None):
            continue
        if all(v in invariant or isinstance(v, Constant) for v in inner_node.inputs):
            invariant.update(inner_node.outputs)
    candidates: list[Variable] = []
    for inner_node in order:
        if inner_node.outputs[0] in invariant:
            continue
        for v in inner_node.inputs:
            if v in invariant and v.owner is not None and v not in candidates:
                candidates.append(v)
    for v in inner_out:
        if v in invariant and v.owner is not None and v not in candidates:
            candidates.append(v)
    if not candidates:
        return None
    outer_values = clone_replace(candidates, replace=dict(zip(ns_inner, ns_outer)), strict=False)
    new_inner = []
    for v in candidates:
        fresh = v.type()
        fresh.name = v.name
        new_inner.append(fresh)
    new_out = clone_replace(inner_out, replace=dict(zip(candidates, new_inner)), strict=False)
    # drop the non-sequences nothing reads any more
    used = set(ancestors(new_out))
    keep = [k for k, v in enumerate(ns_inner) if v in used]
    kept_inner = [ns_inner[k] for k in keep] + new_inner
    kept_outer = [ns_outer[k] for k in keep] + list(outer_values)
    n_fixed = info.n_inner_inputs - info.n_non_seqs
    new_info = dataclasses.replace(info, n_non_seqs=len(kept_inner))
    new_op = _remake(op, inner_in[:n_fixed] + kept_inner, new_out, new_info)
    return new_op.make_node(*node.inputs[:1 + info.n_seqs + info.n_states + info.n_shared], *kept_outer).outputs


# ------------------------------------------------------------------------------------------
# Keeping only the last entries of an output
# ------------------------------------------------------------------------------------------

def _last_entries_index(node, position: int, allow_slice: bool) -> int | None:
    """How many of the last entries ``node`` (reading input ``position``) needs, when it is a
    Subtensor whose first index is a constant negative integer (or, with ``allow_slice``, a
    slice from a constant negative start to the end); None otherwise."""
    if node == "output" or not isinstance(node.op, Subtensor) or position != 0 or not node.op.idx_list:
        return None
    first = node.op.idx_list[0]
    if isinstance(first, int) and not isinstance(first, bool):
        return -first if first < 0 else None
    if allow_slice and isinstance(first, slice):
        start, stop, step = first.start, first.stop, first.step
        if isinstance(start, int) and start < 0 and stop is None and step in (None, 1):
            return -start
    return None


def _needed_entries(fgraph, var: Variable) -> tuple[int, list] | None:
    """How many last entries of ``var`` its uses need, and the uses to re-point: pairs of (old
    variable, Subtensor node reading it). None when some use needs more (or is unknown)."""
    needed = 0
    rewires: list = []
    for client, position in fgraph.clients.get(var, ()):
        k = _last_entries_index(client, position, allow_slice=True)
        if k is not None:
            needed = max(needed, k)
            rewires.append(client)
            continue
        # the user-facing view ``buffer[lag:]``, read only at constant negative indices
        if client == "output" or not isinstance(client.op, Subtensor) or position != 0:
            return None
        first = client.op.idx_list[0] if client.op.idx_list else None
        if not (len(client.op.idx_list) == 1 and isinstance(first, slice) and isinstance(first.start, int)
                and first.start >= 0 and first.stop is None and first.step is None):
            return None
        sliced = client.outputs[0]
        for grand, grand_position in fgraph.clients.get(sliced, ()):
            k = _last_entries_index(grand, grand_position, allow_slice=False)
            if k is None:
                return None
            needed = max(needed, k)
            rewires.append(grand)
    return needed, rewires


@node_rewriter([Scan])
def scan_save_memory(fgraph, node):
    """Keep only the needed last entries of outputs read only through negative indices."""
    op = node.op
    info = op.info
    limits = list(info.mem_limits)
    lags = info.lags
    rewired: dict[int, list] = {}
    for k in range(info.n_states + info.n_nit_sot):
        if limits[k] is not None:
            continue
        out = node.outputs[k]
        if any(c == "output" for c, _ in fgraph.clients.get(out, ())):
            continue
        found = _needed_entries(fgraph, out)
        if found is None:
            continue
        needed, clients = found
        lag = lags[k] if k < info.n_states else 0
        limits[k] = max(needed, lag, 1)
        rewired[k] = clients
    if not rewired:
        return None
    new_op = _remake(op, op.inner_inputs, op.inner_outputs, dataclasses.replace(info, mem_limits=tuple(limits)))
    new_node = new_op.make_node(*node.inputs)
    result = {}
    for k, out in enumerate(node.outputs):
        if k not in rewired:
            result[out] = new_node.outputs[k]
            continue
        for client in rewired[k]:
            result[client.outputs[0]] = client.op.make_node(new_node.outputs[k], *client.inputs[1:]).outputs[0]
    return result


# ------------------------------------------------------------------------------------------
# Merging scans
# ------------------------------------------------------------------------------------------

def _merge_key(node):
    info = node.op.info
    if info.as_while:
        return None
    return (node.inputs[0], info.truncate_gradient, repr(node.op.mode))


def merge_scan_nodes(a, b):
    """One Scan node computing what nodes ``a`` and ``b`` (same number of steps) compute; also
    the variable of the new node replacing each output of ``a`` then of ``b``."""
    ia, ib = a.op.info, b.op.info
    parts = []
    for node in (a, b):
        equiv = clone_get_equiv(node.op.inner_inputs, node.op.inner_outputs)
        parts.append(([equiv[v] for v in node.op.inner_inputs], [equiv[v] for v in node.op.inner_outputs]))
    (a_in, a_out), (b_in, b_out) = parts
    # sequences and non-sequences given the same outer variable share one inner input
    seq_pairs = list(zip(ia.outer_seqs(a.inputs) + ib.outer_seqs(b.inputs), ia.inner_seqs(a_in) + ib.inner_seqs(b_in)))
    ns_pairs = list(zip(ia.outer_non_seqs(a.inputs) + ib.outer_non_seqs(b.inputs),
                        ia.inner_non_seqs(a_in) + ib.inner_non_seqs(b_in)))
    replace = {}

    def dedupe(pairs):
        kept: list = []
        first: dict = {}
        for outer, inner in pairs:
            if outer in first and first[outer].type == inner.type:
                replace[inner] = first[outer]
                continue
            first[outer] = inner
            kept.append((outer, inner))
        return kept

    seq_pairs = dedupe(seq_pairs)
    ns_pairs = dedupe(ns_pairs)
    outputs = (a_out[:ia.n_states] + b_out[:ib.n_states]
               + a_out[ia.n_states:ia.n_states + ia.n_nit_sot] + b_out[ib.n_states:ib.n_states + ib.n_nit_sot]
               + a_out[ia.n_states + ia.n_nit_sot:ia.n_outputs] + b_out[ib.n_states + ib.n_nit_sot:ib.n_outputs])
    if replace:
        outputs = clone_replace(outputs, replace=replace, strict=False)
    a_taps = [v for group in ia.inner_state_taps(a_in) for v in group]
    b_taps = [v for group in ib.inner_state_taps(b_in) for v in group]
    inner_inputs = ([i for _, i in seq_pairs] + a_taps + b_taps + ia.inner_shared(a_in) + ib.inner_shared(b_in)
                    + [i for _, i in ns_pairs])
    limits = (ia.mem_limits[:ia.n_states] + ib.mem_limits[:ib.n_states] + ia.mem_limits[ia.n_states:]
              + ib.mem_limits[ib.n_states:])
    info = dataclasses.replace(ia, n_seqs=len(seq_pairs), state_taps=ia.state_taps + ib.state_taps,
                               n_nit_sot=ia.n_nit_sot + ib.n_nit_sot, n_shared=ia.n_shared + ib.n_shared,
                               n_non_seqs=len(ns_pairs), mem_limits=limits,
                               aux_nit=ia.aux_nit + tuple(ia.n_nit_sot + j for j in ib.aux_nit))
    name = "&".join(n for n in (a.op.name, b.op.name) if n) or None
    op = Scan(inner_inputs, outputs, info, mode=a.op.mode, name=name, profile=a.op.profile)
    outer = ([a.inputs[0]] + [o for o, _ in seq_pairs] + ia.outer_states(a.inputs) + ib.outer_states(b.inputs)
             + ia.outer_shared(a.inputs) + ib.outer_shared(b.inputs) + [o for o, _ in ns_pairs])
    new = op.make_node(*outer).outputs
    sa, sb = ia.n_states, ib.n_states
    na, nb = ia.n_nit_sot, ib.n_nit_sot
    ha = ia.n_shared
    pos = sa + sb
    a_new = new[:sa] + new[pos:pos + na] + new[pos + na + nb:pos + na + nb + ha]
    b_new = new[sa:sa + sb] + new[pos + na:pos + na + nb] + new[pos + na + nb + ha:]
    return new[0].owner, list(zip(a.outputs, a_new)) + list(zip(b.outputs, b_new))


def _depends(node, other) -> bool:
    """Whether ``node`` reads (directly or not) an output of ``other``."""
    targets = set(other.outputs)
    return any(v in targets for v in ancestors(node.inputs))


class ScanMerge(GraphRewriter):
    """Merge scans that run the same number of steps and do not read each other's outputs."""

    name = "scan_merge"

    def apply(self, fgraph) -> int:
        merged = 0
        changed = True
        while changed:
            changed = False
            groups: dict = {}
            for node in fgraph.toposort():
                if isinstance(node.op, Scan):
                    key = _merge_key(node)
                    if key is not None:
                        groups.setdefault(key, []).append(node)
            for nodes in groups.values():
                done = False
                for i, a in enumerate(nodes):
                    for b in nodes[i + 1:]:
                        if set(a.op.info.outer_shared(a.inputs)) & set(b.op.info.outer_shared(b.inputs)):
                            continue
                        if _depends(a, b) or _depends(b, a):
                            continue
                        _, pairs = merge_scan_nodes(a, b)
                        if replace_validate(fgraph, pairs, reason=self.name):
                            merged += 1
                            changed = done = True
                            break
                    if done:
                        break
                if done:
                    break
        return merged


def _register() -> None:
    from theano.compile.pipeline import register_canonicalize, register_specialize

    register_canonicalize(scan_push_out_invariants, "scan")
    register_canonicalize(ScanMerge(), "scan", name="scan_merge")
    register_specialize(scan_save_memory, "scan")


_register()
