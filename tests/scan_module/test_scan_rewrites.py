"""The scan rewrites: the graph each produces, and unchanged values (against the same graph
compiled without the ``scan`` rewrites, and against NumPy)."""

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.graph.basic import io_toposort
from theano.scan_module import scan
from theano.scan_module.scan_op import Scan

pytestmark = pytest.mark.usefixtures("backend")


def scan_nodes(fn):
    return [n for n in fn.maker.fgraph.toposort() if isinstance(n.op, Scan)]


def inner_exps(node):
    nodes = io_toposort(node.op.inner_inputs, node.op.inner_outputs)
    return [n for n in nodes if "exp" in str(n.op)]


def without_scan_rewrites():
    return theano.compile.mode.get_default_mode().excluding("scan")


def test_push_out_invariants():
    x, W = T.matrix("x"), T.matrix("W")
    h, _ = scan(lambda xt, h, W: T.tanh(xt + T.dot(h, T.exp(W))), sequences=x,
                outputs_info=T.zeros((2,), dtype="float64"), non_sequences=W)
    f = theano.function([x, W], h)
    (node,) = scan_nodes(f)
    assert not inner_exps(node)  # exp(W) is computed once, outside the loop
    pushed = node.inputs[-1]
    assert pushed.owner is not None and "exp" in str(pushed.owner.op)
    assert node.op.info.n_non_seqs == 1  # W itself is no longer read inside
    reference = theano.function([x, W], h, mode=without_scan_rewrites())
    (ref_node,) = scan_nodes(reference)
    assert inner_exps(ref_node)
    xv, Wv = np.random.default_rng(0).uniform(-1, 1, (4, 2)), np.random.default_rng(1).uniform(-1, 1, (2, 2))
    expected, hv = [], np.zeros(2)
    for t in range(4):
        hv = np.tanh(xv[t] + hv @ np.exp(Wv))
        expected.append(hv)
    np.testing.assert_allclose(f(xv, Wv), expected)
    np.testing.assert_allclose(reference(xv, Wv), expected)


def test_save_memory_keeps_only_last_entries():
    x = T.vector("x")
    h0 = T.scalar("h0")
    (h, y), _ = scan(lambda v, h: (h * 0.5 + v, v * 2), sequences=x, outputs_info=[h0, None])
    f = theano.function([x, h0], [h[-1], y[-3:]])
    (node,) = scan_nodes(f)
    assert node.op.info.mem_limits == (1, 3)
    reference = theano.function([x, h0], [h[-1], y[-3:]], mode=without_scan_rewrites())
    assert scan_nodes(reference)[0].op.info.mem_limits == (None, None)
    xv = np.arange(1.0, 8.0)
    expected_h = 1.0
    for v in xv:
        expected_h = expected_h * 0.5 + v
    for fn in (f, reference):
        last, tail = fn(xv, 1.0)
        np.testing.assert_allclose(last, expected_h)
        np.testing.assert_allclose(tail, 2 * xv[-3:])
    # fewer steps than the ring holds
    np.testing.assert_allclose(f(xv[:2], 1.0)[1], 2 * xv[:2])


def test_save_memory_with_multiple_taps_and_full_output_untouched():
    init = T.vector("init")
    n = T.iscalar("n")
    fib, _ = scan(lambda a, b: a + b, outputs_info=dict(initial=init, taps=[-2, -1]), n_steps=n)
    f = theano.function([init, n], fib[-1])
    (node,) = scan_nodes(f)
    assert node.op.info.mem_limits == (2,)  # the two lags it reads
    assert f(np.array([1.0, 1.0]), 10) == 144.0
    g = theano.function([init, n], [fib, fib[-1]])
    assert scan_nodes(g)[0].op.info.mem_limits == (None,)
    np.testing.assert_allclose(g(np.array([1.0, 1.0]), 4)[0], [2, 3, 5, 8])


def test_merge_scans_over_the_same_sequence():
    x = T.vector("x")
    doubled, _ = scan(lambda v: v * 2, sequences=x)
    sums, _ = scan(lambda v, acc: acc + v, sequences=x, outputs_info=T.constant(0.0, dtype="float64"))
    f = theano.function([x], [doubled, sums])
    (node,) = scan_nodes(f)
    assert node.op.info.n_seqs == 1 and node.op.info.n_states == 1 and node.op.info.n_nit_sot == 1
    reference = theano.function([x], [doubled, sums], mode=without_scan_rewrites())
    assert len(scan_nodes(reference)) == 2
    xv = np.arange(5.0)
    for fn in (f, reference):
        r_doubled, r_sums = fn(xv)
        np.testing.assert_allclose(r_doubled, 2 * xv)
        np.testing.assert_allclose(r_sums, np.cumsum(xv))


def test_dependent_scans_are_not_merged():
    x = T.vector("x")
    first, _ = scan(lambda v: v * 2, sequences=x)
    second, _ = scan(lambda v: v + 1, sequences=first)
    f = theano.function([x], second)
    assert len(scan_nodes(f)) == 2
    np.testing.assert_allclose(f(np.arange(3.0)), 2 * np.arange(3.0) + 1)


def test_identical_scans_merge_into_one_node():
    x = T.vector("x")
    a, _ = scan(lambda v: T.exp(v), sequences=x)
    b, _ = scan(lambda v: T.exp(v), sequences=x)
    assert a.owner.op == b.owner.op and hash(a.owner.op) == hash(b.owner.op)
    f = theano.function([x], a + b)
    assert len(scan_nodes(f)) == 1
    np.testing.assert_allclose(f(np.zeros(3)), [2.0, 2.0, 2.0])
